import type { StackedAutoencoder } from '@layerwise/autoencoder';
import {
  type EstimatorKindPlugin,
  type EstimatorOptions,
  getDefaultRegistry,
  type Registry,
  readModelKind,
  resolveEstimatorKind,
} from '@layerwise/core';
import type { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import type { AutoencoderOutlierDetector, VariationalAutoencoder } from '@layerwise/outliers';
import type { ColumnTransformer, Pipeline, PipelineStep, StepLoader } from '@layerwise/pipeline';
import type { PreprocessingTransformer } from '@layerwise/preprocessing';
import { FIRST_PARTY_KINDS } from './defaultRegistry.js';

/** Any estimator `load` can return (a third-party kind registered with `registry.use` returns its own class). */
export type LoadedEstimator =
  | StackedAutoencoder
  | AutoencoderOutlierDetector
  | VariationalAutoencoder
  | AutoencoderOutlierDetector
  | VariationalAutoencoder
  | MLPClassifier
  | MLPRegressor
  | Pipeline
  | ColumnTransformer
  | PreprocessingTransformer;

/**
 * Loads any saved layerwise estimator from `dir`, choosing the class from the manifest's `kind` among the
 * estimator kinds registered in `options.registry` (default: the default registry, which holds every
 * first-party kind; `registry.use(myKind)` adds yours). Validates every size, shape, checksum and path;
 * never evaluates code.
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
  const registry = options.registry ?? getDefaultRegistry();
  const name = await readModelKind(dir);
  // A registry made by hand (new Registry().use(cpuBackend())) may lack the first-party kinds: the
  // umbrella knows them anyway, for the file and for a pipeline's steps.
  const missing = firstPartyKindsMissingFrom(registry);
  const kind =
    [...registry.estimatorKinds()].reverse().find((k) => k.name === name) ??
    missing.find((k) => k.name === name) ??
    resolveEstimatorKind(name, registry);
  const loaders = Object.fromEntries(missing.map((k) => [k.name, k.load as StepLoader]));
  return (await kind.load(dir, {
    registry,
    ...(missing.length > 0 ? { loaders } : {}),
  } as EstimatorOptions)) as T;
}

function firstPartyKindsMissingFrom(registry: Registry): EstimatorKindPlugin[] {
  const known = new Set(registry.estimatorKinds().map((k) => k.name));
  return FIRST_PARTY_KINDS.filter((k) => !known.has(k.name));
}

/**
 * The step kinds `Pipeline.load` knew before estimator kinds: every first-party kind → its `load`.
 * @deprecated `Pipeline.load` resolves step kinds through `options.registry`'s estimator kinds; register
 * yours with `registry.use(kind)`. Removed in the next minor version.
 */
export const STEP_LOADERS: Readonly<Record<string, StepLoader>> = Object.freeze(
  Object.fromEntries(
    FIRST_PARTY_KINDS.map((k) => [
      k.name,
      (dir: string, o: EstimatorOptions) => k.load(dir, o) as Promise<PipelineStep>,
    ]),
  ),
);
