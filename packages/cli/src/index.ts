/**
 * `@layerwise/cli` — the `layerwise` command: `fit`, `predict`, `score`, `transform`, `export` and `info` on
 * CSV files and IDX image folders. {@link run} is the whole command as a function (what the bin calls).
 * @packageDocumentation
 */
export { CliUsageError, EXIT } from './CliUsageError.js';
export type {
  ApplyOptions,
  BackendName,
  CliIo,
  ExportFormat,
  FitCommandOptions,
  GlobalOptions,
  ModelName,
} from './commands.js';
export { type CliData, type LoadDataOptions, loadData } from './loadData.js';
export { type CliEstimator, type OpenedModel, openModel, RUN_FILES, type RunMemory } from './openModel.js';
export { createProgram, main, processIo, run } from './run.js';
export { applyScaler, type FeatureScaler, fitScaler, loadScaler, type ScaleMode } from './scaler.js';
export { addWorkerCommand, type WorkerCommandOptions, workerCommand } from './workerCommand.js';
