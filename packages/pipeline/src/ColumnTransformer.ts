import {
  checkOutputConfig,
  clone as cloneEstimator,
  type EstimatorKindPlugin,
  type EstimatorOptions,
  estimatorDisplay,
  getDefaultRegistry,
  JUPYTER_DISPLAY,
  loadModelDir,
  looseMatrix,
  type MimeBundle,
  ModelFormatError,
  mergeOutputConfig,
  NotFittedError,
  nodeBuiltin,
  type OutputConfig,
  readModelKind,
  readTable,
  saveModelDir,
  selectColumns,
  tableToMatrix,
  toArrowTable,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { ColumnSelector, type ColumnSelectorOptions } from './columnSelector.js';

/** What a ColumnTransformer's transformer must offer (duck-typed): `fit` + `transform`, `getParams`/`setParams`. */
export interface ColumnTransformerStep {
  getParams(): object;
  setParams(params: Record<string, unknown>): unknown;
  readonly isFitted: boolean;
  fit(X: unknown, ...rest: unknown[]): unknown;
  transform(X: unknown): unknown;
  fitTransform?(X: unknown, ...rest: unknown[]): unknown;
  getFeatureNamesOut?(inputFeatures?: readonly string[]): string[];
  save?(dir: string): Promise<void>;
  clone?(): ColumnTransformerStep;
  dispose?(): void;
}

/**
 * The columns of one entry: a column name or index, a list of names or of indices, or a
 * {@link ColumnSelector} (`makeColumnSelector({ dtypeInclude, pattern })`). Names and selectors need a
 * table; a numeric matrix takes indices.
 */
export type ColumnSelection = string | number | readonly string[] | readonly number[] | ColumnSelector;

/** One entry: a name, a transformer (or `'drop'` / `'passthrough'`) and the columns it gets. */
export type ColumnTransformerEntry = [
  name: string,
  transformer: ColumnTransformerStep | 'drop' | 'passthrough',
  columns: ColumnSelection,
];

/** Hyper-parameters of {@link ColumnTransformer} besides the entries. */
export interface ColumnTransformerOptions {
  /**
   * The columns no entry names: `'drop'` (default, as scikit-learn) leaves them out, `'passthrough'` appends
   * them (numeric columns only) after the entries' outputs.
   */
  remainder?: 'drop' | 'passthrough';
  /** Prefix each output name with its entry's name (`num__age`, `cat__city_Paris`). Default true. */
  verboseFeatureNamesOut?: boolean;
}

/** Options of {@link ColumnTransformer.getParams}. */
export interface ColumnTransformerGetParamsOptions {
  /** Include each transformer by name and its parameters as `'<name>__<param>'` (default true). */
  deep?: boolean;
}

/** The kind a ColumnTransformer's model file has. */
export const COLUMN_TRANSFORMER_KIND = 'ColumnTransformer';
const PART_DIR = /^part-(\d+)-([0-9a-f]{12})$/;

interface Fitted {
  name: string;
  transformer: ColumnTransformerStep | 'passthrough' | 'drop';
  /** Indices into the input columns (in the fitted order). */
  columns: number[];
  /** Output width. */
  width: number;
  /** The columns as given. */
  selection: ColumnSelection;
}

/** Input read column by column. */
interface Input {
  names: string[] | undefined;
  rows: number;
  cols: number;
  column(j: number): ArrayLike<unknown>;
  kind: 'table' | 'array' | 'tensor' | 'typed';
  f64: boolean;
  source: string;
}

function className(x: unknown): string {
  return typeof x === 'object' && x !== null ? x.constructor.name : typeof x;
}

function isStep(x: unknown): x is ColumnTransformerStep {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as ColumnTransformerStep).fit === 'function' &&
    typeof (x as ColumnTransformerStep).transform === 'function' &&
    typeof (x as ColumnTransformerStep).getParams === 'function' &&
    typeof (x as ColumnTransformerStep).setParams === 'function'
  );
}

function checkSelection(cols: unknown, where: string): ColumnSelection {
  if (cols instanceof ColumnSelector) return cols;
  if (typeof cols === 'string') return cols;
  if (typeof cols === 'number' && Number.isInteger(cols)) return cols;
  if (
    Array.isArray(cols) &&
    (cols.every((c) => typeof c === 'string') || cols.every((c) => Number.isInteger(c)))
  )
    return [...cols] as readonly string[] | readonly number[];
  throw new ValidationError(
    `${where}: columns must be a column name, an integer index, an array of names or of indices, or makeColumnSelector({ ... }); got ${JSON.stringify(cols) ?? className(cols)}.`,
  );
}

function validateEntries(entries: unknown, where = 'ColumnTransformer'): ColumnTransformerEntry[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new ValidationError(
      `${where}: transformers must be a non-empty array of [name, transformer, columns] triples, e.g. [['num', new StandardScaler(), ['age']], ['cat', new OneHotEncoder(), ['city']]].`,
    );
  }
  const names = new Set<string>();
  return entries.map((e, i) => {
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string') {
      throw new ValidationError(
        `${where}: transformers[${i}] must be a [name, transformer, columns] triple, got ${className(e)}.`,
      );
    }
    const [name, t, cols] = e as [string, unknown, unknown];
    if (name.length === 0 || name.includes('__') || name === 'remainder') {
      throw new ValidationError(
        `${where}: transformer name ${JSON.stringify(name)} must be non-empty, not "remainder", and must not contain "__" (it separates names and parameters).`,
      );
    }
    if (names.has(name)) throw new ValidationError(`${where}: transformer name "${name}" is used twice.`);
    names.add(name);
    if (t !== 'drop' && t !== 'passthrough' && !isStep(t)) {
      throw new ValidationError(
        `${where}: transformer "${name}" is ${className(t)}, not a transformer (it needs fit, transform, getParams and setParams), 'drop' or 'passthrough'.`,
      );
    }
    return [name, t, checkSelection(cols, `${where}: transformer "${name}"`)] as ColumnTransformerEntry;
  });
}

