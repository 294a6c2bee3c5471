import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readTable, type TypedMatrix, tableToMatrix, ValidationError } from '@layerwise/core';
import { CsvFormatError, DatasetNotFoundError, loadCsv, loadIdxImages } from '@layerwise/datasets';
import { CliUsageError } from './CliUsageError.js';

/** A table the CLI works on: features, optional labels, and where they came from. */
export interface CliData {
  X: TypedMatrix & { data: Float32Array; shape: [number, number] };
  y?: number[] | string[];
  /** Feature column names (CSV header or Arrow/Parquet schema, or `pixel0…` for IDX images). */
  columns: string[];
  /** Name of the label column that was split off, if any. */
  labelName?: string;
  /** `'csv'`, `'idx'`, `'arrow'` (an Arrow IPC file or stream) or `'parquet'`. */
  format: 'csv' | 'idx' | 'arrow' | 'parquet';
  /** The file(s) read, for messages and summary.json. */
  source: string;
}

/** Options of {@link loadData}. */
export interface LoadDataOptions {
  /** The label column asked for with `--label-column` (a name, or an index like `-1`). */
  labelColumn?: string;
  /** When no `labelColumn` was given, split off this column if the CSV has it (e.g. the training label). */
  defaultLabel?: string;
  /** IDX folders: `'train'` prefers `train-*` files, `'test'` prefers `t10k-*` files. */
  prefer: 'train' | 'test';
  /** Keep only the first `limit` rows. */
  limit?: number;
}

function head(data: CliData, limit: number | undefined): CliData {
  const [n, d] = data.X.shape;
  if (limit === undefined || limit >= n) return data;
  return {
    ...data,
    X: { data: data.X.data.slice(0, limit * d), shape: [limit, d] },
    ...(data.y ? { y: data.y.slice(0, limit) as number[] | string[] } : {}),
  };
}

const IMAGES = /^(.*?)-?images[-.]idx3-ubyte(\.gz)?$/;

async function loadIdxDir(dir: string, prefer: 'train' | 'test', limit?: number): Promise<CliData> {
  const files = await readdir(dir);
  const images = files.filter((f) => IMAGES.test(f)).sort();
  if (images.length === 0) {
    throw new DatasetNotFoundError(
      `${dir} is a folder without IDX images (*-images-idx3-ubyte[.gz]): pass a CSV file or a folder of MNIST-style IDX files.`,
    );
  }
  const wanted = prefer === 'train' ? /^train/ : /^t10k|^test/;
  const file = images.find((f) => wanted.test(f)) ?? images[0]!;
  const labelsFile = file.replace('images-idx3', 'labels-idx1');
  if (!files.includes(labelsFile)) {
    throw new DatasetNotFoundError(`${join(dir, file)} has no label file beside it (${labelsFile}).`);
  }
  const { X, y } = await loadIdxImages(join(dir, file), join(dir, labelsFile), limit);
  return {
    X,
    y: Array.from(y),
    columns: Array.from({ length: X.shape[1] }, (_, i) => `pixel${i}`),
    labelName: 'label',
    format: 'idx',
    source: join(dir, file),
  };
}

async function headerCells(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1 << 16), 0, 1 << 16, 0);
    let head: Buffer = buffer.subarray(0, bytesRead);
    // A gzip file (by its magic bytes, as loadCsv reads it): its first line, decompressed.
    if (head[0] === 0x1f && head[1] === 0x8b) head = gunzipSync(await readFile(path)).subarray(0, 1 << 16);
    const first = head.toString('utf8').split(/\r?\n/, 1)[0] ?? '';
    // The separator loadCsv's delimiter: 'auto' picks: the most frequent of , ; and tab.
    const delimiter = [',', ';', '\t'].reduce((a, d) =>
      first.split(d).length > first.split(a).length ? d : a,
    );
    return first.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await handle.close();
  }
}

function labelArg(s: string): string | number {
  return /^-?\d+$/.test(s) ? Number(s) : s;
}

/** What the first bytes say a file is: an Arrow IPC file (`ARROW1`), an Arrow IPC stream, Parquet (`PAR1`), or else CSV. */
async function sniff(path: string): Promise<'arrow' | 'parquet' | 'csv'> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.subarray(0, 6).toString('latin1') === 'ARROW1') return 'arrow';
    if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
    // An IPC stream starts with a continuation marker (0xFFFFFFFF) and a message length.
    if (bytesRead === 8 && head.readUInt32LE(0) === 0xffffffff && head.readInt32LE(4) > 0) return 'arrow';
    return 'csv';
  } finally {
    await handle.close();
  }
}

/**
 * An Arrow IPC file/stream or a Parquet file (read with parquet-wasm into Arrow) as CliData: every column
 * but the label must be numeric (a text column is a usage error naming it).
 */
