import type { EpochEndEvent, LogFilePlugin, LoggerPlugin, TrainingEvent } from '@layerwise/core';
import { nodeFsSync, StorageError, storageError, ValidationError } from '@layerwise/core';

/** Node's `fs` (see `nodeFsSync`); in a browser, throws saying what to use instead. */
const nodeFs = (what: string) =>
  nodeFsSync(what, 'In a browser, use consoleLogger() or a logger of your own.');

/** The columns of every layerwise CSV log, in order. */
export const CSV_COLUMNS = [
  'timestamp',
  'stage',
  'layer',
  'epoch',
  'train_loss',
  'val_loss',
  'train_acc',
  'val_acc',
  'seconds',
  'samples_per_s',
  'lr',
] as const;

/** The header line (without the line break). */
export const CSV_HEADER = CSV_COLUMNS.join(',');

/** Options of {@link csvLogger}. */
export interface CsvLoggerOptions {
  /** The CSV file to write. Its folder must exist. */
  path: string;
  /**
   * Add rows to an existing file instead of starting it anew. The existing header must be exactly
   * {@link CSV_HEADER}, otherwise the first event throws a `ValidationError` and the file is left
   * untouched. Default `false`: the file is truncated when this logger first writes.
   */
  append?: boolean;
}

function cell(value: number | string | undefined): string {
  if (value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV row (without the line break) for an `epochEnd` event. */
export function csvRow(e: EpochEndEvent): string {
  return [
    new Date(e.time).toISOString(),
    e.stage,
    e.layer,
    e.epoch,
    e.loss,
    e.valLoss,
    e.metrics?.acc,
    e.metrics?.valAcc,
    e.seconds,
    e.samplesPerSecond,
    e.lr,
  ]
    .map(cell)
    .join(',');
}

/**
 * A logger that writes one CSV row per epoch (`epochEnd` events; other events are ignored), with the
 * header {@link CSV_HEADER} once. Cells that do not apply (no validation data, no accuracy, no layer
 * outside pretraining) are empty. Each row is written with a synchronous append as soon as its epoch ends,
 * so a crash keeps every finished epoch.
 *
 * The file is opened on the first event; with `append: false` (default) it is truncated then. After
 * `close()`, a later fit with the same logger appends to the same file (the header is not repeated).
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { csvLogger } from '@layerwise/logger-csv';
 * const registry = new Registry().use(csvLogger({ path: 'train.csv' }));
 * ```
 */
export function csvLogger(options: CsvLoggerOptions): LoggerPlugin {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new ValidationError('csvLogger({ path }): path must be a non-empty file path, e.g. "train.csv".');
  }
  const { path } = options;
  let append = options.append ?? false;
  let fd: number | undefined;
  /** Bytes of whole rows in the file: a write that fails (disk full) is cut back to here. */
  let size = 0;
  const write = (handle: number, text: string): void => {
    const fs = nodeFs('csvLogger');
    const bytes = Buffer.byteLength(text);
    let written = 0;
    try {
      written = fs.writeSync(handle, text);
    } catch (e) {
      fs.truncateSync(path, size);
      throw storageError(e, path);
    }
    if (written !== bytes) {
      // A short write (the disk filled up mid-row): drop the partial row.
      fs.truncateSync(path, size);
      throw new StorageError(
        `Could not write "${path}": only ${written} of ${bytes} bytes of a log row fit (disk full?). The partial row was removed; free space and fit again.`,
      );
    }
    size += bytes;
  };

  const open = (): number => {
    const fs = nodeFs('csvLogger');
    let hasHeader = false;
    if (append && fs.existsSync(path)) {
      const text = fs.readFileSync(path, 'utf8');
      if (text.length > 0) {
        const found = text.slice(0, text.search(/\r?\n|$/));
        if (found !== CSV_HEADER) {
          throw new ValidationError(
            `Cannot append to "${path}": its header is "${found.slice(0, 200)}" but a layerwise CSV log has "${CSV_HEADER}". Choose another path, or pass append: false to start the file anew.`,
          );
        }
        const complete = text.slice(0, text.lastIndexOf('\n') + 1);
        // A row cut off by a crash in the middle of a write is dropped, never continued.
        if (complete.length < text.length) fs.truncateSync(path, Buffer.byteLength(complete));
        hasHeader = complete.length > 0;
        size = Buffer.byteLength(complete);
      }
    }
    let handle: number;
    try {
      handle = fs.openSync(path, append ? 'a' : 'w');
    } catch (e) {
      throw storageError(e, path);
    }
    if (!append) size = 0;
    if (!hasHeader) write(handle, `${CSV_HEADER}\n`);
    // Later opens (another fit with this logger) continue the same file.
    append = true;
    return handle;
  };

  return {
    kind: 'logger',
    name: 'csv',
    handle(event: TrainingEvent): void {
      if (fd === undefined) fd = open();
      if (event.type === 'epochEnd') write(fd, `${csvRow(event)}\n`);
    },
    close(): void {
      if (fd !== undefined) {
        nodeFs('csvLogger').closeSync(fd);
        fd = undefined;
      }
    },
  };
}

/** Options of {@link csvLogFile}. */
export interface CsvLogFileOptions {
  /** Passed to every {@link csvLogger} it creates. Default `false`. */
  append?: boolean;
}

/**
 * The file-logger plugin for `.csv` paths: estimators' `logPath: 'train.csv'` shortcut creates a
 * {@link csvLogger} through it.
 *
 * ```ts
 * const registry = new Registry().use(csvLogFile());
 * const logger = registry.logFileLogger('train.csv'); // a csvLogger
 * ```
 */
export function csvLogFile(options: CsvLogFileOptions = {}): LogFilePlugin {
  return {
    kind: 'logFile',
    name: 'csv',
    extensions: ['.csv'],
    create: (path: string) => csvLogger({ path, append: options.append ?? false }),
  };
}
