import { BackendUnavailableError, hasNodeBuiltins, nodeBuiltin } from '@layerwise/core';
import {
  KERNELS_RELAXED_BASE64,
  KERNELS_RELAXED_MT_BASE64,
  KERNELS_SIMD128_BASE64,
  KERNELS_SIMD128_MT_BASE64,
} from './kernelBinaries.generated.js';
import { KernelPool, kernelPoolSupported, type PoolBinding } from './kernelPool.js';
import { threadedExports } from './threadedKernels.js';

/** The instruction set a kernel module was built for. */
export type KernelFlavor = 'relaxed' | 'simd128';

/**
 * A strided GEMM C[M,N] (=|+=) op(A)·B (+ bias): A element (i, k) at `A[i·ra + k·ka]`, B row stride `ldb`, C row
 * stride `ldc` (byte offsets for the buffers, 0 for no bias, `acc` 1 to add to C).
 */
export type GemmArgs = [
  M: number,
  N: number,
  K: number,
  A: number,
  ra: number,
  ka: number,
  B: number,
  ldb: number,
  C: number,
  ldc: number,
  bias: number,
  acc: number,
];

/** The functions exported by the kernel module (`csrc/kernels.c`); pointers are byte offsets. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  gemm_nn(M: number, N: number, K: number, A: number, B: number, C: number, bias: number, acc: number): void;
  gemm_tn(M: number, N: number, K: number, A: number, B: number, C: number, acc: number): void;
  gemm_nt(
    M: number,
    N: number,
    K: number,
    A: number,
    B: number,
    C: number,
    bias: number,
    acc: number,
    scratch: number,
  ): void;
  transpose(R: number, S: number, B: number, T: number): void;
  gemm_block(...args: [...GemmArgs, i0: number, i1: number, j0: number, j1: number]): void;
  transpose_rows(R: number, S: number, B: number, T: number, i0: number, i1: number): void;
  drop_mask_from(
    n: number,
    seed: number,
    rate: number,
    scale: number,
    src: number,
    dst: number,
    mask: number,
    base: number,
  ): void;
  col_sums(M: number, N: number, A: number, out: number, acc: number): void;
  vec_exp(n: number, x: number, out: number): void;
  vec_log(n: number, x: number, out: number): void;
  act_forward(kind: number, n: number, z: number, a: number, alpha: number): void;
  act_backward(kind: number, n: number, z: number, a: number, d: number, alpha: number): void;
  softmax_xent(
    M: number,
    N: number,
    logits: number,
    labels: number,
    w: number,
    dlogits: number,
    correct: number,
  ): number;
  mse(M: number, N: number, out: number, target: number, w: number, dout: number): number;
  uniform(n: number, seed: number, out: number): void;
  drop_mask(
    n: number,
    seed: number,
    rate: number,
    scale: number,
    src: number,
    dst: number,
    mask: number,
  ): void;
  vec_mul(n: number, x: number, m: number): void;
  vec_copy(n: number, src: number, dst: number): void;
  grad_prep(n: number, g: number, w: number, l2: number, c: number): number;
  adam_update(
    n: number,
    w: number,
    g: number,
    m: number,
    v: number,
    gs: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    d1: number,
    d2: number,
  ): void;
  sgd_update(n: number, w: number, g: number, gs: number, lr: number): void;
  momentum_update(
    n: number,
    w: number,
    g: number,
    a: number,
    gs: number,
    lr: number,
    mu: number,
    nesterov: number,
  ): void;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const s = atob(base64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  throw new BackendUnavailableError('The layerwise wasm kernels need atob (Node 16+, every browser).');
}

/**
 * The kernel module's bytes for `flavor` (what `wasm/kernels-<flavor>.wasm` holds); `threaded`: the `-mt`
 * build, on an imported shared memory, for the thread pool.
 */
