import { nodeBuiltin, ValidationError } from '@layerwise/core';
import {
  type CsvRecord,
  CsvStreamParser,
  DEFAULT_MAX_LINE_BYTES,
  firstInvalidUtf8,
} from './csvStreamParser.js';
import { CsvFormatError, DatasetNotFoundError } from './errors.js';

/** One batch of a streamed data set: features `x` as a float32 matrix and, when asked for, labels `y`. */
export interface StreamBatch<Y = number[] | string[]> {
  x: { data: Float32Array; shape: [number, number] };
  y?: Y;
}

/** Options of {@link streamCsv}. */
export interface StreamCsvOptions {
  /** Rows per batch (the last batch may be smaller). Default 1000. */
  batchSize?: number;
  /** The label column: a header name or an index (negative counts from the end, -1 = last). */
  labelColumn?: string | number;
  /** Whether the first row names the columns; `'auto'` (default): when none of its cells is a number. */
  header?: boolean | 'auto';
  /** Cell separator, default `,`. */
  delimiter?: string;
  /**
   * Labels as numbers or strings. `'auto'` (default): numbers when the first label is numeric (a later
   * non-numeric one is then a CsvFormatError), else strings.
   */
  labelType?: 'auto' | 'number' | 'string';
  /** Longest record accepted (a line, or a quoted multi-line record), in UTF-16 code units (= bytes for ASCII). Default 16 MiB. */
  maxLineBytes?: number;
  /** Bytes read from the file at a time. Default 64 KiB. */
  chunkBytes?: number;
}

/** What the first record told about the table, kept for the rest of the stream. */
interface Layout {
  width: number;
  names: string[];
  hasHeader: boolean;
  labelIndex: number | undefined;
  labelsAreNumbers: boolean | undefined;
}

function checkPositiveInt(value: unknown, what: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
    throw new ValidationError(`streamCsv(): ${what} must be a positive integer, got ${String(value)}.`);
  }
}

