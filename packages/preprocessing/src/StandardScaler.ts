import type { EstimatorOptions, ParamSpec } from '@layerwise/core';
import { arr, BaseTransformer, type FileReader, type FittedData, handleZeros, named } from './base.js';
import { type AffineMap, IncrementalScaler } from './scaling.js';
import { incrementalMeanVar } from './stats.js';

/** Hyper-parameters of {@link StandardScaler}. */
export interface StandardScalerParams {
  /** Subtract the mean of each feature. Default true. */
  withMean: boolean;
  /** Divide by the standard deviation of each feature. Default true. */
  withStd: boolean;
}

const DEFAULTS: StandardScalerParams = { withMean: true, withStd: true };
const SPEC: ParamSpec<StandardScalerParams> = { withMean: { type: 'boolean' }, withStd: { type: 'boolean' } };
const EPS = 2.220446049250313e-16;

/**
 * Standardises features: `z = (x - mean) / scale`, with the mean and population standard deviation of each
 * feature (scikit-learn's `StandardScaler`). `partialFit` updates the statistics batch by batch with
 * scikit-learn's incremental formulas. Constant features get scale 1.
 *
 * ```ts
 * const scaler = new StandardScaler();
 * const Z = scaler.fitTransform([[0, 1], [2, 3], [4, 8]]);
 * scaler.mean; // [2, 4]
 * ```
 */
export class StandardScaler extends IncrementalScaler<StandardScalerParams> {
  #mean: Float32Array | null = null;
  #var: Float32Array | null = null;
  #scale: Float32Array | null = null;

  /** @param params `{ withMean, withStd }`; unknown names or bad values → ValidationError */
  constructor(params: Partial<StandardScalerParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
  }

  get kind(): string {
    return 'StandardScaler';
  }

  /** Per-feature mean (null when both `withMean` and `withStd` are false). */
  get mean(): number[] | null {
    this.assertFitted('mean');
    return arr(this.#mean);
  }

  /** Per-feature population variance (null unless `withStd`). */
  get var(): number[] | null {
    this.assertFitted('var');
    return arr(this.#var);
  }

  /** Per-feature scale, `sqrt(var)` with constant features at 1 (null unless `withStd`). */
  get scale(): number[] | null {
    this.assertFitted('scale');
    return arr(this.#scale);
  }

  protected update(values: Float64Array, rows: number, cols: number, reset: boolean): void {
    const { withMean, withStd } = this.params;
    const lastN = reset ? 0 : this.seen;
    const tracks = withMean || withStd;
    const s = incrementalMeanVar(
      values,
      rows,
      cols,
      reset ? null : this.#mean,
      reset || !withStd ? null : this.#var,
      lastN,
    );
    this.#mean = tracks ? Float32Array.from(s.mean) : null;
    if (withStd) {
      this.#var = Float32Array.from(s.var);
      // scikit-learn's _is_constant_feature: a variance within rounding error of 0 is a constant feature.
      const constant = Array.from(s.var, (v, i) => v <= s.n * EPS * v + (s.n * s.mean[i]! * EPS) ** 2);
      this.#scale = Float32Array.from(handleZeros(s.var.map(Math.sqrt), constant));
    } else {
      this.#var = null;
      this.#scale = null;
    }
  }

  /** `(x - mean) / scale` (the mean only with `withMean`, the scale only with `withStd`). */
  protected affine(): AffineMap {
    const center = this.params.withMean ? this.#mean : null;
    return { center, scale: this.#scale, multiply: null, offset: null, clip: null };
  }

  protected clearFitted(): void {
    this.#mean = null;
    this.#var = null;
    this.#scale = null;
    this.seen = 0;
  }

  protected fittedData(): FittedData {
    const tensors = [];
    if (this.#mean) tensors.push(named('mean', this.#mean));
    if (this.#var) tensors.push(named('var', this.#var), named('scale', this.#scale!));
    return { state: { nSamplesSeen: this.seen }, tensors };
  }

  protected restore(file: FileReader): void {
    const n = this.nFeatures;
    const { withMean, withStd } = this.params;
    file.only(['mean', 'var', 'scale']);
    this.#mean = withMean || withStd ? file.vector('mean', n) : null;
    this.#var = withStd ? file.vector('var', n) : null;
    this.#scale = withStd ? file.vector('scale', n) : null;
    if (this.#scale?.some((s) => !(s > 0))) file.fail('every scale must be > 0.');
    this.seen = file.int('nSamplesSeen', 1);
  }

  /** Loads a scaler saved with `save(dir)`; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<StandardScaler> {
    return BaseTransformer.loadAs(StandardScaler, 'StandardScaler', dir, options);
  }
}
