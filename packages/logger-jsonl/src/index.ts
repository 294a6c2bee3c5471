/**
 * `@layerwise/logger-jsonl` — one JSON object per training event, one per line, flushed as it happens.
 * @packageDocumentation
 */

export type { JsonlLogFileOptions, JsonlLoggerOptions, TrainingEventType } from './jsonlLogger.js';
export { eventToJson, jsonlLogFile, jsonlLogger } from './jsonlLogger.js';
