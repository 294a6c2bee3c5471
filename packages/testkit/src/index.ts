/**
 * `@layerwise/testkit` — conformance suites (vitest) that every layerwise plugin runs, and third-party
 * plugins too. Each `check*` function declares vitest cases; call it at the top level of a test file.
 * @packageDocumentation
 */
export { type CheckBackendOptions, checkBackend } from './checkBackend.js';
export {
  type CheckableEstimator,
  type CheckEstimatorOptions,
  checkEstimator,
} from './checkEstimator.js';
export {
  type CheckExporterOptions,
  checkExporter,
  type ExporterVerifyContext,
  referenceForward,
  smallExportableModel,
} from './checkExporter.js';
export { type CheckLoggerOptions, cannedEvents, checkLogger } from './checkLogger.js';
