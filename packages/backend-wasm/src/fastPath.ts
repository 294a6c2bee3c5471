import * as tf from '@tensorflow/tfjs-core';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type MatMulAttrs = { transposeA: boolean; transposeB: boolean; [key: string]: unknown };

const FAST = Symbol.for('layerwise:wasm-fast-path');
const ORIGINAL = Symbol.for('layerwise:wasm-original-kernel');

/** Kernels the fast path replaces for the `wasm` backend. */
export const FAST_PATH_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

type MarkedKernelFunc = tf.KernelFunc & { [FAST]?: true; [ORIGINAL]?: tf.KernelConfig };

/** Swaps the last two dimensions with the wasm `Transpose` kernel (an explicit, fast copy). */
function transposeLastTwo(x: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  const transpose = tf.getKernel('Transpose', 'wasm')!;
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

function fastMatMulKernel(original: tf.KernelConfig): MarkedKernelFunc {
  const kernelFunc: MarkedKernelFunc = (args: KernelArgs) => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    const explicitA = attrs.transposeA;
    const explicitB = attrs.transposeB;
    if (!explicitA && !explicitB) return original.kernelFunc(args);
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    const backend = args.backend as tf.KernelBackend;
    const temps: tf.TensorInfo[] = [];
    const a = explicitA ? transposeLastTwo(inputs.a!, backend) : inputs.a!;
    if (explicitA) temps.push(a);
    const b = explicitB ? transposeLastTwo(inputs.b!, backend) : inputs.b!;
    if (explicitB) temps.push(b);
    try {
      return original.kernelFunc({
        ...args,
        inputs: { ...inputs, a, b },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
  kernelFunc[FAST] = true;
  kernelFunc[ORIGINAL] = original;
  return kernelFunc;
}

function originalOf(name: string): tf.KernelConfig | undefined {
  const current = tf.getKernel(name, 'wasm');
  if (!current) return undefined;
  return (current.kernelFunc as MarkedKernelFunc)[ORIGINAL] ?? current;
}

function install(name: string, fast: boolean): void {
  const current = tf.getKernel(name, 'wasm');
  if (!current)
    throw new Error(`The wasm backend has no ${name} kernel: import @tensorflow/tfjs-backend-wasm first.`);
  if (((current.kernelFunc as MarkedKernelFunc)[FAST] === true) === fast) return;
  const original = originalOf(name)!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(fast ? { ...original, kernelFunc: fastMatMulKernel(original) } : original);
}

/** True when the fast path's kernels are registered for the `wasm` backend. */
export function isWasmFastPathInstalled(): boolean {
  return FAST_PATH_KERNELS.every(
    (name) => (tf.getKernel(name, 'wasm')?.kernelFunc as MarkedKernelFunc | undefined)?.[FAST] === true,
  );
}

/**
 * Replaces the `wasm` backend's `BatchMatMul` and `_FusedMatMul` kernels with ones that transpose their
 * inputs explicitly (the wasm `Transpose` kernel) and then call the original kernel without transposes.
 * tfjs-backend-wasm's matMul with `transposeA`/`transposeB` is ~10× slower than the plain one, and the
 * backward pass of a dense layer consists of transposed matMuls. Results match within float tolerance.
 *
 * Idempotent; needs `@tensorflow/tfjs-backend-wasm` to be imported first (its kernels must be registered).
 * {@link wasmBackend} calls it when `fastTraining` is true (the default).
 */
export function installWasmFastPath(): void {
  for (const name of FAST_PATH_KERNELS) install(name, true);
}

/**
 * Installs only the correctness fix: tfjs-backend-wasm 4.22's `_FusedMatMul` with `transposeA` or `transposeB`
 * gives wrong results (the bias and activation land on the wrong elements); with the fix it transposes
 * explicitly. The plain
 * `BatchMatMul` kernel is the original. {@link wasmBackend} uses this when `fastTraining` is false.
 */
export function installWasmFusedMatMulFix(): void {
  install('BatchMatMul', false);
  install('_FusedMatMul', true);
}

/**
 * Restores the `wasm` backend's original matMul kernels (undoes {@link installWasmFastPath} and
 * {@link installWasmFusedMatMulFix}); for measuring tfjs's own speed.
 */
export function uninstallWasmFastPath(): void {
  for (const name of FAST_PATH_KERNELS) install(name, false);
}
