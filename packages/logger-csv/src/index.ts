/**
 * `@layerwise/logger-csv` — one CSV row per epoch, flushed as it happens.
 * @packageDocumentation
 */

export type { CsvLogFileOptions, CsvLoggerOptions } from './csvLogger.js';
export { CSV_COLUMNS, CSV_HEADER, csvLogFile, csvLogger, csvRow } from './csvLogger.js';
