/**
 * An example third-party layerwise plugin: a logger that writes a Markdown table of the epochs.
 * @packageDocumentation
 */
export type { MarkdownLogger, MarkdownLoggerOptions } from './markdownLogger.js';
export { markdownLogger } from './markdownLogger.js';
