import { ValidationError } from './errors.js';
import type { ActivationName } from './plugins.js';

/**
 * One trainable tensor of a {@link DenseStackSpec}: a kernel `[inputSize, units]` or a bias `[units]`, in the
 * order the run lists its variables.
 */
export interface DenseStackParam {
  /** Its shape (rank 1 or 2). */
  shape: readonly number[];
  /** Penalised by the L2 term (`alpha`): the kernels. */
  penalised: boolean;
}

/** One dense layer of a {@link DenseStackSpec}: `activation(x · K + b)`, K a param (or its transpose). */
export interface DenseStackLayer {
  inputSize: number;
  units: number;
  /** Any activation but `softmax` (a classifier's output layer is `linear`: its logits). */
  activation: Exclude<ActivationName, 'softmax'>;
  /** Index of the kernel in `params`. */
  kernel: number;
  /**
   * The kernel is stored `[units, inputSize]` and used transposed (a tied decoder reusing its encoder's
   * kernel). Default false.
   */
  kernelTransposed?: boolean;
  /** Index of the bias in `params`. */
  bias: number;
  /** Dropout rate applied to this layer's output while training (not on the last layer). Default 0. */
  dropout?: number;
}

/**
 * A dense stack to train: what an MLP or an autoencoder stage is. The loss is the mean over rows (the
 * weighted mean `Σ wᵢlᵢ / Σ wᵢ` with row weights) of softmax cross-entropy against class indices, or of the
 * row's mean squared error against targets — or against the (unmasked) input itself for an autoencoder.
 */
export interface DenseStackSpec {
  params: readonly DenseStackParam[];
  layers: readonly DenseStackLayer[];
  loss: 'softmaxCrossEntropy' | 'meanSquaredError';
  /** What the loss compares with: class indices, a target matrix, or the input (autoencoders). */
  target: 'labels' | 'values' | 'input';
  /** Masking noise on the input while training: the fraction of inputs set to 0. Default 0. */
  inputNoise?: number;
  /** Negative slope of `leakyRelu`. */
  leakyReluAlpha: number;
  optimizer: 'adam' | 'sgd' | 'momentum';
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
  nesterov: boolean;
  /** L2 penalty `0.5 · alpha · Σ K² / rows` (scikit-learn's), on the penalised params. */
  alpha: number;
  clipNorm: number | null;
  clipValue: number | null;
  /** The largest minibatch (rows) a step will be given. */
  maxBatch: number;
  /**
   * Forward passes only (`predict`, `evaluate`): the trainer may leave out gradient and optimizer memory, and
   * refuses `step`. Default false.
   */
  inference?: boolean;
}

/** The data of a stage in host memory (not copied: kept by reference while the trainer uses it). */
export interface DenseStackData {
  /** Inputs, row-major `[rows, inputSize]`. */
  x: Float32Array;
  rows: number;
  /** Class indices (target `'labels'`). */
  labels?: Int32Array;
  /** Targets, row-major `[rows, outputSize]` (target `'values'`). */
  targets?: Float32Array;
  /** Per-row loss weights. */
  weights?: Float32Array;
  /**
   * Row `i` of the inputs is row `index[i]` of `x` (a view of some rows of a larger matrix, no copy); `rows`
   * is then `index.length`. `labels`, `targets` and `weights` are per row of the view.
   */
  index?: Int32Array;
}

/**
 * A dense stack being trained in a backend's own memory. The run copies the weights in once, calls
 * {@link DenseStackTrainer.step} per minibatch (no tensors, no promises), and reads the weights back whenever
 * anything outside needs them.
 */
export interface DenseStackTrainer {
  /** Replaces every param's values (in `params` order). */
  writeWeights(values: readonly Float32Array[]): void;
  /** Copies of every param's values (in `params` order). */
  readWeights(): Float32Array[];
  setLearningRate(learningRate: number): void;
  /** Params that are not updated (their gradient is not even computed). */
  setFrozen(params: readonly number[]): void;
  /** The data later steps take rows from. */
  setData(data: DenseStackData): void;
  /**
   * One forward, backward and update on rows `idx` of the data (at most `maxBatch`); `seed` drives this
   * step's dropout and noise. Returns the batch loss (with the L2 term); {@link lastCorrect} holds the
   * count of correctly classified rows.
   */
  step(idx: Int32Array, seed: number): number;
  /** Correctly classified rows of the last step (classifiers). */
  readonly lastCorrect: number;
  /** Mean loss (and accuracy for class labels) of a whole data set, without dropout or noise. */
  evaluate(data: DenseStackData): { loss: number; acc?: number };
  /** The last layer's output for `rows` rows of `x` (no dropout, no noise) into `out` `[rows, units]`. */
  predict(x: Float32Array, rows: number, out: Float32Array): void;
  /**
   * The optimizer's state in tfjs's layout, for the run to hand on (warm start, checkpoints): the steps
   * taken, the slots as tfjs's `getWeights` lists them (Adam: every first moment, then every second moment;
   * momentum: every accumulator; SGD: none) and scalars (`accBeta1`, `accBeta2`, and per param
   * `accBeta1.<i>`, `accBeta2.<i>`: Adam's β powers for the next update, β^(k+1) after k updates, as tfjs keeps
   * them).
   */
  readOptimizerState(): { iterations: number; slots: Float32Array[]; extra: Record<string, number> };
  /**
   * Replaces the optimizer's state with one in the layout {@link readOptimizerState} gives (a checkpoint's,
   * or a warm start's): the run continues such a stage on the trainer. Without it (an older accelerator)
   * those stages train on tfjs. Per-param β powers may be absent (then `accBeta1`/`accBeta2` serve every
   * param).
   */
  writeOptimizerState?(state: {
    iterations: number;
    slots: readonly Float32Array[];
    extra: Readonly<Record<string, number>>;
  }): void;
  /** Releases the trainer's memory. */
  dispose(): void;
}

/**
 * The "training accelerator": a capability a backend plugin may provide (`BackendPlugin.accelerator`). One
 * call per minibatch does forward, backward and update for a dense stack in the backend's own memory; the
 * run keeps the tfjs path as the reference and uses it whenever the accelerator declines.
 */
export interface TrainingAccelerator {
  /** A short name for logs (e.g. `'wasm-fused'`). */
  readonly name: string;
  /** A trainer for `spec`, or `null` when this accelerator does not cover it (the run then uses tfjs). */
  createTrainer(spec: DenseStackSpec): Promise<DenseStackTrainer | null>;
  /**
   * Optional: the most rows a forward pass (`predict`, `transform`, `score`) runs on this accelerator; larger
   * inputs run on the tfjs path (e.g. where tfjs uses more threads than the accelerator). Default: no limit.
   */
  readonly inferenceRowLimit?: number;
}

const threadLimits: number[] = [];

/**
 * Caps the threads accelerators compute with in this thread (a JavaScript realm) until the returned function is
 * called: model selection's `nJobs` runs fits on the calling thread beside worker threads and gives each its
 * share of the cores. Limits nest (the smallest holds). Accelerators read {@link acceleratorThreadLimit} when
 * they create a trainer.
 */
export function limitAcceleratorThreads(threads: number): () => void {
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new ValidationError(`limitAcceleratorThreads: threads must be a positive integer, got ${threads}.`);
  }
  threadLimits.push(threads);
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    const i = threadLimits.lastIndexOf(threads);
    if (i >= 0) threadLimits.splice(i, 1);
  };
}

/** The threads an accelerator may use here now (see {@link limitAcceleratorThreads}); `Infinity` when unlimited. */
export function acceleratorThreadLimit(): number {
  return threadLimits.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...threadLimits);
}