function checkOptions(o: unknown, where: string): Required<ColumnTransformerOptions> {
  if (typeof o !== 'object' || o === null) throw new ValidationError(`${where}: options must be an object.`);
  const { remainder = 'drop', verboseFeatureNamesOut = true, ...rest } = o as ColumnTransformerOptions;
  const extra = Object.keys(rest);
  if (extra.length > 0) {
    throw new ValidationError(
      `${where}: unknown option "${extra[0]}" (options: remainder, verboseFeatureNamesOut).`,
    );
  }
  if (remainder !== 'drop' && remainder !== 'passthrough') {
    throw new ValidationError(
      `${where}: remainder must be 'drop' or 'passthrough', got ${JSON.stringify(remainder)}.`,
    );
  }
  if (typeof verboseFeatureNamesOut !== 'boolean') {
    throw new ValidationError(`${where}: verboseFeatureNamesOut must be true or false.`);
  }
  return { remainder, verboseFeatureNamesOut };
}

/** Reads X (a table or a numeric matrix) as columns. */
function readInput(X: unknown, where: string, featureNames: readonly string[] | undefined): Input {
  const t = readTable(X);
  if (t) {
    let names: string[];
    try {
      names = selectColumns(t, featureNames, 'X');
    } catch (e) {
      if (e instanceof ValidationError) throw new ValidationError(`${where}: ${e.message}`, { cause: e });
      throw e;
    }
    if (t.rows === 0) throw new ValidationError(`${where}: X (${t.source}) is empty (0 rows).`);
    return {
      names,
      rows: t.rows,
      cols: names.length,
      column: (j) => t.column(names[j]!),
      kind: 'table',
      f64: true,
      source: t.source,
    };
  }
  if (featureNames) {
    throw new ValidationError(
      `${where}: the ColumnTransformer was fitted on a table with named columns; pass a table (an Arrow Table, a data frame, row objects or a columns object) with columns ${featureNames
        .slice(0, 6)
        .map((n) => JSON.stringify(n))
        .join(', ')}${featureNames.length > 6 ? ', …' : ''}.`,
    );
  }
  const m = readNumeric(X, where, 'X');
  return {
    names: undefined,
    rows: m.rows,
    cols: m.cols,
    column: (j) => {
      const out = new Float64Array(m.rows);
      for (let r = 0; r < m.rows; r++) out[r] = m.values[r * m.cols + j]!;
      return out;
    },
    kind: m.kind,
    f64: m.f64,
    source: 'matrix',
  };
}

/** A numeric matrix of any kind layerwise takes (or an Arrow table a transformer returned) as float64 values. */
function readNumeric(
  X: unknown,
  where: string,
  name: string,
): { values: Float64Array; rows: number; cols: number; kind: 'array' | 'tensor' | 'typed'; f64: boolean } {
  const fail = (what: string): never => {
    throw new ValidationError(`${where}: ${name} ${what}`);
  };
  if (X instanceof tf.Tensor) {
    if (X.isDisposed) fail('is a disposed tensor.');
    if (X.rank !== 2) fail(`must be a 2-D tensor, got shape [${X.shape.join(', ')}].`);
    const [rows, cols] = X.shape as [number, number];
    return {
      values: Float64Array.from(X.dataSync() as ArrayLike<number>),
      rows,
      cols,
      kind: 'tensor',
      f64: false,
    };
  }
  let m: { data: ArrayLike<number>; shape: readonly number[] } | undefined;
  let f64 = false;
  try {
    const table = tableToMatrix(X, { name }) ?? looseMatrix(X, name);
    if (table) {
      m = table;
      f64 = true;
    }
  } catch (e) {
    if (e instanceof ValidationError) throw new ValidationError(`${where}: ${e.message}`, { cause: e });
    throw e;
  }
  if (!m && typeof X === 'object' && X !== null && 'data' in X && 'shape' in X) {
    const { data, shape } = X as { data: unknown; shape: unknown };
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      fail('.data must be a Float32Array or Float64Array.');
    }
    if (!Array.isArray(shape) || shape.length !== 2) fail('.shape must be [rows, cols].');
    m = { data: data as Float32Array | Float64Array, shape: shape as number[] };
    f64 = data instanceof Float64Array;
  }
  if (m) {
    const [rows, cols] = m.shape as [number, number];
    if (m.data.length !== rows * cols) fail(`has ${m.data.length} values for shape [${rows}, ${cols}].`);
    const values = Float64Array.from(m.data);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!))
        fail(`contains ${values[i]} at row ${Math.floor(i / cols)}, column ${i % cols}.`);
    }
    return { values, rows, cols, kind: 'typed', f64 };
  }
  if (Array.isArray(X)) {
    const rows = X.length;
    if (rows === 0) fail('is empty (0 rows).');
    if (!Array.isArray(X[0])) fail('must be a 2-D array (number[][]) or a table.');
    const cols = (X[0] as unknown[]).length;
    const values = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = X[r] as unknown[];
      if (!Array.isArray(row) || row.length !== cols) fail(`is ragged at row ${r}.`);
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          fail(
            `[${r}][${c}] is ${typeof v === 'string' ? `text (${JSON.stringify(v)})` : String(v)}, expected a finite number${typeof v === 'string' ? ': pass a table so that columns can be picked by name, and encode text columns (OneHotEncoder, OrdinalEncoder)' : ''}.`,
          );
        }
        values[r * cols + c] = v as number;
      }
    }
    return { values, rows, cols, kind: 'array', f64: false };
  }
  return fail(
    `must be a table (Arrow Table, data frame, row objects, columns object), number[][], a 2-D tensor or { data, shape }; got ${className(X)}.`,
  );
}