function asNumber(cell: string): number | undefined {
  const s = cell.trim();
  if (s === '') return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Streams a numeric CSV file in batches of `batchSize` rows, never holding more than one batch and one
 * read chunk in memory (Node streams). Returns an async iterable that reads the file afresh each time it
 * is iterated, so `() => streamCsv(path, options)` — or the iterable itself — serves one pass per epoch.
 *
 * Same table rules as {@link loadCsv} (RFC 4180 quotes, CRLF/LF, BOM, blank lines skipped, every feature
 * cell a finite number). Bad files are CsvFormatErrors naming the line: a ragged row, a non-numeric cell,
 * invalid UTF-8, a record longer than `maxLineBytes`, an unclosed quote. Options are checked at the call.
 *
 * ```ts
 * for await (const { x, y } of streamCsv('big.csv', { batchSize: 512, labelColumn: 'label' })) {
 *   // x: { data: Float32Array, shape: [rows, features] }, y: the batch's labels
 * }
 * ```
 */
export function streamCsv(path: string, options: StreamCsvOptions = {}): AsyncIterable<StreamBatch> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ValidationError(
      `streamCsv() takes a file path, got ${typeof path === 'string' ? 'an empty string' : typeof path}.`,
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new ValidationError(
      'streamCsv() options must be an object like { batchSize: 1000, labelColumn: -1 }.',
    );
  }
  const delimiter = options.delimiter ?? ',';
  if (
    typeof delimiter !== 'string' ||
    delimiter.length !== 1 ||
    delimiter === '"' ||
    /[\r\n]/.test(delimiter)
  ) {
    throw new ValidationError(
      'streamCsv(): delimiter must be one character other than a quote or line break.',
    );
  }
  const header = options.header ?? 'auto';
  if (header !== true && header !== false && header !== 'auto') {
    throw new ValidationError(
      `streamCsv(): header must be true, false or 'auto', got ${JSON.stringify(header)}.`,
    );
  }
  const labelType = options.labelType ?? 'auto';
  if (labelType !== 'auto' && labelType !== 'number' && labelType !== 'string') {
    throw new ValidationError(
      `streamCsv(): labelType must be 'auto', 'number' or 'string', got ${JSON.stringify(labelType)}.`,
    );
  }
  const { labelColumn } = options;
  if (labelColumn !== undefined && typeof labelColumn !== 'string' && !Number.isInteger(labelColumn)) {
    throw new ValidationError(
      `streamCsv(): labelColumn must be a column name or an integer index, got ${String(labelColumn)}.`,
    );
  }
  checkPositiveInt(options.batchSize, 'batchSize');
  checkPositiveInt(options.maxLineBytes, 'maxLineBytes');
  checkPositiveInt(options.chunkBytes, 'chunkBytes');
  const batchSize = options.batchSize ?? 1000;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const fs = nodeBuiltin<typeof import('node:fs')>(
    'node:fs',
    'streamCsv(path)',
    'In a browser, use loadCsv(text).',
  );

  async function* batches(): AsyncGenerator<StreamBatch> {
    const parser = new CsvStreamParser(delimiter, path, maxLineBytes);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const stream = fs.createReadStream(path, { highWaterMark: chunkBytes });
    let layout: Layout | undefined;
    // Each record goes into the batch's Float32Array as soon as it is parsed (no batch of records is held:
    // the parsed cells die young instead of being promoted to V8's old space).
    let batch: BatchBuilder | undefined;
    let dataRows = 0;
    const take = function* (records: CsvRecord[]): Generator<StreamBatch> {
      for (const r of records) {
        if (!layout) {
          layout = makeLayout(r, header, labelColumn, path);
          if (layout.hasHeader) continue;
        }
        batch ??= new BatchBuilder(layout, batchSize);
        batch.add(r, labelType, path);
        if (batch.rows === batchSize) {
          const b = batch.finish();
          dataRows += batch.rows;
          batch = undefined;
          yield b;
        }
      }
    };
    try {
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          let text: string;
          try {
            text = decoder.decode(chunk, { stream: true });
          } catch (e) {
            throw invalidUtf8(path, chunk, parser, e);
          }
          yield* take(parser.push(text));
        }
        let rest: string;
        try {
          rest = decoder.decode();
        } catch (e) {
          throw new CsvFormatError(
            `${path}, line ${parser.line}: the file ends inside a UTF-8 character (invalid UTF-8); save it as UTF-8.`,
            { cause: e },
          );
        }
        yield* take(parser.push(rest));
        yield* take(parser.end());
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new DatasetNotFoundError(`CSV file not found: ${path}.`, { cause: e });
        if (typeof code === 'string' && !(e instanceof CsvFormatError)) {
          throw new CsvFormatError(`Cannot read CSV file ${path}: ${(e as Error).message}`, { cause: e });
        }
        throw e;
      }
      if (!layout) throw new CsvFormatError(`${path} is empty: no rows to load.`);
      if (batch && batch.rows > 0) {
        const b = batch.finish();
        dataRows += batch.rows;
        batch = undefined;
        yield b;
      }
      if (dataRows === 0) throw new CsvFormatError(`${path} has a header but no data rows.`);
    } finally {
      stream.destroy();
    }
  }

  return { [Symbol.asyncIterator]: () => batches() };
}

function invalidUtf8(
  path: string,
  chunk: Uint8Array,
  parser: CsvStreamParser,
  cause: unknown,
): CsvFormatError {
  const at = firstInvalidUtf8(chunk);
  let line = parser.line;
  const pending = parser.pendingText;
  for (let i = 0; i < pending.length; i++) if (pending.charCodeAt(i) === 10) line++;
  const upto = at < 0 ? chunk.length : at;
  for (let i = 0; i < upto; i++) if (chunk[i] === 10) line++;
  return new CsvFormatError(
    `${path}, line ${line}: invalid UTF-8 (byte 0x${(chunk[upto] ?? 0).toString(16).padStart(2, '0')}); save the file as UTF-8.`,
    { cause },
  );
}

