import {
  meanSquaredError as coreMeanSquaredError,
  r2Score as coreR2Score,
  type TargetsLike,
  ValidationError,
} from '@layerwise/core';
import { type Dense, denseValues } from './inputs.js';

function pair(yTrue: TargetsLike, yPred: TargetsLike, fn: string): { t: Dense; p: Dense } {
  const t = denseValues(yTrue, fn, 'yTrue');
  const p = denseValues(yPred, fn, 'yPred');
  if (t.rows !== p.rows || t.cols !== p.cols) {
    throw new ValidationError(
      `${fn}: yTrue is ${t.rows}×${t.cols} but yPred is ${p.rows}×${p.cols}: pass one prediction per target.`,
    );
  }
  return { t, p };
}

function rowsOf(d: Dense): number[] | number[][] {
  if (d.cols === 1) return Array.from(d.values);
  return Array.from({ length: d.rows }, (_, r) =>
    Array.from(d.values.subarray(r * d.cols, (r + 1) * d.cols)),
  );
}

/** Mean absolute error, averaged uniformly over output columns (scikit-learn's `mean_absolute_error`). */
export function meanAbsoluteError(yTrue: TargetsLike, yPred: TargetsLike): number {
  const { t, p } = pair(yTrue, yPred, 'meanAbsoluteError');
  let total = 0;
  for (let c = 0; c < t.cols; c++) {
    let s = 0;
    for (let r = 0; r < t.rows; r++) s += Math.abs(t.values[r * t.cols + c]! - p.values[r * t.cols + c]!);
    total += s / t.rows;
  }
  return total / t.cols;
}

/** Options of {@link meanSquaredError}. */
export interface MeanSquaredErrorOptions {
  /** `false` returns the root mean squared error (per column, then averaged). Default true. */
  squared?: boolean;
}

/**
 * Mean squared error, averaged uniformly over output columns (scikit-learn's `mean_squared_error`);
 * `{ squared: false }` gives the RMSE. Targets: number[], number[][], Float32Array, tensors or `{ data, shape }`.
 */
export function meanSquaredError(
  yTrue: TargetsLike,
  yPred: TargetsLike,
  options: MeanSquaredErrorOptions = {},
): number {
  const { t, p } = pair(yTrue, yPred, 'meanSquaredError');
  if (options.squared !== false) return coreMeanSquaredError(rowsOf(t), rowsOf(p));
  let total = 0;
  for (let c = 0; c < t.cols; c++) {
    const col = (d: Dense) => Array.from({ length: d.rows }, (_, r) => d.values[r * d.cols + c]!);
    total += Math.sqrt(coreMeanSquaredError(col(t), col(p)));
  }
  return total / t.cols;
}

/**
 * Coefficient of determination R², averaged uniformly over output columns (scikit-learn's `r2_score`;
 * a constant column scores 1 when predicted exactly, 0 otherwise).
 */
export function r2Score(yTrue: TargetsLike, yPred: TargetsLike): number {
  const { t, p } = pair(yTrue, yPred, 'r2Score');
  return coreR2Score(rowsOf(t), rowsOf(p));
}
