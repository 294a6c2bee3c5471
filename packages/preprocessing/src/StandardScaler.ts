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
  // Float64 in memory (scikit-learn's numbers to the last bit); the model file keeps float32 tensors (the
  // format's) plus the exact float64 values in its state.
  #mean: Float64Array | null = null;
  #var: Float64Array | null = null;
  #scale: Float64Array | null = null;

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
    this.#mean = tracks ? Float64Array.from(s.mean) : null;
    if (withStd) {
      this.#var = Float64Array.from(s.var);
      // scikit-learn's _is_constant_feature: a variance within rounding error of 0 is a constant feature.
      const constant = Array.from(s.var, (v, i) => v <= s.n * EPS * v + (s.n * s.mean[i]! * EPS) ** 2);
      this.#scale = handleZeros(s.var.map(Math.sqrt), constant);
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
    const f32 = (a: Float64Array) => Float32Array.from(a);
    if (this.#mean) tensors.push(named('mean', f32(this.#mean)));
    if (this.#var) tensors.push(named('var', f32(this.#var)), named('scale', f32(this.#scale!)));
    const exact: Record<string, number[]> = {};
    if (this.#mean) exact.mean = Array.from(this.#mean);
    if (this.#var) {
      exact.var = Array.from(this.#var);
      exact.scale = Array.from(this.#scale!);
    }
    return { state: { nSamplesSeen: this.seen, float64: exact }, tensors };
  }

  protected restore(file: FileReader): void {
    const n = this.nFeatures;
    const { withMean, withStd } = this.params;
    file.only(['mean', 'var', 'scale']);
    // The exact float64 values when the file has them (files written before 0.3 have the float32 tensors only).
    const exact = file.state.float64 as Record<string, unknown> | undefined;
    const read = (name: string): Float64Array => {
      const f32 = file.vector(name, n)!;
      const v = exact?.[name];
      if (v === undefined) return Float64Array.from(f32);
      if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
        file.fail(`state.float64.${name} must list ${n} finite numbers.`);
      const out = Float64Array.from(v as number[]);
      if (out.some((x, i) => Math.fround(x) !== f32[i]))
        file.fail(`state.float64.${name} does not match the tensor "${name}".`);
      return out;
    };
    this.#mean = withMean || withStd ? read('mean') : null;
    this.#var = withStd ? read('var') : null;
    this.#scale = withStd ? read('scale') : null;
    if (this.#scale?.some((s) => !(s > 0))) file.fail('every scale must be > 0.');
    this.seen = file.int('nSamplesSeen', 1);
  }

  /** Loads a scaler saved with `save(dir)`; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<StandardScaler> {
    return BaseTransformer.loadAs(StandardScaler, 'StandardScaler', dir, options);
  }
}
