import { BackendUnavailableError } from '@layerwise/core';
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
    throw new BackendUnavailableError(
      `The wasm backend has no ${name} kernel: import @tensorflow/tfjs-backend-wasm first.`,
    );
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

/** The parts of tfjs-backend-wasm's backend the slice kernel uses (not in tfjs-core's types). */
interface WasmHeapBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const SLICE_FAST = Symbol.for('layerwise:wasm-fast-slice');
type MarkedSlice = tf.KernelFunc & { [SLICE_FAST]?: true; [ORIGINAL]?: tf.KernelConfig };

/**
 * tfjs-backend-wasm 4.22's `Slice` reads the WHOLE input out of the wasm heap (`readSync`, a full copy)
 * before taking the rows it needs: slicing 100 rows out of 60 000 × 784 copies 188 MB. This kernel copies
 * only the requested range, reading the input through a view of the heap. Strings fall back to the original.
 */
function fastSliceKernel(original: tf.KernelConfig): MarkedSlice {
  const kernelFunc: MarkedSlice = (args: KernelArgs) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>).x!;
    if (x.dtype === 'string' || x.shape.length > 4) return original.kernelFunc(args);
    const backend = args.backend as WasmHeapBackend;
    const attrs = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as unknown as tf.Tensor,
      attrs.begin,
      attrs.size,
    ) as [number[], number[]];
    // Allocate first: allocation may grow (and so detach) the heap, then take both views.
    const out = backend.makeOutput(size, x.dtype);
    const outVals = backend.typedArrayFromHeap(out);
    const xVals = backend.typedArrayFromHeap(x);
    const strides = tf.util.computeStrides(x.shape);
    if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
      const offset = tf.slice_util.computeFlatOffset(begin, strides);
      outVals.set(xVals.subarray(offset, offset + tf.util.sizeFromShape(size)));
      return out;
    }
    // Copy innermost runs; pad the shape to rank 4 so one loop nest serves ranks 1–4.
    const pad = 4 - x.shape.length;
    const b = [...Array(pad).fill(0), ...begin] as [number, number, number, number];
    const s = [...Array(pad).fill(1), ...size] as [number, number, number, number];
    const st = [...Array(pad).fill(0), ...strides, 1].slice(-4) as [number, number, number, number];
    let o = 0;
    for (let i = b[0]; i < b[0] + s[0]; i++) {
      for (let j = b[1]; j < b[1] + s[1]; j++) {
        for (let k = b[2]; k < b[2] + s[2]; k++) {
          const from = i * st[0] + j * st[1] + k * st[2] + b[3];
          outVals.set(xVals.subarray(from, from + s[3]), o);
          o += s[3];
        }
      }
    }
    return out;
  };
  kernelFunc[SLICE_FAST] = true;
  kernelFunc[ORIGINAL] = original;
  return kernelFunc;
}

/** Installs (or with `false`, removes) the copy-only-what-is-needed `Slice` kernel for the `wasm` backend. */
export function installWasmFastSlice(enabled = true): void {
  const current = tf.getKernel('Slice', 'wasm');
  if (!current)
    throw new BackendUnavailableError(
      'The wasm backend has no Slice kernel: import @tensorflow/tfjs-backend-wasm first.',
    );
  const marked = current.kernelFunc as MarkedSlice;
  if ((marked[SLICE_FAST] === true) === enabled) return;
  const original = marked[ORIGINAL] ?? current;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel(enabled ? { ...original, kernelFunc: fastSliceKernel(original) } : original);
}

/** True when the fast `Slice` kernel is registered for the `wasm` backend. */
export function isWasmFastSliceInstalled(): boolean {
  return (tf.getKernel('Slice', 'wasm')?.kernelFunc as MarkedSlice | undefined)?.[SLICE_FAST] === true;
}

const GATHER_FAST = Symbol.for('layerwise:wasm-fast-gather');
type MarkedGather = tf.KernelFunc & { [GATHER_FAST]?: true; [ORIGINAL]?: tf.KernelConfig };

/**
 * Row gather (`axis` 0, no batch dimensions): copies each requested row with one `TypedArray.set` inside the
 * wasm heap. tfjs-backend-wasm 4.22's `GatherV2` computes every element's address through a rank-4 stride
 * loop; picking a minibatch of 100 rows out of the data set took about as long as one of the step's matMuls.
 * Other gathers (another axis, batch dimensions, strings) use the original kernel. Out-of-range indices
 * throw tfjs's own error.
 */
function fastGatherKernel(original: tf.KernelConfig): MarkedGather {
  const kernelFunc: MarkedGather = (args: KernelArgs) => {
    const { x, indices } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as { axis: number | number[]; batchDims: number };
    const axis = tf.util.parseAxisParam(attrs.axis, x!.shape)[0];
    if (axis !== 0 || (attrs.batchDims ?? 0) !== 0 || x!.dtype === 'string' || x!.shape.length === 0) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as WasmHeapBackend;
    const rows = x!.shape[0]!;
    const rowSize = tf.util.sizeFromShape(x!.shape.slice(1));
    const n = tf.util.sizeFromShape(indices!.shape);
    // Allocate first: allocation may grow (and so detach) the heap, then take the views.
    const out = backend.makeOutput([...indices!.shape, ...x!.shape.slice(1)], x!.dtype);
    const idx = backend.typedArrayFromHeap(indices!);
    for (let i = 0; i < n; i++) {
      const r = idx[i]!;
      tf.util.assert(
        r <= rows - 1 && r >= 0,
        () => `GatherV2: the index value ${r} is not in [0, ${rows - 1}]`,
      );
    }
    if (n === 0 || rowSize === 0) return out;
    const outVals = backend.typedArrayFromHeap(out);
    const xVals = backend.typedArrayFromHeap(x!);
    for (let i = 0; i < n; i++) {
      const from = idx[i]! * rowSize;
      outVals.set(xVals.subarray(from, from + rowSize), i * rowSize);
    }
    return out;
  };
  kernelFunc[GATHER_FAST] = true;
  kernelFunc[ORIGINAL] = original;
  return kernelFunc;
}

/** Installs (or with `false`, removes) the row-copying `GatherV2` kernel for the `wasm` backend. */
export function installWasmFastGather(enabled = true): void {
  const current = tf.getKernel('GatherV2', 'wasm');
  if (!current)
    throw new BackendUnavailableError(
      'The wasm backend has no GatherV2 kernel: import @tensorflow/tfjs-backend-wasm first.',
    );
  const marked = current.kernelFunc as MarkedGather;
  if ((marked[GATHER_FAST] === true) === enabled) return;
  const original = marked[ORIGINAL] ?? current;
  tf.unregisterKernel('GatherV2', 'wasm');
  tf.registerKernel(enabled ? { ...original, kernelFunc: fastGatherKernel(original) } : original);
}

/** True when the row-copying `GatherV2` kernel is registered for the `wasm` backend. */
export function isWasmFastGatherInstalled(): boolean {
  return (tf.getKernel('GatherV2', 'wasm')?.kernelFunc as MarkedGather | undefined)?.[GATHER_FAST] === true;
}