function encodeSelection(c: ColumnSelection): unknown {
  return c instanceof ColumnSelector ? { selector: c.toJSON() } : c;
}

function decodeSelection(c: unknown): ColumnSelection {
  if (typeof c === 'object' && c !== null && !Array.isArray(c) && 'selector' in c) {
    return new ColumnSelector((c as { selector: ColumnSelectorOptions }).selector);
  }
  return checkSelection(c, 'ColumnTransformer');
}

/** The estimator kind of {@link ColumnTransformer} (role `composite`): loads saved ones and rebuilds them in `nJobs` workers. */
export const columnTransformerKind: EstimatorKindPlugin = {
  kind: 'estimator',
  name: COLUMN_TRANSFORMER_KIND,
  role: 'composite',
  module: import.meta.url,
  exportName: 'columnTransformerKind',
  matches: (e) => e instanceof ColumnTransformer,
  encode(est, ctx) {
    const ct = est as ColumnTransformer;
    return {
      transformers: ct.transformers.map(([name, t, cols]) => ({
        name,
        spec: typeof t === 'string' ? t : ctx.encode(t),
        columns: encodeSelection(cols),
      })),
      ...ct.options,
    };
  },
  async decode(payload, ctx) {
    const p = payload as {
      transformers: { name: string; spec: unknown; columns: unknown }[];
    } & ColumnTransformerOptions;
    const entries: ColumnTransformerEntry[] = [];
    for (const t of p.transformers) {
      const est = t.spec === 'drop' || t.spec === 'passthrough' ? t.spec : await ctx.decode(t.spec as never);
      entries.push([t.name, est as ColumnTransformerStep, decodeSelection(t.columns)]);
    }
    return new ColumnTransformer(entries, {
      ...(p.remainder ? { remainder: p.remainder } : {}),
      ...(p.verboseFeatureNamesOut !== undefined ? { verboseFeatureNamesOut: p.verboseFeatureNamesOut } : {}),
    });
  },
  load: (dir, options) => ColumnTransformer.load(dir, options),
};

/**
 * Applies a transformer to each group of columns of a table and joins the results side by side
 * (scikit-learn's `ColumnTransformer`): e.g. scale the numeric columns and one-hot encode the text ones,
 * so a table with mixed columns goes through one {@link Pipeline}. Columns are picked by name, by index, or
 * by {@link makeColumnSelector}; the columns no entry names are dropped (`remainder: 'drop'`, default) or
 * appended unchanged (`'passthrough'`). `fit` fits a clone of each transformer (read them back with
 * {@link ColumnTransformer.namedTransformers}); nested parameters read and set as `'<name>__<param>'`.
 * Output: `{ data: Float64Array, shape }` for a table (float64 kept), else the kind of X; an Arrow Table
 * with `setOutput({ transform: 'arrow' })`. `fit`/`transform` are async (a transformer may be a Pipeline).
 *
 * ```ts
 * const ct = new ColumnTransformer([
 *   ['num', new StandardScaler(), ['temp_max', 'wind']],
 *   ['cat', new OneHotEncoder(), ['location']],
 * ]);
 * const Z = await ct.fitTransform(table);   // columns num__temp_max, num__wind, cat__location_New York, …
 * ```
 */
export class ColumnTransformer {
  /** How model-selection rebuilds it in a worker thread (`nJobs`). */
  static readonly estimatorKind: EstimatorKindPlugin = columnTransformerKind;

  #entries: ColumnTransformerEntry[];
  #options: Required<ColumnTransformerOptions>;
  #fitted: Fitted[] | null = null;
  #remainder: number[] = [];
  #featureNamesIn: string[] | undefined;
  #nFeaturesIn = 0;
  #output: OutputConfig = { transform: 'default' };

  /**
   * @param transformers `[name, transformer | 'drop' | 'passthrough', columns]` triples (names unique,
   *   without `"__"`); or `{ transformers, remainder, verboseFeatureNamesOut }`.
   * @param options `{ remainder, verboseFeatureNamesOut }`
   */
  constructor(
    transformers:
      | readonly ColumnTransformerEntry[]
      | ({ transformers: readonly ColumnTransformerEntry[] } & ColumnTransformerOptions),
    options: ColumnTransformerOptions = {},
  ) {
    let entries: unknown = transformers;
    let opts: ColumnTransformerOptions = options;
    if (!Array.isArray(transformers) && typeof transformers === 'object' && transformers !== null) {
      const { transformers: t, ...rest } = transformers as { transformers: unknown };
      entries = t;
      opts = { ...rest, ...options };
    }
    this.#entries = validateEntries(entries);
    this.#options = checkOptions(opts, 'ColumnTransformer');
  }

  /** The model-file kind. */
  get kind(): string {
    return COLUMN_TRANSFORMER_KIND;
  }

  /** The entries as given (unfitted transformers; `fit` fits clones of them). */
  get transformers(): ColumnTransformerEntry[] {
    return this.#entries.map((e) => [...e] as ColumnTransformerEntry);
  }

