import { type EstimatorOptions, type FeaturesLike, type ParamSpec, ValidationError } from '@layerwise/core';
import { arr, BaseTransformer, type FileReader, type FittedData, handleZeros, named } from './base.js';
import { type AffineMap, AffineScaler } from './scaling.js';
import { percentile, sortedColumn } from './stats.js';

/** Hyper-parameters of {@link RobustScaler}. */
export interface RobustScalerParams {
  /** Subtract the median of each feature. Default true. */
  withCentering: boolean;
  /** Divide by the interquantile range of each feature. Default true. */
  withScaling: boolean;
  /** Percentiles `[qMin, qMax]` (0 ≤ qMin ≤ qMax ≤ 100) whose difference is the scale. Default `[25, 75]`. */
  quantileRange: [number, number];
}

const DEFAULTS: RobustScalerParams = { withCentering: true, withScaling: true, quantileRange: [25, 75] };
const SPEC: ParamSpec<RobustScalerParams> = {
  withCentering: { type: 'boolean' },
  withScaling: { type: 'boolean' },
  quantileRange: { type: 'any' },
};

/**
 * Scales features with statistics that outliers barely move (scikit-learn's `RobustScaler`):
 * `(x - median) / (q[qMax] - q[qMin])`, percentiles interpolated linearly as numpy does.
 *
 * ```ts
 * const s = new RobustScaler().fit([[1], [2], [3], [4], [100]]);
 * s.center; // [3]
 * ```
 */
export class RobustScaler extends AffineScaler<RobustScalerParams> {
  #center: Float32Array | null = null;
  #scale: Float32Array | null = null;
  #fitted = false;

  /** @param params `{ withCentering, withScaling, quantileRange }`; bad values → ValidationError */
  constructor(params: Partial<RobustScalerParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
  }

  protected override validateCombination(p: RobustScalerParams): void {
    const q = p.quantileRange as unknown;
    if (
      !Array.isArray(q) ||
      q.length !== 2 ||
      !q.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
      !(0 <= q[0] && q[0] <= q[1] && q[1] <= 100)
    ) {
      throw new ValidationError(
        `RobustScaler: quantileRange must be [qMin, qMax] with 0 ≤ qMin ≤ qMax ≤ 100, got ${JSON.stringify(q)}.`,
      );
    }
  }

  get kind(): string {
    return 'RobustScaler';
  }

  get isFitted(): boolean {
    return this.#fitted;
  }

  /** Per-feature median (null unless `withCentering`). */
  get center(): number[] | null {
    this.assertFitted('center');
    return arr(this.#center);
  }

  /** Per-feature interquantile range, zero ranges at 1 (null unless `withScaling`). */
  get scale(): number[] | null {
    this.assertFitted('scale');
    return arr(this.#scale);
  }

  /** Computes medians and interquantile ranges of X. Returns this. */
  fit(X: FeaturesLike, _y?: unknown): this {
    const m = this.read(X, 'fit', true);
    const { withCentering, withScaling, quantileRange } = this.params;
    const center = new Float64Array(m.cols);
    const range = new Float64Array(m.cols);
    for (let c = 0; c < m.cols; c++) {
      const col = sortedColumn(m.values, m.rows, m.cols, c);
      center[c] = percentile(col, 50);
      range[c] = percentile(col, quantileRange[1]) - percentile(col, quantileRange[0]);
    }
    this.#center = withCentering ? Float32Array.from(center) : null;
    this.#scale = withScaling ? Float32Array.from(handleZeros(range)) : null;
    this.nFeatures = m.cols;
    this.#fitted = true;
    return this;
  }

  /** `(x - center) / scale`. */
  protected affine(): AffineMap {
    return { center: this.#center, scale: this.#scale, multiply: null, offset: null, clip: null };
  }

  protected clearFitted(): void {
    this.#center = null;
    this.#scale = null;
    this.#fitted = false;
  }

  protected fittedData(): FittedData {
    const tensors = [];
    if (this.#center) tensors.push(named('center', this.#center));
    if (this.#scale) tensors.push(named('scale', this.#scale));
    return { state: {}, tensors };
  }

  protected restore(file: FileReader): void {
    file.only(['center', 'scale']);
    this.#center = this.params.withCentering ? file.vector('center', this.nFeatures) : null;
    this.#scale = this.params.withScaling ? file.vector('scale', this.nFeatures) : null;
    if (this.#scale?.some((s) => !(s > 0))) file.fail('every scale must be > 0.');
    this.#fitted = true;
  }

  /** Loads a scaler saved with `save(dir)`; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<RobustScaler> {
    return BaseTransformer.loadAs(RobustScaler, 'RobustScaler', dir, options);
  }
}
