import {
  BaseEstimator,
  type ClassLabel,
  clone,
  type EstimatorOptions,
  type LabelsLike,
  loadModelDir,
  ModelFormatError,
  readLabels,
  saveModelDir,
  uniqueClasses,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { preprocessingWorkerKind } from './workerKind.js';

/** LabelEncoder has no hyper-parameters. */
export type LabelEncoderParams = Record<string, never>;

function labelCount(y: unknown): number {
  if (y instanceof tf.Tensor) return y.shape[0] ?? 0;
  if (Array.isArray(y) || y instanceof Int32Array) return y.length;
  return -1;
}

/**
 * Encodes class labels (numbers or strings) as integers `0 … classes.length - 1` (scikit-learn's
 * `LabelEncoder`); `classes` are sorted like `classes_`. Works on labels (`y`), not feature matrices.
 * Output kind follows the input: `number[]` for arrays, `Int32Array` for Int32Array, an int32
 * `tf.Tensor1D` for tensors.
 *
 * ```ts
 * const le = new LabelEncoder().fit(['paris', 'tokyo', 'paris']);
 * le.classes;                  // ['paris', 'tokyo']
 * le.transform(['tokyo']);     // [1]
 * le.inverseTransform([0, 1]); // ['paris', 'tokyo']
 * ```
 */
export class LabelEncoder extends BaseEstimator<LabelEncoderParams> {
  #classes: ClassLabel[] | null = null;

  /** How `@layerwise/model-selection` rebuilds this encoder in a worker thread (`nJobs`). */
  static readonly workerKind = preprocessingWorkerKind;

  /** LabelEncoder takes no parameters (`{}`). */
  constructor(params: Partial<LabelEncoderParams> = {}, options: EstimatorOptions = {}) {
    super({}, {}, params, options);
  }

  /** The kind written in model files. */
  get kind(): string {
    return 'LabelEncoder';
  }

  get isFitted(): boolean {
    return this.#classes !== null;
  }

  /** The sorted unique labels seen at fit time. */
  get classes(): ClassLabel[] {
    this.assertFitted('classes');
    return [...this.#classes!];
  }

  #values(y: unknown, method: string) {
    const n = labelCount(y);
    try {
      return readLabels(y, Math.max(n, 0), 'y');
    } catch (e) {
      if (e instanceof ValidationError)
        throw new ValidationError(`LabelEncoder.${method}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  /** Learns the sorted unique labels of `y`. Returns this. */
  fit(y: LabelsLike): this {
    const { values } = this.#values(y, 'fit');
    if (values.length === 0)
      throw new ValidationError('LabelEncoder.fit: y is empty: pass at least one label.');
    this.#classes = uniqueClasses(values);
    return this;
  }

  /** Each label's index in `classes`; an unseen label is a ValidationError. */
  transform(y: LabelsLike): number[] | Int32Array | tf.Tensor1D {
    this.assertFitted('transform');
    const { values } = this.#values(y, 'transform');
    const index = new Map<ClassLabel, number>(this.#classes!.map((c, i) => [c, i]));
    const out = new Int32Array(values.length);
    values.forEach((v, i) => {
      const k = index.get(v);
      if (k === undefined) {
        throw new ValidationError(
          `LabelEncoder.transform: y[${i}] is ${JSON.stringify(v)}, a label not seen at fit time (classes: ${JSON.stringify(this.#classes)}).`,
        );
      }
      out[i] = k;
    });
    if (y instanceof tf.Tensor) return tf.tensor1d(out, 'int32');
    if (y instanceof Int32Array) return out;
    return Array.from(out);
  }

  /** `fit(y).transform(y)`. */
  fitTransform(y: LabelsLike): number[] | Int32Array | tf.Tensor1D {
    return this.fit(y).transform(y);
  }

  /** Back from indices to labels: `number[]` or `string[]` (a float32 tensor for tensor input with numeric classes). */
  inverseTransform(indices: number[] | Int32Array | tf.Tensor1D): ClassLabel[] | tf.Tensor1D {
    this.assertFitted('inverseTransform');
    const { values } = this.#values(indices, 'inverseTransform');
    const k = this.#classes!.length;
    const labels = values.map((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= k) {
        throw new ValidationError(
          `LabelEncoder.inverseTransform: indices[${i}] is ${JSON.stringify(v)}; indices must be integers in [0, ${k - 1}].`,
        );
      }
      return this.#classes![v]!;
    });
    if (indices instanceof tf.Tensor && typeof labels[0] === 'number')
      return tf.tensor1d(labels as number[], 'float32');
    return labels as ClassLabel[];
  }

  /** Forgets the classes: the encoder becomes unfitted. */
  dispose(): void {
    this.#classes = null;
  }

  /** A new, unfitted LabelEncoder. */
  clone(): this {
    return clone(this);
  }

  /** Saves the classes into directory `dir` in layerwise's model format. */
  async save(dir: string): Promise<void> {
    this.assertFitted('save');
    await saveModelDir(dir, {
      kind: 'LabelEncoder',
      params: {},
      state: { classes: this.#classes },
      tensors: [],
    });
  }

  /** Loads an encoder saved with `save(dir)`; the classes are checked (unique, one type). */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<LabelEncoder> {
    const data = await loadModelDir(dir, ['LabelEncoder']);
    const bad = (m: string): never => {
      throw new ModelFormatError(`Invalid LabelEncoder model: ${m}`);
    };
    if (Object.keys(data.params).length > 0) bad('params must be empty.');
    if (data.tensors.length > 0) bad('a LabelEncoder has no tensors.');
    const c = data.state.classes;
    if (!Array.isArray(c) || c.length === 0) bad('state.classes must be a non-empty array.');
    const list = c as unknown[];
    const t = typeof list[0];
    const ok = list.every(
      (v) =>
        (t === 'string' && typeof v === 'string') ||
        (t === 'number' && typeof v === 'number' && Number.isFinite(v)),
    );
    if (!ok || new Set(list).size !== list.length)
      bad('state.classes must hold unique finite numbers or unique strings.');
    const le = new LabelEncoder({}, options);
    le.#classes = uniqueClasses(list as ClassLabel[]);
    return le;
  }
}
