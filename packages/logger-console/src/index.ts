/**
 * `@layerwise/logger-console` — progress bars on a TTY, one plain line per epoch otherwise.
 * @packageDocumentation
 */

export type { ConsoleLoggerOptions, ConsoleLoggerStream } from './consoleLogger.js';
export { consoleLogger, epochLine, formatDuration, formatNumber } from './consoleLogger.js';
