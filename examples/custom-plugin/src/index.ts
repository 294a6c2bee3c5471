/**
 * Example third-party layerwise plugins: a logger that writes a Markdown table of the epochs, and an
 * estimator (`NearestCentroid`) whose kind lets `load()`, a saved `Pipeline` and `nJobs` workers use it.
 * @packageDocumentation
 */
export type { MarkdownLogger, MarkdownLoggerOptions } from './markdownLogger.js';
export { markdownLogger } from './markdownLogger.js';
export {
  NearestCentroid,
  type NearestCentroidParams,
  nearestCentroidKind,
  type Rows,
} from './nearestCentroid.js';
