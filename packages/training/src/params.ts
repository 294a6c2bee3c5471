import {
  CALLBACK_HOOKS,
  type Callback,
  type ParamRule,
  type ParamSpec,
  ValidationError,
} from '@layerwise/core';
import { CHECKPOINT_RULE, type CheckpointOptions, checkCheckpointParam } from './checkpoint.js';
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from './DenseLayer.js';
import { OPTIMIZERS, type OptimizerName } from './engine.js';

/**
 * Training hyper-parameters shared by the estimators trained with the engine ({@link MLPParams},
 * `StackedAutoencoderParams`). Their epochs and batch size are declared by each estimator: the defaults and
 * meanings differ. Defaults: {@link TRAINING_DEFAULTS}; validation rules: {@link TRAINING_SPEC}.
 */
export interface TrainingParams {
  /** Default `'adam'`. */
  optimizer: OptimizerName;
  /** Default 0.001. */
  learningRate: number;
  /**
   * L2 penalty on the kernels (not the biases), as scikit-learn's MLP defines it: `0.5 · alpha · Σ‖W‖² / rows`
   * is added to each batch's loss. Default 0 (scikit-learn's default is 1e-4; 0 keeps 0.1.0's results).
   */
  alpha: number;
  /** Adam's first-moment decay. Default 0.9. */
  beta1: number;
  /** Adam's second-moment decay. Default 0.999. */
  beta2: number;
  /**
   * Numerical stabiliser of Adam, RMSprop (and Adagrad's accumulator floor); `null` = the backend's epsilon
   * (1e-7, tfjs' default). scikit-learn uses 1e-8. Default null.
   */
  epsilon: number | null;
  /** Momentum of the `'momentum'` optimizer and of `'rmsprop'` (0 there unless set). Default 0.9 for `'momentum'`. */
  momentum: number | null;
  /** Nesterov momentum for the `'momentum'` optimizer (scikit-learn's `nesterovs_momentum`). Default false. */
  nesterov: boolean;
  /**
   * Rescale each batch's gradients so their global L2 norm (over every trained weight) is at most this
   * (PyTorch's `clip_grad_norm_`, Keras' `global_clipnorm`); `null` = no clipping. Default null.
   */
  clipNorm: number | null;
  /** Clip every gradient value to [-clipValue, clipValue] (Keras' `clipvalue`); `null` = none. Default null. */
  clipValue: number | null;
  /** Shuffle the samples every epoch (seeded by `randomState`). Default true. */
  shuffle: boolean;
  /**
   * Seed of every random draw (weights, shuffling, validation split, dropout, and the noise of a denoising
   * autoencoder); `null` = not reproducible. Default null.
   */
  randomState: number | null;
  /**
   * Fraction of the training data held out to compute `valLoss`, in [0, 1). `null` (default) means 0.1
   * when `earlyStopping` is on and 0 otherwise (scikit-learn). Ignored when `fit` gets `validationData`.
   */
  validationFraction: number | null;
  /**
   * Stop when the monitored loss (validation loss if any, else training loss) has not improved for
   * `patience` epochs, and restore the best weights; in every stage of a multi-stage fit. The same as the
   * callback `earlyStopping({ patience, restoreBestWeights: true })`. Default false.
   */
  earlyStopping: boolean;
  /** Epochs without improvement before early stopping. Default 10. */
  patience: number;
  /**
   * Training callbacks (see `Callback` in `@layerwise/core`, built-ins `earlyStopping`, `reduceLROnPlateau`,
   * `learningRateScheduler`, `freezeLayers`). Kept by `clone`, never stored in model files. Default `[]`.
   */
  callbacks: Callback[];
  /**
   * Save a resumable training state (weights, optimizer state, epoch, RNG state, early-stopping state,
   * learning rate, history) to `dir` every `every` epochs (default 1) and at the end of every stage; continue
   * it with `fit(…, { resume: dir })`. Default null.
   */
  checkpoint: CheckpointOptions | null;
  /** Write a training log to this file (`.csv`, `.jsonl`… — needs a file-logger plugin). Default null. */
  logPath: string | null;
  /** Save the fitted model to this directory after `fit`. Default null. */
  exportPath: string | null;
  /** `'auto'` or a registered backend name (`'wasm'`, `'cpu'`, `'node'`…). Default `'auto'`. */
  backend: string;
  /** Ask console loggers to print progress. Default false. */
  verbose: boolean;
}

