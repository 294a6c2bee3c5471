import {
  type Callback,
  type CallbackContext,
  type CallbackLogs,
  type EpochEndEvent,
  epochBatches,
  type HostMatrix,
  type KeptWeights,
  type Rng,
  type Stage,
  type TrainingAccelerator,
  TrainingDivergedError,
  takeRows,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { type AcceleratedStage, type DenseStage, startAcceleratedStage } from './acceleratedStage.js';
import { restoreOptimizer, type StageResume } from './checkpoint.js';
import {
  type EventSink,
  evaluate,
  type LossFn,
  makeOptimizer,
  type OptimizerName,
  type OptimizerSettings,
  setOptimizerLearningRate,
} from './engine.js';
import type { EpochRecord, StageHistory } from './history.js';

/** Callbacks of one fit, called in order, with the fit-wide stop flag. */
export class CallbackList {
  /** Set by a callback's `stop()`: the fit ends after the current epoch. */
  stopped = false;
  constructor(
    readonly estimator: string,
    readonly callbacks: readonly Callback[],
  ) {}

  /** Whether any callback has this hook. */
  has(hook: keyof Callback): boolean {
    return this.callbacks.some((c) => typeof c[hook] === 'function');
  }

  /** Calls `hook` of every callback in order, awaiting async ones. */
  async call(hook: keyof Callback, context: CallbackContext): Promise<void> {
    for (const c of this.callbacks) {
      const f = c[hook];
      if (typeof f === 'function') await f.call(c, context);
    }
  }
}

/** Training state of a stage, handed to `onEpochEnd` (e.g. for a checkpoint). */
export interface StageState {
  records: EpochRecord[];
  optimizer: tf.Optimizer;
  learningRate: number;
}

/** Everything one training stage needs. */
export interface StageConfig {
  /** The estimator (for callbacks and error messages). Default `'estimator'`. */
  estimator?: string;
  stage: Stage;
  layer?: number;
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  rng: Rng;
  optimizer: OptimizerName;
  optimizerSettings?: OptimizerSettings;
  learningRate: number;
  /** The variables trained in this stage. */
  variables: tf.Variable[];
  /** The model's layers as groups of variables (what callbacks freeze by index). Default: none. */
  layers?: readonly (readonly tf.Variable[])[];
  /** Kernels penalised by `alpha` (L2, scikit-learn's definition). */
  kernels?: readonly tf.Variable[];
  alpha?: number;
  /** Global-norm gradient clipping. */
  clipNorm?: number | null;
  /** Element-wise gradient clipping. */
  clipValue?: number | null;
  /** Training inputs and targets (same row count; `y` may be `x` itself, e.g. for autoencoders). */
  x: tf.Tensor | HostMatrix;
  y: tf.Tensor | HostMatrix;
  /** Per-row loss weights (same row count). */
  sampleWeight?: tf.Tensor1D;
  /**
   * Streamed training data instead of `x`/`y`: a fresh iterable of batches per epoch (tensors owned by the
   * stage, disposed after each step), with the row count of one epoch (for events).
   */
  stream?: { epoch: () => AsyncIterable<{ x: tf.Tensor; y: tf.Tensor }>; rows: number };
  validation?: { x: tf.Tensor; y: tf.Tensor };
  /** The loss of one batch. Called inside `tf.tidy`. */
  loss: LossFn;
  /** Report accuracy (`acc`, `valAcc`) from `BatchLoss.correct`. */
  accuracy?: boolean;
  /** Extra validation metrics from the validation loss (e.g. a regressor's R²). */
  validationMetrics?: (valLoss: number) => Record<string, number>;
  sink: EventSink;
  callbacks?: CallbackList;
  /** Continue a stage saved in a checkpoint: its epochs, optimizer state and learning rate. */
  resume?: StageResume;
  /** Layers frozen from the stage's start (before `onStageBegin`). */
  frozenLayers?: readonly number[];
  /**
   * Called after every epoch that does not end the stage (not after the last one, nor when a callback
   * stops), with the stage's training state, e.g. to write a checkpoint.
   */
  onEpochEnd?: (state: StageState) => Promise<void>;
  /** Called once when the stage has finished (after the callbacks' `onStageEnd`), with its final state. */
  onStageDone?: (state: StageState) => Promise<void>;
  /**
   * The active backend's training accelerator and the stage's model as a dense stack: when both are given
   * and the accelerator takes the stage, each minibatch is one accelerator call (see `acceleratedStage.ts`);
   * otherwise, or with streamed data or `onBatchEnd` callbacks, the stage trains on tfjs. Epoch callbacks,
   * per-epoch checkpoints and resumes (a checkpoint's or a warm start's) run with the trainer: its weights are
   * written to the variables when something outside reads them (epoch callbacks, a checkpoint, validation the
   * trainer cannot compute, the stage's end) and read back after callbacks; the learning rate a callback sets
   * goes to the trainer at the next epoch; validation is computed by the trainer where it can.
   */
  accelerator?: TrainingAccelerator;
  dense?: DenseStage;
}

const BATCH_EVENT_MS = 500;
/** Batch losses kept on the device before they are read (bounds the tensors held in a long epoch). */
const MAX_PENDING = 1024;

/** Internal: the tensors behind kept weights, and kept weights rebuilt from values (checkpoint resume). */
const KEPT_TENSORS = new WeakMap<KeptWeights, tf.Tensor[]>();
const KEEP_VALUES = new WeakMap<CallbackContext, (values: Float32Array[], epoch: number) => KeptWeights>();

/** The copied tensors of kept weights (read to write them into a checkpoint). */
export function keptTensors(kept: KeptWeights): tf.Tensor[] {
  return KEPT_TENSORS.get(kept) ?? [];
}

/** Kept weights made from values read from a checkpoint, owned by the stage of `context`. */
export function keepValues(context: CallbackContext, values: Float32Array[], epoch: number): KeptWeights {
  const f = KEEP_VALUES.get(context);
  if (!f) throw new ValidationError('keepValues: this context does not belong to a running stage.');
  return f(values, epoch);
}
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function checkLearningRate(owner: string, lr: unknown): number {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
    throw new ValidationError(`${owner}: setLearningRate needs a finite number > 0, got ${String(lr)}.`);
  }
  return lr;
}

