import * as tf from '@tensorflow/tfjs-core';
import { ValidationError } from './errors.js';
import { looseMatrix, readTable, type TableLike, tableToMatrix } from './tables.js';

/** A dense matrix of `{ data, shape: [rows, cols] }` in row-major order. */
export interface TypedMatrix {
  data: Float32Array | Float64Array;
  shape: [number, number];
}

/** A feature matrix as estimators return it (and accept it). */
export type MatrixLike = number[][] | tf.Tensor2D | TypedMatrix;

/**
 * Everything an estimator accepts as features: a {@link MatrixLike}, a table ({@link TableLike}: an Arrow
 * Table, a polars / Danfo DataFrame, an Arquero table, row objects, a columns object), rows as typed arrays,
 * or `{ data: number[], shape }`.
 */
export type FeaturesLike =
  | MatrixLike
  | TableLike
  | readonly ArrayLike<number>[]
  | { data: readonly number[]; shape: [number, number] };

/** Which kind of container the caller passed; outputs come back in the same kind. */
export type InputKind = 'array' | 'tensor' | 'typed';

/** Labels for a classifier. */
export type LabelsLike = number[] | string[] | Int32Array | tf.Tensor1D;

/** Targets for a regressor: one column (1-D) or several (2-D). */
export type TargetsLike =
  | number[]
  | number[][]
  | Float32Array
  | Float64Array
  | tf.Tensor1D
  | tf.Tensor2D
  | TypedMatrix;

/** A class label as kept in `classes`. */
export type ClassLabel = number | string;

/** A validated matrix as a tensor; dispose `tensor` only when `owned` is true. */
export interface Matrix {
  tensor: tf.Tensor2D;
  kind: InputKind;
  rows: number;
  cols: number;
  owned: boolean;
}

