/**
 * `@layerwise/training` — the layerwise training engine: dense layers on tfjs-core, the one training run every
 * estimator uses (data sources, validation, stages, callbacks, checkpoints, divergence, history), the
 * optimizers (fused Adam/SGD/momentum), and the base class and estimator-kind helper of trained estimators.
 * Estimators (`@layerwise/nn`'s MLPs, `@layerwise/autoencoder`) are built on it.
 * @packageDocumentation
 */

export type { DenseStage } from './acceleratedStage.js';
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
  layerTensors,
  namedTensorReader,
} from './DenseLayer.js';
export {
  type DataBatch,
  type DataSource,
  type EncodedBatchTargets,
  isDataSource,
  isOneShot,
  openOneShot,
  type StreamOptions,
  scanSource,
  streamedData,
} from './dataSource.js';
export { acceleratedForward, acceleratorOf, type DenseInferenceLayer } from './denseInference.js';
export {
  type DisposableModel,
  EncoderDecoderEstimator,
  type SavedModelSpec,
} from './EncoderDecoderEstimator.js';
export {
  type BatchLoss,
  type LossFn,
  makeOptimizer,
  mapRows,
  mapRowsToHost,
  meanLoss,
  OPTIMIZERS,
  type OptimizerName,
  type OptimizerSettings,
} from './engine.js';
export {
  type ParamsEstimatorClass,
  type ParamsEstimatorKindSpec,
  paramsEstimatorKind,
} from './estimatorKind.js';
export { type CommonFitOptions, checkFitOptions, isOptionsObject } from './fitOptions.js';
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
  checkCallbacks,
  checkTrainingParams,
  LAYER_STACK_SPEC,
  type LayerStackParams,
  TRAINING_DEFAULTS,
  TRAINING_SPEC,
  type TrainingParams,
} from './params.js';
export {
  type DataSpec,
  type EncodedTargets,
  prepareRunData,
  type RunInputs,
  type StreamedTargets,
  type TargetHooks,
} from './runData.js';
export { TrainedEstimator } from './TrainedEstimator.js';
