import type { EstimatorOptions } from '@layerwise/core';
import { LabelEncoder } from './LabelEncoder.js';
import { MaxAbsScaler } from './MaxAbsScaler.js';
import { MinMaxScaler } from './MinMaxScaler.js';
import { Normalizer } from './Normalizer.js';
import { OneHotEncoder } from './OneHotEncoder.js';
import { PCA } from './PCA.js';
import { RobustScaler } from './RobustScaler.js';
import { SimpleImputer } from './SimpleImputer.js';
import { StandardScaler } from './StandardScaler.js';

/** Any transformer of this package. */
export type PreprocessingTransformer =
  | StandardScaler
  | MinMaxScaler
  | MaxAbsScaler
  | RobustScaler
  | Normalizer
  | OneHotEncoder
  | LabelEncoder
  | SimpleImputer
  | PCA;

/**
 * The model-file kind of every transformer here → its `load`. Registries of loaders (the umbrella's
 * `load`, Pipeline's steps) take this table instead of importing each class.
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
  LabelEncoder,
  SimpleImputer,
  PCA,
});
