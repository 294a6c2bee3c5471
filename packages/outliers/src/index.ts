/**
 * `@layerwise/outliers` — what autoencoders are used for: `AutoencoderOutlierDetector` (scikit-learn's
 * outlier-detector API on an autoencoder's reconstruction error, PyOD's fitted names) and
 * `VariationalAutoencoder` (generation, a smooth latent space, ELBO scores).
 * @packageDocumentation
 */
export {
  AutoencoderOutlierDetector,
  type AutoencoderOutlierDetectorParams,
  autoencoderOutlierDetectorKind,
  OUTLIER_DETECTOR_DEFAULTS,
  OUTLIER_DETECTOR_SPEC,
  type OutlierLabels,
  type SampleScorer,
  type SampleScores,
} from './AutoencoderOutlierDetector.js';
export { type Contamination, checkContamination } from './contamination.js';
export {
  VAE_FIT_OPTIONS,
  type VaeExportOptions,
  type VaeFitOptions,
  type VaeSampleOptions,
  type VaeScoreOptions,
  VariationalAutoencoder,
  variationalAutoencoderKind,
} from './VariationalAutoencoder.js';
export {
  VAE_DEFAULTS,
  VAE_LIKELIHOODS,
  VAE_SCORE_METHODS,
  VAE_SPEC,
  type VariationalAutoencoderParams,
} from './vaeParams.js';