  /** `{ remainder, verboseFeatureNamesOut }`. */
  get options(): Required<ColumnTransformerOptions> {
    return { ...this.#options };
  }

  /** True after `fit` (or `fitTransform`). */
  get isFitted(): boolean {
    return this.#fitted !== null;
  }

  /** Notebook display (Deno's Jupyter kernel): the transformers, their parameters and fitted state. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return estimatorDisplay(this);
  }

  #checkFitted(method: string): void {
    if (!this.#fitted) throw new NotFittedError('ColumnTransformer', method);
  }

  /** The column names of the table it was fitted on (scikit-learn's `feature_names_in_`), or undefined. */
  get featureNamesIn(): string[] | undefined {
    return this.#featureNamesIn ? [...this.#featureNamesIn] : undefined;
  }

  /** Number of input columns seen at fit time. */
  get nFeaturesIn(): number {
    this.#checkFitted('nFeaturesIn');
    return this.#nFeaturesIn;
  }

  /**
   * The fitted transformers by name (scikit-learn's `named_transformers_`), `'passthrough'`/`'drop'` as
   * given; `remainder` when it passes columns through.
   */
  get namedTransformers(): Record<string, ColumnTransformerStep | 'passthrough' | 'drop'> {
    this.#checkFitted('namedTransformers');
    const out: Record<string, ColumnTransformerStep | 'passthrough' | 'drop'> = {};
    for (const f of this.#fitted!) out[f.name] = f.transformer;
    if (this.#options.remainder === 'passthrough') out.remainder = 'passthrough';
    return out;
  }

  /**
   * The input columns each entry was given at fit time (by name for a table, `x<i>` otherwise), plus
   * `remainder`: scikit-learn's `transformers_` column lists.
   */
  get outputColumns(): Record<string, string[]> {
    this.#checkFitted('outputColumns');
    const name = (j: number) => this.#featureNamesIn?.[j] ?? `x${j}`;
    const out: Record<string, string[]> = {};
    for (const f of this.#fitted!) out[f.name] = f.columns.map(name);
    out.remainder = this.#remainder.map(name);
    return out;
  }

  /** scikit-learn's `set_output`: `{ transform: 'arrow' }` makes `transform`/`fitTransform` return an Arrow Table. */
  setOutput(config: OutputConfig): this {
    this.#output = mergeOutputConfig(this.#output, checkOutputConfig(config, 'ColumnTransformer.setOutput'));
    return this;
  }

  /**
   * `transformers`, `remainder`, `verboseFeatureNamesOut`, and with `deep` (default) each transformer by
   * name plus its parameters as `'<name>__<param>'`.
   */
  getParams(options: ColumnTransformerGetParamsOptions = {}): Record<string, unknown> {
    const out: Record<string, unknown> = {
      transformers: this.transformers,
      remainder: this.#options.remainder,
      verboseFeatureNamesOut: this.#options.verboseFeatureNamesOut,
    };
    if (options.deep === false) return out;
    for (const [name, t] of this.#entries) {
      out[name] = t;
      if (typeof t === 'string') continue;
      const p = (t.getParams as (o?: object) => object)({ deep: true }) as Record<string, unknown>;
      for (const [k, v] of Object.entries(p)) out[`${name}__${k}`] = v;
    }
    return out;
  }

  /**
   * Sets `transformers`, `remainder`, `verboseFeatureNamesOut`, a transformer by name (its columns stay),
   * or `'<name>__<param>'` (passed on to that transformer). Unknown names are ValidationErrors; nothing is
   * changed then. Returns this.
   */
  setParams(params: Record<string, unknown>): this {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new ValidationError(
        `ColumnTransformer.setParams: parameters must be an object, got ${className(params)}.`,
      );
    }
    let entries =
      'transformers' in params
        ? validateEntries(params.transformers, 'ColumnTransformer.setParams')
        : this.#entries;
    const options = checkOptions(
      {
        remainder: params.remainder ?? this.#options.remainder,
        verboseFeatureNamesOut: params.verboseFeatureNamesOut ?? this.#options.verboseFeatureNamesOut,
      },
      'ColumnTransformer.setParams',
    );
    const groups = new Map<string, Record<string, unknown>>();
    const names = entries.map(([n]) => n);
    for (const [key, value] of Object.entries(params)) {
      if (key === 'transformers' || key === 'remainder' || key === 'verboseFeatureNamesOut') continue;
      const cut = key.indexOf('__');
      const name = cut < 0 ? key : key.slice(0, cut);
      const i = names.indexOf(name);
      if (i < 0) {
        throw new ValidationError(
          `ColumnTransformer.setParams: unknown parameter "${key}". Valid: transformers, remainder, verboseFeatureNamesOut, a transformer name (${names.join(', ')}) or '<name>__<param>'.`,
        );
      }
      if (cut < 0) {
        if (value !== 'drop' && value !== 'passthrough' && !isStep(value)) {
          throw new ValidationError(
            `ColumnTransformer.setParams: "${key}" must be a transformer, 'drop' or 'passthrough', got ${className(value)}.`,
          );
        }
        entries = entries === this.#entries ? entries.map((e) => [...e] as ColumnTransformerEntry) : entries;
        entries[i] = [name, value as ColumnTransformerStep, entries[i]![2]];
        continue;
      }
      const g = groups.get(name) ?? {};
      g[key.slice(cut + 2)] = value;
      groups.set(name, g);
    }
    for (const [name, g] of groups) {
      const t = entries[names.indexOf(name)]![1];
      if (typeof t === 'string') {
        throw new ValidationError(
          `ColumnTransformer.setParams: "${name}" is '${t}' and has no parameters (${Object.keys(g)
            .map((k) => `${name}__${k}`)
            .join(', ')}).`,
        );
      }
      const known = Object.keys(t.getParams() as Record<string, unknown>);
      const unknown = Object.keys(g).filter((k) => !known.includes(k));
      if (unknown.length > 0) {
        throw new ValidationError(
          `ColumnTransformer.setParams: transformer "${name}" (${className(t)}) has no parameter "${unknown[0]}". Its parameters: ${known.join(', ')}.`,
        );
      }
    }
    for (const [name, g] of groups) (entries[names.indexOf(name)]![1] as ColumnTransformerStep).setParams(g);
    this.#entries = entries;
    this.#options = options;
    return this;
  }

  /** A new, unfitted ColumnTransformer with a clone of each transformer (scikit-learn's `clone`). */
  clone(): ColumnTransformer {
    const ct = new ColumnTransformer(
      this.#entries.map(([n, t, c]) => [
        n,
        typeof t === 'string'
          ? t
          : typeof t.clone === 'function'
            ? t.clone()
            : (cloneEstimator(t as never) as ColumnTransformerStep),
        c,
      ]),
      this.#options,
    );
    ct.#output = { ...this.#output };
    return ct;
  }

  /** Resolves an entry's columns to indices of the input. */
  #resolve(sel: ColumnSelection, input: Input, name: string): number[] {
    const where = `ColumnTransformer.fit: transformer "${name}"`;
    const byName = (n: string): number => {
      if (!input.names) {
        throw new ValidationError(
          `${where} names column ${JSON.stringify(n)}, but X is a ${input.kind === 'array' ? 'number[][]' : input.kind} without column names: pass a table (Arrow Table, data frame, row objects, columns object) or give column indices.`,
        );
      }
      const j = input.names.indexOf(n);
      if (j < 0) {
        throw new ValidationError(
          `${where}: X (${input.source}) has no column ${JSON.stringify(n)} (columns: ${input.names
            .slice(0, 10)
            .map((x) => JSON.stringify(x))
            .join(', ')}${input.names.length > 10 ? ', …' : ''}).`,
        );
      }
      return j;
    };
    const byIndex = (j: number): number => {
      const k = j < 0 ? input.cols + j : j;
      if (k < 0 || k >= input.cols) {
        throw new ValidationError(
          `${where}: column index ${j} is out of range: X has ${input.cols} columns.`,
        );
      }
      return k;
    };
    if (sel instanceof ColumnSelector) {
      if (!input.names) {
        throw new ValidationError(
          `${where}: makeColumnSelector needs a table with named columns (Arrow Table, data frame, row objects, columns object); X is a ${input.kind}.`,
        );
      }
      const names = input.names;
      return sel.select({ names, column: (n) => input.column(names.indexOf(n)) }).map(byName);
    }
    const list = Array.isArray(sel) ? (sel as (string | number)[]) : [sel as string | number];
    return list.map((c) => (typeof c === 'string' ? byName(c) : byIndex(c)));
  }

