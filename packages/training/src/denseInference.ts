import {
  DEFAULT_LEAKY_RELU_ALPHA,
  type DenseStackLayer,
  type DenseStackSpec,
  type Registry,
  type TrainingAccelerator,
} from '@layerwise/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { DenseStage } from './acceleratedStage.js';

/** One layer of a dense stack to run forward: `activation(h · kernel + bias)` (the kernel transposed when tied). */
export type DenseInferenceLayer = Pick<
  DenseStage['layers'][number],
  'kernel' | 'kernelTransposed' | 'bias' | 'activation'
>;

/** Rows per kernel call of {@link acceleratedForward}: large enough for full-speed GEMMs, small in memory. */
const INFERENCE_ROWS = 512;

/** The training accelerator of `backend` in `registry`, if its plugin provides one. */
export function acceleratorOf(registry: Registry, backend: string): TrainingAccelerator | undefined {
  return registry.backends().find((b) => b.name === backend)?.accelerator;
}

/**
 * The last layer's output of a dense stack for `rows` rows of `x` (row-major), computed by `accelerator`'s
 * kernels in one pass per 512 rows (no tensors, no per-layer dispatch), or `null` when there is no
 * accelerator or it does not cover the stack (the caller then runs its tfjs forward pass). The weights are
 * read from the tfjs tensors once per call.
 */
export async function acceleratedForward(
  accelerator: TrainingAccelerator | undefined,
  layers: readonly DenseInferenceLayer[],
  x: Float32Array,
  rows: number,
): Promise<Float32Array | null> {
  if (!accelerator || layers.length === 0 || rows < 1) return null;
  if (accelerator.inferenceRowLimit !== undefined && rows > accelerator.inferenceRowLimit) return null;
  if (layers.some((l) => l.activation === 'softmax' || l.kernel.dtype !== 'float32')) return null;
  const params: tf.Tensor[] = [];
  const at = (t: tf.Tensor): number => {
    const i = params.indexOf(t);
    if (i >= 0) return i;
    params.push(t);
    return params.length - 1;
  };
  const stack: DenseStackLayer[] = layers.map((l) => {
    const [a, b] = l.kernel.shape as [number, number];
    return {
      inputSize: l.kernelTransposed ? b : a,
      units: l.kernelTransposed ? a : b,
      activation: l.activation as DenseStackLayer['activation'],
      kernel: at(l.kernel),
      ...(l.kernelTransposed ? { kernelTransposed: true } : {}),
      bias: at(l.bias),
    };
  });
  const spec: DenseStackSpec = {
    params: params.map((p) => ({ shape: [...p.shape], penalised: false })),
    layers: stack,
    loss: 'meanSquaredError',
    target: 'values',
    leakyReluAlpha: DEFAULT_LEAKY_RELU_ALPHA,
    // SGD: no optimizer slots are allocated.
    optimizer: 'sgd',
    learningRate: 0,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    momentum: 0,
    nesterov: false,
    alpha: 0,
    clipNorm: null,
    clipValue: null,
    maxBatch: Math.min(rows, INFERENCE_ROWS),
    inference: true,
  };
  const trainer = await accelerator.createTrainer(spec);
  if (!trainer) return null;
  try {
    trainer.writeWeights(params.map((p) => p.dataSync() as Float32Array));
    const out = new Float32Array(rows * stack[stack.length - 1]!.units);
    trainer.predict(x, rows, out);
    return out;
  } finally {
    trainer.dispose();
  }
}
