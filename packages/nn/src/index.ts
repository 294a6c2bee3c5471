/**
 * `@layerwise/nn` — dense layer stacks on tfjs-core, the training engine, `MLPClassifier` and `MLPRegressor`.
 * @packageDocumentation
 */

export {
  assertSame,
  CHECKPOINT_RULE,
  CHECKPOINT_VERSION,
  type CheckpointOptions,
  checkCheckpointParam,
  isStageHistory,
  loadCheckpoint,
  progressFromData,
  progressToData,
  readOptimizer,
  restoreOptimizer,
  type SavedOptimizer,
  type StageProgress,
  type StageResume,
  saveCheckpoint,
  shapesOf,
} from './checkpoint.js';
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
  type BatchLoss,
  type EpochRecord,
  EventSink,
  evaluate,
  makeHistory,
  makeOptimizer,
  mapRows,
  OPTIMIZERS,
  type OptimizerName,
  type StageConfig,
  type StageHistory,
  type TrainingHistory,
  trainStage,
  withFitScope,
} from './engine.js';
export {
  type FitOptions,
  type ForwardContext,
  type ForwardFn,
  type LoadOptions,
  MLP_DEFAULTS,
  MLP_SPEC,
  type MLPExportOptions,
  type MLPParams,
} from './MLPBase.js';
export {
  type EncoderSource,
  MLPClassifier,
  type MLPClassifierParams,
  type PredictedLabels,
} from './MLPClassifier.js';
export { MLPRegressor, type MLPRegressorParams, type RegressionOutput } from './MLPRegressor.js';
export type { TrainingParams } from './params.js';