export function kernelModuleBytes(flavor: KernelFlavor, threaded = false): Uint8Array<ArrayBuffer> {
  if (threaded) return decode(flavor === 'relaxed' ? KERNELS_RELAXED_MT_BASE64 : KERNELS_SIMD128_MT_BASE64);
  return decode(flavor === 'relaxed' ? KERNELS_RELAXED_BASE64 : KERNELS_SIMD128_BASE64);
}

let relaxedFlagTried = false;
/**
 * Whether this runtime validates the relaxed-SIMD module. Node 20's V8 has relaxed SIMD behind a flag: it is
 * turned on here (`--experimental-wasm-relaxed-simd`, before any relaxed module is compiled); Node 22+ and
 * Chrome 114+ have it on by default.
 */
export function relaxedSimdSupported(): boolean {
  relaxedSupported ??= relaxedSimdCheck();
  return relaxedSupported;
}

let relaxedSupported: boolean | undefined;

function relaxedSimdCheck(): boolean {
  const bytes = kernelModuleBytes('relaxed');
  if (WebAssembly.validate(bytes)) return true;
  if (!relaxedFlagTried && hasNodeBuiltins()) {
    relaxedFlagTried = true;
    try {
      nodeBuiltin<typeof import('node:v8')>('node:v8', 'relaxed SIMD').setFlagsFromString(
        '--experimental-wasm-relaxed-simd',
      );
    } catch {
      return false;
    }
    return WebAssembly.validate(bytes);
  }
  return false;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * The kernel module for `flavor` (`'auto'`: relaxed SIMD where the runtime supports it, SIMD128 elsewhere),
 * compiled once per process; `threaded`: the build on an imported shared memory.
 */
export async function compileKernels(
  flavor: KernelFlavor | 'auto' = 'auto',
  threaded = false,
): Promise<{ module: WebAssembly.Module; flavor: KernelFlavor }> {
  const f: KernelFlavor = flavor === 'auto' ? (relaxedSimdSupported() ? 'relaxed' : 'simd128') : flavor;
  if (f === 'relaxed' && flavor !== 'auto' && !relaxedSimdSupported()) {
    throw new BackendUnavailableError(
      'This runtime does not support relaxed SIMD (Node 22+, Chrome 114+; Node 20 with --experimental-wasm-relaxed-simd): use the simd128 kernels.',
    );
  }
  const key = threaded ? `${f}-mt` : f;
  let p = compiled.get(key);
  if (!p) {
    p = WebAssembly.compile(kernelModuleBytes(f, threaded));
    compiled.set(key, p);
    p.catch(() => compiled.delete(key));
  }
  try {
    return { module: await p, flavor: f };
  } catch (e) {
    throw new BackendUnavailableError(
      `The layerwise wasm kernels could not be compiled here (WebAssembly SIMD is needed: Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+): ${(e as Error).message}`,
      { cause: e },
    );
  }
}

const pools = new Map<KernelFlavor, KernelPool>();

/**
 * The process's kernel thread pool for `flavor` with at least `workers` workers (a smaller one is replaced),
 * or null where worker threads are not available.
 */
function kernelPool(flavor: KernelFlavor, module: WebAssembly.Module, workers: number): KernelPool | null {
  const have = pools.get(flavor);
  if (have && !have.disposed && have.size >= workers) return have;
  have?.dispose();
  pools.delete(flavor);
  const pool = KernelPool.create(module, workers);
  if (pool) pools.set(flavor, pool);
  return pool;
}

/**
 * Ends the kernel thread pools' workers (they are unref'd, so a process exits without this; call it to free
 * them early, e.g. at the end of a test file). A later threaded kernel instance starts a new pool.
 */
export function disposeKernelPools(): void {
  for (const p of pools.values()) p.dispose();
  pools.clear();
  spares.clear();
}

/**
 * Instances given back by {@link WasmKernels.dispose}, by flavor and thread count, for the next
 * {@link WasmKernels.create} of the same kind: a search's or an autoencoder's many fits reuse a few instances
 * instead of instantiating the module on a new memory each time (new memories cost allocation, page faults and
 * the garbage collections their size brings about; a threaded one also a message to every pool worker).
 */
const spares = new Map<string, WasmKernels[]>();
/** Instances kept per kind: a thread rarely has more live trainers at once. */
const SPARES_PER_KIND = 2;
/** Memories above this size are dropped rather than kept (a memory cannot shrink). */
export const SPARE_MEMORY_LIMIT = 64 * 2 ** 20;

/** Workers of the live kernel thread pools (0 when none): for tests and diagnostics. */
export function kernelPoolWorkers(): number {
  let n = 0;
  for (const p of pools.values()) if (!p.disposed) n += p.size;
  return n;
}

/** Instances kept for reuse by {@link WasmKernels.create} (see {@link WasmKernels.dispose}): for tests. */
export function keptKernelInstances(): number {
  let n = 0;
  for (const l of spares.values()) n += l.length;
  return n;
}

/** Parts of split calls the live pools' workers have run (0 when none ran): for tests and diagnostics. */
export function kernelPoolWorkerParts(): number {
  let n = 0;
  for (const p of pools.values()) if (!p.disposed) n += p.workerParts;
  return n;
}

const released = new FinalizationRegistry<{ pool: KernelPool; binding: PoolBinding }>(({ pool, binding }) =>
  pool.release(binding),
);

/**
 * One instance of the kernel module with its own memory, and a bump allocator over it: the JavaScript side
 * owns the layout. Every buffer is 16-byte aligned and its length rounded up to 4 floats (the kernels run
 * whole SIMD vectors), with at least 32 bytes of memory after the last one. Nothing is freed one by one: the instance is dropped as a whole.
 *
 * With `threads` > 1 (in Node, Deno and Bun; in a cross-origin-isolated page with Web Workers) the instance is the `-mt`
 * build on a shared memory and {@link WasmKernels.k}'s big calls are split over the process's kernel thread
 * pool (`threads` − 1 workers beside the calling thread); the results are bit-identical to one thread's.
 */
export class WasmKernels {
  readonly k: KernelExports;
  /** The threads the big calls are split over (1: none). */
  readonly threads: number;
  #top: number;
  /** Where buffers start: the module's heap base. */
  readonly #base: number;
  #disposed = false;
  #f32: Float32Array;
  #i32: Int32Array;
  readonly #memory: WebAssembly.Memory;
  readonly #pool: { pool: KernelPool; binding: PoolBinding } | undefined;

  private constructor(
    instance: WebAssembly.Instance,
    readonly flavor: KernelFlavor,
    memory?: WebAssembly.Memory,
    pool?: KernelPool,
    threads = 1,
  ) {
    const raw = instance.exports as unknown as KernelExports;
    this.#memory = memory ?? raw.memory;
    if (pool && memory) {
      const binding = pool.bind(memory, instance.exports);
      this.#pool = { pool, binding };
      this.k = threadedExports(raw, memory, pool, binding, threads);
      this.threads = threads;
      released.register(this, this.#pool, this);
    } else {
      this.k = memory ? { ...raw, memory } : raw;
      this.threads = 1;
    }
    this.#base = align16(Number(this.k.__heap_base.value));
    this.#top = this.#base;
    this.#f32 = new Float32Array(this.#memory.buffer);
    this.#i32 = new Int32Array(this.#memory.buffer);
  }

  /**
   * A fresh instance (own memory) of the kernel module for `flavor`; with `threads` > 1, on a shared memory
   * with its big calls split over `threads` threads (see the class).
   */
  static async create(flavor: KernelFlavor | 'auto' = 'auto', threads = 1): Promise<WasmKernels> {
    if (threads > 1 && kernelPoolSupported()) {
      const { module, flavor: f } = await compileKernels(flavor, true);
      const pool = kernelPool(f, module, threads - 1);
      if (pool) {
        const n = Math.min(threads, pool.size + 1);
        const spare = WasmKernels.#takeSpare(f, n, pool);
        if (spare) return spare;
        const memory = new WebAssembly.Memory({ initial: 17, maximum: 32768, shared: true });
        const instance = await WebAssembly.instantiate(module, { env: { memory } });
        return new WasmKernels(instance, f, memory, pool, n);
      }
    }
    const { module, flavor: f } = await compileKernels(flavor);
    return (
      WasmKernels.#takeSpare(f, 1, undefined) ?? new WasmKernels(await WebAssembly.instantiate(module, {}), f)
    );
  }

  /**
   * Done with this instance: nothing may use it afterwards. A small one is kept (its memory zeroed) for the
   * next {@link WasmKernels.create} of the same flavor and threads; otherwise the thread pool's workers drop
   * their instance on its memory.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const key = spareKey(this.flavor, this.threads);
    const kept = spares.get(key) ?? [];
    const reusable =
      kept.length < SPARES_PER_KIND &&
      this.#memory.buffer.byteLength <= SPARE_MEMORY_LIMIT &&
      !this.#pool?.pool.disposed;
    if (reusable) {
      // Zeroed as a new memory is, so a reused instance computes exactly what a fresh one would.
      this.f32.fill(0, this.#base >> 2, Math.min(this.#top + 32, this.#memory.buffer.byteLength) >> 2);
      this.#top = this.#base;
      kept.push(this);
      spares.set(key, kept);
      return;
    }
    this.#releasePool();
  }

  /** Lets the thread pool's workers drop their instance on this memory (nothing to do without a pool). */
  #releasePool(): void {
    if (!this.#pool) return;
    released.unregister(this);
    this.#pool.pool.release(this.#pool.binding);
  }

  /** A kept instance of `flavor` on `threads` threads (on `pool` when threaded), or undefined. */
  static #takeSpare(
    flavor: KernelFlavor,
    threads: number,
    pool: KernelPool | undefined,
  ): WasmKernels | undefined {
    const kept = spares.get(spareKey(flavor, threads));
    while (kept && kept.length > 0) {
      const k = kept.pop()!;
      if (k.#pool?.pool === pool) {
        k.#disposed = false;
        return k;
      }
      k.#releasePool();
    }
    return undefined;
  }

  /** Reserves `floats` 4-byte values (zeroed); returns the byte offset. Grows the memory when needed. */
  alloc(floats: number): number {
    const at = this.#top;
    const bytes = align16(Math.max(floats, 1) * 4);
    const end = at + bytes;
    const have = this.#memory.buffer.byteLength;
    // GEMM panels narrower than 8 columns load (and drop) up to 7 floats past a buffer's end: the memory always
    // reaches at least 32 bytes past the last buffer.
    if (end + 32 > have) {
      try {
        this.#memory.grow(Math.ceil((end + 32 - have) / 65536));
      } catch (e) {
        throw new BackendUnavailableError(
          `The wasm kernels could not get ${Math.ceil(end / 2 ** 20)} MiB of memory (${(e as Error).message}): use a smaller batchSize or smaller layers.`,
          { cause: e },
        );
      }
    }
    this.#top = end;
    this.f32.fill(0, at >> 2, end >> 2);
    return at;
  }

  /** The memory as float32 (re-read after an `alloc`: growing replaces the buffer). */
  get f32(): Float32Array {
    if (this.#f32.buffer !== this.#memory.buffer) this.#f32 = new Float32Array(this.#memory.buffer);
    return this.#f32;
  }

  /** The memory as int32. */
  get i32(): Int32Array {
    if (this.#i32.buffer !== this.#memory.buffer) this.#i32 = new Int32Array(this.#memory.buffer);
    return this.#i32;
  }

  /** Bytes in use. */
  get used(): number {
    return this.#top;
  }
}

function spareKey(flavor: KernelFlavor, threads: number): string {
  return `${flavor}/${threads}`;
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
