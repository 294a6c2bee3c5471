import { ValidationError } from '@layerwise/core';

/** `contamination`: the expected fraction of outliers in (0, 0.5], or `'auto'` (a Tukey fence on the scores). */
export type Contamination = 'auto' | number;

/** Throws a ValidationError unless `c` is `'auto'` or a number in (0, 0.5]. */
export function checkContamination(owner: string, c: unknown): asserts c is Contamination {
  if (c === 'auto') return;
  if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0 || c > 0.5) {
    let shown: string;
    try {
      shown = JSON.stringify(c) ?? String(c);
    } catch {
      shown = String(c);
    }
    throw new ValidationError(
      `${owner}: contamination must be 'auto' or a number in (0, 0.5] (the expected fraction of outliers), got ${shown}.`,
    );
  }
}

/**
 * The `q`-quantile (q in [0, 1]) of `values` with linear interpolation between order statistics — NumPy's
 * default `percentile(values, 100 q)`, which scikit-learn's detectors use for their `offset_`.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) throw new ValidationError('quantile: no values.');
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The `offset` on the `scoreSamples` scale (higher = more normal) that flags a `contamination` fraction of
 * the training scores as outliers (`score < offset`): their `contamination`-quantile. For `'auto'`, the
 * lower Tukey fence `Q1 − 1.5·IQR` of the training scores (the classic box-plot outlier rule; the upper fence
 * of the reconstruction errors).
 */
export function offsetFor(scores: ArrayLike<number>, contamination: Contamination): number {
  if (contamination === 'auto') {
    const q1 = quantile(scores, 0.25);
    const q3 = quantile(scores, 0.75);
    return q1 - 1.5 * (q3 - q1);
  }
  return quantile(scores, contamination);
}
