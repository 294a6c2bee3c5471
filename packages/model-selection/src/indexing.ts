import {
  type ClassLabel,
  type ColumnsObject,
  isTableLike,
  readLabels,
  readTable,
  type TableLike,
  type TypedMatrix,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/** Anything with one entry per sample that {@link takeRows} can index: arrays, typed arrays, tensors, `{ data, shape }`. */
export type Indexable =
  | readonly unknown[]
  | Float32Array
  | Float64Array
  | Int32Array
  | tf.Tensor
  | TypedMatrix
  | TableLike;

function isTypedMatrix(x: unknown): x is TypedMatrix {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof tf.Tensor) &&
    'data' in x &&
    'shape' in x &&
    ArrayBuffer.isView((x as TypedMatrix).data)
  );
}

/** True for the kinds {@link takeRows} accepts. */
export function isIndexable(x: unknown): x is Indexable {
  return (
    Array.isArray(x) ||
    x instanceof Float32Array ||
    x instanceof Float64Array ||
    x instanceof Int32Array ||
    x instanceof tf.Tensor ||
    isTypedMatrix(x) ||
    isTableLike(x)
  );
}

/** Number of samples (rows) of an indexable input; ValidationError for anything else. */
export function numSamples(x: unknown, name: string): number {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw new ValidationError(`${name} is a disposed tensor: pass a live tensor.`);
    if (x.rank === 0) throw new ValidationError(`${name} is a scalar tensor: pass one row per sample.`);
    return x.shape[0]!;
  }
  if (isTypedMatrix(x)) {
    const { data, shape } = x;
    if (!Array.isArray(shape) || shape.length !== 2 || data.length !== shape[0] * shape[1]) {
      throw new ValidationError(`${name}: { data, shape } needs shape [rows, cols] matching data.length.`);
    }
    return shape[0];
  }
  if (!Array.isArray(x) && isTableLike(x)) return readTable(x)!.rows;
  if (isIndexable(x)) return (x as ArrayLike<unknown>).length;
  throw new ValidationError(
    `${name} must be an array, a typed array, a tf.Tensor or { data, shape }, got ${x === null ? 'null' : typeof x}.`,
  );
}

/**
 * Float matrices a thread's fits take their fold rows into, given back when a fit is done with them: a
 * search's fits reuse a few buffers instead of allocating a fold's copy each (tens of MB per search, which
 * V8 counts as external memory and answers with full garbage collections). Only for fits whose estimator is
 * dropped after scoring — a kept one could still hold its rows.
 */
export class RowScratch {
  readonly #free = new Map<string, (Float32Array | Float64Array)[]>();

  /** A buffer of `length` values of `Ctor`'s type (its contents undefined: the caller fills it). */
  take(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, length: number): Float32Array | Float64Array {
    return this.#list(Ctor.name, length).pop() ?? new Ctor(length);
  }

  /** Gives `buffer` back for a later {@link RowScratch.take} (the caller no longer uses it). */
  give(buffer: Float32Array | Float64Array): void {
    this.#list(buffer.constructor.name, buffer.length).push(buffer);
  }

  #list(type: string, length: number): (Float32Array | Float64Array)[] {
    const key = `${type}:${length}`;
    let list = this.#free.get(key);
    if (!list) {
      list = [];
      this.#free.set(key, list);
    }
    return list;
  }
}

/**
 * The rows `idx` of `x`, in the same kind: arrays → arrays, typed arrays → typed arrays, `{ data, shape }`
 * → `{ data, shape }` (its data from `scratch` when given), tensors → a new tensor (the caller owns it).
 */
export function takeRows<T>(x: T, idx: ArrayLike<number>, scratch?: RowScratch): T {
  // A table (Arrow, data frame, Arquero, columns object) → a columns object with the same names (text
  // columns too); an array of row objects stays one (below).
  if (!Array.isArray(x) && isTableLike(x)) {
    const t = readTable(x)!;
    const out: Record<string, ArrayLike<unknown>> = {};
    for (const name of t.names) {
      const col = t.column(name);
      const typed = ArrayBuffer.isView(col) && t.firstMissing(name) < 0;
      const Ctor = typed ? (col.constructor as new (n: number) => unknown[]) : Array;
      const taken = new Ctor(idx.length) as unknown[];
      for (let i = 0; i < idx.length; i++) {
        const v = col[idx[i]!];
        taken[i] = v === undefined ? null : v;
      }
      out[name] = taken;
    }
    return out as T;
  }
  if (x instanceof tf.Tensor) {
    return tf.tidy(() => tf.gather(x, tf.tensor1d(Int32Array.from(idx), 'int32'))) as T;
  }
  if (isTypedMatrix(x)) {
    const [, cols] = x.shape;
    const Ctor = x.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
    const out = scratch ? scratch.take(Ctor, idx.length * cols) : new Ctor(idx.length * cols);
    for (let i = 0; i < idx.length; i++) {
      const r = idx[i]!;
      out.set(x.data.subarray(r * cols, (r + 1) * cols), i * cols);
    }
    return { data: out, shape: [idx.length, cols] } as T;
  }
  if (x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array) {
    const Ctor = x.constructor as new (n: number) => typeof x;
    const src = x as Float32Array;
    const out = new Ctor(idx.length) as Float32Array;
    for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]!]!;
    return out as T;
  }
  if (Array.isArray(x)) {
    const out = new Array(idx.length);
    for (let i = 0; i < idx.length; i++) {
      const v = x[idx[i]!];
      out[i] = Array.isArray(v) ? [...v] : v;
    }
    return out as T;
  }
  throw new ValidationError('takeRows: expected an array, a typed array, a tf.Tensor or { data, shape }.');
}

