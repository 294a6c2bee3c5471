import { type KernelPool, MAX_PARTS, PART_ARGS, POOL_FUNCTIONS, type PoolBinding } from './kernelPool.js';
import type { GemmArgs, KernelExports } from './wasmKernels.js';

/** GEMMs below this many multiply-adds run on the calling thread (a job's hand-off costs ~1 µs). */
const GEMM_PARALLEL_MACS = 1 << 16;
/** Element-wise calls below this many values run on the calling thread. */
const ELEMENTWISE_PARALLEL = 1 << 15;

const FN = Object.fromEntries(POOL_FUNCTIONS.map((n, i) => [n, i])) as Record<
  (typeof POOL_FUNCTIONS)[number],
  number
>;

/**
 * The kernel exports with their big calls split over `pool`: GEMMs by 8-column panels of C (or 4-row blocks
 * when C is narrow), element-wise kernels by ranges of whole vectors. Each value is computed by exactly the
 * code one call would run, so results are bit-identical for any thread count. The other kernels (reductions:
 * losses, column sums, gradient norms) stay on the calling thread, in their fixed order.
 */
export function threadedExports(
  raw: KernelExports,
  memory: WebAssembly.Memory,
  pool: KernelPool,
  binding: PoolBinding,
  threads: number,
): KernelExports {
  // Parts per job: twice the threads, so a late worker costs at most a small share.
  const parts = Math.min(MAX_PARTS, 2 * threads);
  const a = pool.argBlock;

  function gemm(...g: GemmArgs): void {
    const [M, N, K] = g;
    const panels = (N + 7) >> 3;
    const blocks = (M + 3) >> 2;
    if (M * N * K < GEMM_PARALLEL_MACS || (panels < 2 && blocks < 2)) {
      raw.gemm_block(...g, 0, M, 0, N);
      return;
    }
    const byColumns = panels >= parts || panels >= blocks;
    const units = byColumns ? panels : blocks;
    const n = Math.min(parts, units);
    const base = pool.argBase;
    for (let p = 0; p < n; p++) {
      const lo = Math.floor((p * units) / n);
      const hi = Math.floor(((p + 1) * units) / n);
      const o = base + p * PART_ARGS;
      for (let j = 0; j < 12; j++) a[o + j] = g[j]!;
      if (byColumns) {
        a[o + 12] = 0;
        a[o + 13] = M;
        a[o + 14] = lo * 8;
        a[o + 15] = Math.min(N, hi * 8);
      } else {
        a[o + 12] = lo * 4;
        a[o + 13] = Math.min(M, hi * 4);
        a[o + 14] = 0;
        a[o + 15] = N;
      }
    }
    pool.run(binding, FN.gemm_block, n);
  }

  function transpose(R: number, S: number, B: number, T: number): void {
    const blocks = (R + 7) >> 3;
    if (R * S < ELEMENTWISE_PARALLEL || blocks < 2) {
      raw.transpose_rows(R, S, B, T, 0, R);
      return;
    }
    const n = Math.min(parts, blocks);
    const base = pool.argBase;
    for (let p = 0; p < n; p++) {
      const o = base + p * PART_ARGS;
      a[o] = R;
      a[o + 1] = S;
      a[o + 2] = B;
      a[o + 3] = T;
      a[o + 4] = Math.floor((p * blocks) / n) * 8;
      a[o + 5] = Math.min(R, Math.floor(((p + 1) * blocks) / n) * 8);
    }
    pool.run(binding, FN.transpose_rows, n);
  }

  /**
   * Splits an element-wise call of `count` values: the argument at `countAt` is the count, those at `pointers`
   * are float buffers (moved by the part's start), `baseAt` (when ≥ 0) receives the part's first index.
   */
  function elementwise(
    fn: number,
    args: readonly number[],
    countAt: number,
    pointers: readonly number[],
    baseAt = -1,
  ): void {
    const count = args[countAt]!;
    const vectors = (count + 3) >> 2;
    const n = Math.min(parts, vectors);
    const base = pool.argBase;
    for (let p = 0; p < n; p++) {
      const lo = Math.floor((p * vectors) / n) * 4;
      const hi = Math.min(count, Math.floor(((p + 1) * vectors) / n) * 4);
      const o = base + p * PART_ARGS;
      for (let j = 0; j < args.length; j++) a[o + j] = args[j]!;
      a[o + countAt] = hi - lo;
      for (const j of pointers) a[o + j] = args[j]! + lo * 4;
      if (baseAt >= 0) a[o + baseAt] = lo;
    }
    pool.run(binding, fn, n);
  }

  return {
    ...raw,
    memory,
    // Small calls go straight to the module (no argument arrays: a small model's step allocates nothing).
    gemm_nn(M, N, K, A, B, C, bias, acc) {
      if (M * N * K < GEMM_PARALLEL_MACS) raw.gemm_nn(M, N, K, A, B, C, bias, acc);
      else gemm(M, N, K, A, K, 1, B, N, C, N, bias, acc);
    },
    gemm_tn(M, N, K, A, B, C, acc) {
      if (M * N * K < GEMM_PARALLEL_MACS) raw.gemm_tn(M, N, K, A, B, C, acc);
      else gemm(M, N, K, A, 1, M, B, N, C, N, 0, acc);
    },
    gemm_nt(M, N, K, A, B, C, bias, acc, scratch) {
      if (M * N * K < GEMM_PARALLEL_MACS) {
        raw.gemm_nt(M, N, K, A, B, C, bias, acc, scratch);
        return;
      }
      transpose(N, K, B, scratch);
      gemm(M, N, K, A, K, 1, scratch, N, C, N, bias, acc);
    },
    transpose,
    drop_mask(n, seed, rate, scale, src, dst, mask) {
      if (n < ELEMENTWISE_PARALLEL) raw.drop_mask_from(n, seed, rate, scale, src, dst, mask, 0);
      else elementwise(FN.drop_mask_from, [n, seed, rate, scale, src, dst, mask, 0], 0, [4, 5, 6], 7);
    },
    act_forward(kind, n, z, out, alpha) {
      if (n < ELEMENTWISE_PARALLEL || kind === 0) raw.act_forward(kind, n, z, out, alpha);
      else elementwise(FN.act_forward, [kind, n, z, out, alpha], 1, [2, 3]);
    },
    act_backward(kind, n, z, out, d, alpha) {
      if (n < ELEMENTWISE_PARALLEL || kind === 0) raw.act_backward(kind, n, z, out, d, alpha);
      else elementwise(FN.act_backward, [kind, n, z, out, d, alpha], 1, [2, 3, 4]);
    },
    adam_update(n, w, g, m, v, gs, lr, b1, b2, eps, d1, d2) {
      if (n < ELEMENTWISE_PARALLEL) raw.adam_update(n, w, g, m, v, gs, lr, b1, b2, eps, d1, d2);
      else elementwise(FN.adam_update, [n, w, g, m, v, gs, lr, b1, b2, eps, d1, d2], 0, [1, 2, 3, 4]);
    },
    sgd_update(n, w, g, gs, lr) {
      if (n < ELEMENTWISE_PARALLEL) raw.sgd_update(n, w, g, gs, lr);
      else elementwise(FN.sgd_update, [n, w, g, gs, lr], 0, [1, 2]);
    },
    momentum_update(n, w, g, acc, gs, lr, mu, nesterov) {
      if (n < ELEMENTWISE_PARALLEL) raw.momentum_update(n, w, g, acc, gs, lr, mu, nesterov);
      else elementwise(FN.momentum_update, [n, w, g, acc, gs, lr, mu, nesterov], 0, [1, 2, 3]);
    },
    vec_mul(n, x, m) {
      if (n < ELEMENTWISE_PARALLEL) raw.vec_mul(n, x, m);
      else elementwise(FN.vec_mul, [n, x, m], 0, [1, 2]);
    },
    vec_copy(n, src, dst) {
      if (n < ELEMENTWISE_PARALLEL) raw.vec_copy(n, src, dst);
      else elementwise(FN.vec_copy, [n, src, dst], 0, [1, 2]);
    },
  };
}
