import {
  type Callback,
  type CallbackCheckpoint,
  type CallbackContext,
  type CallbackLogs,
  type KeptWeights,
  ValidationError,
} from '@layerwise/core';
import { tensorValues } from './checkpoint.js';
import { keepValues, keptTensors } from './trainStage.js';

/** A quantity callbacks can watch; `'auto'` = `valLoss` when validation data are used, else `loss`. */
export type Monitor = 'auto' | 'loss' | 'valLoss' | 'acc' | 'valAcc';
const MONITORS: readonly Monitor[] = ['auto', 'loss', 'valLoss', 'acc', 'valAcc'];

function check(owner: string, ok: boolean, what: string, value: unknown): void {
  if (!ok) {
    let shown: string;
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
    throw new ValidationError(`${owner}: ${what}, got ${shown}.`);
  }
}

function checkOptions(owner: string, options: object | undefined, known: readonly string[]): void {
  check(
    owner,
    options === undefined || (typeof options === 'object' && options !== null && !Array.isArray(options)),
    'options must be an object',
    options,
  );
  for (const k of Object.keys(options ?? {})) {
    check(owner, known.includes(k), `unknown option "${k}" (known: ${known.join(', ')})`, k);
  }
}

/** Watches one quantity of the logs: decides what an improvement is (non-finite values never improve). */
class Watch {
  readonly mode: 'min' | 'max';
  constructor(
    readonly monitor: Monitor,
    mode: 'auto' | 'min' | 'max',
    readonly minDelta: number,
  ) {
    this.mode = mode === 'auto' ? (monitor === 'acc' || monitor === 'valAcc' ? 'max' : 'min') : mode;
  }

  value(logs: CallbackLogs): number | undefined {
    if (this.monitor === 'auto') return logs.valLoss ?? logs.loss;
    return logs[this.monitor];
  }

  /** The starting "best": worse than any finite value. */
  get worst(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  improves(v: number, best: number): boolean {
    if (!Number.isFinite(v)) return false;
    if (!Number.isFinite(best)) return true;
    return this.mode === 'min' ? v < best - this.minDelta : v > best + this.minDelta;
  }
}

function watchOf(
  owner: string,
  monitor: unknown = 'auto',
  mode: unknown = 'auto',
  minDelta: unknown = 0,
): Watch {
  check(
    owner,
    MONITORS.includes(monitor as Monitor),
    `monitor must be one of ${MONITORS.join(', ')}`,
    monitor,
  );
  check(
    owner,
    mode === 'auto' || mode === 'min' || mode === 'max',
    "mode must be 'auto', 'min' or 'max'",
    mode,
  );
  check(
    owner,
    typeof minDelta === 'number' && Number.isFinite(minDelta) && minDelta >= 0,
    'minDelta must be a number ≥ 0',
    minDelta,
  );
  return new Watch(monitor as Monitor, mode as 'auto', minDelta as number);
}

function checkInt(owner: string, name: string, v: unknown, min: number): number {
  check(
    owner,
    typeof v === 'number' && Number.isInteger(v) && v >= min,
    `${name} must be an integer ≥ ${min}`,
    v,
  );
  return v as number;
}

/** Options of {@link earlyStopping} (Keras' `EarlyStopping`, camelCase). */
export interface EarlyStoppingOptions {
  /** What to watch. Default `'auto'` (`valLoss` when measured, else `loss`). */
  monitor?: Monitor;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before the stage stops. Default 10. */
  patience?: number;
  /** `'min'` for losses, `'max'` for accuracies; `'auto'` decides from `monitor`. Default `'auto'`. */
  mode?: 'auto' | 'min' | 'max';
  /** A value the monitored quantity must beat; epochs that do not beat it count as no improvement. Default none. */
  baseline?: number | null;
  /** At the end of the stage, put back the weights of the best epoch. Default false (Keras' default). */
  restoreBestWeights?: boolean;
}

/** Early-stopping state as kept in a checkpoint. */
export interface EarlyStoppingState {
  best: number | null;
  bestEpoch?: number;
  wait: number;
  snapshot: Float32Array[] | null;
}

/**
 * Stops a stage when the monitored quantity has not improved for `patience` epochs (Keras'
 * `EarlyStopping`); with `restoreBestWeights`, the stage ends with the weights of its best epoch. It works
 * per stage: every pretrained layer and the fine-tuning of an autoencoder are watched on their own. A
 * non-finite value is worse than any finite one. The estimators' `earlyStopping: true` param is this
 * callback with `{ patience, restoreBestWeights: true }`.
 *
 * ```ts
 * const clf = new MLPClassifier({ epochs: 100, validationFraction: 0.1,
 *   callbacks: [earlyStopping({ monitor: 'valAcc', patience: 5, restoreBestWeights: true })] });
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}

/** The callback made by {@link earlyStopping}. */
export class EarlyStopping implements Callback {
  readonly #watch: Watch;
  readonly #patience: number;
  readonly #baseline: number | null;
  readonly #restore: boolean;
  #best = Number.POSITIVE_INFINITY;
  #bestEpoch: number | undefined;
  #wait = 0;
  #kept: KeptWeights | null = null;
  #resume: EarlyStoppingState | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    const owner = 'earlyStopping';
    checkOptions(owner, options, [
      'monitor',
      'minDelta',
      'patience',
      'mode',
      'baseline',
      'restoreBestWeights',
    ]);
    this.#watch = watchOf(owner, options.monitor, options.mode, options.minDelta);
    this.#patience = checkInt(owner, 'patience', options.patience ?? 10, 1);
    const b = options.baseline ?? null;
    check(owner, b === null || (typeof b === 'number' && Number.isFinite(b)), 'baseline must be a number', b);
    this.#baseline = b;
    const r = options.restoreBestWeights ?? false;
    check(owner, typeof r === 'boolean', 'restoreBestWeights must be true or false', r);
    this.#restore = r;
  }