/** Disposes `x` when it is a tensor. */
export function disposeIfTensor(x: unknown): void {
  if (x instanceof tf.Tensor) x.dispose();
}

/**
 * X as one typed matrix, read once, so every fold (and every worker) sees the same numbers:
 * number[][] → float64, tensors → float32, `{ data, shape }` as given. Values are not checked here (the
 * estimator does that; transformers such as an imputer accept NaN).
 */
export function readFeatures(X: unknown, name = 'X'): TypedMatrix | ColumnsObject {
  // A table (Arrow, data frame, row objects…): one columns object, names and text columns kept, that folds
  // index and workers receive.
  if (isTableLike(X)) {
    const rows = numSamples(X, name);
    if (rows === 0) throw new ValidationError(`${name} is empty (0 rows): pass at least one sample.`);
    const all = Int32Array.from({ length: rows }, (_, i) => i);
    return (Array.isArray(X) ? takeRows(readTableAsColumns(X), all) : takeRows(X, all)) as ColumnsObject;
  }
  if (X instanceof tf.Tensor) {
    if (X.isDisposed) throw new ValidationError(`${name} is a disposed tensor: pass a live tensor.`);
    if (X.rank !== 2) {
      throw new ValidationError(
        `${name} must be a 2-D tensor [samples, features], got shape [${X.shape.join(', ')}].`,
      );
    }
    return { data: Float32Array.from(X.dataSync() as ArrayLike<number>), shape: [X.shape[0]!, X.shape[1]!] };
  }
  if (isTypedMatrix(X)) {
    numSamples(X, name);
    if (!(X.data instanceof Float32Array || X.data instanceof Float64Array)) {
      throw new ValidationError(`${name}.data must be a Float32Array or Float64Array.`);
    }
    return X;
  }
  if (Array.isArray(X)) {
    const rows = X.length;
    if (rows === 0) throw new ValidationError(`${name} is empty (0 rows): pass at least one sample.`);
    if (!Array.isArray(X[0])) {
      throw new ValidationError(`${name} must be a 2-D array (number[][]): wrap each sample in an array.`);
    }
    const cols = (X[0] as unknown[]).length;
    const data = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = X[r] as unknown;
      if (!Array.isArray(row) || row.length !== cols) {
        throw new ValidationError(
          `${name} is ragged: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values but row 0 has ${cols}.`,
        );
      }
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number')
          throw new ValidationError(`${name}[${r}][${c}] is ${typeof v}, expected a number.`);
        data[r * cols + c] = v;
      }
    }
    return { data, shape: [rows, cols] };
  }
  throw new ValidationError(
    `${name} must be number[][], a 2-D tf.Tensor or { data: Float32Array, shape: [rows, cols] }, got ${X === null ? 'null' : typeof X}.`,
  );
}

/** Targets/labels as a plain container (tensors read once) with one entry per sample. */
export type TargetStore = ClassLabel[] | number[][] | Float32Array | Float64Array | Int32Array | TypedMatrix;

/** y read once for cross-validation: tensors become arrays / `{ data, shape }`; row count checked. */
export function readTargets(y: unknown, rows: number, name = 'y'): TargetStore {
  let out: TargetStore;
  if (y instanceof tf.Tensor) {
    if (y.isDisposed) throw new ValidationError(`${name} is a disposed tensor: pass a live tensor.`);
    if (y.rank === 1) out = Array.from(y.dataSync() as ArrayLike<number>);
    else if (y.rank === 2)
      out = { data: Float32Array.from(y.dataSync() as ArrayLike<number>), shape: [y.shape[0]!, y.shape[1]!] };
    else throw new ValidationError(`${name} must be a 1-D or 2-D tensor, got shape [${y.shape.join(', ')}].`);
  } else if (isIndexable(y)) {
    out = y as TargetStore;
  } else {
    throw new ValidationError(
      `${name} must be number[], string[], Int32Array, Float32Array, number[][] or a tf.Tensor, got ${y === null ? 'null' : typeof y}.`,
    );
  }
  const n = numSamples(out, name);
  if (n !== rows) {
    throw new ValidationError(`X has ${rows} samples but ${name} has ${n}: pass one target per row of X.`);
  }
  return out;
}

/** Class labels of `y` for stratification (validated: numbers or strings, one per sample). */
export function stratifyLabels(y: unknown, rows: number, name: string): ClassLabel[] {
  if (
    isTypedMatrix(y) ||
    (y instanceof tf.Tensor && y.rank !== 1) ||
    (Array.isArray(y) && Array.isArray(y[0]))
  ) {
    throw new ValidationError(`${name} must hold one class label per sample (1-D) to stratify.`);
  }
  if (y instanceof Float32Array || y instanceof Float64Array) return Array.from(y);
  return readLabels(y, rows, name).values;
}

/** An array of row objects as a columns object (same names, same values). */
function readTableAsColumns(rows: readonly unknown[]): ColumnsObject {
  const t = readTable(rows)!;
  return Object.fromEntries(t.names.map((n) => [n, Array.from(t.column(n))]));
}
