import {
  type EstimatorKindPlugin,
  type EstimatorOptions,
  getDefaultRegistry,
  loadModelDir,
  ModelFormatError,
  NotFittedError,
  type Registry,
  saveModelDir,
  ValidationError,
} from '@layerwise/core';

/** Hyper-parameters of {@link NearestCentroid}. */
export interface NearestCentroidParams {
  /** Distance to the class centroids: `'euclidean'` (default) or `'manhattan'` (scikit-learn's metrics). */
  metric: 'euclidean' | 'manhattan';
}

/** Rows of numbers, or a row-major typed matrix `{ data, shape: [rows, cols] }`. */
export type Rows = number[][] | { data: Float32Array | Float64Array; shape: [number, number] };

const KIND = 'NearestCentroid';

interface Fitted {
  classes: number[];
  centroids: Float64Array;
  cols: number;
}
const METRICS = ['euclidean', 'manhattan'] as const;

function checkParams(p: Partial<NearestCentroidParams>): void {
  for (const key of Object.keys(p)) {
    if (key !== 'metric') throw new ValidationError(`NearestCentroid: unknown param "${key}".`);
  }
  if (p.metric !== undefined && !METRICS.includes(p.metric)) {
    throw new ValidationError(
      `NearestCentroid: metric must be 'euclidean' or 'manhattan', got ${JSON.stringify(p.metric)}.`,
    );
  }
}

/** `X` as a row-major Float64Array with its shape; ValidationError for ragged, empty or non-finite input. */
function readRows(X: Rows, cols?: number): { data: Float64Array; rows: number; cols: number } {
  let data: Float64Array;
  let rows: number;
  let c: number;
  if (Array.isArray(X)) {
    rows = X.length;
    c = rows > 0 && Array.isArray(X[0]) ? X[0].length : 0;
    data = new Float64Array(rows * c);
    X.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== c)
        throw new ValidationError(`NearestCentroid: X row ${i} must be an array of ${c} numbers.`);
      data.set(row, i * c);
    });
  } else if (X && ArrayBuffer.isView(X.data) && Array.isArray(X.shape) && X.shape.length === 2) {
    [rows, c] = X.shape;
    if (X.data.length !== rows * c)
      throw new ValidationError(`NearestCentroid: X.data has ${X.data.length} values, not ${rows}×${c}.`);
    data = Float64Array.from(X.data);
  } else {
    throw new ValidationError('NearestCentroid: X must be number[][] or { data, shape: [rows, cols] }.');
  }
  if (rows === 0 || c === 0)
    throw new ValidationError('NearestCentroid: X must have at least one row and column.');
  if (!data.every(Number.isFinite)) throw new ValidationError('NearestCentroid: X holds NaN or Infinity.');
  if (cols !== undefined && c !== cols)
    throw new ValidationError(`NearestCentroid: X has ${c} features; the model was fitted on ${cols}.`);
  return { data, rows, cols: c };
}

function readTargets(y: ArrayLike<number>, rows: number): number[] {
  const out = Array.from(y);
  if (out.length !== rows)
    throw new ValidationError(`NearestCentroid: y has ${out.length} labels for ${rows} rows.`);
  if (!out.every(Number.isInteger)) throw new ValidationError('NearestCentroid: y must hold integer labels.');
  return out;
}

/**
 * An example third-party estimator: scikit-learn's `NearestCentroid` classifier (each class is the mean of
 * its rows; a row gets the class of the nearest mean). Pure TypeScript, no tfjs. With
 * {@link nearestCentroidKind} registered it loads through `load()`, sits in a saved `Pipeline`, and runs in
 * `GridSearchCV({ nJobs: 2 })` worker threads.
 */
export class NearestCentroid {
  /** The registry it was made with (layerwise estimators carry one; workers pass theirs). */
  readonly registry: Registry;
  #params: NearestCentroidParams;
  #fitted: Fitted | null = null;

  /** Its kind, so a search finds how to rebuild it in a worker without registration. */
  static get estimatorKind(): EstimatorKindPlugin<NearestCentroid> {
    return nearestCentroidKind;
  }

  constructor(params: Partial<NearestCentroidParams> = {}, options: EstimatorOptions = {}) {
    checkParams(params);
    this.#params = { metric: 'euclidean', ...params };
    this.registry = options.registry ?? getDefaultRegistry();
  }

