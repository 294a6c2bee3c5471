import { type EstimatorOptions, type MatrixLike, type ParamSpec, ValidationError } from '@layerwise/core';
import { BaseTransformer, readMatrix, toOutput } from './base.js';
import {
  type CategoricalMatrix,
  type Category,
  type Cells,
  readCategorical,
  sortCategories,
} from './categorical.js';
import { CategoryEncoder } from './categoryEncoder.js';

export type { CategoricalMatrix, Category } from './categorical.js';

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
export class OneHotEncoder extends CategoryEncoder<OneHotEncoderParams> {
  /** @param params `{ handleUnknown, categories }`; bad values → ValidationError */
  constructor(params: Partial<OneHotEncoderParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
  }

  get kind(): string {
    return 'OneHotEncoder';
  }

  get isFitted(): boolean {
    return this.fittedCategories !== null;
  }

  /** The sorted categories of each input column (scikit-learn's `categories_`). */
  get categories(): Category[][] {
    this.assertFitted('categories');
    return this.fittedCategories!.map((c) => [...c]);
  }

  /**
   * Names of the output columns, scikit-learn's way: `<input name>_<category>` for each category of each
   * input column (input names: `inputFeatures`, else `featureNamesIn`, else `x0`, `x1`…).
   */
  override getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    this.assertFitted('getFeatureNamesOut');
    const names = this.inputFeatureNames(inputFeatures);
    return this.fittedCategories!.flatMap((cats, i) => cats.map((c) => `${names[i]}_${String(c)}`));
  }

  /** Number of output columns. */
  get nFeaturesOut(): number {
    this.assertFitted('nFeaturesOut');
    return this.fittedCategories!.reduce((a, c) => a + c.length, 0);
  }

  #read(X: unknown, method: string, fitting: boolean): Cells {
    if (!fitting) this.assertFitted(method);
    const cells = readCategorical(X, {
      where: `${this.kind}.${method}`,
      ...(fitting ? {} : { expectedFeatures: this.nFeatures }),
      ...(!fitting && this.featureNamesIn ? { featureNames: this.featureNamesIn } : {}),
    });
    if (fitting) this.setFeatureNamesIn(cells.names);
    return cells;
  }

  /** Learns the sorted categories of each column. Returns this. */
  fit(X: CategoricalMatrix, _y?: unknown): this {
    const cells = this.#read(X, 'fit', true);
    this.fittedCategories = cells.columns.map(sortCategories);
    this.nFeatures = cells.cols;
    return this;
  }

  /** One 0/1 column per category, in the kind of X (`number[][]` for string input). */
  transform(X: CategoricalMatrix): MatrixLike {
    const cells = this.#read(X, 'transform', false);
    const cats = this.fittedCategories!;
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
    const cats = this.fittedCategories!;
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
    return this.categoryRows(out, m);
  }

  /** Loads an encoder saved with `save(dir)`; every field is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<OneHotEncoder> {
    return BaseTransformer.loadAs(OneHotEncoder, 'OneHotEncoder', dir, options);
  }
}
