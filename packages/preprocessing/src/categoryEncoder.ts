import type { InputKind, MatrixLike } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { BaseTransformer, type FileReader, type FittedData, toOutput } from './base.js';
import { type Category, checkCategoryLists } from './categorical.js';

/**
 * What OneHotEncoder and OrdinalEncoder share: the fitted categories of each column (scikit-learn's
 * `categories_`), how they are saved and restored, and how inverse-transformed rows come back.
 */
export abstract class CategoryEncoder<P extends object> extends BaseTransformer<P> {
  /** The sorted categories of each column once fitted, else null. */
  protected fittedCategories: Category[][] | null = null;

  protected clearFitted(): void {
    this.fittedCategories = null;
  }

  protected fittedData(): FittedData {
    return { state: { categories: this.fittedCategories }, tensors: [] };
  }

  protected restore(file: FileReader): void {
    file.only([]);
    this.fittedCategories = checkCategoryLists(file, this.nFeatures);
  }

  /**
   * Rows of categories (null = unknown) in the caller's kind: as they are for arrays or text categories, else
   * numbers (NaN for null) as a tensor or typed matrix like the input.
   */
  protected categoryRows(
    rows: (Category | null)[][],
    m: { kind: InputKind; rows: number; f64?: boolean },
  ): MatrixLike | (Category | null)[][] {
    const cats = this.fittedCategories!;
    const numeric = cats.every((c) => typeof c[0] !== 'string');
    if (m.kind === 'array' || !numeric) return rows;
    const flat = Float64Array.from(rows.flat(), (v) => (v === null ? Number.NaN : (v as number)));
    if (m.kind === 'tensor') return tf.tensor2d(Float32Array.from(flat), [m.rows, cats.length]);
    return toOutput(flat, m.rows, cats.length, m.kind, m.f64);
  }
}
