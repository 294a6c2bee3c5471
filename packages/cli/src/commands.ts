// The commands, one file per job: cliCommon (options, registry, output helpers), fitCommand, applyCommands
// (predict, score, transform, export) and infoCommand. This module lists them for run.ts and the index.
export {
  type ApplyOptions,
  exportCommand,
  predictCommand,
  scoreCommand,
  transformCommand,
} from './applyCommands.js';
export type {
  BackendName,
  CliIo,
  ExportFormat,
  GlobalOptions,
  ModelName,
} from './cliCommon.js';
export { type FitCommandOptions, fitCommand } from './fitCommand.js';
export { infoCommand } from './infoCommand.js';
