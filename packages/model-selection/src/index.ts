/**
 * `@layerwise/model-selection` — scikit-learn's model selection for layerwise estimators: `trainTestSplit`,
 * `KFold`, `StratifiedKFold`, `ShuffleSplit`, `StratifiedShuffleSplit`, `crossValidate`, `crossValScore`,
 * `GridSearchCV`, `RandomizedSearchCV` with `uniform`, `logUniform`, `randInt`, `choice`. `nJobs` runs folds
 * and candidates in Node worker threads (each with its own tfjs engine); `registerWorkerKind` teaches the
 * workers other estimator kinds.
 * @packageDocumentation
 */

export { BaseSearchCV, type CvResults, paramColumn, type SearchOptions } from './BaseSearchCV.js';
export { mlpClassifierKind, mlpRegressorKind, stackedAutoencoderKind } from './builtinKinds.js';
export {
  type CrossValidateOptions,
  type CrossValidateResult,
  crossValidate,
  crossValScore,
} from './crossValidate.js';
export type { CV } from './cv.js';
export { choice, type Distribution, isDistribution, logUniform, randInt, uniform } from './distributions.js';
export { cloneEstimator, type SearchEstimator } from './estimator.js';
export { builtExecArgv } from './execArgv.js';
export { GridSearchCV, type ParamGrid, parameterGrid } from './GridSearchCV.js';
export {
  type ParamDistributions,
  parameterSampler,
  RandomizedSearchCV,
  type RandomizedSearchOptions,
} from './RandomizedSearchCV.js';
export {
  configureWorkerPool,
  disposeWorkerPool,
  type ErrorScore,
  lastSearchTimeline,
  resolveExecutor,
  type SearchTimeline,
  type WorkerPoolOptions,
} from './runTasks.js';
export {
  type CrossValidator,
  KFold,
  type KFoldOptions,
  ShuffleSplit,
  type ShuffleSplitOptions,
  type Split,
  StratifiedKFold,
  StratifiedShuffleSplit,
} from './splitters.js';
export {
  createFitAndScoreRunner,
  FIT_AND_SCORE,
  type FitAndScoreShared,
  type ModelFiles,
  type ModuleResolver,
  packModel,
  rebuildRegistry,
  unpackModel,
} from './taskRunner.js';
export { type TrainTestSplitOptions, trainTestSplit } from './trainTestSplit.js';
export {
  type DecodeContext,
  type EncodeContext,
  type EncodedEstimator,
  registerWorkerKind,
  WORKER_KIND,
  type WorkerKind,
} from './workerKinds.js';
