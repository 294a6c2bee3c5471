/**
 * `@layerwise/autoencoder` — `StackedAutoencoder`: greedy layer-wise pretraining, denoising, end-to-end
 * fine-tuning. Use a fitted one as the body of a classifier with `MLPClassifier.fromEncoder(ae, params)`
 * from `@layerwise/nn`.
 * @packageDocumentation
 */
export { DecoderLayer } from './DecoderLayer.js';
export { AUTOENCODER_DEFAULTS, AUTOENCODER_SPEC, type StackedAutoencoderParams } from './params.js';
export { SEMI_SUPERVISED_PRETRAINING } from './presets.js';
export {
  AUTOENCODER_FIT_OPTIONS,
  type AutoencoderExportOptions,
  type AutoencoderFitOptions,
  type AutoencoderPart,
  StackedAutoencoder,
  stackedAutoencoderKind,
} from './StackedAutoencoder.js';
