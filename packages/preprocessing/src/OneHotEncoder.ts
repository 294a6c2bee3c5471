import {
  type EstimatorOptions,
  type FeaturesLike,
  type InputKind,
  type MatrixLike,
  type ParamSpec,
  readTable,
  selectColumns,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { BaseTransformer, type FileReader, type FittedData, readMatrix, toOutput } from './base.js';

/** One category value: a number or a string. */
export type Category = number | string;

/** Hyper-parameters of {@link OneHotEncoder}. */
export interface OneHotEncoderParams {
  /** `'error'` (default): an unseen category in `transform` is a ValidationError; `'ignore'`: its columns are all 0. */
  handleUnknown: 'error' | 'ignore';
  /** `'auto'`: the categories of each column are the sorted unique values seen at fit time. */
  categories: 'auto';
}

const DEFAULTS: OneHotEncoderParams = { handleUnknown: 'error', categories: 'auto' };
const SPEC: ParamSpec<OneHotEncoderParams> = {
  handleUnknown: { type: 'enum', values: ['error', 'ignore'] },
  categories: { type: 'enum', values: ['auto'] },
};

/** Input of {@link OneHotEncoder}: a numeric matrix, or rows of numbers and strings (one type per column). */
export type CategoricalMatrix = FeaturesLike | (number | string)[][];

interface Cells {
  columns: Category[][];
  rows: number;
  cols: number;
  kind: InputKind;
  f64: boolean;
}

function sortCategories(values: Category[]): Category[] {
  const u = [...new Set(values)];
  return typeof u[0] === 'number'
    ? (u as number[]).sort((a, b) => a - b)
    : (u as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Encodes each categorical feature as one 0/1 column per category (scikit-learn's `OneHotEncoder`, dense
 * output). Columns may hold numbers or strings (`number[][]`, `string[][]` or mixed rows, one type per
 * column); NaN is not a category (impute it first). The output has `sum(categories[i].length)` columns in
 * the order of `categories`.
 *
 * ```ts
 * const enc = new OneHotEncoder().fit([['red', 1], ['blue', 3], ['red', 3]]);
 * enc.categories;                   // [['blue', 'red'], [1, 3]]
 * enc.transform([['blue', 1]]);     // [[1, 0, 1, 0]]
 * ```
 */
export class OneHotEncoder extends BaseTransformer<OneHotEncoderParams> {
  #categories: Category[][] | null = null;

  /** @param params `{ handleUnknown, categories }`; bad values → ValidationError */
  constructor(params: Partial<OneHotEncoderParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
  }

  get kind(): string {
    return 'OneHotEncoder';
  }

  get isFitted(): boolean {
    return this.#categories !== null;
  }

  /** The sorted categories of each input column (scikit-learn's `categories_`). */
  get categories(): Category[][] {
    this.assertFitted('categories');
    return this.#categories!.map((c) => [...c]);
  }

  /**
   * Names of the output columns, scikit-learn's way: `<input name>_<category>` for each category of each
   * input column (input names: `inputFeatures`, else `featureNamesIn`, else `x0`, `x1`…).
   */
  override getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    this.assertFitted('getFeatureNamesOut');
    const names = this.inputFeatureNames(inputFeatures);
    return this.#categories!.flatMap((cats, i) => cats.map((c) => `${names[i]}_${String(c)}`));
  }

  /** Number of output columns. */
  get nFeaturesOut(): number {
    this.assertFitted('nFeaturesOut');
    return this.#categories!.reduce((a, c) => a + c.length, 0);
  }

  #read(X: unknown, method: string, fitting: boolean): Cells {
    if (!fitting) this.assertFitted(method);
    const where = `OneHotEncoder.${method}`;
    const expected = fitting ? undefined : this.nFeatures;
    // A table (Arrow, data frame, row objects, columns object): its columns by name (text columns too),
    // as rows of cells.
    const table = readTable(X);
    if (table) {
      let names: string[];
      try {
        names = selectColumns(table, fitting ? undefined : this.featureNamesIn, 'X');
      } catch (e) {
        if (e instanceof ValidationError) throw new ValidationError(`${where}: ${e.message}`, { cause: e });
        throw e;
      }
      if (fitting) this.setFeatureNamesIn(names);
      const cols = names.map((n) => table.column(n));
      X = Array.from({ length: table.rows }, (_, r) =>
        cols.map((c) => {
          const v = c[r];
          return typeof v === 'bigint' ? Number(v) : v;
        }),
      );
      if (table.rows === 0) throw new ValidationError(`${where}: X (${table.source}) is empty (0 rows).`);
    } else if (fitting) this.setFeatureNamesIn(undefined);
    const isCellArray =
      Array.isArray(X) &&
      X.length > 0 &&
      Array.isArray(X[0]) &&
      X.some((r) => Array.isArray(r) && r.some((v) => typeof v === 'string'));
    if (!isCellArray) {
      const m = readMatrix(X, { where, ...(expected === undefined ? {} : { expectedFeatures: expected }) });
      const columns: Category[][] = Array.from({ length: m.cols }, () => new Array(m.rows));
      for (let i = 0; i < m.values.length; i++) columns[i % m.cols]![Math.floor(i / m.cols)] = m.values[i]!;
      return { columns, rows: m.rows, cols: m.cols, kind: m.kind, f64: m.f64 };
    }
    const rowsArr = X as unknown[][];
    const cols = rowsArr[0]!.length;
    if (cols === 0)
      throw new ValidationError(`${where}: X has 0 features per row: pass at least one column.`);
    const columns: Category[][] = Array.from({ length: cols }, () => new Array(rowsArr.length));
    const types: string[] = new Array(cols);
    for (let r = 0; r < rowsArr.length; r++) {
      const row = rowsArr[r];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new ValidationError(
          `${where}: X is ragged: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values but row 0 has ${cols}; every row needs the same number of features.`,
        );
      }
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v === 'number') {
          if (!Number.isFinite(v)) {
            throw new ValidationError(
              `${where}: X[${r}][${c}] is ${String(v)}: categories must be finite numbers or strings (impute missing values first).`,
            );
          }
        } else if (typeof v !== 'string') {
          throw new ValidationError(
            `${where}: X[${r}][${c}] is ${v === null ? 'null' : typeof v}, expected a number or a string.`,
          );
        }
        types[c] ??= typeof v;
        if (typeof v !== types[c]) {
          throw new ValidationError(
            `${where}: column ${c} mixes numbers and strings (row ${r} is a ${typeof v}, row 0 a ${types[c]}): use one type per column.`,
          );
        }
        columns[c]![r] = v;
      }
    }
    if (expected !== undefined && cols !== expected) {
      throw new ValidationError(
        `${where}: X has ${cols} features per row, but the transformer was fitted with ${expected}: pass data with the same columns as at fit time.`,
      );
    }
    return { columns, rows: rowsArr.length, cols, kind: 'array', f64: false };
  }

  /** Learns the sorted categories of each column. Returns this. */
  fit(X: CategoricalMatrix, _y?: unknown): this {
    const cells = this.#read(X, 'fit', true);
    this.#categories = cells.columns.map(sortCategories);
    this.nFeatures = cells.cols;
    return this;
  }

  /** One 0/1 column per category, in the kind of X (`number[][]` for string input). */
  transform(X: CategoricalMatrix): MatrixLike {
    const cells = this.#read(X, 'transform', false);
    const cats = this.#categories!;
    const index = cats.map((c) => new Map<Category, number>(c.map((v, i) => [v, i])));
    const offsets: number[] = [];
    let width = 0;
    for (const c of cats) {
      offsets.push(width);
      width += c.length;
    }
    const out = new Float64Array(cells.rows * width);
    for (let c = 0; c < cells.cols; c++) {
      const col = cells.columns[c]!;
      for (let r = 0; r < cells.rows; r++) {
        const k = index[c]!.get(col[r]!);
        if (k === undefined) {
          if (this.params.handleUnknown === 'ignore') continue;
          throw new ValidationError(
            `OneHotEncoder.transform: X[${r}][${c}] is ${JSON.stringify(col[r])}, a category not seen at fit time (column ${c} has ${JSON.stringify(cats[c])}); pass handleUnknown: 'ignore' to encode unseen categories as all zeros.`,
          );
        }
        out[r * width + offsets[c]! + k] = 1;
      }
    }
    return toOutput(out, cells.rows, width, cells.kind, cells.f64);
  }

  /** `fit(X).transform(X)`. */
  override fitTransform(X: CategoricalMatrix, y?: unknown): MatrixLike {
    return this.fit(X, y).transform(X);
  }

  /**
   * Back from one-hot columns to categories (the largest entry of each block). A block of zeros (an unknown
   * category under `handleUnknown: 'ignore'`) gives null — NaN in tensor/typed output. Tensor or typed
   * input gives a tensor / `{ data, shape }` when every category is a number, `(number|string|null)[][]`
   * otherwise.
   */
  inverseTransform(Z: MatrixLike): MatrixLike | (Category | null)[][] {
    this.assertFitted('inverseTransform');
    const m = readMatrix(Z, {
      where: 'OneHotEncoder.inverseTransform',
      name: 'Z',
      expectedFeatures: this.nFeaturesOut,
    });
    const cats = this.#categories!;
    const out: (Category | null)[][] = [];
    for (let r = 0; r < m.rows; r++) {
      const row: (Category | null)[] = [];
      let off = 0;
      for (let c = 0; c < cats.length; c++) {
        const n = cats[c]!.length;
        let best = -1;
        let bestV = 0;
        for (let k = 0; k < n; k++) {
          const v = m.values[r * m.cols + off + k]!;
          if (v > bestV) {
            bestV = v;
            best = k;
          }
        }
        if (best < 0 && this.params.handleUnknown === 'error') {
          throw new ValidationError(
            `OneHotEncoder.inverseTransform: row ${r} has no non-zero entry for feature ${c}; all-zero blocks come only from handleUnknown: 'ignore'.`,
          );
        }
        row.push(best < 0 ? null : cats[c]![best]!);
        off += n;
      }
      out.push(row);
    }
    const numeric = cats.every((c) => typeof c[0] !== 'string');
    if (m.kind === 'array' || !numeric) return out;
    const flat = Float64Array.from(out.flat(), (v) => (v === null ? Number.NaN : (v as number)));
    if (m.kind === 'tensor') return tf.tensor2d(Float32Array.from(flat), [m.rows, cats.length]);
    return toOutput(flat, m.rows, cats.length, m.kind, m.f64);
  }

  protected clearFitted(): void {
    this.#categories = null;
  }

  protected fittedData(): FittedData {
    return { state: { categories: this.#categories }, tensors: [] };
  }

  protected restore(file: FileReader): void {
    file.only([]);
    const c = file.state.categories;
    if (!Array.isArray(c) || c.length !== this.nFeatures)
      file.fail(`state.categories must be an array of ${this.nFeatures} category lists.`);
    (c as unknown[]).forEach((list, i) => {
      if (!Array.isArray(list) || list.length === 0)
        file.fail(`state.categories[${i}] must be a non-empty array.`);
      const t = typeof list[0];
      if (
        !(list as unknown[]).every(
          (v) =>
            (t === 'string' && typeof v === 'string') ||
            (t === 'number' && typeof v === 'number' && Number.isFinite(v)),
        ) ||
        new Set(list).size !== list.length
      ) {
        file.fail(`state.categories[${i}] must hold unique finite numbers or unique strings.`);
      }
    });
    this.#categories = (c as Category[][]).map(sortCategories);
  }

  /** Loads an encoder saved with `save(dir)`; every field is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<OneHotEncoder> {
    return BaseTransformer.loadAs(OneHotEncoder, 'OneHotEncoder', dir, options);
  }
}
