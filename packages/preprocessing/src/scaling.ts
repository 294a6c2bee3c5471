import type { FeaturesLike, MatrixLike } from '@layerwise/core';
import { BaseTransformer, toOutput } from './base.js';

/**
 * The per-feature affine map of a fitted scaler, each part optional (null = left out):
 * `transform(x) = ((x - center) / scale) * multiply + offset`, then clipped to `clip` when given;
 * `inverseTransform(z) = ((z - offset) / multiply) * scale + center`.
 */
export interface AffineMap {
  center: Float32Array | Float64Array | null;
  scale: Float32Array | Float64Array | null;
  multiply: Float32Array | Float64Array | null;
  offset: Float32Array | Float64Array | null;
  clip: readonly [number, number] | null;
}

/**
 * A transformer that scales each feature by an affine map (StandardScaler, MinMaxScaler, MaxAbsScaler,
 * RobustScaler): `transform` and `inverseTransform` are written once here, in the operation order each
 * scaler documents, so every scaler gives exactly the values its own formula gives.
 */
export abstract class AffineScaler<P extends object> extends BaseTransformer<P> {
  /** The fitted map (called after `assertFitted`). */
  protected abstract affine(): AffineMap;

  /** The fitted scaling applied to X, in the kind of X. */
  transform(X: FeaturesLike): MatrixLike {
    const m = this.read(X, 'transform', false);
    const { center, scale, multiply, offset, clip } = this.affine();
    const v = m.values;
    for (let i = 0; i < v.length; i++) {
      const c = i % m.cols;
      let x = v[i]!;
      if (center) x -= center[c]!;
      if (scale) x /= scale[c]!;
      if (multiply) x *= multiply[c]!;
      if (offset) x += offset[c]!;
      if (clip) x = Math.min(clip[1], Math.max(clip[0], x));
      v[i] = x;
    }
    return toOutput(v, m.rows, m.cols, m.kind, m.f64);
  }

  /** Undoes `transform` (clipping aside): back to the original feature space, in the kind of Z. */
  inverseTransform(Z: MatrixLike): MatrixLike {
    const m = this.read(Z, 'inverseTransform', false);
    const { center, scale, multiply, offset } = this.affine();
    const v = m.values;
    for (let i = 0; i < v.length; i++) {
      const c = i % m.cols;
      let x = v[i]!;
      if (offset) x -= offset[c]!;
      if (multiply) x /= multiply[c]!;
      if (scale) x *= scale[c]!;
      if (center) x += center[c]!;
      v[i] = x;
    }
    return toOutput(v, m.rows, m.cols, m.kind, m.f64);
  }
}

/**
 * An {@link AffineScaler} whose statistics can be updated batch by batch: `fit` starts over, `partialFit`
 * adds one more batch (the first call behaves like `fit`), as scikit-learn's `partial_fit`.
 */
export abstract class IncrementalScaler<P extends object> extends AffineScaler<P> {
  /** Rows seen by `fit` / all `partialFit` calls so far (0 = not fitted). */
  protected seen = 0;

  get isFitted(): boolean {
    return this.seen > 0;
  }

  /** Samples seen by `fit` / all `partialFit` calls so far. */
  get nSamplesSeen(): number {
    this.assertFitted('nSamplesSeen');
    return this.seen;
  }

  /**
   * Folds `rows` × `cols` values (row-major) into the statistics, from scratch when `reset`; sets the
   * fitted arrays. `seen` and `nFeatures` are updated by the caller afterwards.
   */
  protected abstract update(values: Float64Array, rows: number, cols: number, reset: boolean): void;

  /** Computes the statistics of X, starting over. Returns this. */
  fit(X: FeaturesLike, _y?: unknown): this {
    const m = this.read(X, 'fit', true);
    this.#fold(m.values, m.rows, m.cols, true);
    return this;
  }

  /** Updates the statistics with one more batch (the first call behaves like `fit`). Returns this. */
  partialFit(X: FeaturesLike, _y?: unknown): this {
    const reset = !this.isFitted;
    const m = this.read(X, 'partialFit', reset);
    this.#fold(m.values, m.rows, m.cols, reset);
    return this;
  }

  #fold(values: Float64Array, rows: number, cols: number, reset: boolean): void {
    this.update(values, rows, cols, reset);
    this.seen = (reset ? 0 : this.seen) + rows;
    this.nFeatures = cols;
  }
}