  /** Continue from a checkpoint's state at the next stage begin. */
  resumeFrom(state: EarlyStoppingState): void {
    this.#resume = state;
  }

  /**
   * The patience count, the best value and its epoch, and the kept best weights (with
   * `restoreBestWeights`), for a checkpoint: a resumed fit stops and restores exactly where the uninterrupted
   * one would.
   */
  async checkpointState(): Promise<CallbackCheckpoint> {
    const s = this.state();
    const arrays = s.snapshot ? await tensorValues(s.snapshot) : undefined;
    return {
      kind: 'earlyStopping',
      values: { best: s.best, bestEpoch: s.bestEpoch ?? null, wait: s.wait },
      ...(arrays ? { arrays } : {}),
    };
  }

  /** Continues from {@link EarlyStopping.checkpointState}'s value at the resumed stage's begin. */
  resumeCheckpointState(state: CallbackCheckpoint): void {
    const { best, bestEpoch, wait } = state.values;
    this.resumeFrom({
      best: typeof best === 'number' ? best : null,
      ...(typeof bestEpoch === 'number' ? { bestEpoch } : {}),
      wait: typeof wait === 'number' && Number.isSafeInteger(wait) && wait >= 0 ? wait : 0,
      snapshot: state.arrays ?? null,
    });
  }

