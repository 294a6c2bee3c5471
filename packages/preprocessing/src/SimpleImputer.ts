import type { EstimatorOptions, FeaturesLike, MatrixLike, ParamSpec } from '@layerwise/core';
import { BaseTransformer, type FileReader, type FittedData, toOutput } from './base.js';
import { percentile, sortedColumn } from './stats.js';

/** How {@link SimpleImputer} fills missing values. */
export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';

/** Hyper-parameters of {@link SimpleImputer}. */
export interface SimpleImputerParams {
  /** Per-column statistic used for missing values. Default `'mean'`. */
  strategy: ImputeStrategy;
  /** The value for `strategy: 'constant'` (a finite number; null means 0). Default null. */
  fillValue: number | null;
  /**
   * Keep columns that are missing in every row at fit time (filled with 0, or `fillValue` for
   * `'constant'`) instead of dropping them from the output as scikit-learn does by default. Default false.
   */
  keepEmptyFeatures: boolean;
}

const DEFAULTS: SimpleImputerParams = { strategy: 'mean', fillValue: null, keepEmptyFeatures: false };
const SPEC: ParamSpec<SimpleImputerParams> = {
  strategy: { type: 'enum', values: ['mean', 'median', 'most_frequent', 'constant'] },
  fillValue: { type: 'number', nullable: true },
  keepEmptyFeatures: { type: 'boolean' },
};

/**
 * Fills missing values — `NaN`, the only place in layerwise where NaN is accepted — with a per-column
 * statistic (scikit-learn's `SimpleImputer`): the mean, the median, the most frequent value (smallest on
 * ties) or a constant. Columns missing in every row at fit time are dropped from the output (their
 * `statistics` entry is NaN) unless `keepEmptyFeatures`. ±Infinity is still a ValidationError.
 *
 * ```ts
 * new SimpleImputer({ strategy: 'median' }).fitTransform([[1, NaN], [3, 4], [NaN, 8]]); // [[1, 6], [3, 4], [2, 8]]
 * ```
 */
export class SimpleImputer extends BaseTransformer<SimpleImputerParams> {
  #statistics: Float64Array | null = null;

  /** @param params `{ strategy, fillValue, keepEmptyFeatures }`; bad values → ValidationError */
  constructor(params: Partial<SimpleImputerParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
  }

  get kind(): string {
    return 'SimpleImputer';
  }

  get isFitted(): boolean {
    return this.#statistics !== null;
  }

  /** The fill value of each column (NaN for a column dropped because it was all missing). */
  get statistics(): number[] {
    this.assertFitted('statistics');
    return Array.from(this.#statistics!);
  }

  /** Computes each column's fill value from its non-missing entries. Returns this. */
  fit(X: FeaturesLike, _y?: unknown): this {
    const m = this.read(X, 'fit', true, true);
    const { strategy, fillValue, keepEmptyFeatures } = this.params;
    const stats = new Float64Array(m.cols);
    for (let c = 0; c < m.cols; c++) {
      const col = sortedColumn(m.values, m.rows, m.cols, c);
      let s: number;
      if (strategy === 'constant') s = fillValue ?? 0;
      else if (col.length === 0) s = keepEmptyFeatures ? 0 : Number.NaN;
      else if (strategy === 'mean') s = col.reduce((a, b) => a + b, 0) / col.length;
      else if (strategy === 'median') s = percentile(col, 50);
      else s = mostFrequent(col);
      stats[c] = s;
    }
    this.#statistics = stats;
    this.nFeatures = m.cols;
    return this;
  }

  /** X with every NaN replaced by its column's statistic (all-missing columns dropped), in the kind of X. */
  transform(X: FeaturesLike): MatrixLike {
    const m = this.read(X, 'transform', false, true);
    const stats = this.#statistics!;
    const keep: number[] = [];
    for (let c = 0; c < m.cols; c++) if (!Number.isNaN(stats[c]!)) keep.push(c);
    const out = new Float64Array(m.rows * keep.length);
    for (let r = 0; r < m.rows; r++) {
      for (let k = 0; k < keep.length; k++) {
        const c = keep[k]!;
        const v = m.values[r * m.cols + c]!;
        out[r * keep.length + k] = Number.isNaN(v) ? stats[c]! : v;
      }
    }
    return toOutput(out, m.rows, keep.length, m.kind, m.f64);
  }

  protected clearFitted(): void {
    this.#statistics = null;
  }

  protected fittedData(): FittedData {
    // JSON keeps the statistics exactly (float64); NaN (a dropped column) is written as null.
    return {
      state: { statistics: Array.from(this.#statistics!, (s) => (Number.isNaN(s) ? null : s)) },
      tensors: [],
    };
  }

  protected restore(file: FileReader): void {
    file.only([]);
    const s = file.state.statistics;
    if (!Array.isArray(s) || s.length !== this.nFeatures)
      file.fail(`state.statistics must be an array of ${this.nFeatures} numbers or nulls.`);
    const stats = new Float64Array(this.nFeatures);
    (s as unknown[]).forEach((v, i) => {
      if (v === null) stats[i] = Number.NaN;
      else if (typeof v === 'number' && Number.isFinite(v)) stats[i] = v;
      else file.fail(`state.statistics[${i}] must be a finite number or null.`);
    });
    this.#statistics = stats;
  }

  /** Loads an imputer saved with `save(dir)`; every field is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<SimpleImputer> {
    return BaseTransformer.loadAs(SimpleImputer, 'SimpleImputer', dir, options);
  }
}

function mostFrequent(sorted: Float64Array): number {
  let best = sorted[0]!;
  let bestCount = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = sorted[i]!;
    }
    i = j;
  }
  return best;
}