/** The defaults of {@link TrainingParams}, the same for every estimator. */
export const TRAINING_DEFAULTS: TrainingParams = {
  optimizer: 'adam',
  learningRate: 0.001,
  alpha: 0,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: null,
  momentum: null,
  nesterov: false,
  clipNorm: null,
  clipValue: null,
  shuffle: true,
  randomState: null,
  validationFraction: null,
  earlyStopping: false,
  patience: 10,
  callbacks: [],
  checkpoint: null,
  logPath: null,
  exportPath: null,
  backend: 'auto',
  verbose: false,
};

/** Validation rules of {@link TrainingParams}, the same for every estimator. */
export const TRAINING_SPEC: { [K in keyof TrainingParams]-?: ParamRule } = {
  optimizer: { type: 'enum', values: OPTIMIZERS },
  learningRate: { type: 'number', exclusiveMin: 0 },
  alpha: { type: 'number', min: 0 },
  beta1: { type: 'number', min: 0, exclusiveMax: 1 },
  beta2: { type: 'number', min: 0, exclusiveMax: 1 },
  epsilon: { type: 'number', exclusiveMin: 0, nullable: true },
  momentum: { type: 'number', min: 0, exclusiveMax: 1, nullable: true },
  nesterov: { type: 'boolean' },
  clipNorm: { type: 'number', exclusiveMin: 0, nullable: true },
  clipValue: { type: 'number', exclusiveMin: 0, nullable: true },
  shuffle: { type: 'boolean' },
  randomState: { type: 'int', nullable: true },
  validationFraction: { type: 'number', min: 0, exclusiveMax: 1, nullable: true },
  earlyStopping: { type: 'boolean' },
  patience: { type: 'int', min: 1 },
  callbacks: { type: 'any' },
  checkpoint: CHECKPOINT_RULE,
  logPath: { type: 'string', nullable: true },
  exportPath: { type: 'string', nullable: true },
  backend: { type: 'enum', values: ['auto', 'node', 'wasm', 'cpu'], open: true },
  verbose: { type: 'boolean' },
};

/** Checks a list of callbacks (the `callbacks` param or fit option); returns it. */
export function checkCallbacks(owner: string, value: unknown, name = 'callbacks'): Callback[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new ValidationError(
      `${owner}: ${name} must be an array of callbacks (objects with onEpochEnd… hooks), got ${typeof value}.`,
    );
  }
  value.forEach((cb, i) => {
    if (typeof cb !== 'object' || cb === null) {
      throw new ValidationError(`${owner}: ${name}[${i}] must be a callback object, got ${String(cb)}.`);
    }
    const hooks = CALLBACK_HOOKS.filter((h) => (cb as Record<string, unknown>)[h] !== undefined);
    for (const h of hooks) {
      if (typeof (cb as Record<string, unknown>)[h] !== 'function') {
        throw new ValidationError(`${owner}: ${name}[${i}].${h} must be a function.`);
      }
    }
    if (hooks.length === 0) {
      throw new ValidationError(
        `${owner}: ${name}[${i}] has none of the callback hooks (${CALLBACK_HOOKS.join(', ')}).`,
      );
    }
    const c = cb as Record<string, unknown>;
    if ((typeof c.checkpointState === 'function') !== (typeof c.resumeCheckpointState === 'function')) {
      throw new ValidationError(
        `${owner}: ${name}[${i}] must have both checkpointState and resumeCheckpointState (a checkpoint keeps what the one returns, a resume hands it to the other), or neither.`,
      );
    }
  });
  return [...value];
}

/** Cross-parameter checks of {@link TrainingParams} (call from `validateCombination`). */
export function checkTrainingParams(owner: string, p: TrainingParams): void {
  checkCheckpointParam(owner, p.checkpoint);
  checkCallbacks(owner, p.callbacks);
}

/** Hyper-parameters of a stack of dense layers, shared by every estimator built on the engine. */
export interface LayerStackParams {
  /** Units of each hidden layer. */
  hiddenLayerSizes: number[];
  /** Activation of the hidden layers. */
  activation: HiddenActivation;
  /** Dropout rate on each hidden layer's output during training, in [0, 1). */
  dropout: number;
  /** Rows per mini-batch. */
  batchSize: number;
}

/** Validation rules of {@link LayerStackParams} (the MLPs' and the autoencoder's specs start from these). */
export const LAYER_STACK_SPEC: ParamSpec<LayerStackParams> = {
  hiddenLayerSizes: { type: 'intArray', min: 1, minLength: 1 },
  activation: { type: 'enum', values: HIDDEN_ACTIVATIONS },
  dropout: { type: 'number', min: 0, exclusiveMax: 1 },
  batchSize: { type: 'int', min: 1 },
};
