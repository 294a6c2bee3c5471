// The kernel module (csrc/kernels.c) against plain float64 references, in both builds.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelModuleBytes, relaxedSimdSupported, WasmKernels } from '../wasmKernels.js';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}
const randn = (n: number, r: () => number) => Float32Array.from({ length: n }, r);

function put(w: WasmKernels, data: Float32Array): number {
  const p = w.alloc(data.length);
  w.f32.set(data, p >> 2);
  return p;
}
const get = (w: WasmKernels, p: number, n: number) => w.f32.slice(p >> 2, (p >> 2) + n);

/** C = op(A)·op(B) in float64 (A [M,K] or [K,M] when ta; B [K,N] or [N,K] when tb). */
function refGemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  ta: boolean,
  tb: boolean,
) {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++)
        s += (ta ? A[k * M + i]! : A[i * K + k]!) * (tb ? B[j * K + k]! : B[k * N + j]!);
      C[i * N + j] = s;
    }
  return C;
}
function maxRelErr(got: Float32Array, want: Float64Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
  }
  return err / scale;
}

const flavors = (['simd128', 'relaxed'] as const).filter((f) => f === 'simd128' || relaxedSimdSupported());

describe.each(flavors)('wasm kernels (%s)', (flavor) => {
  it('loads the requested build', async () => {
    const w = await WasmKernels.create(flavor);
    expect(w.flavor).toBe(flavor);
  });

  // Shapes with every edge: rows not a multiple of 4, columns not a multiple of 8 (and < 8).
  const shapes: [number, number, number][] = [
    [100, 200, 784],
    [7, 13, 5],
    [32, 64, 30],
    [33, 2, 64],
    [1, 8, 3],
    [5, 10, 17],
  ];
  it.each(shapes)('gemm_nn/tn/nt %i×%i (K=%i) match float64 with bias and accumulation', async (M, N, K) => {
    const w = await WasmKernels.create(flavor);
    const r = lcg(M * 1000 + N * 10 + K);
    const A = randn(M * K, r);
    const B = randn(K * N, r);
    const bias = randn(N, r);
    const pa = put(w, A);
    const pb = put(w, B);
    const pbias = put(w, bias);
    const pc = w.alloc(M * N);
    const scratch = w.alloc(M * N + K * N + M * K);
    // A·B + bias
    w.k.gemm_nn(M, N, K, pa, pb, pc, pbias, 0);
    const want = refGemm(M, N, K, A, B, false, false).map((v, i) => v + bias[i % N]!);
    expect(maxRelErr(get(w, pc, M * N), want)).toBeLessThan(2e-6);
    // += A·B
    w.k.gemm_nn(M, N, K, pa, pb, pc, 0, 1);
    const want2 = refGemm(M, N, K, A, B, false, false).map((v, i) => 2 * v + bias[i % N]!);
    expect(maxRelErr(get(w, pc, M * N), want2)).toBeLessThan(2e-6);
    // Aᵀ·B with A stored [K,M]: reuse A's values as a [K,M] matrix.
    w.k.gemm_tn(M, N, K, pa, pb, pc, 0);
    expect(maxRelErr(get(w, pc, M * N), refGemm(M, N, K, A, B, true, false))).toBeLessThan(2e-6);
    // A·Bᵀ with B stored [N,K].
    w.k.gemm_nt(M, N, K, pa, pb, pc, pbias, 0, scratch);
    const want3 = refGemm(M, N, K, A, B, false, true).map((v, i) => v + bias[i % N]!);
    expect(maxRelErr(get(w, pc, M * N), want3)).toBeLessThan(2e-6);
    // Column sums.
    w.k.col_sums(M, K, pa, pc, 0);
    const sums = new Float64Array(K);
    for (let i = 0; i < M; i++) for (let j = 0; j < K; j++) sums[j]! += A[i * K + j]!;
    expect(maxRelErr(get(w, pc, K), sums)).toBeLessThan(1e-6);
  });

  it('a last panel narrower than 8 columns writes nothing past column N (C a view inside a wider matrix, a guard after it)', async () => {
    const w = await WasmKernels.create(flavor);
    for (const N of [1, 3, 4, 6, 7, 13]) {
      const M = 6;
      const K = 9;
      const r = lcg(N);
      const A = randn(M * K, r);
      const B = randn(K * N, r);
      const bias = randn(N, r);
      const pa = put(w, A);
      const pb = put(w, B);
      const pbias = put(w, bias);
      // C [M, N] is the left part of a [M, N + 5] matrix whose last 5 columns (and a guard after it) hold 7.
      const ldc = N + 5;
      const pc = put(w, new Float32Array(M * ldc + 8).fill(7));
      // gemm_nn writes rows of N into a matrix with row stride N: run it per row into the wide matrix.
      for (let i = 0; i < M; i++) w.k.gemm_nn(1, N, K, pa + 4 * i * K, pb, pc + 4 * i * ldc, pbias, 0);
      const out = get(w, pc, M * ldc + 8);
      const want = refGemm(M, N, K, A, B, false, false).map((v, i) => v + bias[i % N]!);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) expect(Math.abs(out[i * ldc + j]! - want[i * N + j]!)).toBeLessThan(1e-5);
        for (let j = N; j < ldc; j++) expect(out[i * ldc + j]).toBe(7);
        // The narrower panel rounds as a plain float32 dot product (multiply, then add, k in order): bit-exact.
        for (let j = N & ~7; j < N; j++) {
          let acc = Math.fround(bias[j]!);
          for (let k = 0; k < K; k++) acc = Math.fround(acc + Math.fround(A[i * K + k]! * B[k * N + j]!));
          expect(out[i * ldc + j]).toBe(acc);
        }
      }
      for (let j = M * ldc; j < M * ldc + 8; j++) expect(out[j]).toBe(7);
      // Accumulating 4-row tiles: the same, whole matrix at once into a tight [M, N] with a guard after it.
      const tight = put(w, new Float32Array(M * N + 8).fill(7));
      w.k.gemm_nn(M, N, K, pa, pb, tight, 0, 0);
      w.k.gemm_nn(M, N, K, pa, pb, tight, 0, 1);
      const t = get(w, tight, M * N + 8);
      for (let i = 0; i < M * N; i++)
        expect(Math.abs(t[i]! - 2 * (want[i]! - bias[i % N]!))).toBeLessThan(1e-5);
      for (let j = M * N; j < M * N + 8; j++) expect(t[j]).toBe(7);
    }
  });

  it('exp and log agree with Math.exp / Math.log to float32 precision', async () => {
    const w = await WasmKernels.create(flavor);
    const x = Float32Array.from({ length: 4000 }, (_, i) => -87 + (175 * i) / 3999);
    const px = put(w, x);
    const out = w.alloc(x.length);
    w.k.vec_exp(x.length, px, out);
    const e = get(w, out, x.length);
    for (let i = 0; i < x.length; i++) expect(Math.abs(e[i]! / Math.exp(x[i]!) - 1)).toBeLessThan(4e-7);
    const pos = Float32Array.from({ length: 4000 }, (_, i) => 1e-30 * 10 ** ((i / 3999) * 60));
    const pp = put(w, pos);
    w.k.vec_log(pos.length, pp, out);
    const l = get(w, out, pos.length);
    for (let i = 0; i < pos.length; i++) {
      expect(Math.abs(l[i]! - Math.log(pos[i]!))).toBeLessThan(
        4e-7 * Math.max(1, Math.abs(Math.log(pos[i]!))),
      );
    }
  });

  const acts: [string, number, (z: number) => number, (z: number, a: number) => number][] = [
    ['linear', 0, (z) => z, () => 1],
    ['relu', 1, (z) => Math.max(z, 0), (z) => (z > 0 ? 1 : 0)],
    ['sigmoid', 2, (z) => 1 / (1 + Math.exp(-z)), (_z, a) => a * (1 - a)],
    ['tanh', 3, Math.tanh, (_z, a) => 1 - a * a],
    ['elu', 4, (z) => (z > 0 ? z : Math.expm1(z)), (z, a) => (z > 0 ? 1 : a + 1)],
    ['softplus', 5, (z) => Math.log1p(Math.exp(z)), (z) => 1 / (1 + Math.exp(-z))],
    ['leakyRelu', 6, (z) => (z > 0 ? z : 0.2 * z), (z) => (z > 0 ? 1 : 0.2)],
  ];
  it.each(acts)('activation %s and its gradient', async (_name, kind, f, df) => {
    const w = await WasmKernels.create(flavor);
    const z = Float32Array.from({ length: 1001 }, (_, i) => -20 + (40 * i) / 1000);
    const pz = put(w, z);
    const pa = w.alloc(z.length);
    w.k.act_forward(kind, z.length, pz, pa, 0.2);
    const a = get(w, pa, z.length);
    const d = put(w, new Float32Array(z.length).fill(3));
    w.k.act_backward(kind, z.length, pz, pa, d, 0.2);
    const g = get(w, d, z.length);
    for (let i = 0; i < z.length; i++) {
      expect(Math.abs(a[i]! - f(z[i]!))).toBeLessThan(2e-6 * Math.max(1, Math.abs(f(z[i]!))));
      expect(Math.abs(g[i]! - 3 * df(z[i]!, a[i]!))).toBeLessThan(1e-5);
    }
  });

  it('softmax cross-entropy and MSE: losses and gradients (weighted and not)', async () => {
    const w = await WasmKernels.create(flavor);
    const r = lcg(7);
    const M = 9;
    const N = 5;
    const z = randn(M * N, () => 8 * r());
    const labels = Int32Array.from({ length: M }, (_, i) => (i * 3) % N);
    const rw = Float32Array.from({ length: M }, (_, i) => 0.5 + i / 4);
    const pz = put(w, z);
    const pl = w.alloc(M);
    w.i32.set(labels, pl >> 2);
    const pw = put(w, rw);
    const pd = w.alloc(M * N);
    const pc = w.alloc(1);
    for (const weighted of [false, true]) {
      const loss = w.k.softmax_xent(M, N, pz, pl, weighted ? pw : 0, pd, pc);
      let total = 0;
      let wsum = 0;
      let hits = 0;
      const grad = new Float64Array(M * N);
      for (let i = 0; i < M; i++) {
        const row = Array.from(z.subarray(i * N, i * N + N));
        const mx = Math.max(...row);
        const s = row.reduce((t, v) => t + Math.exp(v - mx), 0);
        const wi = weighted ? rw[i]! : 1;
        total += wi * (mx + Math.log(s) - row[labels[i]!]!);
        wsum += wi;
        if (row.indexOf(mx) === labels[i]) hits++;
        for (let j = 0; j < N; j++)
          grad[i * N + j] = (Math.exp(row[j]! - mx) / s - (j === labels[i] ? 1 : 0)) * wi;
      }
      expect(loss).toBeCloseTo(total / wsum, 5);
      expect(get(w, pc, 1)[0]).toBe(hits);
      expect(
        maxRelErr(
          get(w, pd, M * N),
          grad.map((g) => g / wsum),
        ),
      ).toBeLessThan(1e-5);
      const t = randn(M * N, r);
      const pt = put(w, t);
      const l2 = w.k.mse(M, N, pz, pt, weighted ? pw : 0, pd);
      let sq = 0;
      for (let i = 0; i < M; i++) {
        let row = 0;
        for (let j = 0; j < N; j++) row += (z[i * N + j]! - t[i * N + j]!) ** 2;
        sq += (weighted ? rw[i]! : 1) * (row / N);
      }
      expect(l2).toBeCloseTo(sq / wsum, 4);
      const g2 = get(w, pd, M * N);
      expect(g2[N + 2]).toBeCloseTo((2 * (z[N + 2]! - t[N + 2]!) * (weighted ? rw[1]! : 1)) / (wsum * N), 5);
    }
  });

  it('dropout masks are seeded, keep about 1 − rate of the values, scaled by 1 / (1 − rate)', async () => {
    const w = await WasmKernels.create(flavor);
    const n = 100_000;
    const x = put(w, new Float32Array(n).fill(1));
    const y = w.alloc(n);
    const m = w.alloc(n);
    w.k.drop_mask(n, 1234, 0.3, 1 / 0.7, x, y, m);
    const a = get(w, y, n);
    const kept = a.filter((v) => v > 0);
    expect(kept.length / n).toBeGreaterThan(0.69);
    expect(kept.length / n).toBeLessThan(0.71);
    expect(kept[0]).toBeCloseTo(1 / 0.7, 6);
    expect(get(w, m, n)).toEqual(a);
    w.k.drop_mask(n, 1234, 0.3, 1 / 0.7, x, y, m);
    expect(get(w, y, n)).toEqual(a);
    w.k.drop_mask(n, 1235, 0.3, 1 / 0.7, x, y, m);
    expect(get(w, y, n)).not.toEqual(a);
    // The generator's numbers are uniform: mean 1/2, variance 1/12.
    w.k.uniform(n, 99, y);
    const u = get(w, y, n);
    const mean = u.reduce((s, v) => s + v, 0) / n;
    const variance = u.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 3);
  });

  it('optimizer updates follow the formulas (Adam, SGD, momentum, Nesterov; L2 and clipping)', async () => {
    const w = await WasmKernels.create(flavor);
    const n = 6;
    const W = Float32Array.from([0.5, -0.25, 1, 2, -3, 0.1]);
    const G = Float32Array.from([0.1, -0.2, 0.3, -4, 5, 0]);
    const pw = put(w, W);
    const pg = put(w, G);
    // g += 0.5 w, then clip to ±1: Σg² returned.
    const ss = w.k.grad_prep(n, pg, pw, 0.5, 1);
    const g = G.map((v, i) => Math.min(1, Math.max(-1, v + 0.5 * W[i]!)));
    expect(get(w, pg, n)).toEqual(g);
    expect(ss).toBeCloseTo(
      g.reduce((s, v) => s + v * v, 0),
      6,
    );
    const pm = w.alloc(n);
    const pv = w.alloc(n);
    w.k.adam_update(n, pw, pg, pm, pv, 0.5, 0.01, 0.9, 0.999, 1e-7, 1 - 0.9, 1 - 0.999);
    const got = get(w, pw, n);
    for (let i = 0; i < n; i++) {
      const x = g[i]! * 0.5;
      const m = 0.1 * x;
      const v = 0.001 * x * x;
      expect(got[i]).toBeCloseTo(W[i]! - (0.01 * (m / 0.1)) / (Math.sqrt(v / 0.001) + 1e-7), 5);
    }
    const before = get(w, pw, n);
    w.k.sgd_update(n, pw, pg, 2, 0.1);
    expect(get(w, pw, n)).toEqual(
      before.map((v, i) => Math.fround(v - Math.fround(0.1 * Math.fround(g[i]! * 2)))),
    );
    for (const nesterov of [0, 1]) {
      const pa = put(w, Float32Array.from([1, 1, 1, 1, 1, 1]));
      const b = get(w, pw, n);
      w.k.momentum_update(n, pw, pg, pa, 1, 0.1, 0.9, nesterov);
      const acc = g.map((v) => 0.9 + v);
      const accGot = get(w, pa, n);
      const out = get(w, pw, n);
      for (let i = 0; i < n; i++) {
        expect(accGot[i]).toBeCloseTo(acc[i]!, 6);
        const step = nesterov ? g[i]! + 0.9 * acc[i]! : acc[i]!;
        expect(out[i]).toBeCloseTo(b[i]! - 0.1 * step, 6);
      }
    }
  });
});

