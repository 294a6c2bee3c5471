import { type EstimatorOptions, type ParamSpec, ValidationError } from '@layerwise/core';
import { arr, BaseTransformer, type FileReader, type FittedData, handleZeros, named } from './base.js';
import { type AffineMap, IncrementalScaler } from './scaling.js';

/** Hyper-parameters of {@link MinMaxScaler}. */
export interface MinMaxScalerParams {
  /** The range `[min, max]` each feature is scaled to. Default `[0, 1]`. */
  featureRange: [number, number];
  /** Clip transformed values of unseen data to `featureRange`. Default false. */
  clip: boolean;
}

const DEFAULTS: MinMaxScalerParams = { featureRange: [0, 1], clip: false };
const SPEC: ParamSpec<MinMaxScalerParams> = { featureRange: { type: 'any' }, clip: { type: 'boolean' } };

/**
 * Scales each feature to `featureRange` from the minimum and maximum seen at fit time (scikit-learn's
 * `MinMaxScaler`): `x * scale + min`. `partialFit` tracks the running minimum and maximum.
 *
 * ```ts
 * const Z = new MinMaxScaler({ featureRange: [-1, 1] }).fitTransform([[1], [3], [5]]); // [[-1], [0], [1]]
 * ```
 */
export class MinMaxScaler extends IncrementalScaler<MinMaxScalerParams> {
  #dataMin: Float32Array | null = null;
  #dataMax: Float32Array | null = null;
  #scale: Float32Array | null = null;
  #min: Float32Array | null = null;

  /** @param params `{ featureRange, clip }`; unknown names or bad values → ValidationError */
  constructor(params: Partial<MinMaxScalerParams> = {}, options: EstimatorOptions = {}) {
    super(DEFAULTS, SPEC, params, options);
  }

  protected override validateCombination(p: MinMaxScalerParams): void {
    const r = p.featureRange as unknown;
    if (
      !Array.isArray(r) ||
      r.length !== 2 ||
      !r.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
      !(r[0] < r[1])
    ) {
      throw new ValidationError(
        `MinMaxScaler: featureRange must be [min, max] with finite min < max, got ${JSON.stringify(r)}.`,
      );
    }
  }

  get kind(): string {
    return 'MinMaxScaler';
  }

  /** Per-feature minimum seen. */
  get dataMin(): number[] {
    this.assertFitted('dataMin');
    return arr(this.#dataMin)!;
  }

  /** Per-feature maximum seen. */
  get dataMax(): number[] {
    this.assertFitted('dataMax');
    return arr(this.#dataMax)!;
  }

  /** Per-feature `dataMax - dataMin`. */
  get dataRange(): number[] {
    this.assertFitted('dataRange');
    return Array.from(this.#dataMax!, (v, i) => v - this.#dataMin![i]!);
  }

  /** Per-feature multiplier: `(max - min) / dataRange` (constant features: range taken as 1). */
  get scale(): number[] {
    this.assertFitted('scale');
    return arr(this.#scale)!;
  }

  /** Per-feature offset added after scaling (scikit-learn's `min_`). */
  get min(): number[] {
    this.assertFitted('min');
    return arr(this.#min)!;
  }

  protected update(v: Float64Array, _rows: number, cols: number, reset: boolean): void {
    const lo = reset ? new Float64Array(cols).fill(Infinity) : Float64Array.from(this.#dataMin!);
    const hi = reset ? new Float64Array(cols).fill(-Infinity) : Float64Array.from(this.#dataMax!);
    for (let i = 0; i < v.length; i++) {
      const c = i % cols;
      if (v[i]! < lo[c]!) lo[c] = v[i]!;
      if (v[i]! > hi[c]!) hi[c] = v[i]!;
    }
    const [fmin, fmax] = this.params.featureRange;
    const range = handleZeros(hi.map((h, c) => h - lo[c]!));
    const scale = range.map((r) => (fmax - fmin) / r);
    this.#dataMin = Float32Array.from(lo);
    this.#dataMax = Float32Array.from(hi);
    this.#scale = Float32Array.from(scale);
    this.#min = Float32Array.from(lo, (l, c) => fmin - l * scale[c]!);
  }

  /** `x * scale + min`, clipped to `featureRange` when `clip`. */
  protected affine(): AffineMap {
    const clip = this.params.clip ? this.params.featureRange : null;
    return { center: null, scale: null, multiply: this.#scale, offset: this.#min, clip };
  }

  protected clearFitted(): void {
    this.#dataMin = null;
    this.#dataMax = null;
    this.#scale = null;
    this.#min = null;
    this.seen = 0;
  }

  protected fittedData(): FittedData {
    return {
      state: { nSamplesSeen: this.seen },
      tensors: [
        named('dataMin', this.#dataMin!),
        named('dataMax', this.#dataMax!),
        named('scale', this.#scale!),
        named('min', this.#min!),
      ],
    };
  }

  protected restore(file: FileReader): void {
    const n = this.nFeatures;
    file.only(['dataMin', 'dataMax', 'scale', 'min']);
    this.#dataMin = file.vector('dataMin', n);
    this.#dataMax = file.vector('dataMax', n);
    this.#scale = file.vector('scale', n);
    this.#min = file.vector('min', n);
    if (this.#scale!.some((s) => s === 0)) file.fail('every scale must be non-zero.');
    this.seen = file.int('nSamplesSeen', 1);
  }

  /** Loads a scaler saved with `save(dir)`; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<MinMaxScaler> {
    return BaseTransformer.loadAs(MinMaxScaler, 'MinMaxScaler', dir, options);
  }
}