async function loadArrowFile(
  path: string,
  format: 'arrow' | 'parquet',
  options: LoadDataOptions,
): Promise<CliData> {
  const arrow = await import('apache-arrow');
  const bytes = await readFile(path);
  let table: import('apache-arrow').Table;
  try {
    if (format === 'parquet') {
      const pq = await import('parquet-wasm');
      table = arrow.tableFromIPC(pq.readParquet(bytes).intoIPCStream());
    } else table = arrow.tableFromIPC(bytes);
  } catch (e) {
    throw new CsvFormatError(
      `${path} looks like ${format === 'parquet' ? 'a Parquet' : 'an Arrow IPC'} file but cannot be read (${(e as Error).message}).`,
      { cause: e },
    );
  }
  const t = readTable(table)!;
  const names = t.names;
  let label: string | undefined;
  const asked = options.labelColumn;
  if (asked !== undefined) {
    const arg = labelArg(asked);
    if (typeof arg === 'number') {
      if (arg >= names.length || arg < -names.length) {
        throw new CliUsageError(
          `--label-column ${arg} is out of range: ${path} has ${names.length} columns (use 0…${names.length - 1}, -1 for the last, or a column name).`,
        );
      }
      label = names[arg < 0 ? names.length + arg : arg];
    } else if (!names.includes(arg)) {
      throw new CliUsageError(
        `--label-column ${JSON.stringify(arg)} is not a column of ${path} (its ${names.length} columns: ${names
          .slice(0, 6)
          .map((c) => JSON.stringify(c))
          .join(', ')}${names.length > 6 ? ', …' : ''}).`,
      );
    } else label = arg;
  } else if (options.defaultLabel !== undefined && names.includes(options.defaultLabel)) {
    label = options.defaultLabel;
  }
  const columns = names.filter((n) => n !== label);
  if (columns.length === 0)
    throw new CliUsageError(`${path} has no feature columns besides the label column.`);
  let m: { data: Float64Array; shape: [number, number] };
  try {
    const sub = Object.fromEntries(columns.map((c) => [c, t.column(c)]));
    m = tableToMatrix(sub, { name: path })!;
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new CliUsageError(
        e.message.replace('(columns object)', `(${format === 'arrow' ? 'Arrow IPC' : 'Parquet'})`),
        {
          cause: e,
        },
      );
    }
    throw e;
  }
  let y: number[] | string[] | undefined;
  if (label !== undefined) {
    const values = Array.from(t.column(label), (v) => (typeof v === 'bigint' ? Number(v) : v));
    const missing = t.firstMissing(label);
    if (missing >= 0)
      throw new CliUsageError(
        `${path}: the label column ${JSON.stringify(label)} is missing a value at row ${missing}.`,
      );
    if (values.every((v) => typeof v === 'number')) y = values as number[];
    else y = values.map(String);
  }
  return head(
    {
      X: { data: Float32Array.from(m.data), shape: m.shape },
      ...(y ? { y } : {}),
      columns,
      ...(label !== undefined ? { labelName: label } : {}),
      format,
      source: path,
    },
    options.limit,
  );
}

/**
 * Reads a numeric CSV (header optional), an Arrow IPC file or stream, a Parquet file (by their magic bytes,
 * whatever the name), or a folder of IDX image files, splitting off the label column when asked (or when
 * `defaultLabel` names a column the file has).
 */
export async function loadData(path: string, options: LoadDataOptions): Promise<CliData> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new DatasetNotFoundError(`data file not found: ${path}`);
  if (s.isDirectory()) return loadIdxDir(path, options.prefer, options.limit);
  const kind = await sniff(path);
  if (kind !== 'csv') return loadArrowFile(path, kind, options);
  let labelColumn: string | number | undefined =
    options.labelColumn === undefined ? undefined : labelArg(options.labelColumn);
  if (labelColumn === undefined && options.defaultLabel !== undefined) {
    // Peek at the first line only: is the default label one of its header's cells?
    if ((await headerCells(path)).includes(options.defaultLabel)) labelColumn = options.defaultLabel;
  }
  if (typeof labelColumn === 'number') {
    const width = (await headerCells(path)).length;
    if (labelColumn >= width || labelColumn < -width) {
      throw new CliUsageError(
        `--label-column ${labelColumn} is out of range: ${path} has ${width} columns (use 0…${width - 1}, -1 for the last, or a header name).`,
      );
    }
  }
  if (typeof labelColumn === 'string') {
    const header = await headerCells(path);
    const looksLikeHeader = header.every((c) => c.trim() === '' || !Number.isFinite(Number(c)));
    if (looksLikeHeader && !header.includes(labelColumn)) {
      const shown = header
        .slice(0, 6)
        .map((c) => JSON.stringify(c))
        .join(', ');
      throw new CliUsageError(
        `--label-column ${JSON.stringify(labelColumn)} is not a column of ${path} (its ${header.length} columns: ${shown}${header.length > 6 ? ', …' : ''}).`,
      );
    }
    if (!looksLikeHeader && options.labelColumn !== undefined) {
      throw new CliUsageError(
        `--label-column ${JSON.stringify(labelColumn)}: ${path} has no header row to name columns by; pass the column's index instead (0…${header.length - 1}, -1 for the last).`,
      );
    }
  }
  const t = await loadCsv(path, labelColumn === undefined ? {} : { labelColumn });
  return head(
    {
      X: t.X,
      ...(t.y ? { y: t.y } : {}),
      columns: t.columns,
      ...(t.labelName !== undefined ? { labelName: t.labelName } : {}),
      format: 'csv',
      source: path,
    },
    options.limit,
  );
}

/** Labels are required: a usage error naming the columns when the data has none. */
export function requireLabels(data: CliData, what: string): number[] | string[] {
  if (!data.y) {
    throw new CliUsageError(
      `${what} needs labels: name the label column of ${data.source} with --label-column (columns: ${data.columns.slice(0, 8).join(', ')}${data.columns.length > 8 ? ', …' : ''}).`,
    );
  }
  return data.y;
}
