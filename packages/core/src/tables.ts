import { ValidationError } from './errors.js';
import { nodeBuiltin } from './nodeFs.js';

/**
 * Tables as JavaScript holds them, recognised by shape (duck typing; no dependency on any of these
 * libraries): an Apache Arrow `Table`, a nodejs-polars `DataFrame`, an Arquero table, a Danfo.js `DataFrame`,
 * an array of row objects `[{ a: 1, b: 2 }, …]`, and a columns object `{ a: number[] | TypedArray, … }`.
 */
export type TableLike =
  | ArrowTableLike
  | PolarsDataFrameLike
  | ArqueroTableLike
  | DanfoDataFrameLike
  | readonly RowObject[]
  | ColumnsObject;

/** An Apache Arrow `Table` (apache-arrow): `schema.fields`, `getChild(name)`, `numRows`. */
export interface ArrowTableLike {
  readonly schema: { readonly fields: readonly { readonly name: string }[] };
  readonly numRows: number;
  getChild(name: string): unknown;
}

/** A nodejs-polars `DataFrame`: `columns`, `getColumn(name)`, `height`. */
export interface PolarsDataFrameLike {
  readonly columns: readonly string[];
  readonly height: number;
  getColumn(name: string): unknown;
}

/** An Arquero table: `columnNames()`, `array(name)`, `numRows()`. */
export interface ArqueroTableLike {
  columnNames(): string[];
  array(name: string): unknown;
  numRows(): number;
}

/** A Danfo.js `DataFrame`: `columns`, `column(name).values`. */
export interface DanfoDataFrameLike {
  readonly columns: readonly string[];
  column(name: string): unknown;
}

/** One row of an array of row objects. */
export type RowObject = Readonly<Record<string, unknown>>;

/** Named columns of equal length. */
export type ColumnsObject = Readonly<Record<string, ArrayLike<unknown>>>;

/** A table read column by column: its names, its row count, and each column's values. */
export interface TableColumns {
  /** What it was recognised as, for messages: `'Arrow Table'`, `'polars DataFrame'`, … */
  readonly source: string;
  readonly names: string[];
  readonly rows: number;
  /** The values of column `name` (numbers, strings, null…) as the library hands them out. */
  column(name: string): ArrayLike<unknown>;
  /** Index of the first missing value (null, undefined) in column `name`, or -1. */
  firstMissing(name: string): number;
}

const fn = (x: unknown, key: string): boolean =>
  typeof (x as Record<string, unknown> | null)?.[key] === 'function';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isArrayLikeColumn(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function scanMissing(values: ArrayLike<unknown>): number {
  for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) return i;
  return -1;
}

function fromColumns(
  source: string,
  names: string[],
  rows: number,
  get: (name: string) => ArrayLike<unknown>,
  missing?: (name: string, values: ArrayLike<unknown>) => number,
): TableColumns {
  const cache = new Map<string, ArrayLike<unknown>>();
  const column = (name: string): ArrayLike<unknown> => {
    let v = cache.get(name);
    if (!v) {
      v = get(name);
      cache.set(name, v);
    }
    return v;
  };
  return {
    source,
    names,
    rows,
    column,
    firstMissing: (name) => (missing ? missing(name, column(name)) : scanMissing(column(name))),
  };
}

/** An Arrow vector's values: typed arrays for numbers (BigInt64Array for 64-bit integers), arrays otherwise. */
function arrowValues(v: unknown): ArrayLike<unknown> {
  const vec = v as { toArray(): ArrayLike<unknown> };
  return vec.toArray();
}

function arrowMissing(v: unknown): number {
  const vec = v as { nullCount?: number; isValid?(i: number): boolean; length: number };
  if (!vec.nullCount) return -1;
  for (let i = 0; i < vec.length; i++) if (!vec.isValid!(i)) return i;
  return -1;
}

/**
 * Whether `x` is a table ({@link TableLike}), recognised by shape only (nothing is read). A `number[][]`, a
 * tensor or `{ data, shape }` is not.
 */
