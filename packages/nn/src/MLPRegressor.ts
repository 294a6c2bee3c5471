import type { EstimatorKindPlugin } from '@layerwise/core';
import {
  type EstimatorOptions,
  type FeaturesLike,
  fromTensor1D,
  fromTensor2D,
  loadModelDir,
  type MatrixLike,
  ModelFormatError,
  type Regressor,
  r2Score,
  type TargetsLike,
  toTargets,
  ValidationError,
} from '@layerwise/core';
import {
  type BatchLoss,
  type DataSource,
  type DenseStage,
  type EpochRecord,
  meanLoss,
  type ParamsEstimatorClass,
  paramsEstimatorKind,
  type RunData,
} from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import { MLPBase, type PreparedTargets } from './MLPBase.js';
import { rowCount } from './MLPClassifier.js';
import {
  type FitOptions,
  type LoadOptions,
  MLP_DEFAULTS,
  MLP_SPEC,
  type MLPParams,
  type PartialFitOptions,
} from './MLPParams.js';
import { fromFile, paramsFromFile } from './modelFile.js';

/** Hyper-parameters of {@link MLPRegressor}. */
export type MLPRegressorParams = MLPParams;

/** Predictions: 1-D (`number[]`, `Float32Array`, `Tensor1D`) when `fit` got 1-D targets, else 2-D in the kind of X. */
export type RegressionOutput = number[] | Float32Array | tf.Tensor1D | MatrixLike;

type RegressorState = { outputSize: number; oneDimensional: boolean };

/**
 * A multi-layer perceptron regressor (mean squared error, linear output), scikit-learn style. `score` is R².
 *
 * ```ts
 * const reg = new MLPRegressor({ hiddenLayerSizes: [64], epochs: 300, randomState: 0 });
 * await reg.fit(x, y);            // y: number[] → predict returns number[]
 * const r2 = await reg.score(x, y);
 * ```
 */
