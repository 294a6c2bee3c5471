import type { TypedMatrix } from '@layerwise/core';
import { nodeBuiltin, ValidationError } from '@layerwise/core';
import { CsvStreamParser, DEFAULT_MAX_LINE_BYTES, firstInvalidUtf8 } from './csvStreamParser.js';
import { CsvFormatError, DatasetNotFoundError } from './errors.js';

/** Options of {@link loadCsv}. */
export interface LoadCsvOptions {
  /**
   * Whether the first row names the columns. `'auto'` (default): it does when none of its cells is a number.
   */
  header?: boolean | 'auto';
  /** The column holding the target/label: a header name or an index (negative counts from the end, -1 = last). */
  labelColumn?: string | number;
  /**
   * Cell separator: one character, or `'auto'` (default): the one of `,` `;` `\t` that occurs most in the
   * first row read (`,` when none does). The choice is reported as `delimiter` in the result.
   */
  delimiter?: string;
  /** Lines to skip before the header (or the first data row), e.g. 1 for a metadata line. Default 0. */
  skipRows?: number;
  /** Keep only these feature columns (header names or indices), in this order; the label column is apart. */
  columns?: readonly (string | number)[];
  /**
   * Longest record accepted (a line, or a quoted multi-line record), in UTF-16 code units (= bytes for
   * ASCII); a longer one is a CsvFormatError naming its line. Default 16 MiB.
   */
  maxLineBytes?: number;
}

/** A numeric table: features as a float32 matrix, the label column (if asked for) and the column names. */
export interface CsvDataset {
  X: TypedMatrix & { data: Float32Array; shape: [number, number] };
  /** Values of `labelColumn`: numbers when every cell is numeric, strings (class names) otherwise. */
  y?: number[] | string[];
  /** Names of the feature columns (the header's, or `"0"`, `"1"`… without one). */
  columns: string[];
  /** Name of the label column, when one was asked for. */
  labelName?: string;
  /** The cell separator used (detected with `delimiter: 'auto'`). */
  delimiter: string;
  /** Whether the file was gzip-compressed (detected by its magic bytes, not its name). */
  gzip: boolean;
}

interface Row {
  line: number;
  cells: string[];
}

/** Splits CSV text into rows of cells (RFC 4180 quotes, CRLF or LF, blank lines skipped): the streaming parser, fed once. */
function parseRows(text: string, delimiter: string, name: string, maxLineBytes: number): Row[] {
  const parser = new CsvStreamParser(delimiter, name, maxLineBytes);
  return [...parser.push(text), ...parser.end()];
}

/** UTF-8 bytes as text; invalid UTF-8 is a CsvFormatError naming the line (not silent U+FFFD). */
function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    const at = firstInvalidUtf8(bytes);
    const upto = at < 0 ? bytes.length : at;
    let line = 1;
    for (let i = 0; i < upto; i++) if (bytes[i] === 10) line++;
    throw new CsvFormatError(
      `${name}, line ${line}: invalid UTF-8 (byte 0x${(bytes[upto] ?? 0).toString(16).padStart(2, '0')}); save the file as UTF-8.`,
      { cause: e },
    );
  }
}