  /** The sub-table of columns `idx`: a columns object for a table, a float64 `{ data, shape }` otherwise. */
  #part(input: Input, idx: number[]): unknown {
    if (input.names) {
      const obj: Record<string, ArrayLike<unknown>> = {};
      for (const j of idx) obj[input.names[j]!] = input.column(j);
      return obj;
    }
    const data = new Float64Array(input.rows * idx.length);
    idx.forEach((j, c) => {
      const col = input.column(j);
      for (let r = 0; r < input.rows; r++) data[r * idx.length + c] = col[r] as number;
    });
    return { data, shape: [input.rows, idx.length] };
  }

  /** Columns `idx` as numbers (passthrough): text or missing values are ValidationErrors. */
  #numeric(input: Input, idx: number[], what: string, method: string): Float64Array[] {
    return idx.map((j) => {
      const col = input.column(j);
      const out = new Float64Array(input.rows);
      for (let r = 0; r < input.rows; r++) {
        const v = col[r];
        const num =
          typeof v === 'number'
            ? v
            : typeof v === 'bigint' || typeof v === 'boolean'
              ? Number(v)
              : Number.NaN;
        if (!Number.isFinite(num)) {
          const label = input.names ? JSON.stringify(input.names[j]) : `${j}`;
          throw new ValidationError(
            `ColumnTransformer.${method}: ${what} passes column ${label} through, but it holds ${typeof v === 'string' ? `text (${JSON.stringify(v)} at row ${r})` : `${v === null || v === undefined ? 'a missing value' : String(v)} at row ${r}`}: give it an encoder (OneHotEncoder, OrdinalEncoder) or an imputer, or drop it.`,
          );
        }
        out[r] = num;
      }
      return out;
    });
  }

  async #apply(
    input: Input,
    fitting: boolean,
    y: unknown,
    method: string,
  ): Promise<{ blocks: { values: Float64Array; cols: number }[] }> {
    const blocks: { values: Float64Array; cols: number }[] = [];
    const fitted: Fitted[] = fitting ? [] : this.#fitted!;
    const parts = fitting
      ? this.#entries.map(([name, t, sel]) => ({ name, t, sel, idx: this.#resolve(sel, input, name) }))
      : fitted.map((f) => ({ name: f.name, t: f.transformer, sel: f.selection, idx: f.columns }));
    const made: ColumnTransformerStep[] = [];
    try {
      for (const { name, t, sel, idx } of parts) {
        if (t === 'drop' || idx.length === 0) {
          if (fitting) fitted.push({ name, transformer: t, columns: idx, width: 0, selection: sel });
          continue;
        }
        if (t === 'passthrough') {
          const cols = this.#numeric(input, idx, `"${name}"`, method);
          blocks.push(interleave(cols, input.rows));
          if (fitting) fitted.push({ name, transformer: t, columns: idx, width: idx.length, selection: sel });
          continue;
        }
        const part = this.#part(input, idx);
        let est = t;
        let out: unknown;
        try {
          if (fitting) {
            est =
              typeof t.clone === 'function'
                ? t.clone()
                : (cloneEstimator(t as never) as ColumnTransformerStep);
            made.push(est);
            // y goes only to a transformer that predicts (as Pipeline does): a StackedAutoencoder's or a
            // Pipeline's second fit argument is its options.
            const yArg = typeof (est as { predict?: unknown }).predict === 'function' ? [y] : [];
            if (typeof est.fitTransform === 'function') out = await est.fitTransform(part, ...yArg);
            else {
              await est.fit(part, ...yArg);
              out = await est.transform(part);
            }
          } else out = await est.transform(part);
        } catch (e) {
          if (e instanceof ValidationError && !e.message.startsWith('ColumnTransformer')) {
            throw new ValidationError(`ColumnTransformer.${method}: transformer "${name}": ${e.message}`, {
              cause: e,
            });
          }
          throw e;
        }
        const m = readNumeric(out, `ColumnTransformer.${method}: transformer "${name}"`, 'its output');
        if (out instanceof tf.Tensor) out.dispose();
        if (m.rows !== input.rows) {
          throw new ValidationError(
            `ColumnTransformer.${method}: transformer "${name}" returned ${m.rows} rows for ${input.rows}.`,
          );
        }
        if (!fitting && m.cols !== fitted.find((f) => f.name === name)!.width) {
          throw new ValidationError(
            `ColumnTransformer.${method}: transformer "${name}" returned ${m.cols} columns, ${fitted.find((f) => f.name === name)!.width} at fit time.`,
          );
        }
        blocks.push({ values: m.values, cols: m.cols });
        if (fitting) fitted.push({ name, transformer: est, columns: idx, width: m.cols, selection: sel });
      }
      const rest = fitting ? this.#remainderOf(fitted, input.cols) : this.#remainder;
      if (this.#options.remainder === 'passthrough' && rest.length > 0) {
        blocks.push(interleave(this.#numeric(input, rest, 'remainder', method), input.rows));
      }
    } catch (e) {
      for (const est of made) est.dispose?.();
      throw e;
    }
    if (fitting) {
      for (const f of this.#fitted ?? []) if (typeof f.transformer !== 'string') f.transformer.dispose?.();
      this.#fitted = fitted;
      this.#remainder = this.#remainderOf(fitted, input.cols);
      this.#featureNamesIn = input.names;
      this.#nFeaturesIn = input.cols;
    }
    return { blocks };
  }

  #remainderOf(fitted: Fitted[], cols: number): number[] {
    const used = new Set(fitted.flatMap((f) => f.columns));
    return Array.from({ length: cols }, (_, j) => j).filter((j) => !used.has(j));
  }

  #assemble(input: Input, blocks: { values: Float64Array; cols: number }[]): unknown {
    const width = blocks.reduce((a, b) => a + b.cols, 0);
    const rows = input.rows;
    const data = new Float64Array(rows * width);
    let off = 0;
    for (const b of blocks) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < b.cols; c++) data[r * width + off + c] = b.values[r * b.cols + c]!;
      }
      off += b.cols;
    }
    if (this.#output.transform === 'arrow') {
      return toArrowTable({ data, shape: [rows, width] }, this.getFeatureNamesOut(), this.#output.arrow);
    }
    if (input.kind === 'tensor') return tf.tensor2d(Float32Array.from(data), [rows, width], 'float32');
    if (input.kind === 'array') {
      return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * width, (r + 1) * width)));
    }
    if (input.kind === 'typed' && !input.f64) return { data: Float32Array.from(data), shape: [rows, width] };
    return { data, shape: [rows, width] };
  }

  /** Fits a clone of each transformer on its columns (y is handed to those that predict). Returns this. */
  async fit(X: unknown, y?: unknown): Promise<this> {
    await this.fitTransform(X, y);
    return this;
  }

  /** Fits, then returns the joined outputs for X (one pass: each transformer's `fitTransform`). */
  async fitTransform(X: unknown, y?: unknown): Promise<unknown> {
    const input = readInput(X, 'ColumnTransformer.fit', undefined);
    const { blocks } = await this.#apply(input, true, y, 'fit');
    return this.#assemble(input, blocks);
  }

  /**
   * Each fitted transformer applied to its columns, the outputs side by side (then the remainder when
   * `'passthrough'`). A table's columns are taken by the names seen at fit time (reordered; a missing or
   * unknown column is a ValidationError naming it).
   */
  async transform(X: unknown): Promise<unknown> {
    this.#checkFitted('transform');
    const input = readInput(X, 'ColumnTransformer.transform', this.#featureNamesIn);
    if (input.cols !== this.#nFeaturesIn) {
      throw new ValidationError(
        `ColumnTransformer.transform: X has ${input.cols} columns, but the ColumnTransformer was fitted with ${this.#nFeaturesIn}.`,
      );
    }
    const { blocks } = await this.#apply(input, false, undefined, 'transform');
    return this.#assemble(input, blocks);
  }

  /**
   * Names of the output columns: each transformer's `getFeatureNamesOut` (its input names when it keeps
   * them), `'<name>__'`-prefixed with `verboseFeatureNamesOut` (default), remainder columns as
   * `remainder__<column>`.
   */
  getFeatureNamesOut(): string[] {
    this.#checkFitted('getFeatureNamesOut');
    const inName = (j: number) => this.#featureNamesIn?.[j] ?? `x${j}`;
    const verbose = this.#options.verboseFeatureNamesOut;
    const out: string[] = [];
    for (const f of this.#fitted!) {
      if (f.width === 0) continue;
      const input = f.columns.map(inName);
      let names: string[];
      if (f.transformer === 'passthrough') names = input;
      else if (typeof f.transformer !== 'string' && typeof f.transformer.getFeatureNamesOut === 'function') {
        names = f.transformer.getFeatureNamesOut(input);
      } else if (f.width === input.length) names = input;
      else names = Array.from({ length: f.width }, (_, i) => `${f.name}${i}`);
      out.push(...names.map((n) => (verbose ? `${f.name}__${n}` : n)));
    }
    if (this.#options.remainder === 'passthrough') {
      out.push(...this.#remainder.map((j) => (verbose ? `remainder__${inName(j)}` : inName(j))));
    }
    if (!verbose && new Set(out).size !== out.length) {
      const dup = out.find((n, i) => out.indexOf(n) !== i);
      throw new ValidationError(
        `ColumnTransformer.getFeatureNamesOut: output name ${JSON.stringify(dup)} is not unique; use verboseFeatureNamesOut: true.`,
      );
    }
    return out;
  }

  /** Frees the fitted transformers (those that have `dispose`) and forgets the fit. */
  dispose(): void {
    for (const f of this.#fitted ?? []) if (typeof f.transformer !== 'string') f.transformer.dispose?.();
    this.#fitted = null;
  }

  /**
   * Saves the fitted ColumnTransformer into `dir`: each fitted transformer with its own `save` in a
   * subfolder (`part-<i>-<id>`), then `model.json` (kind `ColumnTransformer`: names, kinds, folders, the
   * column selections and the fitted column indices), atomically; older part folders are removed last.
   */
  async save(dir: string): Promise<void> {
    this.#checkFitted('save');
    for (const f of this.#fitted!) {
      if (typeof f.transformer !== 'string' && typeof f.transformer.save !== 'function') {
        throw new ValidationError(
          `ColumnTransformer.save: transformer "${f.name}" (${className(f.transformer)}) has no save(dir).`,
        );
      }
    }
    const fs = nodeBuiltin<typeof import('node:fs/promises')>(
      'node:fs/promises',
      'ColumnTransformer.save(dir)',
    );
    const path = nodeBuiltin<typeof import('node:path')>('node:path', 'ColumnTransformer.save(dir)');
    const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto', 'ColumnTransformer.save(dir)');
    const parts: Record<string, unknown>[] = [];
    const written: string[] = [];
    try {
      for (const [i, f] of this.#fitted!.entries()) {
        const entry: Record<string, unknown> = {
          name: f.name,
          columns: encodeSelection(f.selection),
          fittedColumns: f.columns,
          width: f.width,
        };
        if (typeof f.transformer === 'string' || f.width === 0) {
          entry.kind = typeof f.transformer === 'string' ? f.transformer : 'unfitted';
        } else {
          const sub = `part-${i}-${crypto.randomBytes(6).toString('hex')}`;
          written.push(path.join(dir, sub));
          await f.transformer.save!(path.join(dir, sub));
          entry.kind = await readModelKind(path.join(dir, sub));
          entry.dir = sub;
        }
        parts.push(entry);
      }
      await saveModelDir(dir, {
        kind: COLUMN_TRANSFORMER_KIND,
        params: { transformers: parts, ...this.#options },
        state: {
          nFeaturesIn: this.#nFeaturesIn,
          remainderColumns: this.#remainder,
          ...(this.#featureNamesIn ? { featureNamesIn: this.#featureNamesIn } : {}),
        },
        tensors: [],
      });
    } catch (e) {
      for (const w of written) await fs.rm(w, { recursive: true, force: true });
      throw e;
    }
    const keep = new Set(parts.map((p) => p.dir));
    for (const f of await fs.readdir(dir)) {
      if (PART_DIR.test(f) && !keep.has(f)) await fs.rm(path.join(dir, f), { recursive: true, force: true });
    }
  }

  /**
   * Loads a ColumnTransformer saved with {@link ColumnTransformer.save}; each transformer is loaded by the
   * estimator kind registered under its kind in `options.registry` (default registry). Invalid files are
   * ModelFormatErrors; nothing is evaluated.
   */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<ColumnTransformer> {
    const registry = options.registry ?? getDefaultRegistry();
    const data = await loadModelDir(dir, [COLUMN_TRANSFORMER_KIND]);
    const bad = (m: string): never => {
      throw new ModelFormatError(`Invalid ColumnTransformer model: ${m}`);
    };
    if (data.tensors.length > 0) bad('a ColumnTransformer has no tensors of its own.');
    const list = data.params.transformers;
    if (!Array.isArray(list) || list.length === 0) bad('params.transformers must be a non-empty array.');
    const state = data.state as {
      nFeaturesIn?: unknown;
      remainderColumns?: unknown;
      featureNamesIn?: unknown;
    };
    const nIn = state.nFeaturesIn;
    if (!Number.isSafeInteger(nIn) || (nIn as number) < 1)
      bad('state.nFeaturesIn must be a positive integer.');
    const n = nIn as number;
    const indices = (v: unknown, what: string): number[] => {
      if (!Array.isArray(v) || !v.every((j) => Number.isSafeInteger(j) && j >= 0 && j < n))
        bad(`${what} must be column indices below ${n}.`);
      return v as number[];
    };
    const names = state.featureNamesIn;
    if (
      names !== undefined &&
      (!Array.isArray(names) || names.length !== n || !names.every((x) => typeof x === 'string'))
    )
      bad(`state.featureNamesIn must list ${n} column names.`);
    const path = nodeBuiltin<typeof import('node:path')>('node:path', 'ColumnTransformer.load(dir)');
    const entries: ColumnTransformerEntry[] = [];
    const fitted: Fitted[] = [];
    const loaded: ColumnTransformerStep[] = [];
    try {
      for (const [i, e] of (list as unknown[]).entries()) {
        if (typeof e !== 'object' || e === null) bad(`params.transformers[${i}] must be an object.`);
        const { name, kind, dir: sub, columns, fittedColumns, width } = e as Record<string, unknown>;
        if (typeof name !== 'string') bad(`params.transformers[${i}].name must be a string.`);
        if (typeof kind !== 'string') bad(`params.transformers[${i}].kind must be a string.`);
        if (!Number.isSafeInteger(width) || (width as number) < 0)
          bad(`params.transformers[${i}].width must be an integer ≥ 0.`);
        let sel: ColumnSelection;
        try {
          sel = decodeSelection(columns);
        } catch (err) {
          return bad(`params.transformers[${i}].columns: ${(err as Error).message}`);
        }
        const idx = indices(fittedColumns, `params.transformers[${i}].fittedColumns`);
        let est: ColumnTransformerStep | 'drop' | 'passthrough';
        if (kind === 'drop' || kind === 'passthrough') est = kind;
        else if (kind === 'unfitted')
          return bad(`transformer "${name}" selected no columns at fit time and cannot be restored.`);
        else {
          const m = typeof sub === 'string' ? PART_DIR.exec(sub) : null;
          if (!m || Number(m[1]) !== i)
            bad(
              `params.transformers[${i}].dir must be "part-${i}-<12 hex digits>", got ${JSON.stringify(sub)}.`,
            );
          const k = registry.estimatorKinds().find((x) => x.name === kind);
          // The composites of this package are known without registration (as Pipeline.load knows itself).
          const loader = k
            ? (d: string) => k.load(d, options)
            : kind === COLUMN_TRANSFORMER_KIND
              ? (d: string) => ColumnTransformer.load(d, options)
              : kind === 'Pipeline'
                ? async (d: string) => (await import('./Pipeline.js')).Pipeline.load(d, options)
                : undefined;
          if (!loader) {
            return bad(
              `transformer "${name}" has kind ${JSON.stringify(kind)}, which no estimator kind is registered for (registry.use() it and pass { registry }).`,
            );
          }
          const sdir = path.join(dir, sub as string);
          const actual = await readModelKind(sdir);
          if (actual !== kind)
            bad(`transformer "${name}" is listed as ${kind} but its folder holds a ${actual}.`);
          est = (await loader!(sdir)) as ColumnTransformerStep;
          loaded.push(est);
          if (!isStep(est)) bad(`transformer "${name}" (${kind}) has no transform().`);
        }
        fitted.push({
          name: name as string,
          transformer: est,
          columns: idx,
          width: width as number,
          selection: sel!,
        });
        entries.push([
          name as string,
          typeof est === 'string'
            ? est
            : typeof est.clone === 'function'
              ? est.clone()
              : (cloneEstimator(est as never) as ColumnTransformerStep),
          sel!,
        ]);
      }
      let ct: ColumnTransformer;
      try {
        ct = new ColumnTransformer(entries, {
          remainder: data.params.remainder as 'drop',
          verboseFeatureNamesOut: data.params.verboseFeatureNamesOut as boolean,
        });
      } catch (err) {
        if (err instanceof ValidationError) bad(err.message);
        throw err;
      }
      ct!.#fitted = fitted;
      ct!.#remainder = indices(state.remainderColumns, 'state.remainderColumns');
      ct!.#nFeaturesIn = n;
      ct!.#featureNamesIn = names as string[] | undefined;
      return ct!;
    } catch (e) {
      for (const est of loaded) est.dispose?.();
      throw e;
    }
  }
}

function interleave(cols: Float64Array[], rows: number): { values: Float64Array; cols: number } {
  const k = cols.length;
  const values = new Float64Array(rows * k);
  cols.forEach((col, c) => {
    for (let r = 0; r < rows; r++) values[r * k + c] = col[r]!;
  });
  return { values, cols: k };
}

/**
 * scikit-learn's `make_column_transformer`: a {@link ColumnTransformer} from `[transformer, columns]` pairs,
 * each named after its transformer's kind in lower case (`standardscaler`, `onehotencoder`; `-1`, `-2`…
 * when a kind repeats). A last argument `{ remainder, verboseFeatureNamesOut }` sets the options.
 *
 * ```ts
 * const ct = makeColumnTransformer(
 *   [new StandardScaler(), makeColumnSelector({ dtypeInclude: 'number' })],
 *   [new OneHotEncoder(), ['location']],
 *   { remainder: 'drop' },
 * );
 * ```
 */
export function makeColumnTransformer(
  ...args: (
    | readonly [ColumnTransformerStep | 'drop' | 'passthrough', ColumnSelection]
    | ColumnTransformerOptions
  )[]
): ColumnTransformer {
  let options: ColumnTransformerOptions = {};
  const last = args.at(-1);
  if (last !== undefined && !Array.isArray(last)) {
    options = last as ColumnTransformerOptions;
    args = args.slice(0, -1);
  }
  const pairs = args as [ColumnTransformerStep | 'drop' | 'passthrough', ColumnSelection][];
  pairs.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) {
      throw new ValidationError(
        `makeColumnTransformer: argument ${i} must be a [transformer, columns] pair (then optionally { remainder }), got ${className(p)}.`,
      );
    }
  });
  const base = pairs.map(([t]) =>
    typeof t === 'string'
      ? t
      : String((t as { kind?: unknown }).kind ?? (t as object).constructor.name).toLowerCase(),
  );
  const counts = new Map<string, number>();
  for (const b of base) counts.set(b, (counts.get(b) ?? 0) + 1);
  const seen = new Map<string, number>();
  const entries = pairs.map(([t, c], i) => {
    const b = base[i]!;
    const k = (seen.get(b) ?? 0) + 1;
    seen.set(b, k);
    return [counts.get(b)! > 1 ? `${b}-${k}` : b, t, c] as ColumnTransformerEntry;
  });
  return new ColumnTransformer(entries, options);
}
