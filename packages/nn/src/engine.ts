import {
  type EpochEndEvent,
  epochBatches,
  hasNodeBuiltins,
  type LoggerPlugin,
  nodeBuiltin,
  type Registry,
  type Rng,
  type Stage,
  type TrainingEvent,
  takeRows,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { restoreOptimizer, type StageProgress, type StageResume } from './checkpoint.js';

/** Optimizers the engine knows. */
export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'rmsprop', 'adagrad'] as const;
/** An optimizer name. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** A tfjs optimizer by name (`momentum` uses 0.9, like Keras/PyTorch users expect). */
export function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}

/** One epoch of one stage, as kept in `history`. */
export interface EpochRecord {
  stage: Stage;
  /** 0-based layer during `pretrain`. */
  layer?: number;
  /** 1-based epoch within the stage. */
  epoch: number;
  loss: number;
  valLoss?: number;
  metrics: Record<string, number>;
  seconds: number;
  samplesPerSecond: number;
}

/** One stage (supervised training, pretraining of one layer, fine-tuning). */
export interface StageHistory {
  stage: Stage;
  layer?: number;
  epochs: EpochRecord[];
  stoppedEarly: boolean;
  /** 1-based epoch whose weights were kept when early stopping restored the best weights. */
  bestEpoch?: number;
}

/** What `history` holds after `fit`: the backend used and every epoch of every stage. */
export interface TrainingHistory {
  /** tfjs backend the fit ran on. */
  backend: string;
  stages: StageHistory[];
  /** Every epoch of every stage, in order. */
  epochs: EpochRecord[];
}

/** Makes a {@link TrainingHistory} from stages. */
export function makeHistory(backend: string, stages: StageHistory[]): TrainingHistory {
  return { backend, stages, epochs: stages.flatMap((s) => s.epochs) };
}

