import { StackedAutoencoder } from '@layerwise/autoencoder';
import { getDefaultRegistry, ModelFormatError, type Registry, readModelKind } from '@layerwise/core';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import { AutoencoderOutlierDetector, VariationalAutoencoder } from '@layerwise/outliers';
import { Pipeline } from '@layerwise/pipeline';
import { PREPROCESSING_LOADERS, type PreprocessingTransformer } from '@layerwise/preprocessing';

/** Any estimator `load` can return. */
export type LoadedEstimator =
  | StackedAutoencoder
  | AutoencoderOutlierDetector
  | VariationalAutoencoder
  | MLPClassifier
  | MLPRegressor
  | Pipeline
  | PreprocessingTransformer;

const LOADERS: Record<string, (dir: string, registry: Registry) => Promise<LoadedEstimator>> = {
  StackedAutoencoder: (dir, registry) => StackedAutoencoder.load(dir, { registry }),
  AutoencoderOutlierDetector: (dir, registry) => AutoencoderOutlierDetector.load(dir, { registry }),
  VariationalAutoencoder: (dir, registry) => VariationalAutoencoder.load(dir, { registry }),
  MLPClassifier: (dir, registry) => MLPClassifier.load(dir, { registry }),
  MLPRegressor: (dir, registry) => MLPRegressor.load(dir, { registry }),
  Pipeline: (dir, registry) => Pipeline.load(dir, { registry }),
  // Every @layerwise/preprocessing transformer, from that package's kind → loader table.
  ...Object.fromEntries(
    Object.entries(PREPROCESSING_LOADERS).map(([kind, f]) => [
      kind,
      (dir: string, registry: Registry) => f(dir, { registry }),
    ]),
  ),
};

/**
 * Loads any saved layerwise estimator from `dir`, choosing the class from the manifest's `kind`.
 * Validates every size, shape, checksum and path; never evaluates code.
 *
 * ```ts
 * const model = await load('digits-model');
 * if (model instanceof MLPClassifier) console.log(model.classes);
 * ```
 */
export async function load(dir: string, options: { registry?: Registry } = {}): Promise<LoadedEstimator> {
  const kind = await readModelKind(dir);
  // Own keys only: a kind such as "__proto__" or "constructor" must not reach Object.prototype.
  const loader = Object.hasOwn(LOADERS, kind) ? LOADERS[kind] : undefined;
  if (!loader) {
    throw new ModelFormatError(
      `Invalid model: unknown estimator kind ${JSON.stringify(kind)}; expected one of ${Object.keys(LOADERS).join(', ')}.`,
    );
  }
  return loader(dir, options.registry ?? getDefaultRegistry());
}
