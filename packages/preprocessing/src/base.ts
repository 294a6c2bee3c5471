import {
  BaseEstimator,
  checkOutputConfig,
  clone,
  type EstimatorOptions,
  type FeaturesLike,
  featureNamesOf,
  type InputKind,
  loadModelDir,
  looseMatrix,
  type MatrixLike,
  type ModelData,
  ModelFormatError,
  mergeOutputConfig,
  type NamedTensor,
  type OutputConfig,
  type ParamSpec,
  saveModelDir,
  type TypedMatrix,
  tableToMatrix,
  toArrowTable,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { preprocessingWorkerKind } from './workerKind.js';

/** A validated feature matrix read into float64 values, with the kind the caller passed. */
export interface ReadMatrix {
  values: Float64Array;
  rows: number;
  cols: number;
  kind: InputKind;
  /** The caller passed `{ data: Float64Array }`: typed outputs come back as Float64Array too. */
  f64: boolean;
}

/** Options of {@link readMatrix}. */
export interface ReadMatrixOptions {
  /** `Owner.method` prefix of error messages. */
  where: string;
  /** Name of the argument in messages. Default `X`. */
  name?: string;
  /** Accept NaN as the missing-value marker (SimpleImputer only); ±Infinity stays an error. */
  allowNaN?: boolean;
  /** The feature count seen at fit time; a different count is a ValidationError. */
  expectedFeatures?: number;
  /** The column names seen at fit time: a table's columns are taken by name in this order. */
  featureNames?: readonly string[];
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `a string (${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)})`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (x instanceof tf.Tensor) return `a rank-${x.rank} ${x.dtype} tensor`;
  return typeof x;
}

function badValue(v: number, r: number, c: number, o: ReadMatrixOptions): void {
  if (Number.isNaN(v)) {
    if (o.allowNaN) return;
    throw new ValidationError(
      `${o.where}: ${o.name ?? 'X'} contains NaN at row ${r}, column ${c}: impute missing values first (SimpleImputer treats NaN as missing).`,
    );
  }
  if (!Number.isFinite(v)) {
    throw new ValidationError(
      `${o.where}: ${o.name ?? 'X'} contains ${v > 0 ? 'Infinity' : '-Infinity'} at row ${r}, column ${c}: remove or clip non-finite values first.`,
    );
  }
}

/**
 * Validates a feature matrix (`number[][]`, a 2-D tensor or `{ data, shape }`) and reads it as float64
 * values. Rejects empty input, ragged rows, non-numbers, NaN (unless `allowNaN`), ±Infinity, wrong rank and
 * a wrong feature count; every message names the problem and where it is. Never leaves a tensor behind.
 */
export function readMatrix(X: unknown, o: ReadMatrixOptions): ReadMatrix {
  const name = o.name ?? 'X';
  // Tables (Arrow, data frames, row objects, columns objects), typed-array rows and { data: number[] }:
  // read by column name (in the fitted order when known) into a float64 { data, shape }.
  if (!(X instanceof tf.Tensor)) {
    try {
      const table =
        tableToMatrix(X, {
          name,
          ...(o.featureNames ? { featureNames: o.featureNames } : {}),
          ...(o.allowNaN ? { allowNaN: true } : {}),
        }) ?? looseMatrix(X, name);
      if (table) X = { data: table.data, shape: table.shape };
    } catch (e) {
      if (e instanceof ValidationError) throw new ValidationError(`${o.where}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  let rows: number;
  let cols: number;
  let values: Float64Array;
  let kind: InputKind;
  let f64 = false;
  if (X instanceof tf.Tensor) {
    if (X.isDisposed)
      throw new ValidationError(`${o.where}: ${name} is a disposed tensor: pass a live tensor.`);
    if (X.rank !== 2) {
      throw new ValidationError(
        `${o.where}: ${name} must be a 2-D tensor [samples, features], got shape [${X.shape.join(', ')}]${X.rank === 1 ? ': reshape a single feature with tf.reshape(x, [-1, 1])' : ''}.`,
      );
    }
    if (X.dtype !== 'float32' && X.dtype !== 'int32') {
      throw new ValidationError(
        `${o.where}: ${name} must be a numeric tensor (float32 or int32), got dtype ${X.dtype}.`,
      );
    }
    kind = 'tensor';
    [rows, cols] = X.shape as [number, number];
    checkShape(rows, cols, name, o.where);
    values = Float64Array.from(X.dataSync() as ArrayLike<number>);
  } else if (typeof X === 'object' && X !== null && !Array.isArray(X) && 'data' in X && 'shape' in X) {
    kind = 'typed';
    const { data, shape } = X as TypedMatrix;
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ValidationError(
        `${o.where}: ${name}.shape must be [rows, cols] of non-negative integers, got ${JSON.stringify(shape)}.`,
      );
    }
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new ValidationError(
        `${o.where}: ${name}.data must be a Float32Array or Float64Array, got ${describe(data)}.`,
      );
    }
    [rows, cols] = shape as [number, number];
    checkShape(rows, cols, name, o.where);
    if (data.length !== rows * cols) {
      throw new ValidationError(
        `${o.where}: ${name}.data has ${data.length} values but shape [${rows}, ${cols}] needs ${rows * cols}.`,
      );
    }
    f64 = data instanceof Float64Array;
    values = Float64Array.from(data);
  } else if (Array.isArray(X)) {
    kind = 'array';
    rows = X.length;
    if (rows === 0)
      throw new ValidationError(`${o.where}: ${name} is empty (0 rows): pass at least one sample.`);
    const first = X[0];
    if (!Array.isArray(first)) {
      throw new ValidationError(
        `${o.where}: ${name} must be a 2-D array (number[][]), but row 0 is ${describe(first)}${typeof first === 'number' ? ': wrap each sample in an array, e.g. [[x0], [x1], …]' : ''}.`,
      );
    }
    cols = first.length;
    checkShape(rows, cols, name, o.where);
    values = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = X[r];
      if (!Array.isArray(row)) {
        throw new ValidationError(
          `${o.where}: ${name} row ${r} is ${describe(row)}, expected an array of numbers.`,
        );
      }
      if (row.length !== cols) {
        throw new ValidationError(
          `${o.where}: ${name} is ragged: row ${r} has ${row.length} values but row 0 has ${cols}; every row needs the same number of features.`,
        );
      }
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number') {
          throw new ValidationError(`${o.where}: ${name}[${r}][${c}] is ${describe(v)}, expected a number.`);
        }
        values[r * cols + c] = v;
      }
    }
  } else {
    throw new ValidationError(
      `${o.where}: ${name} must be number[][], a 2-D tf.Tensor or { data: Float32Array, shape: [rows, cols] }, got ${describe(X)}.`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) badValue(v, Math.floor(i / cols), i % cols, o);
  }
  if (o.expectedFeatures !== undefined && cols !== o.expectedFeatures) {
    throw new ValidationError(
      `${o.where}: ${name} has ${cols} features per row, but the transformer was fitted with ${o.expectedFeatures}: pass data with the same columns as at fit time.`,
    );
  }
  return { values, rows, cols, kind, f64 };
}

function checkShape(rows: number, cols: number, name: string, where: string): void {
  if (rows === 0) throw new ValidationError(`${where}: ${name} is empty (0 rows): pass at least one sample.`);
  if (cols === 0)
    throw new ValidationError(`${where}: ${name} has 0 features per row: pass at least one column.`);
}

/**
 * A result in the caller's kind: `number[][]` (float64 values) for arrays, a new float32 tensor (owned by
 * the caller) for tensors, `{ data, shape }` for typed input (Float64Array when the input was one).
 */
export function toOutput(
  values: Float64Array,
  rows: number,
  cols: number,
  kind: InputKind,
  f64 = false,
): MatrixLike {
  if (kind === 'tensor') return tf.tensor2d(Float32Array.from(values), [rows, cols], 'float32');
  if (kind === 'typed') return { data: f64 ? values : Float32Array.from(values), shape: [rows, cols] };
  const out: number[][] = new Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Array.from(values.subarray(r * cols, (r + 1) * cols));
  return out;
}

/** scikit-learn's `_handle_zeros_in_scale`: scales that are (almost) zero become 1. */
export function handleZeros(scale: ArrayLike<number>, constant?: ArrayLike<boolean>): Float64Array {
  const eps = 2.220446049250313e-16;
  return Float64Array.from(scale, (s, i) => (constant?.[i] || s < 10 * eps ? 1 : s));
}

/** A readonly copy of a fitted vector as a plain array (or null). */
export function arr(x: Float32Array | Float64Array | null): number[] | null {
  return x ? Array.from(x) : null;
}

/** What a transformer keeps in a model file besides its params. */
export interface FittedData {
  state: Record<string, unknown>;
  tensors: NamedTensor[];
}

/** Reads fitted state back from a model file; every check failure is a ModelFormatError. */
export class FileReader {
  readonly #kind: string;
  readonly #tensors: Map<string, NamedTensor>;
  readonly state: Record<string, unknown>;

  constructor(kind: string, data: ModelData) {
    this.#kind = kind;
    this.state = data.state;
    this.#tensors = new Map(data.tensors.map((t) => [t.name, t]));
  }

  /** Throws the ModelFormatError for this kind. */
  fail(message: string): never {
    throw new ModelFormatError(`Invalid ${this.#kind} model: ${message}`);
  }

  /** A non-negative integer field of the state (at least `min`). */
  int(key: string, min = 0): number {
    const v = this.state[key];
    if (!Number.isSafeInteger(v) || (v as number) < min)
      this.fail(`state.${key} must be an integer ≥ ${min}, got ${JSON.stringify(v)}.`);
    return v as number;
  }

  /** A float32 vector of `length` values, or null when `optional` and absent. */
  vector(name: string, length: number, optional = false): Float32Array | null {
    const t = this.#tensors.get(name);
    if (!t) {
      if (optional) return null;
      this.fail(`the weights have no tensor "${name}".`);
    }
    if (t.shape.length !== 1 || t.shape[0] !== length)
      this.fail(`tensor "${name}" has shape [${t.shape}], expected [${length}].`);
    return Float32Array.from(t.data);
  }

  /** A float32 matrix `[rows, cols]` (row-major). */
  matrix(name: string, rows: number, cols: number): Float32Array {
    const t = this.#tensors.get(name);
    if (!t) this.fail(`the weights have no tensor "${name}".`);
    if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== cols)
      this.fail(`tensor "${name}" has shape [${t.shape}], expected [${rows}, ${cols}].`);
    return Float32Array.from(t.data);
  }

  /** No tensors beyond the expected names. */
  only(names: readonly string[]): void {
    for (const n of this.#tensors.keys())
      if (!names.includes(n)) this.fail(`unexpected tensor "${n}" in the weights.`);
  }
}

/** A named float32 tensor of a model file from a fitted vector. */
export function named(name: string, data: Float32Array, shape: number[] = [data.length]): NamedTensor {
  return { name, shape, data };
}

/**
 * Base class of the preprocessing transformers: parameters (validated by their {@link ParamSpec}),
 * `clone`, `fitTransform`, the feature count seen at fit time, and save/load in layerwise's safe model
 * format (a JSON manifest plus one checksummed float32 weights file). Fitting is a pure computation, so
 * `fit`, `transform`, `fitTransform` and `inverseTransform` are synchronous (awaiting them works too).
 */
export abstract class BaseTransformer<P extends object> extends BaseEstimator<P> {
  /** Features seen at fit time (0 before fit). */
  protected nFeatures = 0;

  /** How `@layerwise/model-selection` rebuilds this transformer in a worker thread (`nJobs`). */
  static readonly workerKind = preprocessingWorkerKind;

  #output: OutputConfig = { transform: 'default' };

  protected constructor(
    defaults: P,
    spec: ParamSpec<P>,
    params: Partial<P> = {},
    options: EstimatorOptions = {},
  ) {
    super(defaults, spec, params, options);
    // setOutput({ transform: 'arrow' }) turns every transform (fitTransform too) into an Arrow Table whose
    // columns are getFeatureNamesOut(); the subclasses' transform stays as it is.
    const transform = this.transform.bind(this);
    Object.defineProperty(this, 'transform', {
      configurable: true,
      enumerable: false,
      writable: true,
      value: (X: FeaturesLike) => this.#asOutput(transform(X)),
    });
  }

  /**
   * scikit-learn's `set_output`: `{ transform: 'arrow' }` makes `transform` and `fitTransform` return an
   * Apache Arrow Table with named columns (`getFeatureNamesOut()`); `'default'` returns the kind of the input.
   * apache-arrow is not a dependency: it is found in the working directory (Node), or pass
   * `{ arrow: await import('apache-arrow') }`. Returns this.
   */
  setOutput(config: OutputConfig): this {
    this.#output = mergeOutputConfig(this.#output, checkOutputConfig(config, `${this.kind}.setOutput`));
    return this;
  }

  #asOutput(out: MatrixLike): MatrixLike {
    if (this.#output.transform !== 'arrow') return out;
    const m = readMatrix(out, { where: `${this.kind}.transform`, allowNaN: true });
    if (out instanceof tf.Tensor) out.dispose();
    return toArrowTable(
      { data: m.values, shape: [m.rows, m.cols] },
      this.getFeatureNamesOut(),
      this.#output.arrow,
    ) as MatrixLike;
  }

  /** The kind written in model files (the class name). */
  abstract get kind(): string;

  /** Learns the transformation from X (`y` is ignored; it is there for pipelines). Returns this. */
  abstract fit(X: FeaturesLike, y?: unknown): this;

  /** Transforms X with the fitted statistics; the result comes back in the kind of X. */
  abstract transform(X: FeaturesLike): MatrixLike;

  /** State and tensors a model file keeps. */
  protected abstract fittedData(): FittedData;

  /** Drops the fitted state. */
  protected abstract clearFitted(): void;

  /** Restores fitted state from a model file (validated by `file`). */
  protected abstract restore(file: FileReader): void;

  /** Number of features seen at fit time (scikit-learn's `n_features_in_`). */
  get nFeaturesIn(): number {
    this.assertFitted('nFeaturesIn');
    return this.nFeatures;
  }

  /** `fit(X).transform(X)`: the same numbers as the two calls. */
  fitTransform(X: FeaturesLike, y?: unknown): MatrixLike {
    return this.fit(X, y).transform(X);
  }

  /** Forgets the fitted state: the transformer becomes unfitted (it holds no tensors; this is for symmetry with the estimators). */
  dispose(): void {
    this.clearFitted();
    this.nFeatures = 0;
    this.setFeatureNamesIn(undefined);
  }

  /** A new, unfitted transformer with the same parameters (scikit-learn's `clone`). */
  clone(): this {
    return clone(this);
  }

  /** Reads X for `method`: before fit anything valid; after, the fitted feature count is enforced. */
  protected read(X: unknown, method: string, fitting: boolean, allowNaN = false): ReadMatrix {
    if (!fitting) this.assertFitted(method);
    const names = fitting ? undefined : this.featureNamesIn;
    const m = readMatrix(X, {
      where: `${this.kind}.${method}`,
      allowNaN,
      ...(fitting ? {} : { expectedFeatures: this.nFeatures }),
      ...(names ? { featureNames: names } : {}),
    });
    // A fit (not a partialFit after the first batch) records the table's column names, or none.
    if (fitting && (method === 'fit' || this.nFeatures === 0)) this.setFeatureNamesIn(featureNamesOf(X));
    return m;
  }

  /**
   * Names of the output features (scikit-learn's `get_feature_names_out`): the input names (or `x0`, `x1`…
   * without them) for a transformer that keeps its columns; PCA and OneHotEncoder override it.
   */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    this.assertFitted('getFeatureNamesOut');
    return this.inputFeatureNames(inputFeatures);
  }

  /** `inputFeatures`, else `featureNamesIn`, else `x0…x{n−1}` (checked against the fitted count). */
  protected inputFeatureNames(inputFeatures?: readonly string[]): string[] {
    if (inputFeatures !== undefined) {
      if (!Array.isArray(inputFeatures) || inputFeatures.length !== this.nFeatures) {
        throw new ValidationError(
          `${this.kind}.getFeatureNamesOut: inputFeatures must list ${this.nFeatures} names (one per input feature).`,
        );
      }
      return [...inputFeatures];
    }
    return this.featureNamesIn ?? Array.from({ length: this.nFeatures }, (_, i) => `x${i}`);
  }

  /**
   * Saves the fitted transformer into directory `dir` (created if needed): `model.json` (kind, params,
   * state, SHA-256 of the weights) and one weights file, each written atomically. Load it with the class's
   * static `load(dir)` or the umbrella's `load(dir)`.
   */
  async save(dir: string): Promise<void> {
    this.assertFitted('save');
    const { state, tensors } = this.fittedData();
    await saveModelDir(dir, {
      kind: this.kind,
      params: this.getParams() as Record<string, unknown>,
      state: {
        nFeaturesIn: this.nFeatures,
        ...(this.featureNamesIn ? { featureNamesIn: this.featureNamesIn } : {}),
        ...state,
      },
      tensors,
    });
  }

  /** Loads a saved transformer of class `Ctor` (its kind must match); invalid files → ModelFormatError. */
  protected static async loadAs<T extends BaseTransformer<object>>(
    Ctor: new (params: object, options?: EstimatorOptions) => T,
    kind: string,
    dir: string,
    options: EstimatorOptions = {},
  ): Promise<T> {
    const data = await loadModelDir(dir, [kind]);
    let t: T;
    try {
      t = new Ctor(data.params, options);
    } catch (e) {
      if (e instanceof ValidationError)
        throw new ModelFormatError(`Invalid ${kind} model: ${e.message}`, { cause: e });
      throw e;
    }
    const file = new FileReader(kind, data);
    t.nFeatures = file.int('nFeaturesIn', 1);
    const names = (data.state as { featureNamesIn?: unknown }).featureNamesIn;
    if (names !== undefined) {
      if (
        !Array.isArray(names) ||
        names.length !== t.nFeatures ||
        !names.every((n) => typeof n === 'string')
      ) {
        throw new ModelFormatError(
          `Invalid ${kind} model: state.featureNamesIn must list ${t.nFeatures} column names.`,
        );
      }
      t.setFeatureNamesIn(names as string[]);
    }
    t.restore(file);
    return t;
  }
}
