import { ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel names of the fused optimizer updates the plugin registers for the `wasm` backend. Each computes a
 * variable's new value into one new tensor (its output) and updates the optimizer's slots **in place** in
 * the wasm heap, in one pass, instead of tfjs's ~12 element-wise kernels (and as many temporary tensors)
 * per variable and step. The new value must be a new tensor, not written into the variable: tfjs-backend-wasm
 * caches XNNPACK matMul operators, with the weights packed, by the weight tensor's id.
 *
 * Contract (shared with `@layerwise/nn`'s optimizers, which look the kernels up by name with
 * `tf.getKernel(name, tf.getBackend())` and fall back to tfjs's optimizers where they are missing):
 * - `LayerwiseAdamUpdate` — inputs `{ variable, m, v, gradient }`; attrs `{ learningRate, beta1, beta2,
 *   epsilon, accBeta1, accBeta2 }` (`accBeta·` = β·ᵗ⁺¹, tfjs `AdamOptimizer`'s running powers *before* this
 *   step's update). Computes `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 *   `x ← x − lr · (m / (1−accβ₁)) / (√(v / (1−accβ₂)) + ε)`.
 * - `LayerwiseSgdUpdate` — inputs `{ variable, gradient }`; attrs `{ learningRate }`: `x ← x − lr·g`.
 * - `LayerwiseMomentumUpdate` — inputs `{ variable, accumulation, gradient }`; attrs `{ learningRate,
 *   momentum, useNesterov }`: `a ← μa + g`; `x ← x − lr·a`, or with Nesterov `x ← x − lr·(g + μa)`.
 *
 * All tensors float32 and of one size; the caller makes sure that no other tensor shares the data of the
 * slots (`m`, `v`, `accumulation`: their backend `refCount` is 1), and assigns the output to the variable.
 */
export const FUSED_OPTIMIZER_KERNELS = {
  adam: 'LayerwiseAdamUpdate',
  sgd: 'LayerwiseSgdUpdate',
  momentum: 'LayerwiseMomentumUpdate',
} as const;

type KernelArgs = Parameters<tf.KernelFunc>[0];

interface HeapBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Allocates the output like `x` (before taking views: allocating may grow the heap). */
function outputLike(args: KernelArgs): tf.TensorInfo {
  const x = (args.inputs as Record<string, tf.TensorInfo>).variable!;
  return (args.backend as HeapBackend).makeOutput([...x.shape], 'float32');
}

function viewOf(args: KernelArgs, t: tf.TensorInfo): Float32Array {
  return (args.backend as HeapBackend).typedArrayFromHeap(t) as Float32Array;
}

const MARK = Symbol.for('layerwise:wasm-fused-optimizer');
type Marked = tf.KernelFunc & { [MARK]?: true };

function views(args: KernelArgs, kernel: string, names: readonly string[]): Float32Array[] {
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const backend = args.backend as HeapBackend;
  const first = inputs[names[0]!];
  const size = first ? tf.util.sizeFromShape(first.shape) : 0;
  return names.map((n) => {
    const t = inputs[n];
    if (t?.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== size) {
      throw new ValidationError(`${kernel}: input ${n} must be a float32 tensor of ${size} elements.`);
    }
    return backend.typedArrayFromHeap(t) as Float32Array;
  });
}

const adam: Marked = (args) => {
  const out = outputLike(args);
  const [x, m, v, g] = views(args, FUSED_OPTIMIZER_KERNELS.adam, ['variable', 'm', 'v', 'gradient']) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const a = args.attrs as unknown as {
    learningRate: number;
    beta1: number;
    beta2: number;
    epsilon: number;
    accBeta1: number;
    accBeta2: number;
  };
  const b1 = a.beta1;
  const b2 = a.beta2;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const k1 = 1 / (1 - a.accBeta1);
  const k2 = 1 / (1 - a.accBeta2);
  const lr = a.learningRate;
  const eps = a.epsilon;
  const y = viewOf(args, out);
  for (let i = 0; i < x.length; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    y[i] = x[i]! - (lr * (mi * k1)) / (Math.sqrt(vi * k2) + eps);
  }
  return out;
};

const sgd: Marked = (args) => {
  const out = outputLike(args);
  const [x, g] = views(args, FUSED_OPTIMIZER_KERNELS.sgd, ['variable', 'gradient']) as [
    Float32Array,
    Float32Array,
  ];
  const lr = (args.attrs as unknown as { learningRate: number }).learningRate;
  const y = viewOf(args, out);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! - lr * g[i]!;
  return out;
};

const momentum: Marked = (args) => {
  const out = outputLike(args);
  const [x, acc, g] = views(args, FUSED_OPTIMIZER_KERNELS.momentum, [
    'variable',
    'accumulation',
    'gradient',
  ]) as [Float32Array, Float32Array, Float32Array];
  const a = args.attrs as unknown as { learningRate: number; momentum: number; useNesterov: boolean };
  const mu = a.momentum;
  const lr = a.learningRate;
  const y = viewOf(args, out);
  if (a.useNesterov) {
    for (let i = 0; i < x.length; i++) {
      const ai = mu * acc[i]! + g[i]!;
      acc[i] = ai;
      y[i] = x[i]! - lr * (g[i]! + mu * ai);
    }
  } else {
    for (let i = 0; i < x.length; i++) {
      const ai = mu * acc[i]! + g[i]!;
      acc[i] = ai;
      y[i] = x[i]! - lr * ai;
    }
  }
  return out;
};

for (const k of [adam, sgd, momentum]) k[MARK] = true;

const FUNCS: Record<keyof typeof FUSED_OPTIMIZER_KERNELS, Marked> = { adam, sgd, momentum };

/**
 * Registers (or with `false`, unregisters) the fused optimizer kernels ({@link FUSED_OPTIMIZER_KERNELS})
 * for the `wasm` backend. Idempotent. {@link wasmBackend} calls it with `fastTraining` (default true).
 */
export function installWasmFusedOptimizers(enabled = true): void {
  for (const [key, kernelName] of Object.entries(FUSED_OPTIMIZER_KERNELS)) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (enabled && !current) {
      tf.registerKernel({
        kernelName,
        backendName: 'wasm',
        kernelFunc: FUNCS[key as keyof typeof FUSED_OPTIMIZER_KERNELS],
      });
    } else if (!enabled && current && (current.kernelFunc as Marked)[MARK]) {
      tf.unregisterKernel(kernelName, 'wasm');
    }
  }
}

/** True when the fused optimizer kernels are registered for the `wasm` backend. */
export function isWasmFusedOptimizersInstalled(): boolean {
  return Object.values(FUSED_OPTIMIZER_KERNELS).every(
    (k) => (tf.getKernel(k, 'wasm')?.kernelFunc as Marked | undefined)?.[MARK] === true,
  );
}
