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
  /**
   * Cell separator: one character, or `'auto'` (default): the one of `,` `;` `\t` that occurs most in the
   * first line read after `skipRows` (`,` when none does), as {@link loadCsv}. {@link CsvStream.header}
   * reports the choice.
   */
  delimiter?: string;
  /** Lines to skip before the header (or the first data row), e.g. 1 for a metadata line. Default 0. */
  skipRows?: number;
  /** Keep only these feature columns (header names or indices), in this order; the label column is apart. */
  columns?: readonly (string | number)[];
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
  /** The feature columns, in output order. */
  featureIdx: number[];
  labelsAreNumbers: boolean | undefined;
}

/** What {@link CsvStream.header} tells before any batch is read. */
export interface CsvStreamHeader {
  /** Names of the feature columns, in the order of each batch's `x` (the header's, or `"0"`, `"1"`… without one). */
  columns: string[];
  /** Name of the label column, when one was asked for. */
  labelName?: string;
  /** The cell separator used (detected with `delimiter: 'auto'`). */
  delimiter: string;
  /** Whether the file is gzip-compressed (detected by its magic bytes, not its name). */
  gzip: boolean;
}

/** The iterable {@link streamCsv} returns: batches, plus the file's column names without reading it all. */
export interface CsvStream extends AsyncIterable<StreamBatch> {
  /** Reads the first lines only: the feature column names, the label name, the delimiter, gzip or not. */
  header(): Promise<CsvStreamHeader>;
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
export function streamCsv(path: string, options: StreamCsvOptions = {}): CsvStream {
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
  const delimiterOption = options.delimiter ?? 'auto';
  if (
    delimiterOption !== 'auto' &&
    (typeof delimiterOption !== 'string' ||
      delimiterOption.length !== 1 ||
      delimiterOption === '"' ||
      /[\r\n]/.test(delimiterOption))
  ) {
    throw new ValidationError(
      "streamCsv(): delimiter must be 'auto' or one character other than a quote or line break.",
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
  const { labelColumn, columns } = options;
  if (labelColumn !== undefined && typeof labelColumn !== 'string' && !Number.isInteger(labelColumn)) {
    throw new ValidationError(
      `streamCsv(): labelColumn must be a column name or an integer index, got ${String(labelColumn)}.`,
    );
  }
  const skipRows = options.skipRows ?? 0;
  if (!Number.isSafeInteger(skipRows) || skipRows < 0) {
    throw new ValidationError(
      `streamCsv(): skipRows must be a non-negative integer, got ${String(skipRows)}.`,
    );
  }
  if (
    columns !== undefined &&
    (!Array.isArray(columns) ||
      columns.length === 0 ||
      !columns.every((c) => typeof c === 'string' || Number.isInteger(c)))
  ) {
    throw new ValidationError('streamCsv(): columns must be a non-empty array of column names or indices.');
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

  /** The file's text, decoded chunk by chunk (gunzipped when it starts with gzip's magic bytes). */
  async function* texts(
    where: () => { line: number; pending: string },
    info: { gzip: boolean },
  ): AsyncGenerator<string> {
    let gzip = false;
    try {
      const fd = fs.openSync(path, 'r');
      try {
        const magic = Buffer.alloc(2);
        gzip = fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw readError(e, path);
    }
    info.gzip = gzip;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const file = fs.createReadStream(path, { highWaterMark: chunkBytes });
    let source: AsyncIterable<Buffer> = file as AsyncIterable<Buffer>;
    let gunzip: import('node:stream').Transform | undefined;
    if (gzip) {
      const zlib = nodeBuiltin<typeof import('node:zlib')>('node:zlib', 'streamCsv(path) of a .gz file');
      gunzip = zlib.createGunzip({ chunkSize: chunkBytes });
      file.on('error', (e) => gunzip!.destroy(e));
      source = file.pipe(gunzip) as AsyncIterable<Buffer>;
    }
    const name = gzip ? `${path} (gzip)` : path;
    try {
      for await (const chunk of source) {
        try {
          yield decoder.decode(chunk, { stream: true });
        } catch (e) {
          const w = where();
          throw invalidUtf8(name, chunk, w.line, w.pending, e);
        }
      }
      let rest: string;
      try {
        rest = decoder.decode();
      } catch (e) {
        throw new CsvFormatError(
          `${name}, line ${where().line}: the file ends inside a UTF-8 character (invalid UTF-8); save it as UTF-8.`,
          { cause: e },
        );
      }
      if (rest) yield rest;
    } catch (e) {
      if (e instanceof CsvFormatError || e instanceof DatasetNotFoundError) throw e;
      if (
        gzip &&
        typeof (e as NodeJS.ErrnoException).code === 'string' &&
        /^Z_/.test((e as NodeJS.ErrnoException).code!)
      ) {
        throw new CsvFormatError(
          `${path} starts like a gzip file but cannot be decompressed (${(e as Error).message}).`,
          { cause: e },
        );
      }
      throw readError(e, path);
    } finally {
      gunzip?.destroy();
      file.destroy();
    }
  }

  /** The file's records after `skipRows` lines, with the delimiter chosen from the first line read. */
  async function* records(info: { gzip: boolean; delimiter: string }): AsyncGenerator<CsvRecord> {
    let toSkip = skipRows;
    let buf = '';
    let parser: CsvStreamParser | undefined;
    const start = (): CsvStreamParser => {
      let delimiter = delimiterOption;
      if (delimiter === 'auto') {
        const end = buf.search(/\r?\n|\r/);
        const firstLine = end < 0 ? buf : buf.slice(0, end);
        const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1] as const);
        const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
        delimiter = best[1] > 0 ? best[0] : ',';
      }
      info.delimiter = delimiter;
      return new CsvStreamParser(delimiter, info.gzip ? `${path} (gzip)` : path, maxLineBytes, skipRows + 1);
    };
    const where = () => {
      if (parser) return { line: parser.line, pending: parser.pendingText };
      return { line: 1 + skipRows - toSkip, pending: buf };
    };
    for await (const text of texts(where, info)) {
      if (parser) {
        yield* parser.push(text);
        continue;
      }
      buf += text;
      // Skip whole lines first (a metadata line may hold quotes or another number of cells).
      while (toSkip > 0) {
        const nl = buf.indexOf('\n');
        if (nl < 0) break;
        buf = buf.slice(nl + 1);
        toSkip--;
      }
      if (toSkip > 0) {
        if (buf.length > maxLineBytes) {
          throw new CsvFormatError(
            `${path}, line ${1 + skipRows - toSkip}: the line is longer than maxLineBytes (${maxLineBytes}) while skipping rows.`,
          );
        }
        continue;
      }
      // The delimiter is chosen from the whole first line: wait for its end (or maxLineBytes).
      if (delimiterOption === 'auto' && buf.search(/\r?\n|\r/) < 0 && buf.length <= maxLineBytes) continue;
      parser = start();
      const first = buf;
      buf = '';
      yield* parser.push(first);
    }
    if (!parser) {
      if (toSkip > 0) buf = '';
      parser = start();
      yield* parser.push(buf);
    }
    yield* parser.end();
  }

  async function* batches(): AsyncGenerator<StreamBatch> {
    const info = { gzip: false, delimiter: ',' };
    let layout: Layout | undefined;
    // Each record goes into the batch's Float32Array as soon as it is parsed (no batch of records is held:
    // the parsed cells die young instead of being promoted to V8's old space).
    let batch: BatchBuilder | undefined;
    let dataRows = 0;
    const name = () => (info.gzip ? `${path} (gzip)` : path);
    for await (const r of records(info)) {
      if (!layout) {
        layout = makeLayout(r, header, labelColumn, columns, name());
        if (layout.hasHeader) continue;
      }
      batch ??= new BatchBuilder(layout, batchSize);
      batch.add(r, labelType, name());
      if (batch.rows === batchSize) {
        const b = batch.finish();
        dataRows += batch.rows;
        batch = undefined;
        yield b;
      }
    }
    if (!layout) throw new CsvFormatError(`${name()} is empty: no rows to load.`);
    if (batch && batch.rows > 0) {
      const b = batch.finish();
      dataRows += batch.rows;
      batch = undefined;
      yield b;
    }
    if (dataRows === 0) throw new CsvFormatError(`${name()} has a header but no data rows.`);
  }

  async function readHeader(): Promise<CsvStreamHeader> {
    const info = { gzip: false, delimiter: ',' };
    const it = records(info);
    try {
      const first = await it.next();
      if (first.done)
        throw new CsvFormatError(`${info.gzip ? `${path} (gzip)` : path} is empty: no rows to load.`);
      const layout = makeLayout(first.value, header, labelColumn, columns, path);
      return {
        columns: layout.featureIdx.map((c) => layout.names[c]!),
        ...(layout.labelIndex !== undefined ? { labelName: layout.names[layout.labelIndex]! } : {}),
        delimiter: info.delimiter,
        gzip: info.gzip,
      };
    } finally {
      await it.return(undefined);
    }
  }

  return { [Symbol.asyncIterator]: () => batches(), header: readHeader };
}

function readError(e: unknown, path: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DatasetNotFoundError(`CSV file not found: ${path}.`, { cause: e });
  if (typeof code === 'string') {
    return new CsvFormatError(`Cannot read CSV file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return e as Error;
}

function invalidUtf8(
  name: string,
  chunk: Uint8Array,
  line: number,
  pending: string,
  cause: unknown,
): CsvFormatError {
  const at = firstInvalidUtf8(chunk);
  for (let i = 0; i < pending.length; i++) if (pending.charCodeAt(i) === 10) line++;
  const upto = at < 0 ? chunk.length : at;
  for (let i = 0; i < upto; i++) if (chunk[i] === 10) line++;
  return new CsvFormatError(
    `${name}, line ${line}: invalid UTF-8 (byte 0x${(chunk[upto] ?? 0).toString(16).padStart(2, '0')}); save the file as UTF-8.`,
    { cause },
  );
}

function makeLayout(
  first: CsvRecord,
  header: boolean | 'auto',
  labelColumn: string | number | undefined,
  columns: readonly (string | number)[] | undefined,
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
  let featureIdx: number[];
  if (columns !== undefined) {
    featureIdx = columns.map((col) => {
      const i = typeof col === 'number' ? (col < 0 ? width + col : col) : names.indexOf(col);
      if (i < 0 || i >= width) {
        throw new ValidationError(
          `streamCsv(): columns: ${JSON.stringify(col)} is not a column of ${name} (columns: ${names
            .slice(0, 8)
            .map((n) => JSON.stringify(n))
            .join(', ')}${width > 8 ? ', …' : ''}).`,
        );
      }
      if (i === labelIndex)
        throw new ValidationError(`streamCsv(): columns lists the label column ${JSON.stringify(names[i])}.`);
      return i;
    });
  } else featureIdx = names.map((_, c) => c).filter((c) => c !== labelIndex);
  if (featureIdx.length === 0) {
    throw new CsvFormatError(`${name} has no feature columns besides the label column.`);
  }
  return { width, names, hasHeader, labelIndex, featureIdx, labelsAreNumbers: undefined };
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
    this.#cols = layout.featureIdx.length;
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
    if (labelIndex !== undefined) {
      const c = labelIndex;
      const s = cells[c]!.trim();
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
    }
    for (const c of layout.featureIdx) {
      const cell = cells[c]!;
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