export function isTableLike(x: unknown): boolean {
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return false;
  const schema = (x as { schema?: { fields?: unknown } }).schema;
  if (fn(x, 'getChild') && schema && Array.isArray(schema.fields)) return true;
  const columns = (x as { columns?: unknown }).columns;
  if ((fn(x, 'getColumn') || fn(x, 'column')) && Array.isArray(columns)) return true;
  if (fn(x, 'columnNames') && fn(x, 'array') && fn(x, 'numRows')) return true;
  if (Array.isArray(x)) return x.length > 0 && isPlainObject(x[0]);
  if (isPlainObject(x) && !('shape' in x)) {
    const values = Object.values(x);
    return values.length > 0 && values.every(isArrayLikeColumn);
  }
  return false;
}

/**
 * Reads `x` as a table when it is one of the kinds of {@link TableLike}, else returns `undefined` (a
 * `number[][]`, a tensor or `{ data, shape }` is not a table).
 */
export function readTable(x: unknown): TableColumns | undefined {
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return undefined;
  // Apache Arrow Table
  const schema = (x as { schema?: { fields?: unknown } }).schema;
  if (fn(x, 'getChild') && schema && Array.isArray(schema.fields)) {
    const t = x as ArrowTableLike;
    const names = t.schema.fields.map((f) => String(f.name));
    return fromColumns(
      'Arrow Table',
      names,
      Number(t.numRows),
      (n) => arrowValues(t.getChild(n)),
      (n) => arrowMissing(t.getChild(n)),
    );
  }
  // nodejs-polars DataFrame
  if (fn(x, 'getColumn') && Array.isArray((x as { columns?: unknown }).columns)) {
    const t = x as PolarsDataFrameLike;
    const names = [...t.columns].map(String);
    const rows = typeof t.height === 'number' ? t.height : 0;
    return fromColumns('polars DataFrame', names, rows, (n) => {
      const s = t.getColumn(n) as { toArray(): ArrayLike<unknown> };
      return s.toArray();
    });
  }
  // Arquero table
  if (fn(x, 'columnNames') && fn(x, 'array') && fn(x, 'numRows')) {
    const t = x as ArqueroTableLike;
    return fromColumns(
      'Arquero table',
      t.columnNames().map(String),
      t.numRows(),
      (n) => t.array(n) as ArrayLike<unknown>,
    );
  }
  // Danfo.js DataFrame
  if (fn(x, 'column') && Array.isArray((x as { columns?: unknown }).columns)) {
    const t = x as DanfoDataFrameLike & { shape?: number[] };
    const names = [...t.columns].map(String);
    const first = names.length ? ((t.column(names[0]!) as { values?: unknown[] }).values ?? []) : [];
    const rows = Array.isArray(t.shape) ? Number(t.shape[0]) : first.length;
    return fromColumns('Danfo DataFrame', names, rows, (n) => {
      const s = t.column(n) as { values: ArrayLike<unknown> };
      return s.values;
    });
  }
  // Array of row objects
  if (Array.isArray(x)) {
    if (x.length === 0 || !isPlainObject(x[0])) return undefined;
    const rowsArr = x as RowObject[];
    const names = Object.keys(rowsArr[0]!);
    rowsArr.forEach((row, r) => {
      if (!isPlainObject(row)) {
        throw new ValidationError(
          `row ${r} of the array of row objects is not an object like row 0 (keys ${names.map((n) => JSON.stringify(n)).join(', ')}).`,
        );
      }
    });
    return fromColumns('array of row objects', names, rowsArr.length, (n) => {
      const out = new Array<unknown>(rowsArr.length);
      for (let r = 0; r < rowsArr.length; r++) {
        const row = rowsArr[r]!;
        if (!Object.hasOwn(row, n)) {
          throw new ValidationError(
            `row ${r} of the array of row objects has no key ${JSON.stringify(n)} (row 0 has it): every row needs the same keys.`,
          );
        }
        out[r] = row[n];
      }
      return out;
    });
  }
  // Columns object { name: number[] | TypedArray } (not { data, shape })
  if (isPlainObject(x) && !('shape' in x)) {
    const entries = Object.entries(x);
    if (entries.length === 0 || !entries.every(([, v]) => isArrayLikeColumn(v))) return undefined;
    const rows = (entries[0]![1] as ArrayLike<unknown>).length;
    for (const [n, v] of entries) {
      if ((v as ArrayLike<unknown>).length !== rows) {
        throw new ValidationError(
          `column ${JSON.stringify(n)} has ${(v as ArrayLike<unknown>).length} values but column ${JSON.stringify(entries[0]![0])} has ${rows}: every column needs one value per row.`,
        );
      }
    }
    return fromColumns(
      'columns object',
      entries.map(([n]) => n),
      rows,
      (n) => x[n] as ArrayLike<unknown>,
    );
  }
  return undefined;
}

