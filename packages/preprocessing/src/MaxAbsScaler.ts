import type { EstimatorOptions, MatrixLike, ParamSpec } from '@layerwise/core';
import {
  arr,
  BaseTransformer,
  type FileReader,
  type FittedData,
  handleZeros,
  named,
  toOutput,
} from './base.js';

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
export class MaxAbsScaler extends BaseTransformer<MaxAbsScalerParams> {
  #maxAbs: Float32Array | null = null;
  #scale: Float32Array | null = null;
  #n = 0;

  /** MaxAbsScaler takes no parameters (`{}`). */
  constructor(params: Partial<MaxAbsScalerParams> = {}, options: EstimatorOptions = {}) {
    super({}, SPEC, params, options);
  }

  get kind(): string {
    return 'MaxAbsScaler';
  }

  get isFitted(): boolean {
    return this.#n > 0;
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

  /** Samples seen by `fit` / all `partialFit` calls so far. */
  get nSamplesSeen(): number {
    this.assertFitted('nSamplesSeen');
    return this.#n;
  }

  /** Computes the per-feature maximum absolute value, starting over. Returns this. */
  fit(X: MatrixLike, _y?: unknown): this {
    const m = this.read(X, 'fit', true);
    this.#update(m.values, m.rows, m.cols, true);
    return this;
  }

  /** Updates the running maximum absolute value with one more batch. Returns this. */
  partialFit(X: MatrixLike, _y?: unknown): this {
    const m = this.read(X, 'partialFit', !this.isFitted);
    this.#update(m.values, m.rows, m.cols, !this.isFitted);
    return this;
  }

  #update(v: Float64Array, rows: number, cols: number, reset: boolean): void {
    const mx = reset ? new Float64Array(cols) : Float64Array.from(this.#maxAbs!);
    for (let i = 0; i < v.length; i++) {
      const c = i % cols;
      const a = Math.abs(v[i]!);
      if (a > mx[c]!) mx[c] = a;
    }
    this.#maxAbs = Float32Array.from(mx);
    this.#scale = Float32Array.from(handleZeros(mx));
    this.#n = (reset ? 0 : this.#n) + rows;
    this.nFeatures = cols;
  }

  /** `X / scale`, in the kind of X. */
  transform(X: MatrixLike): MatrixLike {
    const m = this.read(X, 'transform', false);
    const v = m.values;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! / this.#scale![i % m.cols]!;
    return toOutput(v, m.rows, m.cols, m.kind, m.f64);
  }

  /** `Z * scale`, in the kind of Z. */
  inverseTransform(Z: MatrixLike): MatrixLike {
    const m = this.read(Z, 'inverseTransform', false);
    const v = m.values;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * this.#scale![i % m.cols]!;
    return toOutput(v, m.rows, m.cols, m.kind, m.f64);
  }

  protected clearFitted(): void {
    this.#maxAbs = null;
    this.#scale = null;
    this.#n = 0;
  }

  protected fittedData(): FittedData {
    return {
      state: { nSamplesSeen: this.#n },
      tensors: [named('maxAbs', this.#maxAbs!), named('scale', this.#scale!)],
    };
  }

  protected restore(file: FileReader): void {
    file.only(['maxAbs', 'scale']);
    this.#maxAbs = file.vector('maxAbs', this.nFeatures);
    this.#scale = file.vector('scale', this.nFeatures);
    if (this.#scale!.some((s) => !(s > 0))) file.fail('every scale must be > 0.');
    this.#n = file.int('nSamplesSeen', 1);
  }

  /** Loads a scaler saved with `save(dir)`; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<MaxAbsScaler> {
    return BaseTransformer.loadAs(MaxAbsScaler, 'MaxAbsScaler', dir, options);
  }
}
