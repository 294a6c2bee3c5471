import { stackedAutoencoderKind as aeKind } from '@layerwise/autoencoder';
import type { EstimatorKindPlugin } from '@layerwise/core';
import {
  mlpClassifierKind as clfKind,
  type MLPClassifier,
  type MLPRegressor,
  mlpRegressorKind as regKind,
} from '@layerwise/nn';
import type { WorkerKind } from './workerKinds.js';

/**
 * The estimator kind of MLPClassifier.
 * @deprecated Use `mlpClassifierKind` from `@layerwise/nn` (it loads files and rebuilds the classifier in
 * workers). Removed from model-selection in the next minor version.
 */
export const mlpClassifierKind: EstimatorKindPlugin<MLPClassifier> = clfKind;

/**
 * The estimator kind of MLPRegressor.
 * @deprecated Use `mlpRegressorKind` from `@layerwise/nn`. Removed from model-selection in the next minor version.
 */
export const mlpRegressorKind: EstimatorKindPlugin<MLPRegressor> = regKind;

/**
 * The estimator kind of StackedAutoencoder.
 * @deprecated Use `stackedAutoencoderKind` from `@layerwise/autoencoder`. Removed from model-selection in
 * the next minor version.
 */
export const stackedAutoencoderKind = aeKind;

/**
 * Kinds every worker knew without registration. Empty: first-party classes carry their estimator kind
 * (static `estimatorKind`), and registered estimator kinds are found through the estimator's registry.
 */
export const BUILTIN_KINDS: readonly WorkerKind[] = [];
