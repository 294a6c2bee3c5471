import { ValidationError } from './errors.js';

type Values = ArrayLike<number | string>;

function sameLength(a: { length: number }, b: { length: number }, fn: string): void {
  if (a.length !== b.length) {
    throw new ValidationError(`${fn}: yTrue has ${a.length} values but yPred has ${b.length}.`);
  }
  if (a.length === 0) throw new ValidationError(`${fn}: inputs are empty.`);
}

/** Fraction of labels predicted exactly. */
export function accuracy(yTrue: Values, yPred: Values): number {
  sameLength(yTrue, yPred, 'accuracy');
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

function flatten(y: ArrayLike<number> | number[][]): { values: Float64Array; cols: number } {
  if (Array.isArray(y) && Array.isArray(y[0])) {
    const rows = y as number[][];
    const cols = rows[0]!.length;
    const values = new Float64Array(rows.length * cols);
    for (let i = 0; i < rows.length; i++) values.set(rows[i]!, i * cols);
    return { values, cols };
  }
  return { values: Float64Array.from(y as ArrayLike<number>), cols: 1 };
}

/** Mean squared error over all values. */
export function meanSquaredError(
  yTrue: ArrayLike<number> | number[][],
  yPred: ArrayLike<number> | number[][],
): number {
  const a = flatten(yTrue).values;
  const b = flatten(yPred).values;
  sameLength(a, b, 'meanSquaredError');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

/**
 * Coefficient of determination R², averaged uniformly over output columns (scikit-learn's `r2_score`).
 * A constant column scores 1 when predicted exactly, 0 otherwise.
 */
export function r2Score(
  yTrue: ArrayLike<number> | number[][],
  yPred: ArrayLike<number> | number[][],
): number {
  const t = flatten(yTrue);
  const p = flatten(yPred);
  sameLength(t.values, p.values, 'r2Score');
  const cols = t.cols;
  const rows = t.values.length / cols;
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += t.values[r * cols + c]!;
    mean /= rows;
    let ssRes = 0;
    let ssTot = 0;
    for (let r = 0; r < rows; r++) {
      const v = t.values[r * cols + c]!;
      ssRes += (v - p.values[r * cols + c]!) ** 2;
      ssTot += (v - mean) ** 2;
    }
    total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  }
  return total / cols;
}
