/**
 * `layerwise` — the umbrella package: the estimators, the registry and every first-party plugin, plus a
 * default registry (best backend that loads here: in Node native → WASM → CPU, in a browser WebGPU → WebGL →
 * WASM → CPU; a console logger that follows
 * each estimator's `verbose`; CSV/JSONL loggers for `logPath`; tfjs-layers and ONNX exporters).
 *
 * ```ts
 * import { StackedAutoencoder } from 'layerwise';
 * const ae = new StackedAutoencoder({ hiddenLayerSizes: [200, 100], epochs: 100, logPath: 'ae.csv', exportPath: 'ae-model' });
 * await ae.fit(X);
 * ```
 * @packageDocumentation
 */
import { setDefaultRegistryFactory } from '@layerwise/core';
import { createDefaultRegistry } from './defaultRegistry.js';

export * from '@layerwise/autoencoder';
export { cpuBackend } from '@layerwise/backend-cpu';
export { type NodeBackendOptions, nodeBackend } from '@layerwise/backend-node';
export { type WasmBackendOptions, wasmBackend } from '@layerwise/backend-wasm';
export { type WebglBackendOptions, webglBackend } from '@layerwise/backend-webgl';
export { type WebgpuBackendOptions, webgpuBackend } from '@layerwise/backend-webgpu';
export * from '@layerwise/core';
export { onnxExporter } from '@layerwise/exporter-onnx';
export { fileIO, tfjsExporter } from '@layerwise/exporter-tfjs';
export { consoleLogger } from '@layerwise/logger-console';
export { csvLogFile, csvLogger } from '@layerwise/logger-csv';
export { jsonlLogFile, jsonlLogger } from '@layerwise/logger-jsonl';
// metrics' meanSquaredError and r2Score (every target kind, options) shadow core's plain-array ones.
export {
  type AccuracyOptions,
  type Average,
  accuracyScore,
  balancedAccuracyScore,
  type ClassificationReportDict,
  type ClassificationReportOptions,
  type ConfusionMatrixOptions,
  classificationReport,
  confusionMatrix,
  f1Score,
  fbetaScore,
  getScorer,
  type LogLossOptions,
  logLoss,
  type MeanSquaredErrorOptions,
  meanAbsoluteError,
  meanSquaredError,
  type PrecisionRecallOptions,
  precisionRecallFscoreSupport,
  precisionScore,
  type ReportRow,
  type RocAucOptions,
  r2Score,
  recallScore,
  rocAucScore,
  SCORING_NAMES,
  type ScorableEstimator,
  type Scorer,
  type ScoresLike,
  type Scoring,
} from '@layerwise/metrics';
export {
  BaseSearchCV,
  type CrossValidateOptions,
  type CrossValidateResult,
  type CrossValidator,
  type CV,
  type CvResults,
  choice,
  cloneEstimator,
  crossValidate,
  crossValScore,
  type DecodeContext,
  type Distribution,
  type EncodeContext,
  type EncodedEstimator,
  GridSearchCV,
  KFold,
  type KFoldOptions,
  logUniform,
  type ParamDistributions,
  type ParamGrid,
  parameterGrid,
  parameterSampler,
  RandomizedSearchCV,
  type RandomizedSearchOptions,
  randInt,
  registerWorkerKind,
  type SearchEstimator,
  type SearchOptions,
  ShuffleSplit,
  type ShuffleSplitOptions,
  type Split,
  StratifiedKFold,
  StratifiedShuffleSplit,
  type TrainTestSplitOptions,
  trainTestSplit,
  uniform,
  type WorkerKind,
} from '@layerwise/model-selection';
export * from '@layerwise/nn';
export {
  AutoencoderOutlierDetector,
  type AutoencoderOutlierDetectorParams,
  type Contamination,
  checkContamination,
  OUTLIER_DETECTOR_DEFAULTS,
  OUTLIER_DETECTOR_SPEC,
  type OutlierLabels,
  type SampleScorer,
  type SampleScores,
  VAE_DEFAULTS,
  VAE_FIT_OPTIONS,
  VAE_LIKELIHOODS,
  VAE_SPEC,
  type VaeExportOptions,
  type VaeFitOptions,
  type VaeSampleOptions,
  type VaeScoreOptions,
  VariationalAutoencoder,
  type VariationalAutoencoderParams,
} from '@layerwise/outliers';
export {
  type GetParamsOptions,
  makePipeline,
  nameSteps,
  PIPELINE_KIND,
  Pipeline,
  type PipelineFitOptions,
  type PipelineLoadOptions,
  type PipelineStep,
  STEP_LOADERS,
  type Step,
  type StepLoader,
} from '@layerwise/pipeline';
export {
  BaseTransformer,
  type CategoricalMatrix,
  type Category,
  type ImputeStrategy,
  LabelEncoder,
  type LabelEncoderParams,
  MaxAbsScaler,
  type MaxAbsScalerParams,
  MinMaxScaler,
  type MinMaxScalerParams,
  Normalizer,
  type NormalizerParams,
  OneHotEncoder,
  type OneHotEncoderParams,
  PCA,
  type PCAParams,
  PREPROCESSING_CLASSES,
  PREPROCESSING_LOADERS,
  type PreprocessingTransformer,
  RobustScaler,
  type RobustScalerParams,
  SimpleImputer,
  type SimpleImputerParams,
  StandardScaler,
  type StandardScalerParams,
} from '@layerwise/preprocessing';
export { createDefaultRegistry, type DefaultRegistryOptions } from './defaultRegistry.js';
export { type LoadedEstimator, load } from './load.js';

// The umbrella is a preset: importing it makes estimators built without `{ registry }` use this one.
setDefaultRegistryFactory(() => createDefaultRegistry());
