import type { OptimizerName } from './engine.js';

/**
 * Training hyper-parameters shared by the estimators trained with the engine ({@link MLPParams},
 * `StackedAutoencoderParams`). Their epochs, batch size and checkpoint are declared by each estimator:
 * the defaults and meanings differ.
 */
export interface TrainingParams {
  /** Default `'adam'`. */
  optimizer: OptimizerName;
  /** Default 0.001. */
  learningRate: number;
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
   * `patience` epochs, and restore the best weights; in every stage of a multi-stage fit. Default false.
   */
  earlyStopping: boolean;
  /** Epochs without improvement before early stopping. Default 10. */
  patience: number;
  /** Write a training log to this file (`.csv`, `.jsonl`… — needs a file-logger plugin). Default null. */
  logPath: string | null;
  /** Save the fitted model to this directory after `fit`. Default null. */
  exportPath: string | null;
  /** `'auto'` or a registered backend name (`'wasm'`, `'cpu'`, `'node'`…). Default `'auto'`. */
  backend: string;
  /** Ask console loggers to print progress. Default false. */
  verbose: boolean;
}