function asNumber(cell: string): number | undefined {
  const s = cell.trim();
  if (s === '') return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** A CSV file parsed into rows, with its layout resolved (shared by {@link loadCsv} and {@link loadCsvTable}). */
interface ParsedCsv {
  name: string;
  names: string[];
  body: Row[];
  width: number;
  hasHeader: boolean;
  labelIndex: number | undefined;
  featureIdx: number[];
  delimiter: string;
  gzip: boolean;
  skipRows: number;
}

async function parseCsv(pathOrText: string, options: LoadCsvOptions, fn: string): Promise<ParsedCsv> {
  if (typeof pathOrText !== 'string') {
    throw new ValidationError(`${fn}() takes a path or CSV text, got ${typeof pathOrText}.`);
  }
  let delimiter = options.delimiter ?? 'auto';
  const skipRows = options.skipRows ?? 0;
  if (!Number.isSafeInteger(skipRows) || skipRows < 0) {
    throw new ValidationError(`${fn}(): skipRows must be a non-negative integer, got ${String(skipRows)}.`);
  }
  if (
    delimiter !== 'auto' &&
    (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || /[\r\n]/.test(delimiter))
  ) {
    throw new ValidationError(
      `${fn}(): delimiter must be 'auto' or one character other than a quote or line break.`,
    );
  }
  const header = options.header ?? 'auto';
  if (header !== true && header !== false && header !== 'auto') {
    throw new ValidationError(
      `${fn}(): header must be true, false or 'auto', got ${JSON.stringify(header)}.`,
    );
  }
  let text: string;
  let name: string;
  let gzip = false;
  if (/[\r\n]/.test(pathOrText)) {
    text = pathOrText;
    name = 'CSV text';
  } else {
    try {
      const { readFile } = nodeBuiltin<typeof import('node:fs/promises')>(
        'node:fs/promises',
        'loadCsv(path)',
        'In a browser, pass the CSV text itself.',
      );
      let bytes: Uint8Array = await readFile(pathOrText);
      name = pathOrText;
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
        // gzip's magic bytes, whatever the file is called.
        const { gunzipSync } = nodeBuiltin<typeof import('node:zlib')>(
          'node:zlib',
          'loadCsv(path) of a .gz file',
        );
        try {
          bytes = gunzipSync(bytes);
        } catch (e) {
          throw new CsvFormatError(
            `${name} starts like a gzip file but cannot be decompressed (${(e as Error).message}).`,
            { cause: e },
          );
        }
        gzip = true;
      }
      text = decodeUtf8(bytes, gzip ? `${name} (gzip)` : name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof CsvFormatError) throw err;
      if (code === 'ENOENT' && /[,;\t]/.test(pathOrText)) {
        text = pathOrText;
        name = 'CSV text';
      } else if (code === 'ENOENT') {
        throw new DatasetNotFoundError(`CSV file not found: ${pathOrText}.`, { cause: err });
      } else {
        throw new CsvFormatError(`Cannot read CSV file ${pathOrText}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!(Number.isSafeInteger(maxLineBytes) && maxLineBytes > 0)) {
    throw new ValidationError(
      `${fn}(): maxLineBytes must be a positive integer, got ${String(maxLineBytes)}.`,
    );
  }
  if (skipRows > 0) {
    // Skip whole lines before parsing (a metadata line may hold quotes or another number of cells).
    let at = 0;
    for (let k = 0; k < skipRows && at >= 0; k++) {
      const nl = text.indexOf('\n', at);
      at = nl < 0 ? -1 : nl + 1;
    }
    text = at < 0 ? '' : text.slice(at);
  }
  if (delimiter === 'auto') {
    const firstLine = text.slice(0, text.search(/\r?\n|$/));
    const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1] as const);
    const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
    delimiter = best[1] > 0 ? best[0] : ',';
  }
  const rows = parseRows(text, delimiter, name, maxLineBytes).map((r) => ({ ...r, line: r.line + skipRows }));
  if (rows.length === 0) throw new CsvFormatError(`${name} is empty: no rows to load.`);
  const first = rows[0]!;
  const hasHeader = header === 'auto' ? first.cells.every((c) => asNumber(c) === undefined) : header;
  const width = first.cells.length;
  const names = hasHeader ? first.cells.map((c) => c.trim()) : first.cells.map((_, i) => String(i));
  const body = hasHeader ? rows.slice(1) : rows;
  if (body.length === 0) throw new CsvFormatError(`${name} has a header but no data rows.`);

  let labelIndex: number | undefined;
  const { labelColumn } = options;
  if (labelColumn !== undefined) {
    if (typeof labelColumn === 'number') {
      if (!Number.isInteger(labelColumn) || labelColumn >= width || labelColumn < -width) {
        throw new ValidationError(
          `${fn}(): labelColumn ${labelColumn} is out of range: ${name} has ${width} columns (use 0…${width - 1}, or -1 for the last).`,
        );
      }
      labelIndex = labelColumn < 0 ? width + labelColumn : labelColumn;
    } else if (typeof labelColumn === 'string') {
      labelIndex = names.indexOf(labelColumn);
      if (labelIndex < 0) {
        throw new ValidationError(
          `${fn}(): labelColumn ${JSON.stringify(labelColumn)} is not a column of ${name}${hasHeader ? ` (columns: ${names.map((n) => JSON.stringify(n)).join(', ')})` : ' (it has no header row: pass the column index instead)'}.`,
        );
      }
    } else {
      throw new ValidationError(
        `${fn}(): labelColumn must be a column name or index, got ${typeof labelColumn}.`,
      );
    }
  }

  // The feature columns: `columns` (names or indices, in that order), else every column but the label.
  let featureIdx: number[];
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || options.columns.length === 0) {
      throw new ValidationError(`${fn}(): columns must be a non-empty array of column names or indices.`);
    }
    featureIdx = options.columns.map((col) => {
      const i =
        typeof col === 'number' && Number.isInteger(col)
          ? col < 0
            ? width + col
            : col
          : names.indexOf(String(col));
      if (i < 0 || i >= width) {
        throw new ValidationError(
          `${fn}(): columns: ${JSON.stringify(col)} is not a column of ${name} (columns: ${names
            .slice(0, 8)
            .map((n) => JSON.stringify(n))
            .join(', ')}${width > 8 ? ', …' : ''}).`,
        );
      }
      if (i === labelIndex)
        throw new ValidationError(`${fn}(): columns lists the label column ${JSON.stringify(names[i])}.`);
      return i;
    });
  } else featureIdx = names.map((_, c) => c).filter((c) => c !== labelIndex);
  return { name, names, body, width, hasHeader, labelIndex, featureIdx, delimiter, gzip, skipRows };
}

/**
 * Loads a numeric CSV table from a path or from CSV text (a string containing a line break, or a path that
 * does not exist but contains the delimiter, is taken as text). Every feature cell must be a finite number:
 * otherwise a CsvFormatError names the line, the column and the cell.
 */
export async function loadCsv(pathOrText: string, options: LoadCsvOptions = {}): Promise<CsvDataset> {
  const { name, names, body, width, hasHeader, labelIndex, featureIdx, delimiter, gzip, skipRows } =
    await parseCsv(pathOrText, options, 'loadCsv');
  const cols = featureIdx.length;
  if (cols === 0) throw new CsvFormatError(`${name} has no feature columns besides the label column.`);
  const data = new Float32Array(body.length * cols);
  const labelCells: string[] = [];
  for (let r = 0; r < body.length; r++) {
    const { line, cells } = body[r]!;
    if (cells.length !== width) {
      throw new CsvFormatError(
        `${name}, line ${line}: ${cells.length} cells but the ${hasHeader ? 'header' : 'first row'} has ${width}; every row needs the same number of columns.`,
      );
    }
    let k = r * cols;
    if (labelIndex !== undefined) labelCells.push(cells[labelIndex]!.trim());
    for (const c of featureIdx) {
      const cell = cells[c]!;
      const v = asNumber(cell);
      if (v === undefined) {
        // A first row that mixes numbers and words reads as data under header: 'auto'; say what it may be.
        const firstRowHint =
          r === 0 && !hasHeader && cells.some((x) => asNumber(x) !== undefined)
            ? ` Line ${line} mixes numbers and text: if it is a header or a metadata line, pass { header: true } or { skipRows: ${skipRows + 1} }.`
            : '';
        throw new CsvFormatError(
          `${name}, line ${line}, column ${c + 1} (${JSON.stringify(names[c])}): ${cell.trim() === '' ? 'the cell is empty' : `${JSON.stringify(cell.trim())} is not a finite number`}; every feature cell must be numeric (impute or drop missing values first).${firstRowHint}`,
        );
      }
      data[k++] = v;
    }
  }
  const columns = featureIdx.map((c) => names[c]!);
  const result: CsvDataset = { X: { data, shape: [body.length, cols] }, columns, delimiter, gzip };
  if (labelIndex !== undefined) {
    const numeric = labelCells.map(asNumber);
    result.y = numeric.every((v) => v !== undefined) ? (numeric as number[]) : labelCells;
    result.labelName = names[labelIndex]!;
    const emptyAt = labelCells.indexOf('');
    if (emptyAt >= 0) {
      throw new CsvFormatError(
        `${name}, line ${body[emptyAt]!.line}, column ${labelIndex + 1} (${JSON.stringify(names[labelIndex])}): the label cell is empty.`,
      );
    }
  }
  return result;
}

/** A CSV file as a table of named columns: numeric columns as Float64Array, the others as text. */
export interface CsvTable {
  /**
   * The feature columns as a columns object (a table every layerwise estimator, `ColumnTransformer` and
   * encoder accepts): a column whose every cell is a finite number is a `Float64Array`, any other a `string[]`.
   */
  table: Record<string, Float64Array | string[]>;
  /** The kind of each feature column: `'number'` or `'string'`. */
  dtypes: Record<string, 'number' | 'string'>;
  /** Values of `labelColumn`: numbers when every cell is numeric, strings (class names) otherwise. */
  y?: number[] | string[];
  /** Names of the feature columns, in order. */
  columns: string[];
  /** Name of the label column, when one was asked for. */
  labelName?: string;
  /** The cell separator used (detected with `delimiter: 'auto'`). */
  delimiter: string;
  /** Whether the file was gzip-compressed (detected by its magic bytes). */
  gzip: boolean;
  /** Rows read. */
  rows: number;
}

/**
 * Loads a CSV file with mixed columns (numbers and text) as a table of named columns — what pandas'
 * `read_csv` gives scikit-learn: numeric columns (every cell a finite number) as float64, others as
 * strings (cells trimmed), ready for a `ColumnTransformer`. Same options as {@link loadCsv} (`delimiter`
 * auto-detected, `skipRows`, `columns`, `labelColumn`, gzip by magic bytes). An empty cell in a numeric
 * column is a CsvFormatError naming the line (impute or drop missing values first); a text column keeps
 * empty cells as `''`.
 *
 * ```ts
 * const { table, y } = await loadCsvTable('weather.csv', { labelColumn: 'weather' });
 * // table.location: ['Seattle', …], table.temp_max: Float64Array [12.8, …]
 * ```
 */
export async function loadCsvTable(pathOrText: string, options: LoadCsvOptions = {}): Promise<CsvTable> {
  const { name, names, body, width, hasHeader, labelIndex, featureIdx, delimiter, gzip } = await parseCsv(
    pathOrText,
    options,
    'loadCsvTable',
  );
  if (featureIdx.length === 0)
    throw new CsvFormatError(`${name} has no feature columns besides the label column.`);
  for (const { line, cells } of body) {
    if (cells.length !== width) {
      throw new CsvFormatError(
        `${name}, line ${line}: ${cells.length} cells but the ${hasHeader ? 'header' : 'first row'} has ${width}; every row needs the same number of columns.`,
      );
    }
  }
  const table: Record<string, Float64Array | string[]> = {};
  const dtypes: Record<string, 'number' | 'string'> = {};
  for (const c of featureIdx) {
    const col = names[c]!;
    const text = body.map((r) => r.cells[c]!.trim());
    const nums = text.map(asNumber);
    // A column is numeric when its filled cells are all numbers; then an empty cell is a missing value.
    const filled = text.filter((t) => t !== '').length;
    const numeric = filled > 0 && nums.filter((v) => v !== undefined).length === filled;
    if (numeric) {
      const empty = nums.indexOf(undefined);
      if (empty >= 0) {
        throw new CsvFormatError(
          `${name}, line ${body[empty]!.line}, column ${c + 1} (${JSON.stringify(col)}): the cell is empty in a numeric column; impute or drop missing values first.`,
        );
      }
      table[col] = Float64Array.from(nums as number[]);
      dtypes[col] = 'number';
    } else {
      table[col] = text;
      dtypes[col] = 'string';
    }
  }
  const result: CsvTable = {
    table,
    dtypes,
    columns: featureIdx.map((c) => names[c]!),
    delimiter,
    gzip,
    rows: body.length,
  };
  if (labelIndex !== undefined) {
    const cells = body.map((r) => r.cells[labelIndex]!.trim());
    const emptyAt = cells.indexOf('');
    if (emptyAt >= 0) {
      throw new CsvFormatError(
        `${name}, line ${body[emptyAt]!.line}, column ${labelIndex + 1} (${JSON.stringify(names[labelIndex])}): the label cell is empty.`,
      );
    }
    const numeric = cells.map(asNumber);
    result.y = numeric.every((v) => v !== undefined) ? (numeric as number[]) : cells;
    result.labelName = names[labelIndex]!;
  }
  return result;
}
