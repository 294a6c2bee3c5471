import { StackedAutoencoder } from '@layerwise/autoencoder';
import { getDefaultRegistry, ModelFormatError, type Registry, readModelKind } from '@layerwise/core';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import { Pipeline } from '@layerwise/pipeline';
import { PREPROCESSING_LOADERS, type PreprocessingTransformer } from '@layerwise/preprocessing';

/** Any estimator `load` can return. */
export type LoadedEstimator =
  | StackedAutoencoder
  | MLPClassifier
  | MLPRegressor
  | Pipeline
  | PreprocessingTransformer;

const LOADERS: Record<string, (dir: string, registry: Registry) => Promise<LoadedEstimator>> = {
  StackedAutoencoder: (dir, registry) => StackedAutoencoder.load(dir, { registry }),
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
 * const clf = await load<MLPClassifier>('digits-model'); // typed; MLPClassifier.load(dir) also checks the kind
 * ```
 *
 * The type argument `T` names the class you saved (it is not checked at run time: use `MLPClassifier.load(dir)`,
 * which rejects a model of another kind with a ModelFormatError, when the folder may hold anything).
 */
export async function load<T extends LoadedEstimator = LoadedEstimator>(
  dir: string,
  options: { registry?: Registry } = {},
): Promise<T> {
  const kind = await readModelKind(dir);
  // Own keys only: a kind such as "__proto__" or "constructor" must not reach Object.prototype.
  const loader = Object.hasOwn(LOADERS, kind) ? LOADERS[kind] : undefined;
  if (!loader) {
    throw new ModelFormatError(
      `Invalid model: unknown estimator kind ${JSON.stringify(kind)}; expected one of ${Object.keys(LOADERS).join(', ')}.`,
    );
  }
  return (await loader(dir, options.registry ?? getDefaultRegistry())) as T;
}
