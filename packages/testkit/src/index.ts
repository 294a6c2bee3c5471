/**
 * `@layerwise/testkit` — conformance suites (vitest) that every layerwise plugin runs, and third-party
 * plugins too. Each `check*` function declares vitest cases; call it at the top level of a test file. Also
 * the fixtures and helpers the layerwise packages' own tests share.
 * @packageDocumentation
 */
export { bundleChild, killChildWhen, readCheckpointManifest } from './bundleChild.js';
export { type CheckBackendOptions, checkBackend } from './checkBackend.js';
export {
  type CheckableEstimator,
  type CheckEstimatorOptions,
  checkEstimator,
} from './checkEstimator.js';
export { type CheckEstimatorKindOptions, checkEstimatorKind } from './checkEstimatorKind.js';
export { type CheckExecutorOptions, checkExecutor } from './checkExecutor.js';
export {
  type CheckExporterOptions,
  checkExporter,
  type ExporterVerifyContext,
  smallExportableModel,
} from './checkExporter.js';
export { type CheckLoggerOptions, cannedEvents, checkLogger } from './checkLogger.js';
export {
  type CheckableOutlierDetector,
  type CheckOutlierDetectorOptions,
  checkOutlierDetector,
} from './checkOutlierDetector.js';
export {
  type CheckableTransformer,
  type CheckTransformerOptions,
  checkTransformer,
} from './checkTransformer.js';
export { type MnistSample, mnistSample } from './mnistSample.js';
export { recordingLogger, slowLogger } from './recordingLogger.js';
export { maxAbsDiff, randomExportableModel, randomInput, referenceForward } from './referenceForward.js';
export { sampleEpochEnd, sampleTrainingEvents } from './sampleTrainingEvents.js';
