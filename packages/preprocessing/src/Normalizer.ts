import type { EstimatorOptions, FeaturesLike, MatrixLike, ParamSpec } from '@layerwise/core';
import { BaseTransformer, type FileReader, type FittedData, toOutput } from './base.js';

/** Hyper-parameters of {@link Normalizer}. */
export interface NormalizerParams {
  /** The norm each row is divided by: `'l2'` (default), `'l1'` or `'max'` (largest absolute value). */
  norm: 'l1' | 'l2' | 'max';
}

const SPEC: ParamSpec<NormalizerParams> = { norm: { type: 'enum', values: ['l1', 'l2', 'max'] } };

/**
 * Scales each sample (row) to unit norm (scikit-learn's `Normalizer`); rows of zeros stay zeros. It learns
 * nothing but the feature count: `fit` validates X and records it, so `transform` before `fit` is a
 * NotFittedError like every other transformer. No `inverseTransform` (the norms are not kept).
 *
 * ```ts
 * new Normalizer({ norm: 'l1' }).fitTransform([[1, 3], [2, 2]]); // [[0.25, 0.75], [0.5, 0.5]]
 * ```
 */
export class Normalizer extends BaseTransformer<NormalizerParams> {
  #fitted = false;

  /** @param params `{ norm }`; unknown names or bad values → ValidationError */
  constructor(params: Partial<NormalizerParams> = {}, options: EstimatorOptions = {}) {
    super({ norm: 'l2' }, SPEC, params, options);
  }

  get kind(): string {
    return 'Normalizer';
  }

  get isFitted(): boolean {
    return this.#fitted;
  }

  /** Validates X and records its feature count. Returns this. */
  fit(X: FeaturesLike, _y?: unknown): this {
    const m = this.read(X, 'fit', true);
    this.nFeatures = m.cols;
    this.#fitted = true;
    return this;
  }

  /** Each row divided by its norm, in the kind of X. */
  transform(X: FeaturesLike): MatrixLike {
    const m = this.read(X, 'transform', false);
    const v = m.values;
    const norm = this.params.norm;
    for (let r = 0; r < m.rows; r++) {
      let s = 0;
      for (let c = 0; c < m.cols; c++) {
        const x = v[r * m.cols + c]!;
        if (norm === 'l2') s += x * x;
        else if (norm === 'l1') s += Math.abs(x);
        else s = Math.max(s, Math.abs(x));
      }
      if (norm === 'l2') s = Math.sqrt(s);
      if (s < 10 * 2.220446049250313e-16) s = 1;
      for (let c = 0; c < m.cols; c++) v[r * m.cols + c] = v[r * m.cols + c]! / s;
    }
    return toOutput(v, m.rows, m.cols, m.kind, m.f64);
  }

  protected clearFitted(): void {
    this.#fitted = false;
  }

  protected fittedData(): FittedData {
    return { state: {}, tensors: [] };
  }

  protected restore(file: FileReader): void {
    file.only([]);
    this.#fitted = true;
  }

  /** Loads a normalizer saved with `save(dir)`. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<Normalizer> {
    return BaseTransformer.loadAs(Normalizer, 'Normalizer', dir, options);
  }
}
