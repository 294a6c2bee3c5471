/**
 * `@layerwise/autoencoder` — `StackedAutoencoder`: greedy layer-wise pretraining, denoising, end-to-end
 * fine-tuning. Use a fitted one as the body of a classifier with `MLPClassifier.fromEncoder(ae, params)`
 * from `@layerwise/nn`.
 * @packageDocumentation
 */
export {
  AUTOENCODER_DEFAULTS,
  type AutoencoderExportOptions,
  type AutoencoderFitOptions,
  type AutoencoderPart,
  StackedAutoencoder,
  type StackedAutoencoderParams,
} from './StackedAutoencoder.js';
