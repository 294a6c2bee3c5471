import {
  type ClassLabel,
  type LabelsLike,
  readLabels,
  type TargetsLike,
  type TypedMatrix,
  uniqueClasses,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/** Scores or probabilities: one value per sample (1-D) or one row per sample (2-D). */
export type ScoresLike = TargetsLike;

function lengthOf(y: unknown): number {
  if (y instanceof tf.Tensor) return y.shape[0] ?? 0;
  if (Array.isArray(y) || ArrayBuffer.isView(y)) return (y as ArrayLike<unknown>).length;
  return -1;
}

/** Reads labels of any accepted kind into a plain array (validated: one type, finite numbers). */
export function labelValues(y: unknown, fn: string, name: string): ClassLabel[] {
  const n = lengthOf(y);
  if (n === 0) throw new ValidationError(`${fn}: ${name} is empty: pass one label per sample.`);
  try {
    return readLabels(y, Math.max(n, 0), name).values;
  } catch (e) {
    if (e instanceof ValidationError) throw new ValidationError(`${fn}: ${e.message}`);
    throw e;
  }
}

/** Reads `yTrue` and `yPred`, checking equal lengths and one label type across both. */
export function labelPair(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  fn: string,
): { t: ClassLabel[]; p: ClassLabel[] } {
  const t = labelValues(yTrue, fn, 'yTrue');
  const p = labelValues(yPred, fn, 'yPred');
  if (t.length !== p.length) {
    throw new ValidationError(
      `${fn}: yTrue has ${t.length} labels but yPred has ${p.length}: pass one prediction per true label.`,
    );
  }
  if (typeof t[0] !== typeof p[0]) {
    throw new ValidationError(
      `${fn}: yTrue holds ${typeof t[0]}s but yPred holds ${typeof p[0]}s: compare labels of one type.`,
    );
  }
  return { t, p };
}

/** Sorted union of the labels (scikit-learn's `unique_labels`). */
export function unionLabels(...lists: readonly ClassLabel[][]): ClassLabel[] {
  return uniqueClasses(lists.flat());
}

/** Checks a caller's `labels` option: non-empty, unique, same type as the data. */
export function checkLabelsOption(
  labels: readonly ClassLabel[] | undefined,
  sample: ClassLabel | undefined,
  fn: string,
): ClassLabel[] | undefined {
  if (labels === undefined) return undefined;
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new ValidationError(`${fn}: labels must be a non-empty array of class labels.`);
  }
  if (new Set(labels).size !== labels.length) {
    throw new ValidationError(`${fn}: labels ${JSON.stringify(labels)} contain duplicates.`);
  }
  if (sample !== undefined && labels.some((l) => typeof l !== typeof sample)) {
    throw new ValidationError(
      `${fn}: labels ${JSON.stringify(labels)} must have the type of the data's labels (${typeof sample}).`,
    );
  }
  return [...labels];
}

/** A dense row-major float64 matrix read from scores of any accepted kind. */
export interface Dense {
  values: Float64Array;
  rows: number;
  cols: number;
  /** True when the caller passed 1-D values. */
  oneDimensional: boolean;
}

function isTypedMatrix(x: unknown): x is TypedMatrix {
  return typeof x === 'object' && x !== null && 'data' in x && 'shape' in x;
}

/** Reads numbers of any accepted kind (1-D or 2-D) into float64, rejecting empty, ragged and non-finite input. */
export function denseValues(y: unknown, fn: string, name: string): Dense {
  let values: Float64Array;
  let rows: number;
  let cols: number;
  let oneDimensional = false;
  if (y instanceof tf.Tensor) {
    if (y.isDisposed) throw new ValidationError(`${fn}: ${name} is a disposed tensor: pass a live tensor.`);
    if (y.rank !== 1 && y.rank !== 2) {
      throw new ValidationError(`${fn}: ${name} must be 1-D or 2-D, got shape [${y.shape.join(', ')}].`);
    }
    values = Float64Array.from(y.dataSync() as ArrayLike<number>);
    rows = y.shape[0]!;
    cols = y.rank === 2 ? y.shape[1]! : 1;
    oneDimensional = y.rank === 1;
  } else if (y instanceof Float32Array || y instanceof Float64Array || y instanceof Int32Array) {
    values = Float64Array.from(y);
    rows = y.length;
    cols = 1;
    oneDimensional = true;
  } else if (isTypedMatrix(y)) {
    const { data, shape } = y;
    if (!Array.isArray(shape) || shape.length !== 2 || !ArrayBuffer.isView(data)) {
      throw new ValidationError(`${fn}: ${name} must be { data: Float32Array, shape: [rows, cols] }.`);
    }
    [rows, cols] = shape;
    if ((data as Float32Array).length !== rows * cols) {
      throw new ValidationError(
        `${fn}: ${name}.data has ${(data as Float32Array).length} values but shape [${rows}, ${cols}] needs ${rows * cols}.`,
      );
    }
    values = Float64Array.from(data as Float32Array);
  } else if (Array.isArray(y)) {
    rows = y.length;
    if (rows > 0 && Array.isArray(y[0])) {
      cols = (y[0] as unknown[]).length;
      values = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const row = y[r] as unknown;
        if (!Array.isArray(row) || row.length !== cols) {
          throw new ValidationError(
            `${fn}: ${name} is ragged: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values but row 0 has ${cols}.`,
          );
        }
        for (let c = 0; c < cols; c++) values[r * cols + c] = checkNumber(row[c], fn, `${name}[${r}][${c}]`);
      }
    } else {
      cols = 1;
      oneDimensional = true;
      values = new Float64Array(rows);
      for (let r = 0; r < rows; r++) values[r] = checkNumber(y[r], fn, `${name}[${r}]`);
    }
  } else {
    throw new ValidationError(
      `${fn}: ${name} must be number[], number[][], a Float32Array, a 1-D/2-D tf.Tensor or { data, shape }.`,
    );
  }
  if (rows === 0 || cols === 0)
    throw new ValidationError(`${fn}: ${name} is empty: pass one value per sample.`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new ValidationError(
        `${fn}: ${name} contains ${String(values[i])} at row ${Math.floor(i / cols)}: values must be finite.`,
      );
    }
  }
  return { values, rows, cols, oneDimensional };
}

function checkNumber(v: unknown, fn: string, where: string): number {
  if (typeof v !== 'number') throw new ValidationError(`${fn}: ${where} is ${typeof v}, expected a number.`);
  return v;
}