function makeLayout(
  first: CsvRecord,
  header: boolean | 'auto',
  labelColumn: string | number | undefined,
  name: string,
): Layout {
  const hasHeader = header === 'auto' ? first.cells.every((c) => asNumber(c) === undefined) : header;
  const width = first.cells.length;
  const names = hasHeader ? first.cells.map((c) => c.trim()) : first.cells.map((_, i) => String(i));
  let labelIndex: number | undefined;
  if (typeof labelColumn === 'number') {
    if (labelColumn >= width || labelColumn < -width) {
      throw new ValidationError(
        `streamCsv(): labelColumn ${labelColumn} is out of range: ${name} has ${width} columns (use 0…${width - 1}, or -1 for the last).`,
      );
    }
    labelIndex = labelColumn < 0 ? width + labelColumn : labelColumn;
  } else if (typeof labelColumn === 'string') {
    labelIndex = names.indexOf(labelColumn);
    if (labelIndex < 0) {
      throw new ValidationError(
        `streamCsv(): labelColumn ${JSON.stringify(labelColumn)} is not a column of ${name}${hasHeader ? ` (columns: ${names.map((n) => JSON.stringify(n)).join(', ')})` : ' (it has no header row: pass the column index instead)'}.`,
      );
    }
  }
  if ((labelIndex === undefined ? width : width - 1) === 0) {
    throw new CsvFormatError(`${name} has no feature columns besides the label column.`);
  }
  return { width, names, hasHeader, labelIndex, labelsAreNumbers: undefined };
}

/** One batch being filled, a record at a time. */
class BatchBuilder {
  rows = 0;
  readonly #layout: Layout;
  readonly #cols: number;
  readonly #data: Float32Array;
  readonly #labels: (number | string)[] = [];
  #k = 0;

  constructor(layout: Layout, batchSize: number) {
    this.#layout = layout;
    this.#cols = layout.labelIndex === undefined ? layout.width : layout.width - 1;
    this.#data = new Float32Array(batchSize * this.#cols);
  }

  add({ line, cells }: CsvRecord, labelType: 'auto' | 'number' | 'string', name: string): void {
    const layout = this.#layout;
    const { width, labelIndex, names } = layout;
    const data = this.#data;
    const labels = this.#labels;
    let k = this.#k;
    if (cells.length !== width) {
      throw new CsvFormatError(
        `${name}, line ${line}: ${cells.length} cells but the ${layout.hasHeader ? 'header' : 'first row'} has ${width}; every row needs the same number of columns.`,
      );
    }
    for (let c = 0; c < width; c++) {
      const cell = cells[c]!;
      if (c === labelIndex) {
        const s = cell.trim();
        if (s === '') {
          throw new CsvFormatError(
            `${name}, line ${line}, column ${c + 1} (${JSON.stringify(names[c])}): the label cell is empty.`,
          );
        }
        if (layout.labelsAreNumbers === undefined) {
          layout.labelsAreNumbers =
            labelType === 'number' || (labelType === 'auto' && asNumber(s) !== undefined);
        }
        if (layout.labelsAreNumbers) {
          const v = asNumber(s);
          if (v === undefined) {
            throw new CsvFormatError(
              `${name}, line ${line}, column ${c + 1} (${JSON.stringify(names[c])}): label ${JSON.stringify(s)} is not a number, but ${labelType === 'number' ? "labelType is 'number'" : 'the first label was numeric'}; pass labelType: 'string' for class names.`,
            );
          }
          labels.push(v);
        } else {
          labels.push(s);
        }
        continue;
      }
      const v = asNumber(cell);
      if (v === undefined) {
        throw new CsvFormatError(
          `${name}, line ${line}, column ${c + 1} (${JSON.stringify(names[c])}): ${cell.trim() === '' ? 'the cell is empty' : `${JSON.stringify(cell.trim())} is not a finite number`}; every feature cell must be numeric (impute or drop missing values first).`,
        );
      }
      data[k++] = v;
    }
    this.#k = k;
    this.rows++;
  }

  finish(): StreamBatch {
    const data =
      this.rows * this.#cols === this.#data.length ? this.#data : this.#data.slice(0, this.rows * this.#cols);
    const x = { data, shape: [this.rows, this.#cols] as [number, number] };
    return this.#layout.labelIndex === undefined ? { x } : { x, y: this.#labels as number[] | string[] };
  }
}