describe('kernel build', () => {
  it('the shipped .wasm files are the embedded bytes', () => {
    for (const f of ['simd128', 'relaxed'] as const) {
      expect(new Uint8Array(readFileSync(join(pkg, 'wasm', `kernels-${f}.wasm`)))).toEqual(
        kernelModuleBytes(f),
      );
      expect(new Uint8Array(readFileSync(join(pkg, 'wasm', `kernels-${f}-mt.wasm`)))).toEqual(
        kernelModuleBytes(f, true),
      );
    }
  });

  // CI installs clang-16 and lld-16 (.ci/run), so this runs there; elsewhere it needs LAYERWISE_WASM_REBUILD=0
  // to be skipped on purpose.
  const skip = process.env.LAYERWISE_WASM_REBUILD === '0';
  it.skipIf(skip)(
    'a rebuild from csrc/ gives the same bytes (pnpm build:wasm is reproducible)',
    () => {
      const out = mkdtempSync(join(tmpdir(), 'layerwise-rebuild-'));
      try {
        execFileSync(process.execPath, [join(pkg, 'scripts', 'build-wasm.mjs'), out], { stdio: 'pipe' });
        for (const f of ['simd128', 'relaxed', 'simd128-mt', 'relaxed-mt']) {
          expect(
            readFileSync(join(out, 'wasm', `kernels-${f}.wasm`)).equals(
              readFileSync(join(pkg, 'wasm', `kernels-${f}.wasm`)),
            ),
          ).toBe(true);
        }
        expect(readFileSync(join(out, 'src', 'kernelBinaries.generated.ts'), 'utf8')).toBe(
          readFileSync(join(pkg, 'src', 'kernelBinaries.generated.ts'), 'utf8'),
        );
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