/** The column names of `x` when it is a table ({@link TableLike}), else `undefined`. */
export function featureNamesOf(x: unknown): string[] | undefined {
  return readTable(x)?.names;
}

/** Options of {@link tableToMatrix}. */
export interface TableToMatrixOptions {
  /** Name in messages (`X`, `validationData[0]`…). Default `X`. */
  name?: string;
  /**
   * The column names seen at fit time: the table's columns are taken in this order (reordered by name);
   * a missing or unknown column is a ValidationError naming it.
   */
  featureNames?: readonly string[];
  /** Accept NaN (SimpleImputer's missing-value marker); null/undefined become NaN then. */
  allowNaN?: boolean;
}

/** A table's numeric columns as a row-major float64 matrix, with its column names. */
export interface TableMatrix {
  data: Float64Array;
  shape: [number, number];
  featureNames: string[];
}

function quote(names: readonly string[], max = 8): string {
  return `${names
    .slice(0, max)
    .map((n) => JSON.stringify(n))
    .join(', ')}${names.length > max ? ', …' : ''}`;
}

/**
 * The columns of table `t` to use, in order: `featureNames` when given (checked), else all of them.
 * A missing or unknown column is a ValidationError naming it.
 */
export function selectColumns(
  t: TableColumns,
  featureNames: readonly string[] | undefined,
  name = 'X',
): string[] {
  if (!featureNames) return t.names;
  const have = new Set(t.names);
  const missing = featureNames.filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new ValidationError(
      `${name} (${t.source}) has no column ${JSON.stringify(missing[0])}${missing.length > 1 ? ` (nor ${quote(missing.slice(1))})` : ''}, which the estimator was fitted with (columns: ${quote(featureNames)}).`,
    );
  }
  const known = new Set(featureNames);
  const unknown = t.names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ValidationError(
      `${name} (${t.source}) has column${unknown.length > 1 ? 's' : ''} ${quote(unknown)} that ${unknown.length > 1 ? 'were' : 'was'} not seen at fit time (fitted with: ${quote(featureNames)}): drop ${unknown.length > 1 ? 'them' : 'it'} first.`,
    );
  }
  return [...featureNames];
}

/**
 * A table's columns as a float64 matrix (row-major), taken by name in the order of `featureNames` when
 * given. Numbers, booleans and bigints are read as numbers; a text column, a missing value (null,
 * undefined) or NaN/±Infinity is a ValidationError naming the row and the column. Returns `undefined`
 * when `x` is not a table.
 */