export class MLPRegressor
  extends MLPBase<TargetsLike, RegressorState>
  implements Regressor<MatrixLike, RegressionOutput>
{
  /** This class's estimator kind (registered with `registry.use`; `nJobs` workers rebuild it from it). */
  static get estimatorKind(): EstimatorKindPlugin<MLPRegressor> {
    return mlpRegressorKind;
  }

  /**
   * @param params hyper-parameters (see {@link MLPParams}); unknown names or bad values → ValidationError
   * @param options `{ registry }` to resolve backends, loggers and exporters from
   */
  constructor(params: Partial<MLPRegressorParams> = {}, options: EstimatorOptions = {}) {
    super(MLP_DEFAULTS, MLP_SPEC, params, options);
  }

  protected get kind(): string {
    return 'MLPRegressor';
  }

  protected get exportActivation() {
    return 'linear' as const;
  }

  protected get reportsAccuracy(): boolean {
    return false;
  }

  /**
   * Trains a fresh network on `X` and targets `y` (1-D or 2-D), or on a `DataSource` of `{ x, y }` batches
   * (`fit(source, options)`). A second call starts over. Returns `this`.
   */
  async fit(source: DataSource, options?: FitOptions<TargetsLike>): Promise<this>;
  async fit(X: FeaturesLike, y: TargetsLike, options?: FitOptions<TargetsLike>): Promise<this>;
  async fit(X: FeaturesLike | DataSource, y?: unknown, options: FitOptions<TargetsLike> = {}): Promise<this> {
    return this.fitCore(X, y as TargetsLike, options);
  }

  /**
   * One pass over `X`, `y` (scikit-learn's `partial_fit`), continuing the weights, optimizer state, generator
   * and history; the targets must keep their columns. A `fit` afterwards starts over (unless `warmStart`).
   */
  async partialFit(X: FeaturesLike, y: TargetsLike, options: PartialFitOptions = {}): Promise<this> {
    return this.partialFitCore(X, y, options);
  }

  protected streamTargets() {
    let cols = 0;
    let oneDimensional = true;
    const read = (y: unknown, rows: number, batch: number): Float32Array => {
      if (y === undefined || y === null) {
        throw new ValidationError(
          `MLPRegressor.fit: batch ${batch} of the data source has no y; a regressor needs targets.`,
        );
      }
      const t = toTargets(y, rows, `batch ${batch} y`);
      const k = t.tensor.shape[1];
      const data = new Float32Array(t.tensor.dataSync() as Float32Array);
      if (t.owned) t.tensor.dispose();
      if (cols === 0) {
        cols = k;
        oneDimensional = t.oneDimensional;
      } else if (k !== cols) {
        throw new ValidationError(
          `MLPRegressor.fit: batch ${batch} y has ${k} columns, earlier batches ${cols}.`,
        );
      }
      return data;
    };
    return {
      collect(y: unknown, rows: number, batch: number) {
        read(y, rows, batch);
      },
      finish: () => ({
        state: { outputSize: cols, oneDimensional },
        outputSize: cols,
        encode: (y: unknown, rows: number, batch: number) => ({ data: read(y, rows, batch), cols }),
      }),
    };
  }

  protected prepareTargets(y: unknown, rows: number, name: string): PreparedTargets<RegressorState> {
    const t = toTargets(y, rows, name);
    const tensor = t.owned ? t.tensor : tf.clone(t.tensor);
    return {
      tensor,
      outputSize: t.tensor.shape[1],
      state: { outputSize: t.tensor.shape[1], oneDimensional: t.oneDimensional },
    };
  }

  protected prepareValidationTargets(y: unknown, rows: number, state: RegressorState): tf.Tensor {
    const t = toTargets(y, rows, 'validationData[1]');
    if (t.tensor.shape[1] !== state.outputSize) {
      if (t.owned) t.tensor.dispose();
      throw new ValidationError(
        `MLPRegressor.fit: validationData[1] has ${t.tensor.shape[1]} target columns but y has ${state.outputSize}.`,
      );
    }
    return t.owned ? t.tensor : tf.clone(t.tensor);
  }

  protected override denseLoss(): Pick<DenseStage, 'loss' | 'target'> | null {
    return this.batchLoss === MLPRegressor.prototype.batchLoss
      ? { loss: 'meanSquaredError', target: 'values' }
      : null;
  }

  protected batchLoss(output: tf.Tensor2D, yb: tf.Tensor, weights?: tf.Tensor1D): BatchLoss {
    if (weights)
      return { loss: meanLoss(tf.mean(tf.squaredDifference(output, yb), 1) as tf.Tensor1D, weights) };
    return { loss: tf.mean(tf.squaredDifference(output, yb)) as tf.Scalar };
  }

  protected validationScore(e: EpochRecord): number | undefined {
    return e.metrics.valR2;
  }

  /**
   * R² on the validation set from its mean squared error: `1 − SSE / SST` with SST pooled over the output
   * columns (scikit-learn's R² for one output; its `variance_weighted` average for several).
   */
  protected override validationMetrics(
    data: RunData,
  ): ((valLoss: number) => Record<string, number>) | undefined {
    const v = data.validation;
    if (!v) return undefined;
    const sst = tf.tidy(() => tf.sum(tf.squaredDifference(v.y, tf.mean(v.y, 0))).dataSync()[0]!);
    const size = v.y.size;
    return (valLoss): Record<string, number> => (sst > 0 ? { valR2: 1 - (valLoss * size) / sst } : {});
  }

  /** Predictions for X: 1-D when `fit` got 1-D targets (tensor in → Tensor1D out), else 2-D in the kind of X. */
  async predict(X: FeaturesLike): Promise<RegressionOutput> {
    return this.withEngine('predict', async (backend) => {
      const { output, kind } = await this.outputs(X, 'predict', backend);
      if (this.fittedState.oneDimensional) {
        const flat = tf.reshape(output, [-1]) as tf.Tensor1D;
        output.dispose();
        return fromTensor1D(flat, kind);
      }
      return fromTensor2D(output, kind);
    });
  }

  /** R² of the predictions for X against `y` (averaged over output columns, like scikit-learn). */
  async score(X: FeaturesLike, y: unknown): Promise<number> {
    this.assertFitted('score');
    return this.withEngine('score', async (backend) => {
      const t = toTargets(y, rowCount(X), 'y');
      const yTrue = new Float32Array((await t.tensor.data()) as Float32Array);
      const cols = t.tensor.shape[1];
      if (t.owned) t.tensor.dispose();
      if (cols !== this.fittedState.outputSize) {
        throw new ValidationError(
          `MLPRegressor.score: y has ${cols} columns but the model predicts ${this.fittedState.outputSize}.`,
        );
      }
      const { output } = await this.outputs(X, 'score', backend);
      const yPred = (await output.data()) as Float32Array;
      output.dispose();
      if (cols === 1) return r2Score(yTrue, yPred);
      const rows = yTrue.length / cols;
      const toRows = (a: Float32Array) =>
        Array.from({ length: rows }, (_, r) => Array.from(a.subarray(r * cols, (r + 1) * cols)));
      return r2Score(toRows(yTrue), toRows(yPred));
    });
  }

  protected restoreState(state: Record<string, unknown>): { state: RegressorState; outputSize: number } {
    const { outputSize, oneDimensional } = state;
    if (!Number.isSafeInteger(outputSize) || (outputSize as number) < 1) {
      throw new ModelFormatError('Invalid MLPRegressor model: state.outputSize must be a positive integer.');
    }
    if (typeof oneDimensional !== 'boolean' || (oneDimensional && outputSize !== 1)) {
      throw new ModelFormatError(
        'Invalid MLPRegressor model: state.oneDimensional must be a boolean (true only for 1 output).',
      );
    }
    return { state: { outputSize: outputSize as number, oneDimensional }, outputSize: outputSize as number };
  }

  /** Loads a regressor saved with {@link MLPRegressor.save} (every size, shape and checksum checked). */
  static async load(dir: string, options: LoadOptions = {}): Promise<MLPRegressor> {
    const data = await loadModelDir(dir, ['MLPRegressor']);
    const params = paramsFromFile('MLPRegressor', data.params, options.forward, data.state.customForward);
    const est = fromFile('MLPRegressor', () =>
      options.registry ? new MLPRegressor(params, { registry: options.registry }) : new MLPRegressor(params),
    );
    // A model loaded in a fresh process must find its backend before its weights become tensors.
    return est.restoreOnEngine(() => est.restoreFrom(data));
  }
}

/**
 * The estimator kind of {@link MLPRegressor}: loads its model files, rebuilds it in `nJobs` workers from its
 * params. `registry.use(mlpRegressorKind)` lets `load()`, `Pipeline.load` and the CLI open its files.
 */
export const mlpRegressorKind: EstimatorKindPlugin<MLPRegressor> = paramsEstimatorKind({
  name: 'MLPRegressor',
  role: 'regressor',
  module: import.meta.url,
  exportName: 'mlpRegressorKind',
  package: '@layerwise/nn',
  estimatorClass: () => MLPRegressor as unknown as ParamsEstimatorClass<MLPRegressor>,
});
