import { StackedAutoencoder } from '@layerwise/autoencoder';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import { AutoencoderOutlierDetector, VariationalAutoencoder } from '@layerwise/outliers';
import { PREPROCESSING_LOADERS } from '@layerwise/preprocessing';
import { Pipeline, type PipelineLoadOptions, type StepLoader } from './Pipeline.js';

/**
 * The step kinds `Pipeline.load` knows: every `@layerwise/preprocessing` transformer, MLPClassifier,
 * MLPRegressor, StackedAutoencoder, AutoencoderOutlierDetector, VariationalAutoencoder and Pipeline itself (nested pipelines). Pass `{ loaders }` to
 * `Pipeline.load` for other kinds.
 */
export const STEP_LOADERS: Readonly<Record<string, StepLoader>> = Object.freeze({
  ...PREPROCESSING_LOADERS,
  MLPClassifier: (dir, o) => MLPClassifier.load(dir, o),
  MLPRegressor: (dir, o) => MLPRegressor.load(dir, o),
  StackedAutoencoder: (dir, o) => StackedAutoencoder.load(dir, o),
  AutoencoderOutlierDetector: (dir, o) => AutoencoderOutlierDetector.load(dir, o),
  VariationalAutoencoder: (dir, o) => VariationalAutoencoder.load(dir, o),
  Pipeline: (dir, o) => Pipeline.load(dir, o as PipelineLoadOptions),
});