export function tableToMatrix(x: unknown, options: TableToMatrixOptions = {}): TableMatrix | undefined {
  const t = readTable(x);
  if (!t) return undefined;
  const name = options.name ?? 'X';
  const cols = selectColumns(t, options.featureNames, name);
  const rows = t.rows;
  if (rows === 0)
    throw new ValidationError(`${name} (${t.source}) is empty (0 rows): pass at least one sample.`);
  if (cols.length === 0) throw new ValidationError(`${name} (${t.source}) has no columns.`);
  const d = cols.length;
  const data = new Float64Array(rows * d);
  cols.forEach((col, c) => {
    const where = (r: number) => `row ${r}, column ${c} (${JSON.stringify(col)})`;
    const miss = t.firstMissing(col);
    if (miss >= 0 && !options.allowNaN) {
      throw new ValidationError(
        `${name} (${t.source}) contains a missing value (null) at ${where(miss)}: remove or impute missing values first (SimpleImputer).`,
      );
    }
    const values = t.column(col);
    if (values.length !== rows) {
      throw new ValidationError(
        `${name} (${t.source}): column ${JSON.stringify(col)} has ${values.length} values but the table has ${rows} rows.`,
      );
    }
    for (let r = 0; r < rows; r++) {
      const v = values[r];
      let num: number;
      if (typeof v === 'number') num = v;
      else if (typeof v === 'bigint') num = Number(v);
      else if (typeof v === 'boolean') num = v ? 1 : 0;
      else if ((v === null || v === undefined) && options.allowNaN) num = Number.NaN;
      else if (typeof v === 'string') {
        throw new ValidationError(
          `${name} (${t.source}): column ${JSON.stringify(col)} holds text (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)} at row ${r}); only numeric columns are taken as features: encode text columns first (OneHotEncoder or OrdinalEncoder, e.g. in a ColumnTransformer) or drop them.`,
        );
      } else {
        throw new ValidationError(
          `${name} (${t.source}) has ${v === null || v === undefined ? 'a missing value' : `a ${typeof v}`} at ${where(r)}, expected a number.`,
        );
      }
      if (num - num !== 0 && !(Number.isNaN(num) && options.allowNaN)) {
        const what = Number.isNaN(num) ? 'NaN' : num > 0 ? 'Infinity' : '-Infinity';
        throw new ValidationError(
          `${name} contains ${what} at ${where(r)}: remove or impute non-finite values first.`,
        );
      }
      data[r * d + c] = num;
    }
  });
  return { data, shape: [rows, d], featureNames: cols };
}

/**
 * Rows given as typed arrays (`[Float32Array, …]`) or `{ data: number[], shape }` (a plain array of
 * values) as a `{ data, shape }` float64 matrix; `undefined` for anything else.
 */
export function looseMatrix(
  x: unknown,
  name = 'X',
): { data: Float64Array; shape: [number, number] } | undefined {
  if (Array.isArray(x) && x.length > 0 && ArrayBuffer.isView(x[0]) && !(x[0] instanceof DataView)) {
    const rows = x.length;
    const cols = (x[0] as unknown as ArrayLike<number>).length;
    const data = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = x[r] as ArrayLike<number> | undefined;
      if (!ArrayBuffer.isView(row) || (row as unknown) instanceof DataView) {
        throw new ValidationError(`${name} row ${r} is not a typed array like row 0.`);
      }
      if (row.length !== cols) {
        throw new ValidationError(
          `${name} is ragged: row ${r} has ${row.length} values but row 0 has ${cols}; every row needs the same number of features.`,
        );
      }
      for (let c = 0; c < cols; c++) data[r * cols + c] = Number(row[c]);
    }
    return { data, shape: [rows, cols] };
  }
  if (isPlainObject(x) && Array.isArray(x.data) && Array.isArray(x.shape)) {
    const values = x.data as unknown[];
    const data = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number') {
        throw new ValidationError(
          `${name}.data[${i}] is ${v === null ? 'null' : typeof v}, expected a number.`,
        );
      }
      data[i] = v;
    }
    return { data, shape: x.shape as [number, number] };
  }
  return undefined;
}

/** What {@link toArrowTable} and {@link toArrowVector} need of apache-arrow. */
export interface ArrowModuleLike {
  tableFromArrays(columns: Record<string, Float64Array>): unknown;
  /** apache-arrow's `vectorFromArray` (for {@link toArrowVector}). */
  vectorFromArray?(values: unknown): unknown;
}

/**
 * `setOutput` of transformers and pipelines (scikit-learn's `set_output`); a key left out keeps its setting.
 */
export interface OutputConfig {
  /** `'default'`: outputs in the kind of the input; `'arrow'`: an Apache Arrow Table with named columns. */
  transform?: 'default' | 'arrow';
  /**
   * Pipelines: `'arrow'` makes `predict` return an Apache Arrow Vector (Float64 for numbers, Utf8 for class
   * names) and `predictProba` a Table with one column per class; `'default'` returns what the last step does.
   */
  predict?: 'default' | 'arrow';
  /**
   * The apache-arrow module (`await import('apache-arrow')`). Optional in Node, where it is looked up from the
   * working directory; needed in a browser bundle.
   */
  arrow?: ArrowModuleLike;
}

