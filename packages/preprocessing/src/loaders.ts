import type { EstimatorKindPlugin, EstimatorOptions } from '@layerwise/core';
import { LabelEncoder } from './LabelEncoder.js';
import { MaxAbsScaler } from './MaxAbsScaler.js';
import { MinMaxScaler } from './MinMaxScaler.js';
import { Normalizer } from './Normalizer.js';
import { OneHotEncoder } from './OneHotEncoder.js';
import { OrdinalEncoder } from './OrdinalEncoder.js';
import { PCA } from './PCA.js';
import { RobustScaler } from './RobustScaler.js';
import { SimpleImputer } from './SimpleImputer.js';
import { StandardScaler } from './StandardScaler.js';
import { preprocessingWorkerKind } from './workerKind.js';

/** Any transformer of this package. */
export type PreprocessingTransformer =
  | StandardScaler
  | MinMaxScaler
  | MaxAbsScaler
  | RobustScaler
  | Normalizer
  | OneHotEncoder
  | OrdinalEncoder
  | LabelEncoder
  | SimpleImputer
  | PCA;

/**
 * The model-file kind of every transformer here → its `load`.
 * @deprecated Register {@link PREPROCESSING_KINDS} with `registry.use(...)` instead: `load()`,
 * `Pipeline.load` and the CLI resolve kinds through the registry. Removed in the next minor version.
 */
export const PREPROCESSING_LOADERS: Readonly<
  Record<string, (dir: string, options?: EstimatorOptions) => Promise<PreprocessingTransformer>>
> = Object.freeze({
  StandardScaler: (dir, o) => StandardScaler.load(dir, o),
  MinMaxScaler: (dir, o) => MinMaxScaler.load(dir, o),
  MaxAbsScaler: (dir, o) => MaxAbsScaler.load(dir, o),
  RobustScaler: (dir, o) => RobustScaler.load(dir, o),
  Normalizer: (dir, o) => Normalizer.load(dir, o),
  OneHotEncoder: (dir, o) => OneHotEncoder.load(dir, o),
  OrdinalEncoder: (dir, o) => OrdinalEncoder.load(dir, o),
  LabelEncoder: (dir, o) => LabelEncoder.load(dir, o),
  SimpleImputer: (dir, o) => SimpleImputer.load(dir, o),
  PCA: (dir, o) => PCA.load(dir, o),
});

/**
 * The constructors by kind, for code that rebuilds a transformer from `kind` + `getParams()` (e.g. a
 * worker thread of a parallel search).
 */
export const PREPROCESSING_CLASSES = Object.freeze({
  StandardScaler,
  MinMaxScaler,
  MaxAbsScaler,
  RobustScaler,
  Normalizer,
  OneHotEncoder,
  OrdinalEncoder,
  LabelEncoder,
  SimpleImputer,
  PCA,
});

type TransformerClass = (typeof PREPROCESSING_CLASSES)[keyof typeof PREPROCESSING_CLASSES];

function transformerKind(
  name: string,
  Ctor: TransformerClass,
): EstimatorKindPlugin<PreprocessingTransformer> {
  return {
    kind: 'estimator',
    name,
    role: 'transformer',
    // One worker entry point for all of them: it rebuilds any transformer from its kind and params.
    module: preprocessingWorkerKind.module,
    exportName: preprocessingWorkerKind.exportName,
    matches: (e) => e instanceof Ctor && (e as object).constructor === Ctor,
    load: (dir, options) => Ctor.load(dir, options),
    encode: (est, ctx) => preprocessingWorkerKind.encode(est, ctx),
    decode: (payload, ctx) =>
      preprocessingWorkerKind.decode(payload, ctx) as Promise<PreprocessingTransformer>,
  };
}

/**
 * The estimator kind of every transformer here (role `transformer`): `registry.use(...PREPROCESSING_KINDS)`
 * lets `load()`, `Pipeline.load` and the CLI open their model files and `nJobs` workers rebuild them.
 */
export const PREPROCESSING_KINDS: readonly EstimatorKindPlugin<PreprocessingTransformer>[] = Object.freeze(
  Object.entries(PREPROCESSING_CLASSES).map(([name, Ctor]) => transformerKind(name, Ctor)),
);
