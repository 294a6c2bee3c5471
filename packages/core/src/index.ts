/**
 * `@layerwise/core` — contracts, the plugin registry, data handling, errors, seeded randomness, metrics
 * and the safe model format. Imports no plugin and no tfjs backend.
 * @packageDocumentation
 */

export { epochBatches, takeRows, trainValidationSplit } from './batches.js';
export {
  CALLBACK_HOOKS,
  type Callback,
  type CallbackCheckpoint,
  type CallbackContext,
  type CallbackLogs,
  type KeptWeights,
} from './callbacks.js';
export {
  type ClassLabel,
  decodeLabels,
  type EncodedLabels,
  encodeLabels,
  type FeaturesLike,
  type FitMatrix,
  fromTensor1D,
  fromTensor2D,
  HostMatrix,
  type HostReader,
  type InputKind,
  type LabelsLike,
  type Matrix,
  type MatrixLike,
  readInto,
  readLabels,
  releaseMatrix,
  rowsOf,
  setHostReader,
  type Targets,
  type TargetsLike,
  type ToMatrixOptions,
  type TypedMatrix,
  toFitMatrix,
  toMatrix,
  toTargets,
  uniqueClasses,
} from './data.js';
export {
  estimatorDisplay,
  historyDisplay,
  JUPYTER_DISPLAY,
  lossChartDisplaySpec,
  type MimeBundle,
  VEGA_LITE_MIME,
  withJupyterDisplay,
} from './display.js';
export { EngineGuard, type EngineGuardState, engineGuard } from './engineGuard.js';
export {
  BackendUnavailableError,
  ConcurrentFitError,
  isModuleNotFound,
  LayerwiseError,
  ModelFormatError,
  NotFittedError,
  PluginError,
  StorageError,
  TrainingDivergedError,
  UnknownFormatError,
  ValidationError,
} from './errors.js';
export {
  BaseEstimator,
  type Classifier,
  clone,
  type Estimator,
  type EstimatorOptions,
  type Predictor,
  type Regressor,
  type Transformer,
} from './estimator.js';
export {
  type DecodeContext,
  type EncodeContext,
  type EncodedEstimator,
  ESTIMATOR_ROLES,
  type EstimatorKindPlugin,
  type EstimatorRole,
  estimatorKindOf,
  type LoadEstimatorOptions,
  loadEstimator,
  resolveEstimatorKind,
} from './estimatorKinds.js';
export type {
  BatchEndEvent,
  EpochEndEvent,
  FitEndEvent,
  FitStartEvent,
  Stage,
  StageEndEvent,
  StageStartEvent,
  TrainingEvent,
} from './events.js';
export {
  EXECUTOR,
  ExecutorAbortedError,
  type ExecutorJob,
  type ExecutorOutcome,
  type ExecutorPlugin,
  ExecutorUnavailableError,
  isExecutorPlugin,
  type PluginDescriptor,
  TaskPayloadError,
} from './executor.js';
export { gradientsRegistered } from './gradients.js';
export { accuracy, meanSquaredError, r2Score } from './metrics.js';
export {
  atomicWriteFile,
  checkModelDirTarget,
  checkSafeFileName,
  decodeWeights,
  loadModelDir,
  MANIFEST_FILE,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelData,
  type ModelManifest,
  type NamedTensor,
  parseManifest,
  readModelKind,
  removeStaleTempFiles,
  saveModelDir,
  serializeModel,
  storageError,
  type WeightEntry,
} from './modelFormat.js';
export { hasNodeBuiltins, type NodeFsSync, nodeBuiltin, nodeFsSync } from './nodeFs.js';
export {
  BACKENDS_DOC_URL,
  isQuiet,
  NOTICE_MAX_LENGTH,
  type NoticeOptions,
  notice,
  shorten,
} from './notice.js';
export { checkParam, type ParamRule, type ParamSpec, validateParams } from './params.js';
export {
  ACTIVATIONS,
  type ActivationName,
  type BackendPlugin,
  type DenseLayerSpec,
  type ExportableModel,
  type ExporterPlugin,
  type ExportOptions,
  type ExportResult,
  type InputTransformSpec,
  type LogFilePlugin,
  type LoggerPlugin,
  type Plugin,
  type PluginBase,
  type SetupPlugin,
} from './plugins.js';
export {
  type ActivateOptions,
  fallbackNotice,
  getDefaultRegistry,
  NO_BACKEND,
  Registry,
  setDefaultRegistryFactory,
  type Token,
  Tokens,
  token,
  validatePlugin,
} from './registry.js';
export { Rng } from './rng.js';
export {
  type ArqueroTableLike,
  type ArrowModuleLike,
  type ArrowTableLike,
  type ColumnsObject,
  checkOutputConfig,
  type DanfoDataFrameLike,
  featureNamesOf,
  isTableLike,
  looseMatrix,
  mergeOutputConfig,
  type OutputConfig,
  type PolarsDataFrameLike,
  type RowObject,
  readTable,
  selectColumns,
  type TableColumns,
  type TableLike,
  type TableMatrix,
  type TableToMatrixOptions,
  tableToMatrix,
  toArrowTable,
  toArrowVector,
} from './tables.js';
export { type BackendProbe, initTfBackend, probedAvailability } from './tfBackend.js';
export {
  acceleratorThreadLimit,
  type DenseStackData,
  type DenseStackLayer,
  type DenseStackParam,
  type DenseStackSpec,
  type DenseStackTrainer,
  limitAcceleratorThreads,
  type TrainingAccelerator,
} from './trainingAccelerator.js';
export {
  checkExportTargets,
  DEFAULT_LEAKY_RELU_ALPHA,
  type ExportFile,
  type FileExporterSpec,
  type FileExportOptions,
  fileExporter,
  float32Bytes,
  leakyReluAlphaFor,
  type PreparedExport,
  prepareExport,
  type ValidateExportableModelOptions,
  validateExportableModel,
  type WriteExportFilesOptions,
  writeExportFiles,
} from './validateExportableModel.js';
export { rejectedWorkerFlags, startWithWorkerFlags, workerExecArgv } from './workerFlags.js';