/** Checks a `setOutput` argument; returns it. */
export function checkOutputConfig(config: unknown, where: string): OutputConfig {
  const c = config as OutputConfig;
  const ok = (v: unknown) => v === undefined || v === 'default' || v === 'arrow';
  if (typeof c !== 'object' || c === null || !ok(c.transform) || !ok(c.predict)) {
    throw new ValidationError(
      `${where}: expected { transform?: 'default' | 'arrow', predict?: 'default' | 'arrow' }, got ${JSON.stringify(config)}.`,
    );
  }
  const unknown = Object.keys(c).filter((k) => !['transform', 'predict', 'arrow'].includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(`${where}: unknown key "${unknown[0]}" (keys: transform, predict, arrow).`);
  }
  if (c.arrow !== undefined && typeof c.arrow?.tableFromArrays !== 'function') {
    throw new ValidationError(`${where}: arrow must be the apache-arrow module (it has tableFromArrays).`);
  }
  return { ...c };
}

/** `current` updated with the keys `config` sets (a `setOutput` call leaves the others as they were). */
export function mergeOutputConfig(current: OutputConfig, config: OutputConfig): OutputConfig {
  const out: OutputConfig = { ...current };
  if (config.transform !== undefined) out.transform = config.transform;
  if (config.predict !== undefined) out.predict = config.predict;
  if (config.arrow !== undefined) out.arrow = config.arrow;
  return out;
}

function findArrow(): ArrowModuleLike {
  const hint =
    "setOutput({ transform: 'arrow' }) and { predict: 'arrow' } need apache-arrow: npm install apache-arrow, or pass it: setOutput({ transform: 'arrow', arrow: await import('apache-arrow') }).";
  try {
    const { createRequire } = nodeBuiltin<typeof import('node:module')>(
      'node:module',
      'an Arrow output',
      hint,
    );
    const proc = (globalThis as { process?: { cwd(): string } }).process;
    const req = createRequire(`${proc ? proc.cwd() : '.'}/package.json`);
    return req('apache-arrow') as ArrowModuleLike;
  } catch (e) {
    throw new ValidationError(hint, { cause: e });
  }
}

/** A `{ data, shape }` matrix as an Apache Arrow Table with one Float64 column per name. */
export function toArrowTable(
  m: { data: ArrayLike<number>; shape: readonly [number, number] | readonly number[] },
  names: readonly string[],
  arrow?: ArrowModuleLike,
): unknown {
  const [rows, cols] = m.shape as [number, number];
  if (names.length !== cols) {
    throw new ValidationError(`toArrowTable: ${names.length} names for ${cols} columns.`);
  }
  const columns: Record<string, Float64Array> = {};
  names.forEach((n, j) => {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; r++) col[r] = m.data[r * cols + j]!;
    columns[n] = col;
  });
  return (arrow ?? findArrow()).tableFromArrays(columns);
}

/**
 * Predictions as an Apache Arrow Vector: numbers (an array or typed array) as Float64, strings as Utf8
 * (apache-arrow's `vectorFromArray`). `arrow` is the apache-arrow module (found from the working directory
 * in Node when omitted).
 */
export function toArrowVector(values: ArrayLike<unknown>, arrow?: ArrowModuleLike): unknown {
  const mod = arrow ?? findArrow();
  if (typeof mod.vectorFromArray !== 'function') {
    throw new ValidationError('toArrowVector: the apache-arrow module given has no vectorFromArray.');
  }
  const list = Array.from(values as ArrayLike<unknown>);
  if (list.every((v) => typeof v === 'number'))
    return mod.vectorFromArray(Float64Array.from(list as number[]));
  if (list.every((v) => typeof v === 'string')) {
    // Plain Utf8 (vectorFromArray alone would dictionary-encode strings).
    const a = mod as unknown as { Utf8: new () => unknown; vectorFromArray(v: unknown, t: unknown): unknown };
    return typeof a.Utf8 === 'function' ? a.vectorFromArray(list, new a.Utf8()) : mod.vectorFromArray(list);
  }
  return mod.vectorFromArray(list);
}
