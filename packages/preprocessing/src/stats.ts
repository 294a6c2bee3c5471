/** Column statistics of a row-major matrix, in float64. */

/** Per-column mean and population variance (two passes). */
export function columnMeanVar(
  values: Float64Array,
  rows: number,
  cols: number,
): { mean: Float64Array; var: Float64Array } {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += values[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  const v = new Float64Array(cols);
  const corr = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = values[r * cols + c]! - mean[c]!;
      v[c]! += d * d;
      corr[c]! += d;
    }
  }
  // The corrected two-pass formula (as numpy/scikit-learn): subtract the rounding error of the mean.
  for (let c = 0; c < cols; c++) v[c] = (v[c]! - (corr[c]! * corr[c]!) / rows) / rows;
  return { mean, var: v };
}

/**
 * scikit-learn's `_incremental_mean_and_var`: combines running statistics over `lastN` samples with a new
 * batch. `lastVar` null means the variance is not tracked.
 */
export function incrementalMeanVar(
  values: Float64Array,
  rows: number,
  cols: number,
  lastMean: ArrayLike<number> | null,
  lastVar: ArrayLike<number> | null,
  lastN: number,
): { mean: Float64Array; var: Float64Array; n: number } {
  const batch = columnMeanVar(values, rows, cols);
  const n = lastN + rows;
  if (lastN === 0 || !lastMean) return { mean: batch.mean, var: batch.var, n };
  const mean = new Float64Array(cols);
  const v = new Float64Array(cols);
  const lastOverNew = lastN / rows;
  for (let c = 0; c < cols; c++) {
    const lastSum = lastMean[c]! * lastN;
    const newSum = batch.mean[c]! * rows;
    mean[c] = (lastSum + newSum) / n;
    if (lastVar) {
      const lastUnnorm = lastVar[c]! * lastN;
      const newUnnorm = batch.var[c]! * rows;
      const diff = lastSum / lastOverNew - newSum;
      v[c] = (lastUnnorm + newUnnorm + (lastOverNew / n) * diff * diff) / n;
    }
  }
  return { mean, var: v, n };
}

/** The values of column `c`, sorted ascending, skipping NaN. */
export function sortedColumn(values: Float64Array, rows: number, cols: number, c: number): Float64Array {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const v = values[r * cols + c]!;
    if (!Number.isNaN(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/** numpy's default (linear) percentile `q` ∈ [0, 100] of sorted values (NaN when empty). */
export function percentile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}
