import type { LogFilePlugin, LoggerPlugin, TrainingEvent } from '@layerwise/core';
import { nodeFsSync, ValidationError } from '@layerwise/core';

/** Node's `fs` (see `nodeFsSync`); in a browser, throws saying what to use instead. */
const nodeFs = (what: string) =>
  nodeFsSync(what, 'In a browser, use consoleLogger() or a logger of your own.');

/** The event types a {@link jsonlLogger} can write. */
export type TrainingEventType = TrainingEvent['type'];

const EVENT_TYPES: readonly TrainingEventType[] = [
  'fitStart',
  'stageStart',
  'epochEnd',
  'batchEnd',
  'stageEnd',
  'fitEnd',
];

/** Options of {@link jsonlLogger}. */
export interface JsonlLoggerOptions {
  /** The `.jsonl` file to write. Its folder must exist. */
  path: string;
  /** Which event types to write. Default: all of them. */
  events?: readonly TrainingEventType[];
  /** Add lines to an existing file instead of starting it anew. Default `false`. */
  append?: boolean;
}

/** JSON for one event: typed arrays as arrays, bigints as strings, non-finite numbers as `null`. */
export function eventToJson(event: TrainingEvent): string {
  return JSON.stringify(event, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (ArrayBuffer.isView(value) && !(value instanceof DataView))
      return Array.from(value as unknown as ArrayLike<number>);
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  });
}

/**
 * A logger that writes one JSON object per training event, one per line ([JSON Lines](https://jsonlines.org)).
 * Each line is written with a synchronous append as the event happens, so a crash keeps every event
 * logged before it. The file is opened on the first event (truncated unless `append: true`); a later fit
 * with the same logger appends to it.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { jsonlLogger } from '@layerwise/logger-jsonl';
 * const registry = new Registry().use(jsonlLogger({ path: 'train.jsonl', events: ['epochEnd', 'fitEnd'] }));
 * ```
 */
export function jsonlLogger(options: JsonlLoggerOptions): LoggerPlugin {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new ValidationError(
      'jsonlLogger({ path }): path must be a non-empty file path, e.g. "train.jsonl".',
    );
  }
  const unknown = (options.events ?? []).filter((t) => !EVENT_TYPES.includes(t));
  if (unknown.length > 0) {
    throw new ValidationError(
      `jsonlLogger({ events }): unknown event type(s) ${unknown.map((t) => JSON.stringify(t)).join(', ')}; expected some of ${EVENT_TYPES.join(', ')}.`,
    );
  }
  const { path } = options;
  const wanted = new Set<string>(options.events ?? EVENT_TYPES);
  let append = options.append ?? false;
  let fd: number | undefined;

  return {
    kind: 'logger',
    name: 'jsonl',
    handle(event: TrainingEvent): void {
      const fs = nodeFs('jsonlLogger');
      if (fd === undefined) {
        if (append && fs.existsSync(path)) {
          // A line cut off by a crash in the middle of a write is dropped, never continued.
          const text = fs.readFileSync(path, 'utf8');
          const complete = text.slice(0, text.lastIndexOf('\n') + 1);
          if (complete.length < text.length) fs.truncateSync(path, Buffer.byteLength(complete));
        }
        fd = fs.openSync(path, append ? 'a' : 'w');
        append = true;
      }
      if (wanted.has(event.type)) fs.writeSync(fd, `${eventToJson(event)}\n`);
    },
    close(): void {
      if (fd !== undefined) {
        nodeFs('jsonlLogger').closeSync(fd);
        fd = undefined;
      }
    },
  };
}

/** Options of {@link jsonlLogFile}. */
export interface JsonlLogFileOptions {
  /** Passed to every {@link jsonlLogger} it creates. */
  events?: readonly TrainingEventType[];
  /** Passed to every {@link jsonlLogger} it creates. Default `false`. */
  append?: boolean;
}

/**
 * The file-logger plugin for `.jsonl` paths: estimators' `logPath: 'train.jsonl'` shortcut creates a
 * {@link jsonlLogger} through it.
 */
export function jsonlLogFile(options: JsonlLogFileOptions = {}): LogFilePlugin {
  return {
    kind: 'logFile',
    name: 'jsonl',
    extensions: ['.jsonl', '.ndjson'],
    create: (path: string) =>
      jsonlLogger({
        path,
        append: options.append ?? false,
        ...(options.events ? { events: options.events } : {}),
      }),
  };
}
