import type { Stage } from './events.js';

/**
 * The numbers a callback sees (Keras' `logs`): the training loss (the running mean over the epoch's batches
 * so far in `onBatchEnd`, the epoch's mean in `onEpochEnd`), validation loss and accuracy when measured, and
 * the learning rate in use.
 */
export interface CallbackLogs {
  loss?: number;
  valLoss?: number;
  acc?: number;
  valAcc?: number;
  /** The learning rate of the current epoch. */
  lr: number;
}

/** A copy of a stage's trained weights, taken by {@link CallbackContext.keepWeights}. */
export interface KeptWeights {
  /** The epoch after which the copy was taken (0 = before the first epoch). */
  readonly epoch: number;
  /** Puts the copied values back into the model (the copy stays valid until the stage ends). */
  restore(): void;
  /** Frees the copy now (else it is freed when the stage ends). */
  dispose(): void;
}

/**
 * What a callback is given at each hook: where training is, its logs, and controls to steer it. Valid only
 * during the call (keep values, not the context).
 */
export interface CallbackContext {
  /** The estimator being fitted (`'MLPClassifier'`, `'StackedAutoencoder'`…). */
  readonly estimator: string;
  readonly stage: Stage;
  /** 0-based layer during `pretrain`. */
  readonly layer?: number;
  /** 1-based epoch within the stage (0 in `onTrainBegin` and `onStageBegin`). */
  readonly epoch: number;
  /** Epochs this stage runs at most. */
  readonly epochs: number;
  /** 1-based batch within the epoch (`onBatchEnd` only). */
  readonly batch?: number;
  /** Batches per epoch. */
  readonly batches: number;
  readonly logs: CallbackLogs;
  /** The learning rate in use. */
  readonly learningRate: number;
  /**
   * The learning rate the stage is configured with (the `learningRate` param): what schedules start from.
   * Unlike {@link CallbackContext.learningRate} it stays the same when a fit resumes from a checkpoint
   * mid-stage, where the rate in use is the one the interrupted run had reached.
   */
  readonly initialLearningRate: number;
  /** How many layers the model being trained has (indices for {@link CallbackContext.setFrozenLayers}). */
  readonly layerCount: number;
  /** Layers whose weights are kept fixed, ascending. */
  readonly frozenLayers: readonly number[];
  /** Ends the whole fit after the current epoch; the model trained so far is kept (fitted). */
  stop(): void;
  /** Ends the current stage after the current epoch; later stages (fine-tuning…) still run. */
  stopStage(): void;
  /** Sets the learning rate from the next batch on (a finite number > 0). */
  setLearningRate(lr: number): void;
  /**
   * Keeps these layers' weights fixed from the next batch on (an empty list unfreezes all). Layers are
   * counted from the input: an MLP's hidden layers then its output layer; an autoencoder's encoder layer k
   * together with its decoder.
   */
  setFrozenLayers(indices: readonly number[]): void;
  /** Copies the weights trained in this stage (freed when the stage ends), e.g. to restore the best ones. */
  keepWeights(): KeptWeights;
  /** The weights trained in this stage, copied out (kernels and biases, in layer order). */
  readWeights(): Float32Array[];
}

/**
 * A training callback (Keras/skorch style): every hook is optional and may be async (it is awaited).
 * Pass them as the `callbacks` param of an estimator (kept by `clone`, never stored in model files) or per
 * fit with `fit(X, y, { callbacks })`. A hook that throws rejects `fit` with that error and the estimator
 * stays as it was before the fit.
 */
export interface Callback {
  /**
   * The state this callback needs so that a fit resumed from a checkpoint continues exactly as the
   * uninterrupted fit would (a patience counter, the best value so far, kept weights). Called whenever a
   * checkpoint is written during a stage; the value goes into the checkpoint. Callbacks without state leave
   * it out. See {@link CallbackCheckpoint}.
   */
  checkpointState?(): CallbackCheckpoint | Promise<CallbackCheckpoint>;
  /**
   * Takes back what {@link Callback.checkpointState} returned, when a fit resumes from that checkpoint:
   * called before the resumed stage's `onStageBegin`, which should then continue from it instead of starting
   * the stage afresh. Resuming checks first that the fit has the same stateful callbacks, in the same order,
   * as the fit that wrote the checkpoint (their `kind`s).
   */
  resumeCheckpointState?(state: CallbackCheckpoint): void;
  onTrainBegin?(context: CallbackContext): void | Promise<void>;
  /** Before each stage (supervised training, the pretraining of one layer, fine-tuning). */
  onStageBegin?(context: CallbackContext): void | Promise<void>;
  onEpochBegin?(context: CallbackContext): void | Promise<void>;
  /** After every batch; `logs.loss` is the running mean loss of the epoch so far. */
  onBatchEnd?(context: CallbackContext): void | Promise<void>;
  onEpochEnd?(context: CallbackContext): void | Promise<void>;
  /** After each stage, before its kept weights are freed. */
  onStageEnd?(context: CallbackContext): void | Promise<void>;
  onTrainEnd?(context: CallbackContext): void | Promise<void>;
}

/** A callback's state as a checkpoint keeps it ({@link Callback.checkpointState}). */
export interface CallbackCheckpoint {
  /** What wrote it (e.g. `'reduceLROnPlateau'`): a resume refuses a checkpoint whose kinds differ. */
  kind: string;
  /** Numbers (finite), strings, booleans or null. */
  values: Record<string, number | string | boolean | null>;
  /** Float32 arrays (kept weights…), stored as the checkpoint's tensors. */
  arrays?: Float32Array[];
}

/** The hooks a {@link Callback} may have. */
export const CALLBACK_HOOKS = [
  'onTrainBegin',
  'onStageBegin',
  'onEpochBegin',
  'onBatchEnd',
  'onEpochEnd',
  'onStageEnd',
  'onTrainEnd',
] as const;