  getParams(): NearestCentroidParams {
    return { ...this.#params };
  }

  setParams(params: Partial<NearestCentroidParams>): this {
    checkParams(params);
    this.#params = { ...this.#params, ...params };
    return this;
  }

  get isFitted(): boolean {
    return this.#fitted !== null;
  }

  /** The class labels, ascending. */
  get classes(): readonly number[] {
    return this.#state('classes').classes;
  }

  /** An unfitted copy with the same params and registry. */
  clone(): NearestCentroid {
    return new NearestCentroid(this.getParams(), { registry: this.registry });
  }

  async fit(X: Rows, y: ArrayLike<number>): Promise<this> {
    const { data, rows, cols } = readRows(X);
    const labels = readTargets(y, rows);
    const classes = [...new Set(labels)].sort((a, b) => a - b);
    const index = new Map(classes.map((c, i) => [c, i]));
    const centroids = new Float64Array(classes.length * cols);
    const counts = new Float64Array(classes.length);
    for (let r = 0; r < rows; r++) {
      const k = index.get(labels[r]!)!;
      counts[k]! += 1;
      for (let j = 0; j < cols; j++) centroids[k * cols + j]! += data[r * cols + j]!;
    }
    for (let k = 0; k < classes.length; k++)
      for (let j = 0; j < cols; j++) centroids[k * cols + j]! /= counts[k]!;
    this.#fitted = { classes, centroids, cols };
    return this;
  }

  async predict(X: Rows): Promise<number[]> {
    const { classes, centroids, cols } = this.#state('predict');
    const { data, rows } = readRows(X, cols);
    const manhattan = this.#params.metric === 'manhattan';
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let k = 0; k < classes.length; k++) {
        let d = 0;
        for (let j = 0; j < cols; j++) {
          const diff = data[r * cols + j]! - centroids[k * cols + j]!;
          d += manhattan ? Math.abs(diff) : diff * diff;
        }
        if (d < bestDistance) [best, bestDistance] = [k, d];
      }
      out.push(classes[best]!);
    }
    return out;
  }

  /** Accuracy on `(X, y)`. */
  async score(X: Rows, y: ArrayLike<number>): Promise<number> {
    const predicted = await this.predict(X);
    const labels = readTargets(y, predicted.length);
    return predicted.filter((p, i) => p === labels[i]).length / labels.length;
  }

  /** Saves in layerwise's model format (`model.json` + weights), loadable by `load()` once the kind is registered. */
  async save(dir: string): Promise<void> {
    const { classes, centroids, cols } = this.#state('save');
    await saveModelDir(dir, {
      kind: KIND,
      params: { ...this.#params },
      state: { classes },
      tensors: [{ name: 'centroids', shape: [classes.length, cols], data: Float32Array.from(centroids) }],
    });
  }

  /** Loads a model saved with {@link NearestCentroid.save}; a malformed file is a ModelFormatError. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<NearestCentroid> {
    const data = await loadModelDir(dir, [KIND]);
    const classes = data.state.classes;
    const t = data.tensors.find((x) => x.name === 'centroids');
    if (!Array.isArray(classes) || !classes.every(Number.isInteger) || !t || t.shape[0] !== classes.length) {
      throw new ModelFormatError(`Invalid NearestCentroid model in ${dir}: classes and centroids disagree.`);
    }
    let est: NearestCentroid;
    try {
      est = new NearestCentroid(data.params as Partial<NearestCentroidParams>, options);
    } catch (e) {
      throw new ModelFormatError(`Invalid NearestCentroid model in ${dir}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    est.#fitted = { classes: classes as number[], centroids: Float64Array.from(t.data), cols: t.shape[1]! };
    return est;
  }

  #state(method: string): Fitted {
    if (!this.#fitted) throw new NotFittedError('NearestCentroid', method);
    return this.#fitted;
  }
}

/**
 * The estimator kind of {@link NearestCentroid}: `registry.use(nearestCentroidKind)` lets `load()`,
 * `Pipeline.load` and the CLI open its files; `module` + `exportName` + `encode`/`decode` let `nJobs`
 * workers rebuild it from its params.
 */
export const nearestCentroidKind: EstimatorKindPlugin<NearestCentroid> = {
  kind: 'estimator',
  name: KIND,
  role: 'classifier',
  module: import.meta.url,
  exportName: 'nearestCentroidKind',
  matches: (e) => e instanceof NearestCentroid,
  load: (dir, options) => NearestCentroid.load(dir, options),
  encode: (est, ctx) => ({ params: ctx.plainParams(est.getParams(), KIND) }),
  decode: (payload, ctx) =>
    new NearestCentroid((payload as { params: NearestCentroidParams }).params, { registry: ctx.registry }),
};
