import type { EstimatorOptions, ParamSpec } from '@layerwise/core';
import { arr, BaseTransformer, type FileReader, type FittedData, handleZeros, named } from './base.js';
import { type AffineMap, IncrementalScaler } from './scaling.js';

/** MaxAbsScaler has no hyper-parameters. */
export type MaxAbsScalerParams = Record<string, never>;

const SPEC: ParamSpec<MaxAbsScalerParams> = {};

/**
 * Divides each feature by its maximum absolute value, so values land in [-1, 1] without shifting them
 * (scikit-learn's `MaxAbsScaler`; keeps zeros zero). `partialFit` tracks the running maximum.
 *
 * ```ts
 * new MaxAbsScaler().fitTransform([[1, -4], [2, 2]]); // [[0.5, -1], [1, 0.5]]
 * ```
 */
export class MaxAbsScaler extends IncrementalScaler<MaxAbsScalerParams> {
  #maxAbs: Float32Array | null = null;
  #scale: Float32Array | null = null;

  /** MaxAbsScaler takes no parameters (`{}`). */
  constructor(params: Partial<MaxAbsScalerParams> = {}, options: EstimatorOptions = {}) {
    super({}, SPEC, params, options);
  }

  get kind(): string {
    return 'MaxAbsScaler';
  }

  /** Per-feature maximum absolute value seen. */
  get maxAbs(): number[] {
    this.assertFitted('maxAbs');
    return arr(this.#maxAbs)!;
  }

  /** Per-feature divisor (`maxAbs`, with all-zero features at 1). */
  get scale(): number[] {
    this.assertFitted('scale');
    return arr(this.#scale)!;
  }

  protected update(v: Float64Array, _rows: number, cols: number, reset: boolean): void {
    const mx = reset ? new Float64Array(cols) : Float64Array.from(this.#maxAbs!);
    for (let i = 0; i < v.length; i++) {
      const c = i % cols;
      const a = Math.abs(v[i]!);
      if (a > mx[c]!) mx[c] = a;
    }
    this.#maxAbs = Float32Array.from(mx);
    this.#scale = Float32Array.from(handleZeros(mx));
  }

  /** `x / scale`. */
  protected affine(): AffineMap {
    return { center: null, scale: this.#scale, multiply: null, offset: null, clip: null };
  }

  protected clearFitted(): void {
    this.#maxAbs = null;
    this.#scale = null;
    this.seen = 0;
  }

  protected fittedData(): FittedData {
    return {
      state: { nSamplesSeen: this.seen },
      tensors: [named('maxAbs', this.#maxAbs!), named('scale', this.#scale!)],
    };
  }

  protected restore(file: FileReader): void {
    file.only(['maxAbs', 'scale']);
    this.#maxAbs = file.vector('maxAbs', this.nFeatures);
    this.#scale = file.vector('scale', this.nFeatures);
    if (this.#scale!.some((s) => !(s > 0))) file.fail('every scale must be > 0.');
    this.seen = file.int('nSamplesSeen', 1);
  }

  /** Loads a scaler saved with `save(dir)`; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<MaxAbsScaler> {
    return BaseTransformer.loadAs(MaxAbsScaler, 'MaxAbsScaler', dir, options);
  }
}
