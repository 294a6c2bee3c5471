import type { ParamSpec } from '@layerwise/core';
import {
  HIDDEN_ACTIVATIONS,
  type HiddenActivation,
  LAYER_STACK_SPEC,
  TRAINING_DEFAULTS,
  TRAINING_SPEC,
  type TrainingParams,
} from '@layerwise/training';

/** Hyper-parameters of `StackedAutoencoder` (the shared training ones: `TrainingParams` of `@layerwise/training`). */
export interface StackedAutoencoderParams extends TrainingParams {
  /** Units of each encoder layer (the last one is the code size). Default `[200, 100]`. */
  hiddenLayerSizes: number[];
  /** Activation of the encoder layers (and of the inner decoder layers, which rebuild their codes). Default `'relu'`. */
  activation: HiddenActivation;
  /** Activation of the last decoder layer (the reconstruction): `'sigmoid'` suits data in [0, 1]; `'linear'` for unbounded data. Default `'sigmoid'`. */
  outputActivation: HiddenActivation;
  /** Dropout rate on the codes while training, in [0, 1). Default 0. */
  dropout: number;
  /** Masking noise: the fraction of inputs set to 0 while training (a denoising autoencoder), in [0, 1). Default 0. */
  noise: number;
  /** Decoder kernels are the transposed encoder kernels (each decoder layer keeps its own bias). Default false. */
  tiedWeights: boolean;
  /** Epochs of greedy pretraining per layer (0 skips pretraining). Default 20. */
  epochs: number;
  /** Minibatch size (capped at the sample count). Default 100. */
  batchSize: number;
  /** Epochs of end-to-end fine-tuning of the whole stack after pretraining (0 skips it). Default 10. */
  fineTuneEpochs: number;
  /** Rows a streamed fit (`fit(source)`) shuffles batches in when `shuffle` is on. Default 1000. */
  shuffleBuffer: number;
}

/** Default hyper-parameters (the training ones are nn's `TRAINING_DEFAULTS`). */
export const AUTOENCODER_DEFAULTS: StackedAutoencoderParams = {
  ...TRAINING_DEFAULTS,
  hiddenLayerSizes: [200, 100],
  activation: 'relu',
  outputActivation: 'sigmoid',
  dropout: 0,
  noise: 0,
  tiedWeights: false,
  epochs: 20,
  batchSize: 100,
  fineTuneEpochs: 10,
  shuffleBuffer: 1000,
};

/** Validation rules of {@link StackedAutoencoderParams}. */
export const AUTOENCODER_SPEC: ParamSpec<StackedAutoencoderParams> = {
  ...TRAINING_SPEC,
  hiddenLayerSizes: LAYER_STACK_SPEC.hiddenLayerSizes,
  activation: LAYER_STACK_SPEC.activation,
  outputActivation: { type: 'enum', values: HIDDEN_ACTIVATIONS },
  dropout: LAYER_STACK_SPEC.dropout,
  noise: { type: 'number', min: 0, exclusiveMax: 1 },
  tiedWeights: { type: 'boolean' },
  epochs: { type: 'int', min: 0 },
  batchSize: LAYER_STACK_SPEC.batchSize,
  fineTuneEpochs: { type: 'int', min: 0 },
  shuffleBuffer: { type: 'int', min: 0 },
};

/** Params as stored in model files and checkpoints (no callbacks). */
export function storableAutoencoderParams(p: StackedAutoencoderParams): Record<string, unknown> {
  const { callbacks: _callbacks, ...rest } = p;
  return {
    ...rest,
    hiddenLayerSizes: [...p.hiddenLayerSizes],
    checkpoint: p.checkpoint ? { ...p.checkpoint } : null,
  };
}
