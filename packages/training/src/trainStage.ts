import {
  type CALLBACK_HOOKS,
  type Callback,
  type CallbackContext,
  type CallbackLogs,
  type EpochEndEvent,
  epochBatches,
  type HostMatrix,
  type KeptWeights,
  ModelFormatError,
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

/** A callback hook (not the checkpoint-state methods). */
type CallbackHook = (typeof CALLBACK_HOOKS)[number];

/** Callbacks of one fit, called in order, with the fit-wide stop flag. */
export class CallbackList {
  /** Set by a callback's `stop()`: the fit ends after the current epoch. */
  stopped = false;
  constructor(
    readonly estimator: string,
    readonly callbacks: readonly Callback[],
  ) {}

  /** Whether any callback has this hook. */
  has(hook: CallbackHook): boolean {
    return this.callbacks.some((c) => typeof c[hook] === 'function');
  }

  /** Calls `hook` of every callback in order, awaiting async ones. */
  async call(hook: CallbackHook, context: CallbackContext): Promise<void> {
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

/** Where kept weights carry their tensors, and a stage's context its maker of kept weights (not enumerable). */
const KEPT_TENSORS = Symbol('layerwise.keptTensors');
const KEEP_VALUES = Symbol('layerwise.keepValues');
type WithKeptTensors = KeptWeights & { [KEPT_TENSORS]?: tf.Tensor[] };
type WithKeepValues = CallbackContext & {
  [KEEP_VALUES]?: (values: Float32Array[], epoch: number) => KeptWeights;
};

/** The copied tensors of kept weights (read to write them into a checkpoint). */
export function keptTensors(kept: KeptWeights): tf.Tensor[] {
  return (kept as WithKeptTensors)[KEPT_TENSORS] ?? [];
}

/** Kept weights made from values read from a checkpoint, owned by the stage of `context`. */
export function keepValues(context: CallbackContext, values: Float32Array[], epoch: number): KeptWeights {
  const f = (context as WithKeepValues)[KEEP_VALUES];
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

/** A batch loss (and correct count) kept on the device until it is read. */
interface DeviceLoss {
  value: tf.Scalar;
  correct: tf.Scalar | undefined;
}

/**
 * An epoch's batch losses: summed on the host in batch order in float32 (as an on-device running sum
 * would), kept on the device until read together — at the epoch's end, or when an event needs the running
 * loss — and checked for divergence against a limit of a million times the stage's first batch loss.
 */
class EpochLosses {
  lossSum = 0;
  correctSum = 0;
  /** The first batch (1-based, 0 = none) whose loss is non-finite or over the limit, and its loss. */
  badBatch = 0;
  badValue = 0;
  #read = 0;
  #pending: (DeviceLoss & { rows: number })[] = [];
  #limit = Number.POSITIVE_INFINITY;
  #limitSet = false;

  constructor(readonly accuracy: boolean) {}

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Starts an epoch's sums. */
  reset(): void {
    this.lossSum = 0;
    this.correctSum = 0;
    this.badBatch = 0;
    this.badValue = 0;
    this.#read = 0;
  }

  /** A batch loss read on the host (the accelerator's): added at once. */
  addHost(v: number, rows: number, correct: number): void {
    if (!this.#limitSet) {
      this.#limitSet = true;
      if (Number.isFinite(v)) this.#limit = 1e6 * Math.max(v, 1e-3);
    }
    this.#add(v, rows, correct);
  }

  /** A batch loss on the device: kept for the next read (the stage's first one is read now, for the limit). */
  async addDevice(loss: DeviceLoss, rows: number): Promise<void> {
    this.#pending.push({ ...loss, rows });
    if (!this.#limitSet) {
      this.#limitSet = true;
      const [first] = (await loss.value.data()) as Float32Array;
      const firstSum = Math.fround(first! * rows);
      if (Number.isFinite(firstSum)) this.#limit = 1e6 * Math.max(firstSum / rows, 1e-3);
    }
  }

  /** Reads the pending batch losses (one download) into the sums. */
  async read(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batches = this.#pending;
    this.#pending = [];
    let values: Float32Array;
    let corrects: Float32Array | undefined;
    try {
      const acc = this.accuracy;
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
    batches.forEach((p, i) => {
      this.#add(values[i]!, p.rows, corrects ? corrects[i]! : 0);
    });
  }

  #add(v: number, rows: number, correct: number): void {
    this.#read++;
    if (this.badBatch === 0 && (!Number.isFinite(v) || v > Math.fround(this.#limit))) {
      this.badBatch = this.#read;
      this.badValue = v;
    }
    this.lossSum = Math.fround(this.lossSum + Math.fround(v * rows));
    if (this.accuracy) this.correctSum = Math.fround(this.correctSum + correct);
  }

  dispose(): void {
    for (const p of this.#pending) {
      p.value.dispose();
      p.correct?.dispose();
    }
    this.#pending = [];
  }
}

/** A minibatch's inputs, targets and row weights (taken inside the step's tidy). */
type Take = () => { xb: tf.Tensor; yb: tf.Tensor; wb: tf.Tensor1D | undefined };

/**
 * Trains `variables` for up to `epochs` epochs of minibatches: seeded per-epoch shuffle (indices only, the
 * data set is never copied), one `tf.tidy` per batch, the batch losses kept on the device and read in one
 * download per epoch (and when a batch event or an `onBatchEnd` callback needs the running loss), optional
 * validation, L2 penalty, gradient clipping, frozen layers, callbacks and events to loggers. A non-finite
 * batch loss throws a {@link TrainingDivergedError}.
 */
export async function trainStage(cfg: StageConfig): Promise<StageHistory> {
  const run = new StageRun(cfg);
  run.emitStart();
  try {
    await run.begin();
    for (run.epoch = run.records.length + 1; run.epoch <= cfg.epochs; run.epoch++) {
      if (run.stageStopped || run.callbacks.stopped) {
        run.epoch--;
        break;
      }
      await run.trainEpoch();
    }
    if (run.epoch > cfg.epochs) run.epoch = cfg.epochs;
    await run.finish();
  } finally {
    run.dispose();
  }
  return run.end();
}

/** One stage's training: its state between batches and epochs, and the steps of an epoch. */
class StageRun {
  readonly owner: string;
  readonly n: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  readonly where: { layer?: number };
  readonly callbacks: CallbackList;
  readonly layers: readonly (readonly tf.Variable[])[];
  readonly records: EpochRecord[];
  readonly optimizer: tf.Optimizer;
  readonly losses: EpochLosses;
  readonly context: CallbackContext;
  readonly #start = now();
  readonly #kept = new Set<tf.Tensor[]>();
  readonly #trained: Set<tf.Variable>;
  lr: number;
  frozen: Set<number>;
  stageStopped = false;
  bestEpoch: number | undefined;
  epoch: number;
  batch: number | undefined;
  logs: CallbackLogs;
  #lastBatchEvent = now();
  #batchHooks = false;
  #epochHooks = false;
  /** The accelerator's trainer when it took this stage: it owns the weights between epoch ends. */
  fused: AcceleratedStage | null = null;

  constructor(readonly cfg: StageConfig) {
    this.owner = cfg.estimator ?? 'estimator';
    this.n = cfg.stream ? cfg.stream.rows : cfg.x.shape[0]!;
    this.batchSize = Math.min(cfg.batchSize, this.n);
    // 0 rows = a one-shot stream whose size is not known before its pass: events say 0 batches, 0 samples.
    this.batchesPerEpoch = this.n > 0 ? Math.ceil(this.n / this.batchSize) : 0;
    this.where = cfg.layer === undefined ? {} : { layer: cfg.layer };
    this.callbacks = cfg.callbacks ?? new CallbackList(this.owner, []);
    this.layers = cfg.layers ?? [];
    this.lr = cfg.resume?.learningRate ?? cfg.learningRate;
    this.optimizer = makeOptimizer(cfg.optimizer, this.lr, cfg.optimizerSettings);
    this.records = cfg.resume ? [...cfg.resume.records] : [];
    this.losses = new EpochLosses(cfg.accuracy === true);
    this.frozen = new Set<number>(cfg.frozenLayers ?? []);
    this.epoch = this.records.length;
    this.logs = { lr: this.lr };
    this.#trained = new Set(cfg.variables);
    this.context = this.#makeContext();
  }

  emitStart(): void {
    this.cfg.sink.emit({
      type: 'stageStart',
      stage: this.cfg.stage,
      ...this.where,
      epochs: this.cfg.epochs,
      batchesPerEpoch: this.batchesPerEpoch,
      samples: this.n,
      time: Date.now(),
    });
  }

  /** The variables of the frozen layers that this stage trains. */
  frozenVariables(): Set<tf.Variable> {
    return new Set(
      [...this.frozen].flatMap((i) => [...(this.layers[i] ?? [])]).filter((v) => this.#trained.has(v)),
    );
  }

  #makeContext(): CallbackContext {
    const run = this;
    const owner = this.owner;
    const cfg = this.cfg;
    const context: WithKeepValues = {
      estimator: owner,
      stage: cfg.stage,
      ...this.where,
      get epoch() {
        return run.epoch;
      },
      epochs: cfg.epochs,
      get batch() {
        return run.batch;
      },
      batches: this.batchesPerEpoch,
      get logs() {
        return run.logs;
      },
      get learningRate() {
        return run.lr;
      },
      initialLearningRate: cfg.learningRate,
      layerCount: this.layers.length,
      get frozenLayers() {
        return [...run.frozen].sort((a, b) => a - b);
      },
      stop() {
        run.callbacks.stopped = true;
      },
      stopStage() {
        run.stageStopped = true;
      },
      setLearningRate(next: number) {
        run.lr = checkLearningRate(`${owner} callback`, next);
        setOptimizerLearningRate(run.optimizer, run.lr);
      },
      setFrozenLayers(indices: readonly number[]) {
        if (!Array.isArray(indices)) {
          throw new ValidationError(`${owner} callback: setFrozenLayers needs an array of layer indices.`);
        }
        for (const i of indices) {
          if (!Number.isInteger(i) || i < 0 || i >= run.layers.length) {
            throw new ValidationError(
              `${owner} callback: layer index ${String(i)} does not exist; this model has layers 0..${run.layers.length - 1}.`,
            );
          }
        }
        run.frozen = new Set(indices);
      },
      keepWeights(): KeptWeights {
        return run.#keep(
          cfg.variables.map((v) => tf.clone(v)),
          run.epoch,
        );
      },
      readWeights() {
        return cfg.variables.map((v) => new Float32Array(v.dataSync() as Float32Array));
      },
    };
    Object.defineProperty(context, KEEP_VALUES, {
      value: (values: Float32Array[], at: number) => {
        const sizes = cfg.variables.map((v) => v.size);
        if (values.length !== sizes.length || values.some((d, i) => d.length !== sizes[i])) {
          throw new ModelFormatError(
            `${owner}: the kept weights read from the checkpoint (${values.length} arrays of ${values.map((d) => d.length).join(', ')} values) do not fit this stage's ${sizes.length} variables (${sizes.join(', ')}).`,
          );
        }
        return this.#keep(
          values.map((d, i) => tf.tensor(d, cfg.variables[i]!.shape, 'float32')),
          at,
        );
      },
    });
    return context;
  }

  /** Registers a copy of the stage's weights (freed when the stage ends, or by `dispose`). */
  #keep(copy: tf.Tensor[], at: number): KeptWeights {
    this.#kept.add(copy);
    const kept = this.#kept;
    const run = this;
    const k: KeptWeights = {
      epoch: at,
      restore() {
        if (!kept.has(copy)) throw new ValidationError(`${run.owner}: these kept weights were disposed.`);
        run.cfg.variables.forEach((v, i) => {
          v.assign(copy[i]!);
        });
        run.bestEpoch = at;
      },
      dispose() {
        if (kept.delete(copy)) for (const t of copy) t.dispose();
      },
    };
    Object.defineProperty(k, KEPT_TENSORS, { value: copy });
    return k;
  }

  /** Restores a resumed stage's optimizer, calls `onStageBegin` and hands the stage to the accelerator if it takes it. */
  async begin(): Promise<void> {
    const cfg = this.cfg;
    const resume = cfg.resume;
    if (resume && (resume.optimizer.slots.length > 0 || resume.optimizer.iterations > 0)) {
      await restoreOptimizer(this.optimizer, resume.optimizer, this.#shapes());
    }
    this.epoch = this.records.length;
    await this.callbacks.call('onStageBegin', this.context);
    this.#batchHooks = this.callbacks.has('onBatchEnd');
    // With the trainer, the tfjs variables are stale between syncs: they are written when something outside
    // reads them — epoch callbacks (they may read, keep or restore weights), per-epoch checkpoints, validation
    // on the tfjs model — and at the stage's end; after callbacks ran, the trainer reads them back.
    this.#epochHooks = this.callbacks.has('onEpochBegin') || this.callbacks.has('onEpochEnd');
    if (cfg.accelerator && cfg.dense && !cfg.stream && !this.#batchHooks) {
      this.fused = await startAcceleratedStage({
        accelerator: cfg.accelerator,
        dense: cfg.dense,
        variables: cfg.variables,
        kernels: cfg.kernels ?? [],
        optimizer: cfg.optimizer,
        optimizerSettings: cfg.optimizerSettings ?? {},
        learningRate: this.lr,
        alpha: cfg.alpha ?? 0,
        clipNorm: cfg.clipNorm ?? null,
        clipValue: cfg.clipValue ?? null,
        batchSize: this.batchSize,
        x: cfg.x,
        y: cfg.y,
        ...(cfg.sampleWeight ? { sampleWeight: cfg.sampleWeight } : {}),
        ...(cfg.validation ? { validation: cfg.validation } : {}),
      });
      const saved = resume?.optimizer;
      if (this.fused && saved && (saved.slots.length > 0 || saved.iterations > 0)) {
        // A resumed stage (checkpoint, warm start) continues on the trainer when it takes the saved state.
        if (this.fused.takesOptimizerState) this.fused.writeOptimizerState(saved);
        else {
          this.fused.dispose();
          this.fused = null;
        }
      }
    }
  }

  #shapes(): number[][] {
    return this.cfg.variables.map((v) => [...v.shape]);
  }

  #allFrozenError(): ValidationError {
    return new ValidationError(
      `${this.owner}: every layer trained in stage '${this.cfg.stage}' is frozen; unfreeze some (freezeLayers untilEpoch, freezeEncoder) or train fewer epochs.`,
    );
  }

  /** One epoch: `onEpochBegin`, every minibatch, then the record, events, callbacks and checkpoint. */
  async trainEpoch(): Promise<void> {
    this.batch = undefined;
    this.logs = { lr: this.lr };
    await this.callbacks.call('onEpochBegin', this.context);
    const epochLr = this.lr;
    const fused = this.fused;
    if (fused) {
      if (this.callbacks.has('onEpochBegin')) fused.fromVariables();
      fused.trainer.setLearningRate(this.lr);
      fused.freeze(this.frozen.size > 0 ? this.frozenVariables() : new Set());
      if (this.frozen.size > 0 && this.frozenVariables().size === this.cfg.variables.length) {
        throw this.#allFrozenError();
      }
    }
    const t0 = now();
    this.losses.reset();
    const { rows, count } = await this.#batches();
    await this.losses.read();
    if (this.losses.badBatch > 0 || !Number.isFinite(this.losses.lossSum)) throw this.#diverged(count);
    await this.#endEpoch(rows, t0, epochLr);
  }

  /** Every minibatch of the epoch; returns the rows trained and the batch count (0 for a stream). */
  async #batches(): Promise<{ rows: number; count: number }> {
    const cfg = this.cfg;
    const batches = cfg.stream
      ? cfg.stream.epoch()[Symbol.asyncIterator]()
      : epochBatches(this.n, this.batchSize, cfg.shuffle ? cfg.rng : undefined);
    const count = Array.isArray(batches) ? batches.length : 0;
    let rows = 0;
    for (let b = 0; ; b++) {
      let take: Take;
      let size: number;
      let owned: tf.Tensor[] = [];
      if (Array.isArray(batches)) {
        if (b >= batches.length) break;
        const idx = batches[b]!;
        if (this.fused) {
          rows += idx.length;
          this.#fusedStep(idx, b, count, rows);
          continue;
        }
        take = this.#takeIdx(idx);
        size = idx.length;
      } else {
        const r = await (batches as AsyncIterator<{ x: tf.Tensor; y: tf.Tensor }>).next();
        if (r.done) break;
        const { x, y } = r.value;
        owned = x === y ? [x] : [x, y];
        take = () => ({ xb: x, yb: y, wb: undefined });
        size = x.shape[0]!;
      }
      let next: DeviceLoss;
      try {
        next = this.#step(take, size);
      } finally {
        for (const t of owned) t.dispose();
      }
      rows += size;
      await this.losses.addDevice(next, size);
      const t = now();
      const eventDue = count > 0 && t - this.#lastBatchEvent >= BATCH_EVENT_MS && b + 1 < count;
      if (this.losses.pendingCount >= MAX_PENDING) await this.losses.read();
      if (eventDue || this.#batchHooks) {
        await this.losses.read();
        const running = this.losses.lossSum / rows;
        if (!Number.isFinite(running) || this.losses.badBatch > 0) throw this.#diverged(b + 1);
        if (eventDue) {
          this.#lastBatchEvent = t;
          this.#emitBatch(b + 1, count, running);
        }
        if (this.#batchHooks) {
          this.batch = b + 1;
          this.logs = { loss: running, lr: this.lr };
          await this.callbacks.call('onBatchEnd', this.context);
        }
      }
    }
    return { rows, count };
  }

  /** One minibatch on the accelerator's trainer (its loss is read at once). */
  #fusedStep(idx: Int32Array, b: number, count: number, rows: number): void {
    const fused = this.fused!;
    // A seed is drawn only when the stack has noise or dropout (as the tfjs path draws one per mask):
    // the shuffling that follows is then the same as there.
    const v = Math.fround(fused.trainer.step(idx, fused.random ? this.cfg.rng.seed() : 0));
    this.losses.addHost(v, idx.length, this.losses.accuracy ? fused.trainer.lastCorrect : 0);
    const t = now();
    if (t - this.#lastBatchEvent >= BATCH_EVENT_MS && b + 1 < count) {
      if (this.losses.badBatch > 0) throw this.#diverged(b + 1);
      this.#lastBatchEvent = t;
      this.#emitBatch(b + 1, count, this.losses.lossSum / rows);
    }
  }

  #emitBatch(batch: number, batches: number, loss: number): void {
    this.cfg.sink.emit({
      type: 'batchEnd',
      stage: this.cfg.stage,
      ...this.where,
      epoch: this.epoch,
      epochs: this.cfg.epochs,
      batch,
      batches,
      loss,
      lr: this.lr,
      time: Date.now(),
    });
  }

  /** The rows `idx` of the in-memory data (taken inside the step's tidy). */
  #takeIdx(idx: Int32Array): Take {
    const cfg = this.cfg;
    return () => {
      const xb = takeRows(cfg.x, idx);
      return {
        xb,
        yb: cfg.y === cfg.x ? xb : takeRows(cfg.y, idx),
        wb: cfg.sampleWeight ? takeRows(cfg.sampleWeight, idx) : undefined,
      };
    };
  }

  /** One optimizer step; returns the batch loss (and correct count), kept on the device. */
  #step(take: Take, rows: number): DeviceLoss {
    let correct: tf.Scalar | undefined;
    try {
      const value = this.#stepTidy(take, rows, (c) => {
        correct = c;
      });
      return { value, correct };
    } catch (e) {
      correct?.dispose();
      throw e;
    }
  }

  #stepTidy(take: Take, rows: number, keepCorrect: (c: tf.Scalar) => void): tf.Scalar {
    const cfg = this.cfg;
    const alpha = cfg.alpha ?? 0;
    const kernels = cfg.kernels ?? [];
    return tf.tidy(() => {
      const { xb, yb, wb } = take();
      const objective = (): tf.Scalar => {
        const r = cfg.loss(xb, yb, true, wb);
        if (r.correct) keepCorrect(tf.keep(r.correct));
        if (alpha <= 0 || kernels.length === 0) return r.loss;
        const sq = tf.addN(kernels.map((k) => tf.sum(tf.square(k))));
        return tf.add(r.loss, tf.mul(sq, (0.5 * alpha) / rows)) as tf.Scalar;
      };
      const frozenVars = this.frozen.size > 0 ? this.frozenVariables() : null;
      if (frozenVars && frozenVars.size === cfg.variables.length) throw this.#allFrozenError();
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
      this.optimizer.applyGradients(
        cfg.variables.map((v) => ({ name: v.name, tensor: (grads[v.name] ?? null) as tf.Tensor })),
      );
      return value;
    });
  }

  #diverged(fallback: number): TrainingDivergedError {
    const cfg = this.cfg;
    const b = this.losses.badBatch;
    const value = this.losses.badValue;
    const at = b > 0 ? b : fallback;
    const what =
      b > 0 && Number.isFinite(value) ? `exploded to ${value.toExponential(2)}` : 'became NaN or infinite';
    return new TrainingDivergedError(
      `${this.owner}: training diverged in stage '${cfg.stage}'${cfg.layer === undefined ? '' : ` (layer ${cfg.layer})`}, epoch ${this.epoch}, batch ${at}: the loss ${what}. Lower learningRate (now ${this.lr}), or set clipNorm; the estimator was left as it was before fit.`,
      { stage: cfg.stage, ...this.where, epoch: this.epoch, batch: at },
    );
  }

  /** The epoch's validation, record, events, `onEpochEnd` callbacks and the run's per-epoch hook. */
  async #endEpoch(rows: number, t0: number, epochLr: number): Promise<void> {
    const cfg = this.cfg;
    const fused = this.fused;
    const fusedVal = fused && cfg.validation ? fused.evaluate() : null;
    if (fused && (this.#epochHooks || cfg.onEpochEnd || (cfg.validation && !fusedVal))) fused.toVariables();
    if (rows === 0) {
      throw new ValidationError(`${this.owner}.fit: the data source gave no rows in epoch ${this.epoch}.`);
    }
    this.batch = undefined;
    const loss = this.losses.lossSum / rows;
    const metrics: Record<string, number> = {};
    if (this.losses.accuracy) metrics.acc = this.losses.correctSum / rows;
    let valLoss: number | undefined;
    if (cfg.validation) {
      const v =
        fusedVal ?? (await evaluate(cfg.validation.x, cfg.validation.y, cfg.loss, this.losses.accuracy));
      valLoss = v.loss;
      if (v.acc !== undefined) metrics.valAcc = v.acc;
      Object.assign(metrics, cfg.validationMetrics?.(v.loss) ?? {});
    }
    const seconds = (now() - t0) / 1000;
    const record: EpochRecord = {
      stage: cfg.stage,
      ...this.where,
      epoch: this.epoch,
      loss,
      ...(valLoss === undefined ? {} : { valLoss }),
      metrics,
      lr: epochLr,
      seconds,
      samplesPerSecond: seconds > 0 ? rows / seconds : rows,
    };
    this.records.push(record);
    const event: EpochEndEvent = { type: 'epochEnd', ...record, epochs: cfg.epochs, time: Date.now() };
    cfg.sink.emit(event);
    await cfg.sink.flush();
    this.logs = {
      loss,
      ...(valLoss === undefined ? {} : { valLoss }),
      ...(metrics.acc === undefined ? {} : { acc: metrics.acc }),
      ...(metrics.valAcc === undefined ? {} : { valAcc: metrics.valAcc }),
      lr: epochLr,
    };
    await this.callbacks.call('onEpochEnd', this.context);
    // A callback may have restored kept weights: the trainer continues from the variables.
    if (fused && this.callbacks.has('onEpochEnd')) fused.fromVariables();
    if (cfg.onEpochEnd && this.epoch < cfg.epochs && !this.stageStopped && !this.callbacks.stopped) {
      // A checkpoint reads the optimizer's state too: the trainer's goes into the tfjs optimizer first.
      if (fused) await restoreOptimizer(this.optimizer, fused.trainer.readOptimizerState(), this.#shapes());
      await cfg.onEpochEnd({ records: this.records, optimizer: this.optimizer, learningRate: this.lr });
    }
  }

  /** The stage's end: the accelerator's weights and optimizer state go into tfjs, then `onStageEnd`. */
  async finish(): Promise<void> {
    // The accelerator's weights and optimizer state go into tfjs (carried to a warm fit, checkpoints).
    if (this.fused) {
      this.fused.toVariables();
      await restoreOptimizer(this.optimizer, this.fused.trainer.readOptimizerState(), this.#shapes());
    }
    await this.callbacks.call('onStageEnd', this.context);
    await this.cfg.onStageDone?.({ records: this.records, optimizer: this.optimizer, learningRate: this.lr });
  }

  /** Frees what the stage holds: pending losses, kept weights, the optimizer, the trainer. */
  dispose(): void {
    this.losses.dispose();
    for (const copy of this.#kept) for (const t of copy) t.dispose();
    this.optimizer.dispose();
    this.fused?.dispose();
  }

  /** The stage's history, after its `stageEnd` event. */
  async end(): Promise<StageHistory> {
    const cfg = this.cfg;
    const records = this.records;
    const bestEpoch = this.bestEpoch;
    const stoppedEarly = records.length < cfg.epochs;
    const history: StageHistory = {
      stage: cfg.stage,
      ...this.where,
      epochs: records,
      stoppedEarly,
      ...(bestEpoch === undefined ? {} : { bestEpoch }),
    };
    cfg.sink.emit({
      type: 'stageEnd',
      stage: cfg.stage,
      ...this.where,
      epochsRun: records.length,
      stoppedEarly,
      ...(bestEpoch === undefined ? {} : { bestEpoch }),
      seconds: (now() - this.#start) / 1000,
      time: Date.now(),
    });
    await cfg.sink.flush();
    return history;
  }
}
