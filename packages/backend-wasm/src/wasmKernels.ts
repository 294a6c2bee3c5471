import { BackendUnavailableError, hasNodeBuiltins, nodeBuiltin } from '@layerwise/core';
import { KERNELS_RELAXED_BASE64, KERNELS_SIMD128_BASE64 } from './kernelBinaries.generated.js';

/** The instruction set a kernel module was built for. */
export type KernelFlavor = 'relaxed' | 'simd128';

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

/** The kernel module's bytes for `flavor` (what `wasm/kernels-<flavor>.wasm` holds). */
export function kernelModuleBytes(flavor: KernelFlavor): Uint8Array<ArrayBuffer> {
  return decode(flavor === 'relaxed' ? KERNELS_RELAXED_BASE64 : KERNELS_SIMD128_BASE64);
}

let relaxedFlagTried = false;
/**
 * Whether this runtime validates the relaxed-SIMD module. Node 20's V8 has relaxed SIMD behind a flag: it is
 * turned on here (`--experimental-wasm-relaxed-simd`, before any relaxed module is compiled); Node 22+ and
 * Chrome 114+ have it on by default.
 */
export function relaxedSimdSupported(): boolean {
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

const compiled = new Map<KernelFlavor, Promise<WebAssembly.Module>>();

/**
 * The kernel module for `flavor` (`'auto'`: relaxed SIMD where the runtime supports it, SIMD128 elsewhere),
 * compiled once per process.
 */
export async function compileKernels(
  flavor: KernelFlavor | 'auto' = 'auto',
): Promise<{ module: WebAssembly.Module; flavor: KernelFlavor }> {
  const f: KernelFlavor = flavor === 'auto' ? (relaxedSimdSupported() ? 'relaxed' : 'simd128') : flavor;
  if (f === 'relaxed' && flavor !== 'auto' && !relaxedSimdSupported()) {
    throw new BackendUnavailableError(
      'This runtime does not support relaxed SIMD (Node 22+, Chrome 114+; Node 20 with --experimental-wasm-relaxed-simd): use the simd128 kernels.',
    );
  }
  let p = compiled.get(f);
  if (!p) {
    p = WebAssembly.compile(kernelModuleBytes(f));
    compiled.set(f, p);
    p.catch(() => compiled.delete(f));
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

/**
 * One instance of the kernel module with its own memory, and a bump allocator over it: the JavaScript side
 * owns the layout. Every buffer is 16-byte aligned and its length rounded up to 4 floats (the kernels run
 * whole SIMD vectors), with at least 32 bytes of memory after the last one. Nothing is freed one by one: the instance is dropped as a whole.
 */
export class WasmKernels {
  readonly k: KernelExports;
  #top: number;
  #f32: Float32Array;
  #i32: Int32Array;

  private constructor(
    instance: WebAssembly.Instance,
    readonly flavor: KernelFlavor,
  ) {
    this.k = instance.exports as unknown as KernelExports;
    this.#top = align16(Number(this.k.__heap_base.value));
    this.#f32 = new Float32Array(this.k.memory.buffer);
    this.#i32 = new Int32Array(this.k.memory.buffer);
  }

  /** A fresh instance (own memory) of the kernel module for `flavor`. */
  static async create(flavor: KernelFlavor | 'auto' = 'auto'): Promise<WasmKernels> {
    const { module, flavor: f } = await compileKernels(flavor);
    return new WasmKernels(await WebAssembly.instantiate(module, {}), f);
  }

  /** Reserves `floats` 4-byte values (zeroed); returns the byte offset. Grows the memory when needed. */
  alloc(floats: number): number {
    const at = this.#top;
    const bytes = align16(Math.max(floats, 1) * 4);
    const end = at + bytes;
    const have = this.k.memory.buffer.byteLength;
    // GEMM panels narrower than 8 columns load (and drop) up to 7 floats past a buffer's end: the memory always
    // reaches at least 32 bytes past the last buffer.
    if (end + 32 > have) {
      try {
        this.k.memory.grow(Math.ceil((end + 32 - have) / 65536));
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
    if (this.#f32.buffer !== this.k.memory.buffer) this.#f32 = new Float32Array(this.k.memory.buffer);
    return this.#f32;
  }

  /** The memory as int32. */
  get i32(): Int32Array {
    if (this.#i32.buffer !== this.k.memory.buffer) this.#i32 = new Int32Array(this.k.memory.buffer);
    return this.#i32;
  }

  /** Bytes in use. */
  get used(): number {
    return this.#top;
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
