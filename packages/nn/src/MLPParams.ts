import type { DenseLayerSpec, EstimatorOptions, ExportOptions, MatrixLike, ParamSpec } from '@layerwise/core';
import {
  type CommonFitOptions,
  type DenseLayer,
  type HiddenActivation,
  LAYER_STACK_SPEC,
  TRAINING_DEFAULTS,
  TRAINING_SPEC,
  type TrainingParams,
} from '@layerwise/training';
import type * as tf from '@tensorflow/tfjs-core';

/** What a custom `forward` function receives besides the input batch and the layers. */
export interface ForwardContext {
  /** True while training (dropout active), false for prediction and validation. */
  training: boolean;
  /** The tfjs-core namespace, so a forward function needs no import of its own. */
  tf: typeof tf;
  /** Seeded dropout with the estimator's `dropout` rate; the identity when not training or rate is 0. */
  dropout(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * A custom forward pass: maps an input batch `[batch, features]` to the network output `[batch, outputs]`
 * (logits for a classifier — no softmax —, values for a regressor). `layers` are the estimator's dense
 * layers, hidden layers first and the output layer last; call `layer.apply(h)` (affine + activation),
 * `layer.affine(h)` or `layer.activate(z)` and combine them any way you like with `tf` ops. It runs
 * inside `tf.tidy`, during training under the gradient tape: use differentiable tfjs ops only.
 *
 * ```ts
 * // A residual-style hidden stack (needs equal hidden sizes):
 * forward: (x, layers, { dropout }) => {
 *   let h = layers[0].apply(x);
 *   for (const l of layers.slice(1, -1)) h = tf.add(h, dropout(l.apply(h)));
 *   return layers[layers.length - 1].affine(h);
 * }
 * ```
 */
export type ForwardFn = (
  x: tf.Tensor2D,
  layers: readonly DenseLayer[],
  context: ForwardContext,
) => tf.Tensor2D;

/** Hyper-parameters of {@link MLPClassifier} and {@link MLPRegressor} (the shared training ones: {@link TrainingParams}). */
export interface MLPParams extends TrainingParams {
  /** Units of each hidden layer. Default `[100]`. */
  hiddenLayerSizes: number[];
  /** Hidden-layer activation. Default `'relu'`. */
  activation: HiddenActivation;
  /** Dropout rate after each hidden layer while training, in [0, 1). Default 0. */
  dropout: number;
  /** Maximum number of passes over the training data. Default 200. */
  epochs: number;
  /** Minibatch size (capped at the sample count). Default 200. */
  batchSize: number;
  /** A custom forward pass (see {@link ForwardFn}); `null` = the plain stack. Default null. */
  forward: ForwardFn | null;
  /**
   * Initial weights of the hidden layers (set by `MLPClassifier.fromEncoder`; every `fit` starts from
   * them, and `clone` keeps them); `null` = random initialisation. Not stored in model files. Default null.
   */
  encoderWeights: readonly DenseLayerSpec[] | null;
  /**
   * Keep the hidden layers that came from `encoderWeights` fixed: `true` for the whole fit, a number `n`
   * for the first `n` epochs (then everything is fine-tuned), `false` never. Frozen layers take no part in
   * the optimizer's steps; with Adam, a layer unfrozen after `n` epochs starts as under a fresh Adam (its bias
   * correction counts its own updates, as in PyTorch). Default false.
   */
  freezeEncoder: boolean | number;
  /**
   * `fit` continues from the fitted weights, optimizer state and generator instead of starting over
   * (scikit-learn's `warm_start`); the data must have the same features and targets (classes). Default false.
   */
  warmStart: boolean;
  /**
   * Rows a streamed fit (`fit(source)`) keeps and draws batches from at random when `shuffle` is on (a
   * stream cannot be permuted); larger is better mixed, smaller uses less memory. Default 1000.
   */
  shuffleBuffer: number;
}

/** Default hyper-parameters (scikit-learn's MLP defaults where they exist). */
export const MLP_DEFAULTS: MLPParams = {
  ...TRAINING_DEFAULTS,
  hiddenLayerSizes: [100],
  activation: 'relu',
  dropout: 0,
  epochs: 200,
  batchSize: 200,
  forward: null,
  encoderWeights: null,
  freezeEncoder: false,
  warmStart: false,
  shuffleBuffer: 1000,
};

/** Validation rules of {@link MLPParams}. */
export const MLP_SPEC: ParamSpec<MLPParams> = {
  // The architecture first: error messages list the known parameters in this order.
  hiddenLayerSizes: LAYER_STACK_SPEC.hiddenLayerSizes,
  activation: LAYER_STACK_SPEC.activation,
  dropout: LAYER_STACK_SPEC.dropout,
  epochs: { type: 'int', min: 1 },
  batchSize: LAYER_STACK_SPEC.batchSize,
  ...TRAINING_SPEC,
  forward: { type: 'function', nullable: true },
  encoderWeights: { type: 'any' },
  freezeEncoder: { type: 'any' },
  warmStart: { type: 'boolean' },
  shuffleBuffer: { type: 'int', min: 0 },
};

/** Options of `fit`. */
export interface FitOptions<Y> extends CommonFitOptions {
  /** An explicit validation set `[X, y]` (then `validationFraction` is ignored). */
  validationData?: [MatrixLike, Y];
  /**
   * `MLPClassifier` with a data source only: every class label. Needed for a one-shot source (read once, so
   * its labels cannot be scanned first); with a re-readable source it replaces the scan for labels. A
   * batch with another label is a ValidationError.
   */
  classes?: readonly (number | string)[];
}

/** Names of the {@link FitOptions}. */
export const MLP_FIT_OPTIONS = ['validationData', 'resume', 'callbacks', 'sampleWeight'] as const;

/** Options of `partialFit`. */
export interface PartialFitOptions {
  /** Every class label (classifiers): required by the first call, the same (or left out) later. */
  classes?: readonly (number | string)[];
  /** Per-row loss weights, as in `fit`. */
  sampleWeight?: ArrayLike<number>;
  /** Callbacks for this call. */
  callbacks?: CommonFitOptions['callbacks'];
}

/** Options of `load`. */
export interface LoadOptions extends EstimatorOptions {
  /** The custom forward function the model was trained with (functions are never stored in files). */
  forward?: ForwardFn;
}

/** Options of `export`. */
export interface MLPExportOptions extends ExportOptions {
  /** The export format, e.g. `'tfjs-layers'` or `'onnx'` (an exporter plugin must be registered). */
  format: string;
  /** Which part to export; MLPs have only `'model'`. */
  part?: string;
}
