import {
  HostMatrix,
  hasNodeBuiltins,
  type LoggerPlugin,
  nodeBuiltin,
  type Registry,
  readInto,
  type TrainingEvent,
  takeRows,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { FusedAdamOptimizer, FusedMomentumOptimizer, FusedSGDOptimizer } from './fusedAdam.js';

/** Optimizers the engine knows. */
export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'rmsprop', 'adagrad'] as const;
/** An optimizer name. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Optimizer settings (scikit-learn's names in camelCase); unset = tfjs' defaults. */
export interface OptimizerSettings {
  /** Adam's β₁ (default 0.9). */
  beta1?: number;
  /** Adam's β₂ (default 0.999). */
  beta2?: number;
  /** Adam's/RMSprop's ε; null = the backend's epsilon (1e-7). */
  epsilon?: number | null;
  /** Momentum of `'momentum'` (default 0.9) and `'rmsprop'` (default 0). */
  momentum?: number | null;
  /** Nesterov momentum for `'momentum'` (default false). */
  nesterov?: boolean;
}

/**
 * A tfjs optimizer by name (`momentum` uses 0.9 unless set, like Keras/PyTorch users expect). Adam, SGD and
 * momentum are tfjs's, with their update fused into one kernel per variable where the backend registers one
 * (see `fusedAdam.ts`).
 */
export function makeOptimizer(
  name: OptimizerName,
  learningRate: number,
  settings: OptimizerSettings = {},
): tf.Optimizer {
  const epsilon = settings.epsilon ?? undefined;
  switch (name) {
    case 'adam':
      return new FusedAdamOptimizer(learningRate, settings.beta1 ?? 0.9, settings.beta2 ?? 0.999, epsilon);
    case 'sgd':
      return new FusedSGDOptimizer(learningRate);
    case 'momentum':
      return new FusedMomentumOptimizer(learningRate, settings.momentum ?? 0.9, settings.nesterov ?? false);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, settings.momentum ?? 0, epsilon);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}

/** Changes a tfjs optimizer's learning rate in place (its state is kept). */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}

/**
 * The loss of one batch (the mean over its rows, weighted when the batch has weights) and, for classifiers,
 * the count of correct predictions.
 */
export interface BatchLoss {
  loss: tf.Scalar;
  correct?: tf.Scalar;
}

/** A batch loss function: `training` turns on dropout/noise; `weights` are per-row weights when given. */
export type LossFn = (xb: tf.Tensor, yb: tf.Tensor, training: boolean, weights?: tf.Tensor1D) => BatchLoss;

/**
 * The mean of per-row losses, or their weighted mean `Σ wᵢ·lᵢ / Σ wᵢ` (NumPy's `average`, as scikit-learn
 * weighs samples) when `weights` are given; a batch whose weights are all 0 has loss 0.
 */
