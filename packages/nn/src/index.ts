/**
 * `@layerwise/nn` — dense layer stacks on tfjs-core, the training engine and the one training run every
 * estimator uses (callbacks, checkpoints, divergence), `MLPClassifier` and `MLPRegressor`.
 * @packageDocumentation
 */

export {
  cosineDecay,
  EarlyStopping,
  type EarlyStoppingOptions,
  earlyStopping,
  exponentialDecay,
  freezeLayers,
  type LearningRateSchedule,
  learningRateScheduler,
  type Monitor,
  type ReduceLROnPlateauOptions,
  reduceLROnPlateau,
  stepDecay,
} from './callbacks.js';
export type { CheckpointOptions } from './checkpoint.js';
export {
  type AffineOptions,
  activate,
  affine,
  DenseLayer,
  type DenseWeights,
  defaultInit,
  HIDDEN_ACTIVATIONS,
  type HiddenActivation,
  type InitScheme,
  initKernel,
  LEAKY_RELU_ALPHA,
} from './DenseLayer.js';
export {
  type DataBatch,
  type DataSource,
  type EncodedBatchTargets,
  isDataSource,
  isOneShot,
  openOneShot,
  readSource,
  rebatch,
  type StreamOptions,
  scanSource,
  streamedData,
} from './dataSource.js';
export {
  type BatchLoss,
  EventSink,
  evaluate,
  type LossFn,
  makeOptimizer,
  mapRows,
  mapRowsToHost,
  meanLoss,
  OPTIMIZERS,
  type OptimizerName,
  type OptimizerSettings,
  withFitScope,
} from './engine.js';
export {
  type ParamsEstimatorClass,
  type ParamsEstimatorKindSpec,
  paramsEstimatorKind,
} from './estimatorKind.js';
export { type CommonFitOptions, checkFitOptions, nearestName } from './fitOptions.js';
export {
  type CarriedState,
  type PreparedData,
  type RunData,
  type RunModel,
  type RunSpec,
  type RunStage,
  runTraining,
} from './fitRun.js';
export {
  type EpochRecord,
  type FittedCurves,
  fittedCurves,
  isHistory,
  makeHistory,
  type StageHistory,
  type TrainingHistory,
} from './history.js';
export {
  type EncoderSource,
  MLPClassifier,
  type MLPClassifierParams,
  mlpClassifierKind,
  type PredictedLabels,
} from './MLPClassifier.js';
export {
  type FitOptions,
  type ForwardContext,
  type ForwardFn,
  type LoadOptions,
  MLP_DEFAULTS,
  MLP_FIT_OPTIONS,
  MLP_SPEC,
  type MLPExportOptions,
  type MLPParams,
  type PartialFitOptions,
} from './MLPParams.js';
export {
  MLPRegressor,
  type MLPRegressorParams,
  mlpRegressorKind,
  type RegressionOutput,
} from './MLPRegressor.js';
export { layerTensors } from './modelFile.js';
export {
  checkCallbacks,
  checkTrainingParams,
  TRAINING_DEFAULTS,
  TRAINING_SPEC,
  type TrainingParams,
} from './params.js';
export { semiSupervisedFineTuning } from './presets.js';
export { TrainedEstimator } from './TrainedEstimator.js';
export { CallbackList, type StageConfig, type StageState, trainStage } from './trainStage.js';