/**
 * Trains `variables` for up to `epochs` epochs of minibatches: seeded per-epoch shuffle (indices only, the
 * data set is never copied), one `tf.tidy` per batch, the batch losses kept on the device and read in one
 * download per epoch (and when a batch event or an `onBatchEnd` callback needs the running loss), optional
 * validation, L2 penalty, gradient clipping, frozen layers, callbacks and events to loggers. A non-finite
 * batch loss throws a {@link TrainingDivergedError}.
 */
export async function trainStage(cfg: StageConfig): Promise<StageHistory> {
  const owner = cfg.estimator ?? 'estimator';
  const n = cfg.stream ? cfg.stream.rows : cfg.x.shape[0]!;
  const batchSize = Math.min(cfg.batchSize, n);
  // 0 rows = a one-shot stream whose size is not known before its pass: events say 0 batches, 0 samples.
  const batchesPerEpoch = n > 0 ? Math.ceil(n / batchSize) : 0;
  const where = cfg.layer === undefined ? {} : { layer: cfg.layer };
  const callbacks = cfg.callbacks ?? new CallbackList(owner, []);
  const layers = cfg.layers ?? [];
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
  const resume = cfg.resume;
  let lr = resume?.learningRate ?? cfg.learningRate;
  const optimizer = makeOptimizer(cfg.optimizer, lr, cfg.optimizerSettings);
  const records: EpochRecord[] = resume ? [...resume.records] : [];
  const acc = cfg.accuracy === true;
  const alpha = cfg.alpha ?? 0;
  const kernels = cfg.kernels ?? [];
  let frozen = new Set<number>(cfg.frozenLayers ?? []);
  let stageStopped = false;
  let bestEpoch: number | undefined;
  const kept = new Set<tf.Tensor[]>();
  let lastBatchEvent = now();
  // The epoch's batch losses (and correct counts) not read yet, kept on the device and read together at the
  // epoch's end (or when an event needs the running loss): no per-batch bookkeeping kernels. The host sums
  // add them in batch order in float32, as an on-device running sum would.
  let pending: { value: tf.Scalar; correct: tf.Scalar | undefined; rows: number }[] = [];
  let lossSum = 0;
  let correctSum = 0;
  // The first batch (1-based, 0 = none) whose loss is non-finite or over the limit, and its loss.
  let badBatch = 0;
  let badValue = 0;
  let readBatches = 0;
  // A batch loss over this limit (a million times the stage's first batch loss) counts as diverged.
  let limit = Number.POSITIVE_INFINITY;
  let limitSet = false;

  let epoch = records.length;
  let batch: number | undefined;
  // The accelerator's trainer when it took this stage: it owns the weights between epoch ends.
  let fused: AcceleratedStage | null = null;
  let logs: CallbackLogs = { lr };
  const trained = new Set(cfg.variables);
  const frozenVariables = (): Set<tf.Variable> =>
    new Set([...frozen].flatMap((i) => [...(layers[i] ?? [])]).filter((v) => trained.has(v)));
  const context: CallbackContext = {
    estimator: owner,
    stage: cfg.stage,
    ...where,
    get epoch() {
      return epoch;
    },
    epochs: cfg.epochs,
    get batch() {
      return batch;
    },
    batches: batchesPerEpoch,
    get logs() {
      return logs;
    },
    get learningRate() {
      return lr;
    },
    layerCount: layers.length,
    get frozenLayers() {
      return [...frozen].sort((a, b) => a - b);
    },
    stop() {
      callbacks.stopped = true;
    },
    stopStage() {
      stageStopped = true;
    },
    setLearningRate(next: number) {
      lr = checkLearningRate(`${owner} callback`, next);
      setOptimizerLearningRate(optimizer, lr);
    },
    setFrozenLayers(indices: readonly number[]) {
      if (!Array.isArray(indices)) {
        throw new ValidationError(`${owner} callback: setFrozenLayers needs an array of layer indices.`);
      }
      for (const i of indices) {
        if (!Number.isInteger(i) || i < 0 || i >= layers.length) {
          throw new ValidationError(
            `${owner} callback: layer index ${String(i)} does not exist; this model has layers 0..${layers.length - 1}.`,
          );
        }
      }
      frozen = new Set(indices);
    },
    keepWeights(): KeptWeights {
      return keep(
        cfg.variables.map((v) => tf.clone(v)),
        epoch,
      );
    },
    readWeights() {
      return cfg.variables.map((v) => new Float32Array(v.dataSync() as Float32Array));
    },
  };
  /** Registers a copy of the stage's weights (freed when the stage ends, or by `dispose`). */
  function keep(copy: tf.Tensor[], at: number): KeptWeights {
    kept.add(copy);
    const k: KeptWeights = {
      epoch: at,
      restore() {
        if (!kept.has(copy)) throw new ValidationError(`${owner}: these kept weights were disposed.`);
        cfg.variables.forEach((v, i) => {
          v.assign(copy[i]!);
        });
        bestEpoch = at;
      },
      dispose() {
        if (kept.delete(copy)) for (const t of copy) t.dispose();
      },
    };
    KEPT_TENSORS.set(k, copy);
    return k;
  }
  KEEP_VALUES.set(context, (values, at) =>
    keep(
      values.map((d, i) => tf.tensor(d, cfg.variables[i]!.shape, 'float32')),
      at,
    ),
  );

  type Take = () => { xb: tf.Tensor; yb: tf.Tensor; wb: tf.Tensor1D | undefined };
  /** The rows `idx` of the in-memory data (taken inside the step's tidy). */
  const takeIdx =
    (idx: Int32Array): Take =>
    () => {
      const xb = takeRows(cfg.x, idx);
      return {
        xb,
        yb: cfg.y === cfg.x ? xb : takeRows(cfg.y, idx),
        wb: cfg.sampleWeight ? takeRows(cfg.sampleWeight, idx) : undefined,
      };
    };
  /** One optimizer step; returns the batch loss (and correct count), kept on the device. */
  const step = (take: Take, rows: number): { value: tf.Scalar; correct: tf.Scalar | undefined } => {
    let correct: tf.Scalar | undefined;
    try {
      const value = stepTidy(take, rows, (c) => {
        correct = c;
      });
      return { value, correct };
    } catch (e) {
      correct?.dispose();
      throw e;
    }
  };
  const stepTidy = (take: Take, rows: number, keepCorrect: (c: tf.Scalar) => void): tf.Scalar =>
    tf.tidy(() => {
      const { xb, yb, wb } = take();
      const idx = { length: rows };
      let correct: tf.Scalar | undefined;
      const objective = (): tf.Scalar => {
        const r = cfg.loss(xb, yb, true, wb);
        if (r.correct) {
          correct = tf.keep(r.correct);
          keepCorrect(correct);
        }
        if (alpha <= 0 || kernels.length === 0) return r.loss;
        const sq = tf.addN(kernels.map((k) => tf.sum(tf.square(k))));
        return tf.add(r.loss, tf.mul(sq, (0.5 * alpha) / idx.length)) as tf.Scalar;
      };
      const frozenVars = frozen.size > 0 ? frozenVariables() : null;
      if (frozenVars && frozenVars.size === cfg.variables.length) {
        throw new ValidationError(
          `${owner}: every layer trained in stage '${cfg.stage}' is frozen; unfreeze some (freezeLayers untilEpoch, freezeEncoder) or train fewer epochs.`,
        );
      }
      const trainable = frozenVars ? cfg.variables.filter((v) => !frozenVars.has(v)) : cfg.variables;
      const { value, grads } = tf.variableGrads(objective, trainable);
      if (cfg.clipValue != null) {
        const c = cfg.clipValue;
        for (const k of Object.keys(grads)) grads[k] = tf.clipByValue(grads[k]!, -c, c);
      }
      if (cfg.clipNorm != null) {
        const keys = Object.keys(grads);
        const norm = tf.sqrt(tf.addN(keys.map((k) => tf.sum(tf.square(grads[k]!)))));
        const scale = tf.div(cfg.clipNorm, tf.maximum(norm, cfg.clipNorm));
        for (const k of keys) grads[k] = tf.mul(grads[k]!, scale);
      }
      // Every variable is listed, in one fixed order (tfjs optimizers index their state by position); a frozen
      // one with a null gradient, which every tfjs optimizer skips: its value and its state stay as they are
      // (and Adam's bias correction counts only its own updates: see FusedAdamOptimizer).
      optimizer.applyGradients(
        cfg.variables.map((v) => ({ name: v.name, tensor: (grads[v.name] ?? null) as tf.Tensor })),
      );
      return value;
    });

  /** Reads the pending batch losses (one download), adds them to the epoch's sums, checks divergence. */
  const readPending = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batches = pending;
    pending = [];
    let values: Float32Array;
    let corrects: Float32Array | undefined;
    try {
      const all = tf.tidy(() =>
        tf.stack([
          tf.stack(batches.map((p) => p.value)),
          acc ? tf.stack(batches.map((p) => p.correct ?? tf.scalar(0))) : tf.zeros([batches.length]),
        ]),
      );
      const data = (await all.data()) as Float32Array;
      all.dispose();
      values = data.subarray(0, batches.length);
      corrects = acc ? data.subarray(batches.length) : undefined;
    } finally {
      for (const p of batches) {
        p.value.dispose();
        p.correct?.dispose();
      }
    }
    const limit32 = Math.fround(limit);
    batches.forEach((p, i) => {
      const v = values[i]!;
      readBatches++;
      if (badBatch === 0 && (!Number.isFinite(v) || v > limit32)) {
        badBatch = readBatches;
        badValue = v;
      }
      lossSum = Math.fround(lossSum + Math.fround(v * p.rows));
      if (corrects) correctSum = Math.fround(correctSum + corrects[i]!);
    });
  };

  const diverged = async (fallback: number): Promise<TrainingDivergedError> => {
    const b = badBatch;
    const value = badValue;
    const at = b > 0 ? b : fallback;
    const what =
      b > 0 && Number.isFinite(value) ? `exploded to ${value.toExponential(2)}` : 'became NaN or infinite';
    return new TrainingDivergedError(
      `${owner}: training diverged in stage '${cfg.stage}'${cfg.layer === undefined ? '' : ` (layer ${cfg.layer})`}, epoch ${epoch}, batch ${at}: the loss ${what}. Lower learningRate (now ${lr}), or set clipNorm; the estimator was left as it was before fit.`,
      { stage: cfg.stage, ...where, epoch, batch: at },
    );
  };

  try {
    if (resume && (resume.optimizer.slots.length > 0 || resume.optimizer.iterations > 0)) {
      await restoreOptimizer(
        optimizer,
        resume.optimizer,
        cfg.variables.map((v) => [...v.shape]),
      );
    }
    epoch = records.length;
    await callbacks.call('onStageBegin', context);
    const batchHooks = callbacks.has('onBatchEnd');
    if (cfg.accelerator && cfg.dense && !cfg.stream && !batchHooks) {
      fused = await startAcceleratedStage({
        accelerator: cfg.accelerator,
        dense: cfg.dense,
        variables: cfg.variables,
        kernels,
        optimizer: cfg.optimizer,
        optimizerSettings: cfg.optimizerSettings ?? {},
        learningRate: lr,
        alpha,
        clipNorm: cfg.clipNorm ?? null,
        clipValue: cfg.clipValue ?? null,
        batchSize,
        x: cfg.x,
        y: cfg.y,
        ...(cfg.sampleWeight ? { sampleWeight: cfg.sampleWeight } : {}),
        ...(cfg.validation ? { validation: cfg.validation } : {}),
      });
      const saved = resume?.optimizer;
      if (fused && saved && (saved.slots.length > 0 || saved.iterations > 0)) {
        // A resumed stage (checkpoint, warm start) continues on the trainer when it takes the saved state.
        if (fused.takesOptimizerState) fused.writeOptimizerState(saved);
        else {
          fused.dispose();
          fused = null;
        }
      }
    }
    // With the trainer, the tfjs variables are stale between syncs: they are written when something outside
    // reads them — epoch callbacks (they may read, keep or restore weights), per-epoch checkpoints, validation
    // on the tfjs model — and at the stage's end; after callbacks ran, the trainer reads them back.
    const epochHooks = callbacks.has('onEpochBegin') || callbacks.has('onEpochEnd');
    for (epoch = records.length + 1; epoch <= cfg.epochs; epoch++) {
      if (stageStopped || callbacks.stopped) {
        epoch--;
        break;
      }
      batch = undefined;
      logs = { lr };
      await callbacks.call('onEpochBegin', context);
      const epochLr = lr;
      if (fused) {
        if (callbacks.has('onEpochBegin')) fused.fromVariables();
        fused.trainer.setLearningRate(lr);
        fused.freeze(frozen.size > 0 ? frozenVariables() : new Set());
        if (frozen.size > 0 && frozenVariables().size === cfg.variables.length) {
          throw new ValidationError(
            `${owner}: every layer trained in stage '${cfg.stage}' is frozen; unfreeze some (freezeLayers untilEpoch, freezeEncoder) or train fewer epochs.`,
          );
        }
      }
      const t0 = now();
      lossSum = 0;
      correctSum = 0;
      badBatch = 0;
      badValue = 0;
      readBatches = 0;
      let rows = 0;
      const batches = cfg.stream
        ? cfg.stream.epoch()[Symbol.asyncIterator]()
        : epochBatches(n, batchSize, cfg.shuffle ? cfg.rng : undefined);
      const count = Array.isArray(batches) ? batches.length : 0;
      for (let b = 0; ; b++) {
        let take: Take;
        let size: number;
        let owned: tf.Tensor[] = [];
        if (Array.isArray(batches)) {
          if (b >= batches.length) break;
          const idx = batches[b]!;
          if (fused) {
            // A seed is drawn only when the stack has noise or dropout (as the tfjs path draws one per mask):
            // the shuffling that follows is then the same as there.
            const v = Math.fround(fused.trainer.step(idx, fused.random ? cfg.rng.seed() : 0));
            if (!limitSet) {
              limitSet = true;
              if (Number.isFinite(v)) limit = 1e6 * Math.max(v, 1e-3);
            }
            readBatches++;
            if (badBatch === 0 && (!Number.isFinite(v) || v > Math.fround(limit))) {
              badBatch = readBatches;
              badValue = v;
            }
            lossSum = Math.fround(lossSum + Math.fround(v * idx.length));
            if (acc) correctSum = Math.fround(correctSum + fused.trainer.lastCorrect);
            rows += idx.length;
            const t = now();
            if (t - lastBatchEvent >= BATCH_EVENT_MS && b + 1 < count) {
              if (badBatch > 0) throw await diverged(b + 1);
              lastBatchEvent = t;
              cfg.sink.emit({
                type: 'batchEnd',
                stage: cfg.stage,
                ...where,
                epoch,
                epochs: cfg.epochs,
                batch: b + 1,
                batches: count,
                loss: lossSum / rows,
                lr,
                time: Date.now(),
              });
            }
            continue;
          }
          take = takeIdx(idx);
          size = idx.length;
        } else {
          const r = await (batches as AsyncIterator<{ x: tf.Tensor; y: tf.Tensor }>).next();
          if (r.done) break;
          const { x, y } = r.value;
          owned = x === y ? [x] : [x, y];
          take = () => ({ xb: x, yb: y, wb: undefined });
          size = x.shape[0]!;
        }
        let next: { value: tf.Scalar; correct: tf.Scalar | undefined };
        try {
          next = step(take, size);
        } finally {
          for (const t of owned) t.dispose();
        }
        pending.push({ ...next, rows: size });
        rows += size;
        if (!limitSet) {
          // One read per stage: the first batch's loss sets the explosion limit.
          limitSet = true;
          const [first] = (await next.value.data()) as Float32Array;
          const firstSum = Math.fround(first! * size);
          if (Number.isFinite(firstSum)) limit = 1e6 * Math.max(firstSum / size, 1e-3);
        }
        const t = now();
        const eventDue = count > 0 && t - lastBatchEvent >= BATCH_EVENT_MS && b + 1 < count;
        if (pending.length >= MAX_PENDING) await readPending();
        if (eventDue || batchHooks) {
          await readPending();
          const running = lossSum / rows;
          if (!Number.isFinite(running) || badBatch > 0) throw await diverged(b + 1);
          if (eventDue) {
            lastBatchEvent = t;
            cfg.sink.emit({
              type: 'batchEnd',
              stage: cfg.stage,
              ...where,
              epoch,
              epochs: cfg.epochs,
              batch: b + 1,
              batches: count,
              loss: running,
              lr,
              time: Date.now(),
            });
          }
          if (batchHooks) {
            batch = b + 1;
            logs = { loss: running, lr };
            await callbacks.call('onBatchEnd', context);
          }
        }
      }
      await readPending();
      if (badBatch > 0 || !Number.isFinite(lossSum)) throw await diverged(count);
      const fusedVal = fused && cfg.validation ? fused.evaluate() : null;
      if (fused && (epochHooks || cfg.onEpochEnd || (cfg.validation && !fusedVal))) fused.toVariables();
      if (rows === 0) {
        throw new ValidationError(`${owner}.fit: the data source gave no rows in epoch ${epoch}.`);
      }
      batch = undefined;
      const loss = lossSum / rows;
      const metrics: Record<string, number> = {};
      if (acc) metrics.acc = correctSum / rows;
      let valLoss: number | undefined;
      if (cfg.validation) {
        const v = fusedVal ?? (await evaluate(cfg.validation.x, cfg.validation.y, cfg.loss, acc));
        valLoss = v.loss;
        if (v.acc !== undefined) metrics.valAcc = v.acc;
        Object.assign(metrics, cfg.validationMetrics?.(v.loss) ?? {});
      }
      const seconds = (now() - t0) / 1000;
      const record: EpochRecord = {
        stage: cfg.stage,
        ...where,
        epoch,
        loss,
        ...(valLoss === undefined ? {} : { valLoss }),
        metrics,
        lr: epochLr,
        seconds,
        samplesPerSecond: seconds > 0 ? rows / seconds : rows,
      };
      records.push(record);
      const event: EpochEndEvent = { type: 'epochEnd', ...record, epochs: cfg.epochs, time: Date.now() };
      cfg.sink.emit(event);
      await cfg.sink.flush();
      logs = {
        loss,
        ...(valLoss === undefined ? {} : { valLoss }),
        ...(metrics.acc === undefined ? {} : { acc: metrics.acc }),
        ...(metrics.valAcc === undefined ? {} : { valAcc: metrics.valAcc }),
        lr: epochLr,
      };
      await callbacks.call('onEpochEnd', context);
      // A callback may have restored kept weights: the trainer continues from the variables.
      if (fused && callbacks.has('onEpochEnd')) fused.fromVariables();
      if (cfg.onEpochEnd && epoch < cfg.epochs && !stageStopped && !callbacks.stopped) {
        // A checkpoint reads the optimizer's state too: the trainer's goes into the tfjs optimizer first.
        if (fused) {
          await restoreOptimizer(
            optimizer,
            fused.trainer.readOptimizerState(),
            cfg.variables.map((v) => [...v.shape]),
          );
        }
        await cfg.onEpochEnd({ records, optimizer, learningRate: lr });
      }
    }
    if (epoch > cfg.epochs) epoch = cfg.epochs;
    // The accelerator's weights and optimizer state go into tfjs (carried to a warm fit, checkpoints).
    if (fused) {
      fused.toVariables();
      await restoreOptimizer(
        optimizer,
        fused.trainer.readOptimizerState(),
        cfg.variables.map((v) => [...v.shape]),
      );
    }
    await callbacks.call('onStageEnd', context);
    await cfg.onStageDone?.({ records, optimizer, learningRate: lr });
  } finally {
    for (const p of pending) {
      p.value.dispose();
      p.correct?.dispose();
    }
    pending = [];
    for (const copy of kept) for (const t of copy) t.dispose();
    optimizer.dispose();
    fused?.dispose();
  }
  const stoppedEarly = records.length < cfg.epochs;
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