export function meanLoss(rowLosses: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  if (!weights) return tf.mean(rowLosses) as tf.Scalar;
  return tf.div(tf.sum(tf.mul(rowLosses, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
}

/** Sends events to loggers in order; async handlers are awaited at {@link EventSink.flush}. */
export class EventSink {
  #pending: Promise<void>[] = [];
  constructor(readonly loggers: readonly LoggerPlugin[]) {}

  emit(event: TrainingEvent): void {
    for (const logger of this.loggers) {
      const r = logger.handle(event);
      if (r && typeof (r as Promise<void>).then === 'function') this.#pending.push(r as Promise<void>);
    }
  }

  async flush(): Promise<void> {
    const p = this.#pending;
    this.#pending = [];
    await Promise.all(p);
  }
}

/** Rows per chunk when evaluating or mapping a whole data set. */
export const EVAL_CHUNK = 4096;

/** Mean loss (and accuracy) of a whole data set in chunks, read once. No gradients, no training mode. */
export async function evaluate(
  x: tf.Tensor,
  y: tf.Tensor,
  loss: LossFn,
  accuracy = false,
): Promise<{ loss: number; acc?: number }> {
  const n = x.shape[0]!;
  let sums = tf.zeros([2]);
  try {
    for (let start = 0; start < n; start += EVAL_CHUNK) {
      const idx = Int32Array.from({ length: Math.min(EVAL_CHUNK, n - start) }, (_, i) => start + i);
      const next = tf.tidy(() => {
        const xb = takeRows(x, idx);
        const yb = y === x ? xb : takeRows(y, idx);
        const r = loss(xb, yb, false);
        const part = tf.stack([tf.mul(r.loss, idx.length), r.correct ?? tf.scalar(0)]);
        return tf.add(sums, part);
      });
      sums.dispose();
      sums = next;
    }
    const [l, c] = (await sums.data()) as Float32Array;
    return accuracy ? { loss: l! / n, acc: c! / n } : { loss: l! / n };
  } finally {
    sums.dispose();
  }
}

/**
 * Runs `body` inside a per-fit child scope of `registry` (with a file logger when `logPath` is set),
 * giving it an {@link EventSink} over the scope's loggers; the scope is disposed at the end, even on error.
 */
export async function withFitScope<T>(
  registry: Registry,
  logPath: string | null | undefined,
  body: (sink: EventSink) => Promise<T>,
): Promise<T> {
  const scope = registry.child();
  try {
    if (logPath) {
      await checkLogFolder(logPath);
      scope.use(scope.logFileLogger(logPath));
    }
    const sink = new EventSink(scope.loggers());
    const result = await body(sink);
    await sink.flush();
    return result;
  } finally {
    await scope.dispose();
  }
}

/** A log file's folder must exist: checked before training, not at the first event (a bare ENOENT). */
async function checkLogFolder(logPath: string): Promise<void> {
  if (!hasNodeBuiltins()) return;
  const { stat } = nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises', 'logPath');
  const { dirname, resolve } = nodeBuiltin<typeof import('node:path')>('node:path', 'logPath');
  const dir = dirname(resolve(logPath));
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) {
    throw new ValidationError(
      `logPath "${logPath}": the folder "${dir}" does not exist; create it first or choose another logPath.`,
    );
  }
}

/** Runs `fn` on row chunks of `x` and concatenates the results (bounded memory for big inputs). */
export function mapRows(
  x: tf.Tensor2D | HostMatrix,
  fn: (chunk: tf.Tensor2D) => tf.Tensor2D,
  chunk = EVAL_CHUNK,
): tf.Tensor2D {
  const n = x.shape[0];
  if (n <= chunk) return tf.tidy(() => fn(chunkOf(x, 0, n)));
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += chunk) {
      parts.push(fn(chunkOf(x, start, Math.min(n, start + chunk))));
    }
    return tf.concat(parts, 0);
  });
}

/** Rows `start`..`end` of `x`: the tensor itself when that is all of it, else a slice or a host upload. */
function chunkOf(x: tf.Tensor2D | HostMatrix, start: number, end: number): tf.Tensor2D {
  if (x instanceof HostMatrix) return x.range(start, end);
  return start === 0 && end === x.shape[0] ? x : tf.slice(x, [start, 0], [end - start, x.shape[1]]);
}

/**
 * `fn` over `x` in chunks of `chunk` rows, each chunk's result read into ONE preallocated host buffer of
 * `[rows, cols]` (no chunk list, no concat, no second copy): the same values as {@link mapRows}.
 */
export function mapRowsToHost(
  x: tf.Tensor2D | HostMatrix,
  cols: number,
  fn: (chunk: tf.Tensor2D) => tf.Tensor2D,
  chunk = EVAL_CHUNK,
  into?: Float32Array,
): Float32Array {
  const n = x.shape[0];
  const out = into && into.length >= n * cols ? into.subarray(0, n * cols) : new Float32Array(n * cols);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const part = tf.tidy(() => fn(chunkOf(x, start, start + rows)));
    try {
      if (part.shape[0] !== rows || part.shape[1] !== cols) {
        throw new ValidationError(`mapRowsToHost: fn gave [${part.shape.join(', ')}] for [${rows}, ${cols}]`);
      }
      readInto(part, out, start * cols);
    } finally {
      if (part !== x) part.dispose();
    }
  }
  return out;
}