function isTypedMatrix(x: unknown): x is TypedMatrix {
  return (
    typeof x === 'object' &&
    x !== null &&
    'data' in x &&
    'shape' in x &&
    (ArrayBuffer.isView((x as TypedMatrix).data) || Array.isArray((x as TypedMatrix).data))
  );
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array`;
  if (typeof x === 'string') return `a string (${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)})`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (x instanceof tf.Tensor) return `a rank-${x.rank} ${x.dtype} tensor`;
  return typeof x;
}

function checkFinite(values: ArrayLike<number>, cols: number, name: string): void {
  const i =
    values instanceof Float32Array ? firstNonFiniteF32(values) : firstNonFinite(values as ArrayLike<number>);
  if (i < 0) return;
  const v = values[i]!;
  const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  throw new ValidationError(
    `${name} contains ${what} at row ${Math.floor(i / cols)}, column ${i % cols}: remove or impute non-finite values first.`,
  );
}

/** The index of the first NaN or ±Infinity in `values`, or −1. */
function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v - v is 0 for every finite number and NaN for NaN and ±Infinity (faster than Number.isFinite).
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * {@link firstNonFinite} for float32 (the usual case, e.g. image data), on the bits: a value is NaN or ±Infinity
 * exactly when its 8 exponent bits are all set, and then only does exponent + 1 (in place) carry into the sign
 * bit. A first pass ORs that over four values at a time, with no branch per value (~3× faster than the
 * generic loop on 4.7 M values); only when it finds one does a second pass look for where.
 */
function firstNonFiniteF32(values: Float32Array): number {
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  const E = 0x7f800000;
  const ONE = 0x00800000;
  const n4 = bits.length & ~3;
  let any = 0;
  for (let i = 0; i < n4; i += 4) {
    any |=
      ((bits[i]! & E) + ONE) |
      ((bits[i + 1]! & E) + ONE) |
      ((bits[i + 2]! & E) + ONE) |
      ((bits[i + 3]! & E) + ONE);
  }
  for (let i = n4; i < bits.length; i++) any |= (bits[i]! & E) + ONE;
  if (any >= 0) return -1;
  for (let i = 0; i < bits.length; i++) if ((bits[i]! & E) === E) return i;
  return -1;
}

/** Options of {@link toMatrix}. */
export interface ToMatrixOptions {
  /** Name used in error messages (`X`, `Z`, `validationData[0]`…). */
  name?: string;
  /** The feature count seen at fit time; a different count is a ValidationError. */
  expectedFeatures?: number;
  /**
   * The column names seen at fit time: a table's columns are taken by name in this order (a missing or
   * unknown column is a ValidationError naming it). Ignored for input without names.
   */
  featureNames?: readonly string[];
}

/**
 * Validates `X` and returns it as a float32 tensor plus the kind the caller passed.
 * Rejects empty input, ragged rows, non-numbers, non-finite values, wrong rank and wrong feature count;
 * every message names the problem and where it is.
 */
export function toMatrix(X: unknown, options: ToMatrixOptions = {}): Matrix {
  const v = validateMatrix(X, options);
  if (v.tensor) return v.tensor;
  const { values, kind, rows, cols, name } = v.host;
  const tensor = tf.tensor2d(values, [rows, cols], 'float32');
  if (kind === 'typed') {
    // A typed matrix is checked where it now lives (tf.isFinite + tf.all: one boolean read, ~4× faster than
    // a JavaScript scan); only a bad one is scanned on the host, to name the first bad value. A Float64Array
    // value beyond float32's range became ±Infinity in the upload and is reported as such.
    const ok = tf.tidy(() => tf.all(tf.isFinite(tensor)));
    const finite = (ok.dataSync() as Uint8Array)[0] === 1;
    ok.dispose();
    if (!finite) {
      tensor.dispose();
      checkFinite(values, cols, name);
      throw new ValidationError(`${name} contains non-finite values: remove or impute them first.`);
    }
  }
  return { tensor, kind, rows, cols, owned: true };
}

/**
 * A validated float32 matrix kept in host memory, row-major, optionally a view of some of its rows (no copy).
 * Training reads it one minibatch at a time ({@link HostMatrix.take}), so a data set the caller holds as
 * arrays is never copied to the backend whole.
 */
export class HostMatrix {
  /** `[rows, cols]` of this view. */
  readonly shape: [number, number];
  #scratch: Float32Array | undefined;
  /**
   * @param data - Row-major values of the underlying matrix (not copied; never written).
   * @param cols - Values per row.
   * @param index - The underlying rows this view shows, in order; all rows when omitted.
   */
  constructor(
    readonly data: Float32Array,
    readonly cols: number,
    readonly index?: Int32Array,
  ) {
    this.shape = [index ? index.length : data.length / cols, cols];
  }

  /** The rows `indices` of this view as a new float32 tensor `[indices.length, cols]`. */
  take(indices: ArrayLike<number>): tf.Tensor2D {
    const n = indices.length;
    const c = this.cols;
    const first = indices[0] ?? 0;
    let contiguous = this.index === undefined;
    for (let i = 1; contiguous && i < n; i++) if (indices[i] !== first + i) contiguous = false;
    if (contiguous) return this.range(first, first + n);
    // tfjs-backend-wasm copies an upload into its heap at once: one scratch buffer serves every batch there.
    // Other backends may keep the array they are given (cpu), so each batch gets its own.
    const copies = copiesAtBoundary();
    const out =
      copies && this.#scratch && this.#scratch.length >= n * c
        ? this.#scratch.subarray(0, n * c)
        : new Float32Array(n * c);
    if (copies && out.buffer !== this.#scratch?.buffer) this.#scratch = out;
    const ix = this.index;
    for (let i = 0; i < n; i++) {
      const r = ix ? ix[indices[i]!]! : indices[i]!;
      out.set(this.data.subarray(r * c, r * c + c), i * c);
    }
    return tf.tensor2d(out, [n, c], 'float32');
  }

  /** Rows `start` to `end` (exclusive) of this view as a new float32 tensor. */
  range(start: number, end: number): tf.Tensor2D {
    const c = this.cols;
    if (this.index) return this.take(Int32Array.from({ length: end - start }, (_, i) => start + i));
    // The wasm backend copies the rows into its heap; other backends may keep the array they are given (cpu),
    // so they get a copy and the caller's data stay theirs.
    const rows = copiesAtBoundary()
      ? this.data.subarray(start * c, end * c)
      : this.data.slice(start * c, end * c);
    return tf.tensor2d(rows, [end - start, c], 'float32');
  }

  /** A view of the rows `indices` of this view (no copy of the values). */
  view(indices: Int32Array): HostMatrix {
    const ix = this.index;
    return new HostMatrix(this.data, this.cols, ix ? indices.map((i) => ix[i]!) : indices);
  }
}

/** A validated matrix for training: the caller's tensor as it is, host data as a {@link HostMatrix}. */
export interface FitMatrix {
  x: tf.Tensor2D | HostMatrix;
  kind: InputKind;
  rows: number;
  cols: number;
  /** Whether `x` is a tensor this module created (dispose it then). */
  owned: boolean;
}

/**
 * Validates `X` like {@link toMatrix}, but keeps host data (`number[][]`, typed matrices) on the host as a
 * {@link HostMatrix} instead of uploading it whole: a float32 typed matrix is used without a copy, other
 * input is converted once. A tensor is returned as it is (cast to float32 if int32).
 */
export function toFitMatrix(X: unknown, options: ToMatrixOptions = {}): FitMatrix {
  const v = validateMatrix(X, options);
  if (v.tensor) {
    const m = v.tensor;
    return { x: m.tensor, kind: m.kind, rows: m.rows, cols: m.cols, owned: m.owned };
  }
  const { values, kind, rows, cols, name } = v.host;
  if (kind === 'typed') checkFinite(values, cols, name);
  return { x: new HostMatrix(values, cols), kind, rows, cols, owned: false };
}

interface HostValues {
  values: Float32Array;
  kind: InputKind;
  rows: number;
  cols: number;
  name: string;
}

/** Validation shared by {@link toMatrix} and {@link toFitMatrix}; a typed matrix's finiteness is left to them. */
function validateMatrix(
  X: unknown,
  options: ToMatrixOptions,
): { tensor: Matrix; host?: undefined } | { tensor?: undefined; host: HostValues } {
  const name = options.name ?? 'X';
  let kind: InputKind;
  let rows: number;
  let cols: number;
  let values: Float32Array;
  // Tables (Arrow, data frames, row objects, columns objects), typed-array rows and { data: number[] } are
  // read into a float64 { data, shape } first; outputs for them come back as { data, shape }.
  if (!(X instanceof tf.Tensor)) {
    const table =
      tableToMatrix(X, { name, ...(options.featureNames ? { featureNames: options.featureNames } : {}) }) ??
      looseMatrix(X, name);
    if (table) X = { data: table.data, shape: table.shape };
  }
  if (X instanceof tf.Tensor) {
    if (X.isDisposed) throw new ValidationError(`${name} is a disposed tensor: pass a live tensor.`);
    if (X.rank !== 2) {
      throw new ValidationError(
        `${name} must be a 2-D tensor [samples, features], got rank ${X.rank} with shape [${X.shape.join(', ')}]${X.rank === 1 ? ': reshape a single feature with tf.reshape(x, [-1, 1])' : ''}.`,
      );
    }
    if (X.dtype !== 'float32' && X.dtype !== 'int32') {
      throw new ValidationError(`${name} must be a numeric tensor (float32 or int32), got dtype ${X.dtype}.`);
    }
    kind = 'tensor';
    [rows, cols] = X.shape as [number, number];
    checkShape(rows, cols, name);
    // Checked on the backend, one boolean read back: the caller's tensor is used without a host copy.
    // (An int32 tensor is always finite.) Only a bad tensor is read, to name the first bad value.
    if (X.dtype === 'float32') {
      const ok = tf.tidy(() => tf.all(tf.isFinite(X)));
      const finite = (ok.dataSync() as Uint8Array)[0] === 1;
      ok.dispose();
      if (!finite) checkFinite(X.dataSync() as Float32Array, cols, name);
    }
    if (options.expectedFeatures !== undefined) checkFeatures(cols, options.expectedFeatures, name);
    const tensor = X.dtype === 'float32' ? (X as tf.Tensor2D) : tf.cast(X as tf.Tensor2D, 'float32');
    return { tensor: { tensor, kind, rows, cols, owned: tensor !== X } };
  }
  if (isTypedMatrix(X)) {
    kind = 'typed';
    const { data, shape } = X;
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ValidationError(
        `${name}.shape must be [rows, cols] of non-negative integers, got ${JSON.stringify(shape)}.`,
      );
    }
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new ValidationError(
        `${name}.data must be a Float32Array or Float64Array, got ${describe(data)}.`,
      );
    }
    [rows, cols] = shape;
    checkShape(rows, cols, name);
    if (data.length !== rows * cols) {
      throw new ValidationError(
        `${name}.data has ${data.length} values but shape [${rows}, ${cols}] needs ${rows * cols}.`,
      );
    }
    // Finiteness: checked by the caller (on the backend after the upload, or on the host).
    values = data instanceof Float32Array ? data : Float32Array.from(data);
  } else if (Array.isArray(X)) {
    kind = 'array';
    rows = X.length;
    if (rows === 0) throw new ValidationError(`${name} is empty (0 rows): pass at least one sample.`);
    const first = X[0];
    if (!Array.isArray(first)) {
      throw new ValidationError(
        `${name} must be a 2-D array (number[][]), but row 0 is ${describe(first)}${typeof first === 'number' ? ': wrap each sample in an array, e.g. [[x0], [x1], …]' : ''}.`,
      );
    }
    cols = first.length;
    checkShape(rows, cols, name);
    values = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = X[r];
      if (!Array.isArray(row))
        throw new ValidationError(`${name} row ${r} is ${describe(row)}, expected an array of numbers.`);
      if (row.length !== cols) {
        throw new ValidationError(
          `${name} is ragged: row ${r} has ${row.length} values but row 0 has ${cols}; every row needs the same number of features.`,
        );
      }
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number') {
          throw new ValidationError(`${name}[${r}][${c}] is ${describe(v)}, expected a number.`);
        }
        if (!Number.isFinite(v)) {
          const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
          throw new ValidationError(
            `${name} contains ${what} at row ${r}, column ${c}: remove or impute non-finite values first.`,
          );
        }
        values[r * cols + c] = v;
      }
    }
  } else {
    throw new ValidationError(
      `${name} must be number[][], a 2-D tf.Tensor or { data: Float32Array, shape: [rows, cols] }, got ${describe(X)}.`,
    );
  }
  if (options.expectedFeatures !== undefined) checkFeatures(cols, options.expectedFeatures, name);
  return { host: { values, kind, rows, cols, name } };
}

function checkShape(rows: number, cols: number, name: string): void {
  if (rows === 0) throw new ValidationError(`${name} is empty (0 rows): pass at least one sample.`);
  if (cols === 0) throw new ValidationError(`${name} has 0 features per row: pass at least one column.`);
}

function checkFeatures(cols: number, expected: number, name: string): void {
  if (cols !== expected) {
    throw new ValidationError(
      `${name} has ${cols} features per row, but the estimator was fitted with ${expected}: pass data with the same columns as at fit time.`,
    );
  }
}

/**
 * Rows of a matrix or table, or the length of labels, when it can be read without converting anything
 * (a tensor's first dimension, an array's or typed array's length, `{ shape }`, a table's row count);
 * undefined otherwise (validation comes later, where the data are converted).
 */
export function rowsOf(x: unknown): number | undefined {
  if (x instanceof tf.Tensor) return x.isDisposed ? undefined : (x.shape[0] ?? 0);
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return (x as ArrayLike<unknown>).length;
  const shape = (x as { shape?: unknown } | null)?.shape;
  if (Array.isArray(shape) && typeof shape[0] === 'number') return shape[0];
  return readTable(x)?.rows;
}

/** Disposes a matrix's tensor if this module created it. */
export function releaseMatrix(m: Matrix): void {
  if (m.owned) m.tensor.dispose();
}

/**
 * Whether the active backend copies arrays across its boundary both ways: a new tensor's values into its
 * heap at once, and `dataSync` out as a fresh array nobody else holds (tfjs-backend-wasm). Other backends may
 * keep the array they are given, or hand out the one they store (cpu).
 */
function copiesAtBoundary(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * How a backend copies a float32 tensor's values straight out of its own memory into `out` at `offset`
 * (`BackendPlugin.readInto`). Returns false to decline (wrong dtype, data not resident), and the caller then
 * reads through `dataSync`.
 */
export type HostReader = (t: tf.Tensor, out: Float32Array, offset: number) => boolean;

/** The host reader of each tfjs backend name, set when a backend plugin that offers one is activated. */
const hostReaders = new Map<string, HostReader>();

/**
 * Records (or, with `undefined`, forgets) the host reader of the tfjs backend `backendName`. The registry
 * calls it when it activates a backend plugin; tests and plugins activating tfjs themselves may too.
 */
export function setHostReader(backendName: string, reader: HostReader | undefined): void {
  if (reader) hostReaders.set(backendName, reader);
  else hostReaders.delete(backendName);
}

/**
 * Reads a float32 tensor's values into `out` at `offset`: through the active backend's host reader when its
 * plugin offers one (the WASM backend copies straight out of its heap: no intermediate array, so a loop over
 * chunks leaves no garbage behind), otherwise through `dataSync`.
 */
export function readInto(t: tf.Tensor, out: Float32Array, offset = 0): void {
  const reader = hostReaders.get(tf.getBackend());
  if (reader?.(t, out, offset)) return;
  out.set(t.dataSync() as Float32Array, offset);
}

/**
 * Converts a result tensor to the caller's kind. The tensor is consumed: for `'tensor'` it is returned
 * (the caller owns it), otherwise it is read and disposed.
 */
export function fromTensor2D(t: tf.Tensor2D, kind: InputKind): MatrixLike {
  if (kind === 'tensor') return t;
  const [rows, cols] = t.shape;
  const data = t.dataSync() as Float32Array;
  t.dispose();
  // The WASM backend's dataSync is a fresh copy of its heap: used as it is (one host copy, not two). Other
  // backends may hand out the array they store (cpu), so the output gets its own copy there.
  if (kind === 'typed')
    return { data: copiesAtBoundary() ? data : new Float32Array(data), shape: [rows, cols] };
  const out: number[][] = new Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Array.from(data.subarray(r * cols, (r + 1) * cols));
  return out;
}

/** Converts a 1-D result tensor to the caller's kind: tensor in → tensor out, otherwise `number[]` or Float32Array. */
export function fromTensor1D(t: tf.Tensor1D, kind: InputKind): tf.Tensor1D | number[] | Float32Array {
  if (kind === 'tensor') return t;
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return kind === 'typed' ? (copiesAtBoundary() ? data : new Float32Array(data)) : Array.from(data);
}

/** Labels encoded as class indices, with the sorted classes. */
export interface EncodedLabels {
  indices: Int32Array;
  classes: ClassLabel[];
  kind: 'number' | 'string' | 'int32' | 'tensor';
}

/** Reads labels into a plain array, validating type and length. */
export function readLabels(
  y: unknown,
  rows: number,
  name = 'y',
): { values: ClassLabel[]; kind: EncodedLabels['kind'] } {
  let values: ClassLabel[];
  let kind: EncodedLabels['kind'];
  if (y instanceof tf.Tensor) {
    if (y.isDisposed) throw new ValidationError(`${name} is a disposed tensor: pass a live tensor.`);
    if (y.rank !== 1) {
      throw new ValidationError(
        `${name} must be 1-D (one label per sample), got shape [${y.shape.join(', ')}]; for one-hot labels use tf.argMax(y, 1).`,
      );
    }
    values = Array.from(y.dataSync() as ArrayLike<number>);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new ValidationError(`${name}[${bad}] is ${String(values[bad])}: labels must be finite.`);
    kind = 'tensor';
  } else if (y instanceof Int32Array) {
    values = Array.from(y);
    kind = 'int32';
  } else if (Array.isArray(y)) {
    if (y.length === 0) throw new ValidationError(`${name} is empty: pass one label per sample.`);
    const t = typeof y[0];
    if (t !== 'number' && t !== 'string') {
      throw new ValidationError(`${name}[0] is ${describe(y[0])}: labels must be numbers or strings (1-D).`);
    }
    for (let i = 0; i < y.length; i++) {
      if (typeof y[i] !== t) {
        throw new ValidationError(
          `${name}[${i}] is ${describe(y[i])} but ${name}[0] is a ${t}: use one label type.`,
        );
      }
      if (t === 'number' && !Number.isFinite(y[i])) {
        throw new ValidationError(`${name}[${i}] is ${String(y[i])}: labels must be finite.`);
      }
    }
    values = y as ClassLabel[];
    kind = t === 'number' ? 'number' : 'string';
  } else {
    throw new ValidationError(
      `${name} must be number[], string[], Int32Array or a 1-D tf.Tensor, got ${describe(y)}.`,
    );
  }
  if (values.length !== rows) {
    throw new ValidationError(
      `X has ${rows} samples but ${name} has ${values.length} labels: pass one label per row of X.`,
    );
  }
  return { values, kind };
}

/** Sorted unique classes (numbers ascending, strings in code-point order), like scikit-learn's `classes_`. */
export function uniqueClasses(values: readonly ClassLabel[]): ClassLabel[] {
  const set = [...new Set(values)];
  return typeof set[0] === 'number'
    ? (set as number[]).sort((a, b) => a - b)
    : (set as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Encodes labels as indices into `classes` (computed from `y` unless given). */
export function encodeLabels(
  y: unknown,
  rows: number,
  classes?: readonly ClassLabel[],
  name = 'y',
): EncodedLabels {
  const { values, kind } = readLabels(y, rows, name);
  const cls = classes ? [...classes] : uniqueClasses(values);
  const index = new Map<ClassLabel, number>(cls.map((c, i) => [c, i]));
  const indices = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const k = index.get(values[i]!);
    if (k === undefined) {
      throw new ValidationError(
        `${name}[${i}] is ${JSON.stringify(values[i])}, a class not seen at fit time (classes: ${JSON.stringify(cls)}).`,
      );
    }
    indices[i] = k;
  }
  return { indices, classes: cls, kind };
}

/** Turns class indices back into labels, in the kind of labels the estimator was fitted with. */
export function decodeLabels(
  indices: ArrayLike<number>,
  classes: readonly ClassLabel[],
  kind: EncodedLabels['kind'],
): number[] | string[] | Int32Array | tf.Tensor1D {
  const labels = Array.from(indices, (i) => classes[i]!);
  if (kind === 'string') return labels as string[];
  if (kind === 'int32') return Int32Array.from(labels as number[]);
  if (kind === 'tensor') return tf.tensor1d(labels as number[], 'float32');
  return labels as number[];
}

/** Regression targets as a 2-D float32 tensor plus whether the caller passed 1-D targets. */
export interface Targets {
  tensor: tf.Tensor2D;
  oneDimensional: boolean;
  owned: boolean;
}

/** Validates regression targets: numbers only, finite, one row per sample of X. */
export function toTargets(y: unknown, rows: number, name = 'y'): Targets {
  let oneDimensional = false;
  let m: Matrix;
  if (y instanceof tf.Tensor && y.rank === 1) {
    oneDimensional = true;
    const arr = y.dataSync() as Float32Array;
    m = toMatrix({ data: Float32Array.from(arr), shape: [arr.length, 1] }, { name });
  } else if (y instanceof Float32Array || y instanceof Float64Array) {
    oneDimensional = true;
    m = toMatrix({ data: y, shape: [y.length, 1] }, { name });
  } else if (Array.isArray(y) && (y.length === 0 || !Array.isArray(y[0]))) {
    oneDimensional = true;
    if (y.length === 0) throw new ValidationError(`${name} is empty: pass one target per sample.`);
    const out = new Float32Array(y.length);
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      if (typeof v !== 'number')
        throw new ValidationError(`${name}[${i}] is ${describe(v)}, expected a number.`);
      if (!Number.isFinite(v))
        throw new ValidationError(`${name}[${i}] is ${String(v)}: targets must be finite.`);
      out[i] = v;
    }
    m = toMatrix({ data: out, shape: [out.length, 1] }, { name });
  } else {
    m = toMatrix(y, { name });
  }
  if (m.rows !== rows) {
    releaseMatrix(m);
    throw new ValidationError(
      `X has ${rows} samples but ${name} has ${m.rows} targets: pass one target per row of X.`,
    );
  }
  return { tensor: m.tensor, oneDimensional, owned: m.owned };
}