/** The loss of one batch (mean over its samples) and, for classifiers, the count of correct predictions. */
export interface BatchLoss {
  loss: tf.Scalar;
  correct?: tf.Scalar;
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

/** Everything one training stage needs. */
export interface StageConfig {
  stage: Stage;
  layer?: number;
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  rng: Rng;
  optimizer: OptimizerName;
  learningRate: number;
  earlyStopping: boolean;
  patience: number;
  /** The variables trained in this stage. */
  variables: tf.Variable[];
  /** Training inputs and targets (same row count; `y` may be `x` itself, e.g. for autoencoders). */
  x: tf.Tensor;
  y: tf.Tensor;
  validation?: { x: tf.Tensor; y: tf.Tensor };
  /** Mean loss of one batch; `training` turns on dropout/noise. Called inside `tf.tidy`. */
  loss: (xb: tf.Tensor, yb: tf.Tensor, training: boolean) => BatchLoss;
  /** Report accuracy (`acc`, `valAcc`) from `BatchLoss.correct`. */
  accuracy?: boolean;
  sink: EventSink;
  /** Continue a stage saved in a checkpoint: its epochs, early-stopping state and optimizer state. */
  resume?: StageResume;
  /**
   * Called after every epoch that does not end the stage (not after the last one, nor when early stopping
   * stops), with the stage's training state, e.g. to write a checkpoint.
   */
  onEpochEnd?: (progress: StageProgress) => Promise<void>;
}

const EVAL_CHUNK = 4096;
const BATCH_EVENT_MS = 500;
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Mean loss (and accuracy) of a whole data set in chunks, read once. No gradients, no training mode. */
export async function evaluate(
  x: tf.Tensor,
  y: tf.Tensor,
  loss: StageConfig['loss'],
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
 * Trains `variables` for up to `epochs` epochs of minibatches: seeded per-epoch shuffle (indices only, the
 * data set is never copied), one `tf.tidy` per batch, the epoch loss summed on the device and read once
 * per epoch, optional validation, early stopping that restores the best weights, and events to loggers.
 */
export async function trainStage(cfg: StageConfig): Promise<StageHistory> {
  const n = cfg.x.shape[0]!;
  const batchSize = Math.min(cfg.batchSize, n);
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const where = cfg.layer === undefined ? {} : { layer: cfg.layer };
  const stageStart = now();
  cfg.sink.emit({
    type: 'stageStart',
    stage: cfg.stage,
    ...where,
    epochs: cfg.epochs,
    batchesPerEpoch,
    samples: n,
    time: Date.now(),
  });
  const optimizer = makeOptimizer(cfg.optimizer, cfg.learningRate);
  const resume = cfg.resume;
  const records: EpochRecord[] = resume ? [...resume.records] : [];
  let best = resume?.best ?? Number.POSITIVE_INFINITY;
  let bestEpoch: number | undefined = resume?.bestEpoch;
  let snapshot: tf.Tensor[] | undefined;
  let wait = resume?.wait ?? 0;
  let stoppedEarly = false;
  const acc = cfg.accuracy === true;
  let lastBatchEvent = now();
  // The epoch's on-device loss sums; disposed in `finally` when a batch throws.
  let sums: tf.Tensor1D | null = null;
  try {
    if (resume) {
      if (resume.snapshot) {
        snapshot = resume.snapshot.map((d, i) => tf.tensor(d, cfg.variables[i]!.shape, 'float32'));
      }
      if (resume.optimizer.slots.length > 0 || resume.optimizer.iterations > 0) {
        await restoreOptimizer(
          optimizer,
          resume.optimizer,
          cfg.variables.map((v) => [...v.shape]),
        );
      }
    }
    for (let epoch = records.length + 1; epoch <= cfg.epochs; epoch++) {
      const t0 = now();
      const batches = epochBatches(n, batchSize, cfg.shuffle ? cfg.rng : undefined);
      sums = tf.zeros([2]);
      for (let b = 0; b < batches.length; b++) {
        const idx = batches[b]!;
        let correct: tf.Scalar | undefined;
        const next = tf.tidy(() => {
          const xb = takeRows(cfg.x, idx);
          const yb = cfg.y === cfg.x ? xb : takeRows(cfg.y, idx);
          const cost = optimizer.minimize(
            () => {
              const r = cfg.loss(xb, yb, true);
              if (r.correct) correct = tf.keep(r.correct);
              return r.loss;
            },
            true,
            cfg.variables,
          ) as tf.Scalar;
          return tf.add(sums!, tf.stack([tf.mul(cost, idx.length), correct ?? tf.scalar(0)])) as tf.Tensor1D;
        });
        correct?.dispose();
        sums.dispose();
        sums = next;
        const t = now();
        if (t - lastBatchEvent >= BATCH_EVENT_MS && b + 1 < batches.length) {
          lastBatchEvent = t;
          cfg.sink.emit({
            type: 'batchEnd',
            stage: cfg.stage,
            ...where,
            epoch,
            epochs: cfg.epochs,
            batch: b + 1,
            batches: batches.length,
            time: Date.now(),
          });
        }
      }
      const [lossSum, correctSum] = (await sums.data()) as Float32Array;
      sums.dispose();
      sums = null;
      const loss = lossSum! / n;
      const metrics: Record<string, number> = {};
      if (acc) metrics.acc = correctSum! / n;
      let valLoss: number | undefined;
      if (cfg.validation) {
        const v = await evaluate(cfg.validation.x, cfg.validation.y, cfg.loss, acc);
        valLoss = v.loss;
        if (v.acc !== undefined) metrics.valAcc = v.acc;
      }
      const seconds = (now() - t0) / 1000;
      const record: EpochRecord = {
        stage: cfg.stage,
        ...where,
        epoch,
        loss,
        ...(valLoss === undefined ? {} : { valLoss }),
        metrics,
        seconds,
        samplesPerSecond: seconds > 0 ? n / seconds : n,
      };
      records.push(record);
      const event: EpochEndEvent = { type: 'epochEnd', ...record, epochs: cfg.epochs, time: Date.now() };
      cfg.sink.emit(event);
      await cfg.sink.flush();
      if (cfg.earlyStopping) {
        const monitored = valLoss ?? loss;
        if (monitored < best) {
          best = monitored;
          bestEpoch = epoch;
          wait = 0;
          for (const t of snapshot ?? []) t.dispose();
          snapshot = cfg.variables.map((v) => tf.clone(v));
        } else if (++wait >= cfg.patience) {
          stoppedEarly = epoch < cfg.epochs;
          break;
        }
      }
      if (cfg.onEpochEnd && epoch < cfg.epochs) {
        await cfg.onEpochEnd({
          records,
          best: Number.isFinite(best) ? best : null,
          ...(bestEpoch === undefined ? {} : { bestEpoch }),
          wait,
          snapshot: snapshot ?? null,
          optimizer,
        });
      }
    }
    if (snapshot && bestEpoch !== records.length) {
      cfg.variables.forEach((v, i) => {
        v.assign(snapshot![i]!);
      });
    }
  } finally {
    sums?.dispose();
    for (const t of snapshot ?? []) t.dispose();
    optimizer.dispose();
  }
  const history: StageHistory = {
    stage: cfg.stage,
    ...where,
    epochs: records,
    stoppedEarly,
    ...(bestEpoch === undefined ? {} : { bestEpoch }),
  };
  cfg.sink.emit({
    type: 'stageEnd',
    stage: cfg.stage,
    ...where,
    epochsRun: records.length,
    stoppedEarly,
    ...(bestEpoch === undefined ? {} : { bestEpoch }),
    seconds: (now() - stageStart) / 1000,
    time: Date.now(),
  });
  await cfg.sink.flush();
  return history;
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
  x: tf.Tensor2D,
  fn: (chunk: tf.Tensor2D) => tf.Tensor2D,
  chunk = EVAL_CHUNK,
): tf.Tensor2D {
  const n = x.shape[0];
  if (n <= chunk) return tf.tidy(() => fn(x));
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += chunk) {
      parts.push(fn(tf.slice(x, [start, 0], [Math.min(chunk, n - start), x.shape[1]])));
    }
    return tf.concat(parts, 0);
  });
}