  /** The state to write into a checkpoint. */
  state(): {
    best: number | null;
    bestEpoch?: number;
    wait: number;
    snapshot: ReturnType<typeof keptTensors> | null;
  } {
    return {
      best: Number.isFinite(this.#best) ? this.#best : null,
      ...(this.#bestEpoch === undefined ? {} : { bestEpoch: this.#bestEpoch }),
      wait: this.#wait,
      snapshot: this.#kept ? keptTensors(this.#kept) : null,
    };
  }

  onStageBegin(ctx: CallbackContext): void {
    this.#best = this.#baseline ?? this.#watch.worst;
    this.#bestEpoch = undefined;
    this.#wait = 0;
    this.#kept = null;
    const r = this.#resume;
    this.#resume = null;
    if (r) {
      if (r.best !== null) this.#best = r.best;
      this.#bestEpoch = r.bestEpoch;
      this.#wait = r.wait;
      if (r.snapshot) this.#kept = keepValues(ctx, r.snapshot, r.bestEpoch ?? 0);
    }
  }

  /** Compares the monitored value with the best so far; stops the run after `patience` epochs without improvement. */
  onEpochEnd(ctx: CallbackContext): void {
    const v = this.#watch.value(ctx.logs);
    if (v !== undefined && this.#watch.improves(v, this.#best)) {
      this.#best = v;
      this.#bestEpoch = ctx.epoch;
      this.#wait = 0;
      if (this.#restore) {
        this.#kept?.dispose();
        this.#kept = ctx.keepWeights();
      }
    } else if (++this.#wait >= this.#patience) {
      ctx.stopStage();
    }
  }

  onStageEnd(): void {
    if (this.#restore && this.#kept) this.#kept.restore();
    this.#kept = null;
  }
}

/** Options of {@link reduceLROnPlateau} (Keras' `ReduceLROnPlateau`, camelCase). */
export interface ReduceLROnPlateauOptions {
  /** What to watch. Default `'auto'` (`valLoss` when measured, else `loss`). */
  monitor?: Monitor;
  /** The learning rate is multiplied by this, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before lowering the rate. Default 10. */
  patience?: number;
  /** The rate is never lowered below this. Default 0. */
  minLr?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Default `'auto'`. */
  mode?: 'auto' | 'min' | 'max';
}

/**
 * Multiplies the learning rate by `factor` when the monitored quantity has not improved for `patience`
 * epochs (Keras' `ReduceLROnPlateau`). Per stage: each stage starts again from the `learningRate` param.
 * The learning rate of every epoch is in `history` (`lr`) and in CSV/JSONL logs.
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): Callback {
  const owner = 'reduceLROnPlateau';
  checkOptions(owner, options, ['monitor', 'factor', 'patience', 'minLr', 'cooldown', 'minDelta', 'mode']);
  const watch = watchOf(owner, options.monitor, options.mode, options.minDelta ?? 1e-4);
  const factor = options.factor ?? 0.1;
  check(owner, typeof factor === 'number' && factor > 0 && factor < 1, 'factor must be in (0, 1)', factor);
  const patience = checkInt(owner, 'patience', options.patience ?? 10, 0);
  const cooldown = checkInt(owner, 'cooldown', options.cooldown ?? 0, 0);
  const minLr = options.minLr ?? 0;
  check(owner, typeof minLr === 'number' && Number.isFinite(minLr) && minLr >= 0, 'minLr must be ≥ 0', minLr);
  let best = watch.worst;
  let wait = 0;
  let cooling = 0;
  let resume: CallbackCheckpoint['values'] | null = null;
  return {
    // A checkpoint keeps the best value and both counters, so a resumed fit lowers the rate when the
    // uninterrupted one would.
    checkpointState: () => ({
      kind: 'reduceLROnPlateau',
      values: { best: Number.isFinite(best) ? best : null, wait, cooling },
    }),
    resumeCheckpointState(state: CallbackCheckpoint) {
      resume = state.values;
    },
    onStageBegin() {
      best = watch.worst;
      wait = 0;
      cooling = 0;
      const r = resume;
      resume = null;
      if (r) {
        if (typeof r.best === 'number') best = r.best;
        if (typeof r.wait === 'number' && Number.isSafeInteger(r.wait) && r.wait >= 0) wait = r.wait;
        if (typeof r.cooling === 'number' && Number.isSafeInteger(r.cooling) && r.cooling >= 0) {
          cooling = r.cooling;
        }
      }
    },
    onEpochEnd(ctx) {
      const v = watch.value(ctx.logs);
      if (cooling > 0) {
        cooling--;
        wait = 0;
      }
      if (v !== undefined && watch.improves(v, best)) {
        best = v;
        wait = 0;
      } else if (cooling === 0 && ++wait >= patience) {
        const lr = ctx.learningRate;
        if (lr > minLr) ctx.setLearningRate(Math.max(lr * factor, minLr));
        cooling = cooldown;
        wait = 0;
      }
    },
  };
}

/**
 * A learning-rate schedule: the rate for 1-based `epoch`, given the rate in use and the rate the stage
 * is configured with (the `learningRate` param; the same after a resume from a checkpoint).
 */
export type LearningRateSchedule = (epoch: number, lr: number, initialLr: number) => number;

/**
 * Sets the learning rate at the start of every epoch from `schedule(epoch, lr, initialLr)` (Keras'
 * `LearningRateScheduler`; epochs are 1-based here, as in `history`). Use it with {@link stepDecay},
 * {@link exponentialDecay}, {@link cosineDecay} or a function of your own.
 *
 * ```ts
 * callbacks: [learningRateScheduler(stepDecay({ factor: 0.5, every: 10 }))]
 * callbacks: [learningRateScheduler((epoch, lr) => (epoch > 5 ? lr * 0.9 : lr))]
 * ```
 */
export function learningRateScheduler(schedule: LearningRateSchedule): Callback {
  check(
    'learningRateScheduler',
    typeof schedule === 'function',
    'schedule must be a function (epoch, lr, initialLr) => lr',
    typeof schedule,
  );
  return {
    // The stage's configured rate, not the rate in use: after a resume mid-stage they differ, and the
    // schedule must go on as in the uninterrupted run.
    onEpochBegin(ctx) {
      ctx.setLearningRate(schedule(ctx.epoch, ctx.learningRate, ctx.initialLearningRate));
    },
  };
}

function initialOf(owner: string, initialLr: unknown): number | undefined {
  check(
    owner,
    initialLr === undefined || (typeof initialLr === 'number' && Number.isFinite(initialLr) && initialLr > 0),
    'initialLr must be a number > 0',
    initialLr,
  );
  return initialLr as number | undefined;
}

/**
 * `initialLr · factor^⌊(epoch − 1) / every⌋`: the rate drops by `factor` every `every` epochs. `initialLr`
 * defaults to the rate the stage started with (the `learningRate` param).
 */
export function stepDecay(
  options: { factor?: number; every?: number; initialLr?: number } = {},
): LearningRateSchedule {
  const owner = 'stepDecay';
  checkOptions(owner, options, ['factor', 'every', 'initialLr']);
  const factor = options.factor ?? 0.5;
  check(owner, typeof factor === 'number' && factor > 0 && factor <= 1, 'factor must be in (0, 1]', factor);
  const every = checkInt(owner, 'every', options.every ?? 10, 1);
  const lr0 = initialOf(owner, options.initialLr);
  return (epoch, _lr, initial) => (lr0 ?? initial) * factor ** Math.floor((epoch - 1) / every);
}

/**
 * `initialLr · decayRate^((epoch − 1) / decayEpochs)` (Keras' `ExponentialDecay` counted in epochs; with
 * `staircase` the exponent is rounded down).
 */
export function exponentialDecay(options: {
  decayRate: number;
  decayEpochs?: number;
  staircase?: boolean;
  initialLr?: number;
}): LearningRateSchedule {
  const owner = 'exponentialDecay';
  checkOptions(owner, options, ['decayRate', 'decayEpochs', 'staircase', 'initialLr']);
  const rate = options?.decayRate;
  check(owner, typeof rate === 'number' && rate > 0 && rate <= 1, 'decayRate must be in (0, 1]', rate);
  const every = checkInt(owner, 'decayEpochs', options.decayEpochs ?? 1, 1);
  const staircase = options.staircase ?? false;
  const lr0 = initialOf(owner, options.initialLr);
  return (epoch, _lr, initial) => {
    const p = (epoch - 1) / every;
    return (lr0 ?? initial) * rate ** (staircase ? Math.floor(p) : p);
  };
}

/**
 * Cosine decay from `initialLr` at epoch 1 to `alpha · initialLr` at epoch `decayEpochs + 1` and after
 * (Keras' `CosineDecay` counted in epochs).
 */
export function cosineDecay(options: {
  decayEpochs: number;
  alpha?: number;
  initialLr?: number;
}): LearningRateSchedule {
  const owner = 'cosineDecay';
  checkOptions(owner, options, ['decayEpochs', 'alpha', 'initialLr']);
  const decay = checkInt(owner, 'decayEpochs', options?.decayEpochs, 1);
  const alpha = options.alpha ?? 0;
  check(owner, typeof alpha === 'number' && alpha >= 0 && alpha < 1, 'alpha must be in [0, 1)', alpha);
  const lr0 = initialOf(owner, options.initialLr);
  return (epoch, _lr, initial) => {
    const t = Math.min(epoch - 1, decay) / decay;
    return (lr0 ?? initial) * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
  };
}

/**
 * Keeps the layers `indices` fixed (skorch's `Freezer`/`Unfreezer`): from the start of every stage through
 * epoch `untilEpoch` (default: the whole stage), then they train too. Frozen weights stay bit-identical and
 * take no part in the optimizer's steps (their optimizer state waits too; with Adam an unfrozen layer's bias
 * correction counts its own updates, as in PyTorch).
 * Layers are counted from the input: an MLP's hidden layers then its output layer; an autoencoder's encoder
 * layer k with its decoder.
 */
export function freezeLayers(indices: readonly number[], options: { untilEpoch?: number } = {}): Callback {
  const owner = 'freezeLayers';
  check(
    owner,
    Array.isArray(indices) && indices.length > 0 && indices.every((i) => Number.isInteger(i) && i >= 0),
    'indices must be a non-empty array of layer indices (integers ≥ 0)',
    indices,
  );
  checkOptions(owner, options, ['untilEpoch']);
  const until =
    options.untilEpoch === undefined ? undefined : checkInt(owner, 'untilEpoch', options.untilEpoch, 0);
  const list = [...indices];
  const unfreeze = (ctx: CallbackContext) =>
    ctx.setFrozenLayers(ctx.frozenLayers.filter((i) => !list.includes(i)));
  return {
    onStageBegin(ctx) {
      for (const i of list) {
        if (i >= ctx.layerCount) {
          throw new ValidationError(
            `freezeLayers: layer ${i} does not exist; this ${ctx.estimator} has layers 0..${ctx.layerCount - 1}.`,
          );
        }
      }
      ctx.setFrozenLayers([...new Set([...ctx.frozenLayers, ...list])]);
      if (until !== undefined && ctx.epoch >= until) unfreeze(ctx);
    },
    onEpochBegin(ctx) {
      if (until !== undefined && ctx.epoch > until) unfreeze(ctx);
    },
  };
}
