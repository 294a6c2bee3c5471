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

/** Hyper-parameters of {@link OrdinalEncoder}. */
export interface OrdinalEncoderParams {
  /**
   * `'error'` (default): an unseen category in `transform` is a ValidationError; `'use_encoded_value'`: it
   * is encoded as `unknownValue` (scikit-learn's names).
   */
  handleUnknown: 'error' | 'use_encoded_value';
  /**
   * The code of unseen categories with `handleUnknown: 'use_encoded_value'`: an integer no category uses,
   * e.g. -1; must be null otherwise. Default null.
   */
  unknownValue: number | null;
  /** `'auto'`: the categories of each column are the sorted unique values seen at fit time. */
  categories: 'auto';
}

const DEFAULTS: OrdinalEncoderParams = { handleUnknown: 'error', unknownValue: null, categories: 'auto' };
const SPEC: ParamSpec<OrdinalEncoderParams> = {
  handleUnknown: { type: 'enum', values: ['error', 'use_encoded_value'] },
  unknownValue: { type: 'any' },
  categories: { type: 'enum', values: ['auto'] },
};

/**
 * Encodes each categorical feature as one column of integer codes `0…k−1`, the index of the value in the
 * sorted categories of its column (scikit-learn's `OrdinalEncoder`). Columns may hold numbers or strings
 * (a table's text columns, `string[][]` or mixed rows, one type per column); missing values are errors
 * (impute them first). The output has one column per input column, as float64 numbers.
 *
 * ```ts
 * const enc = new OrdinalEncoder().fit({ city: ['Paris', 'Oslo', 'Paris'], size: [3, 1, 2] });
 * enc.categories;                                    // [['Oslo', 'Paris'], [1, 2, 3]]
 * enc.transform({ city: ['Oslo'], size: [3] });      // { data: Float64Array [0, 2], shape: [1, 2] }
 * ```
 */
export class OrdinalEncoder extends CategoryEncoder<OrdinalEncoderParams> {
  /** @param params `{ handleUnknown, unknownValue, categories }`; bad values → ValidationError */
  constructor(params: Partial<OrdinalEncoderParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
    this.#checkUnknown('OrdinalEncoder');
  }

  get kind(): string {
    return 'OrdinalEncoder';
  }

  get isFitted(): boolean {
    return this.fittedCategories !== null;
  }

  override setParams(params: Partial<OrdinalEncoderParams>): this {
    const before = this.getParams();
    super.setParams(params);
    try {
      this.#checkUnknown('OrdinalEncoder.setParams');
    } catch (e) {
      super.setParams(before);
      throw e;
    }
    return this;
  }

  #checkUnknown(where: string): void {
    const { handleUnknown, unknownValue } = this.params;
    if (handleUnknown === 'use_encoded_value') {
      if (typeof unknownValue !== 'number' || !Number.isInteger(unknownValue)) {
        throw new ValidationError(
          `${where}: handleUnknown 'use_encoded_value' needs unknownValue, an integer no category uses (e.g. -1); got ${JSON.stringify(unknownValue)}.`,
        );
      }
    } else if (unknownValue !== null) {
      throw new ValidationError(
        `${where}: unknownValue is only used with handleUnknown: 'use_encoded_value'; leave it null (got ${JSON.stringify(unknownValue)}).`,
      );
    }
  }

  /** The sorted categories of each input column (scikit-learn's `categories_`). */
  get categories(): Category[][] {
    this.assertFitted('categories');
    return this.fittedCategories!.map((c) => [...c]);
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
    const cats = cells.columns.map(sortCategories);
    const u = this.params.unknownValue;
    if (this.params.handleUnknown === 'use_encoded_value' && typeof u === 'number') {
      const used = cats.findIndex((c) => u >= 0 && u < c.length);
      if (used >= 0) {
        throw new ValidationError(
          `OrdinalEncoder.fit: unknownValue ${u} is already the code of category ${JSON.stringify(cats[used]![u])} of column ${used}: pick a code no category uses (e.g. -1).`,
        );
      }
    }
    this.fittedCategories = cats;
    this.nFeatures = cells.cols;
    return this;
  }

  /** The code of each value (its index in the column's categories), in the kind of X (`{ data: Float64Array, shape }` for a table). */
  transform(X: CategoricalMatrix): MatrixLike {
    const cells = this.#read(X, 'transform', false);
    const cats = this.fittedCategories!;
    const index = cats.map((c) => new Map<Category, number>(c.map((v, i) => [v, i])));
    const out = new Float64Array(cells.rows * cells.cols);
    for (let c = 0; c < cells.cols; c++) {
      const col = cells.columns[c]!;
      for (let r = 0; r < cells.rows; r++) {
        const k = index[c]!.get(col[r]!);
        if (k === undefined) {
          if (this.params.handleUnknown === 'use_encoded_value') {
            out[r * cells.cols + c] = this.params.unknownValue as number;
            continue;
          }
          throw new ValidationError(
            `OrdinalEncoder.transform: X[${r}][${c}] is ${JSON.stringify(col[r])}, a category not seen at fit time (column ${c} has ${JSON.stringify(cats[c]!.slice(0, 10))}${cats[c]!.length > 10 ? '…' : ''}); pass handleUnknown: 'use_encoded_value' with unknownValue: -1 to encode unseen categories.`,
          );
        }
        out[r * cells.cols + c] = k;
      }
    }
    // A table's output keeps float64 precision as { data: Float64Array, shape }.
    const kind = cells.names ? 'typed' : cells.kind;
    return toOutput(out, cells.rows, cells.cols, kind, cells.names ? true : cells.f64);
  }

  /** `fit(X).transform(X)`. */
  override fitTransform(X: CategoricalMatrix, y?: unknown): MatrixLike {
    return this.fit(X, y).transform(X);
  }

  /**
   * Back from codes to categories; the unknown code gives null. A `number[][]` input, or categories that
   * include strings, give `(number | string | null)[][]`; otherwise the kind of Z (NaN for null).
   */
  inverseTransform(Z: MatrixLike): MatrixLike | (Category | null)[][] {
    this.assertFitted('inverseTransform');
    const cats = this.fittedCategories!;
    const m = readMatrix(Z, {
      where: 'OrdinalEncoder.inverseTransform',
      name: 'Z',
      expectedFeatures: cats.length,
      allowNaN: true,
    });
    const out: (Category | null)[][] = [];
    for (let r = 0; r < m.rows; r++) {
      const row: (Category | null)[] = [];
      for (let c = 0; c < m.cols; c++) {
        const v = m.values[r * m.cols + c]!;
        const u = this.params.unknownValue;
        if (this.params.handleUnknown === 'use_encoded_value' && v === u) {
          row.push(null);
          continue;
        }
        if (!Number.isInteger(v) || v < 0 || v >= cats[c]!.length) {
          throw new ValidationError(
            `OrdinalEncoder.inverseTransform: Z[${r}][${c}] is ${v}, not a code of column ${c} (0…${cats[c]!.length - 1}).`,
          );
        }
        row.push(cats[c]![v]!);
      }
      out.push(row);
    }
    return this.categoryRows(out, m);
  }

  /** Loads an encoder saved with `save(dir)`; every field is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<OrdinalEncoder> {
    return BaseTransformer.loadAs(OrdinalEncoder, 'OrdinalEncoder', dir, options);
  }
}
