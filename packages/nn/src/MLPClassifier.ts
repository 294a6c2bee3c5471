import type { EstimatorKindPlugin } from '@layerwise/core';
import {
  accuracy,
  type Classifier,
  type ClassLabel,
  decodeLabels,
  type EncodedLabels,
  type EstimatorOptions,
  type ExportableModel,
  encodeLabels,
  type FeaturesLike,
  fromTensor2D,
  type LabelsLike,
  loadModelDir,
  type MatrixLike,
  ModelFormatError,
  type ParamSpec,
  readLabels,
  rowsOf,
  type TypedMatrix,
  ValidationError,
} from '@layerwise/core';
import {
  type BatchLoss,
  type DataSource,
  type DenseStage,
  type EpochRecord,
  HIDDEN_ACTIVATIONS,
  type HiddenActivation,
  meanLoss,
  type ParamsEstimatorClass,
  paramsEstimatorKind,
} from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import { MLPBase, type PreparedTargets } from './MLPBase.js';
import {
  type FitOptions,
  type LoadOptions,
  MLP_DEFAULTS,
  MLP_FIT_OPTIONS,
  MLP_SPEC,
  type MLPParams,
  type PartialFitOptions,
} from './MLPParams.js';
import { fromFile, paramsFromFile } from './modelFile.js';

/** Hyper-parameters of {@link MLPClassifier}: {@link MLPParams} and `classWeight`. */
export interface MLPClassifierParams extends MLPParams {
  /**
   * Weights of the classes in the loss (Keras' `class_weight`, scikit-learn's `class_weight`):
   * `'balanced'` weighs class c by `samples / (classes × count(c))`; an object maps labels (as keys) to
   * weights (classes left out weigh 1); `null` = all 1. Multiplied with `fit`'s `sampleWeight`. Default null.
   */
  classWeight: 'balanced' | Readonly<Record<string, number>> | null;
}

const CLASSIFIER_DEFAULTS: MLPClassifierParams = { ...MLP_DEFAULTS, classWeight: null };
const CLASSIFIER_SPEC: ParamSpec<MLPClassifierParams> = { ...MLP_SPEC, classWeight: { type: 'any' } };

/** Checks the `classWeight` param's form (its labels are checked against `y` at fit time). */
function checkClassWeight(value: unknown): void {
  if (value === null || value === undefined || value === 'balanced') return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(
      `MLPClassifier: classWeight must be null, 'balanced' or an object { label: weight }, got ${JSON.stringify(value)}.`,
    );
  }
  for (const [k, w] of Object.entries(value)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new ValidationError(
        `MLPClassifier: classWeight[${JSON.stringify(k)}] must be a finite number ≥ 0, got ${JSON.stringify(w)}.`,
      );
    }
  }
}

/** The classes a partialFit encodes with: the fitted ones, or the first call's `classes` (sorted). */
/** Whether `given` is ≥ 2 distinct finite numbers or ≥ 2 distinct strings. */
function validClasses(given: unknown): given is ClassLabel[] {
  return (
    Array.isArray(given) &&
    given.length >= 2 &&
    (given.every((c) => typeof c === 'number' && Number.isFinite(c)) ||
      given.every((c) => typeof c === 'string')) &&
    new Set(given).size === given.length
  );
}

function partialClasses(given: unknown, fitted: ClassifierState | null): ClassLabel[] {
  if (given !== undefined) {
    if (!validClasses(given)) {
      throw new ValidationError(
        `MLPClassifier.partialFit: classes must be ≥ 2 distinct numbers or strings, got ${JSON.stringify(given)}.`,
      );
    }
  }
  const sorted = given
    ? [...(given as ClassLabel[])].sort((a, b) =>
        typeof a === 'number' ? (a as number) - (b as number) : String(a) < String(b) ? -1 : 1,
      )
    : undefined;
  if (fitted) {
    if (sorted && JSON.stringify(sorted) !== JSON.stringify(fitted.classes)) {
      throw new ValidationError(
        `MLPClassifier.partialFit: classes ${JSON.stringify(sorted)} differ from the fitted ones ${JSON.stringify(fitted.classes)}; partialFit cannot change them (fit starts over).`,
      );
    }
    return fitted.classes;
  }
  if (!sorted) {
    throw new ValidationError(
      'MLPClassifier.partialFit: the first call needs every class label, e.g. partialFit(X, y, { classes: [0, 1, 2] }).',
    );
  }
  return sorted;
}

/** Per-row weights from `classWeight` (null when every weight is 1). */
function classRowWeights(
  classWeight: MLPClassifierParams['classWeight'],
  enc: EncodedLabels,
): Float32Array | undefined {
  if (classWeight === null) return undefined;
  const k = enc.classes.length;
  let perClass: Float64Array;
  if (classWeight === 'balanced') {
    const counts = new Float64Array(k);
    for (const i of enc.indices) counts[i]!++;
    perClass = counts.map((c) => enc.indices.length / (k * c));
  } else {
    perClass = new Float64Array(k).fill(1);
    const known = new Map(enc.classes.map((c, i) => [String(c), i]));
    for (const [label, w] of Object.entries(classWeight)) {
      const i = known.get(label);
      if (i === undefined) {
        throw new ValidationError(
          `MLPClassifier.fit: classWeight names the label ${JSON.stringify(label)}, which y does not have (classes: ${JSON.stringify(enc.classes)}).`,
        );
      }
      perClass[i] = w;
    }
  }
  return Float32Array.from(enc.indices, (i) => perClass[i]!);
}

/** Labels as returned by `predict`: the same kind of labels `fit` was given. */
export type PredictedLabels = number[] | string[] | Int32Array | tf.Tensor1D;

/**
 * What `predict` returns for features that are not a tensor (`number[][]`, `{ data, shape }`, a table): the
 * labels as an array, never a tensor — `number[]`, `string[]`, or `Int32Array` after `fit` got an `Int32Array`.
 * Indexes without a cast.
 */
export type ArrayLabels = number[] | string[] | Int32Array;

/** {@link PredictedLabelsOf} for features that are not a tensor: labels fitted as a `Tensor1D` come back as `number[]`. */
export type ArrayLabelsOf<Y> = Y extends tf.Tensor1D ? number[] : PredictedLabelsOf<Y>;

/** What `predict` returns after `fit` got labels of kind `Y`: numbers → `number[]`, strings → `string[]`, `Int32Array`, `Tensor1D`. */
export type PredictedLabelsOf<Y> = Y extends string[]
  ? string[]
  : Y extends number[]
    ? number[]
    : Y extends Int32Array
      ? Int32Array
      : Y extends tf.Tensor1D
        ? tf.Tensor1D
        : PredictedLabels;

/**
 * The type `await clf.fit(X, y)` resolves to (the classifier itself): its `predict` returns the kind of `y`, so
 * `(await clf.fit(X, [0, 1, 1])).predict(X)` is a `number[]` and `(await clf.fit(X, ['a', 'b'])).predict(X)` a
 * `string[]`, indexable without a cast.
 */
export interface FittedClassifier<Y> {
  /** Predicted labels, of the kind `fit` was given. */
  predict(X: tf.Tensor2D): Promise<PredictedLabelsOf<Y>>;
  /** Predicted labels, of the kind `fit` was given (a `Tensor1D` of labels only for a tensor `X`). */
  predict(X: Exclude<FeaturesLike, tf.Tensor>): Promise<ArrayLabelsOf<Y>>;
}

type ClassifierState = { classes: ClassLabel[]; labelKind: EncodedLabels['kind'] };

const LABEL_KINDS: readonly EncodedLabels['kind'][] = ['number', 'string', 'int32', 'tensor'];

/** Anything that can hand out a trained encoder as dense layers (e.g. a fitted `StackedAutoencoder`). */
export interface EncoderSource {
  toExportable(part: 'encoder'): ExportableModel;
  /** When present and no registry is given, the classifier uses the same registry. */
  readonly registry?: EstimatorOptions['registry'];
}

/**
 * scikit-learn's "Unknown label type: continuous": numeric labels with a fractional part, or integers with
 * more distinct values than a classification plausibly has (over 100 and over half the rows), are a
 * regression target. A ValidationError saying so, pointing to MLPRegressor, before anything is fitted.
 */
function checkNotContinuous(y: unknown, name: string): void {
  const values = checkNotFractional(y, name);
  if (values) checkPlausibleClasses(new Set(Array.from(values)).size, values.length, name);
}

/** More distinct integer labels than a classification plausibly has (over 100 and over half the rows). */
function checkPlausibleClasses(distinct: number, rows: number, name: string): void {
  if (distinct > 100 && distinct > rows / 2) {
    throw new ValidationError(
      `MLPClassifier.fit: ${name} looks continuous (${distinct} distinct values in ${rows} rows is more than classes plausibly are): use MLPRegressor for a numeric target, or pass { classes } to partialFit if these really are classes.`,
    );
  }
}

/**
 * Numeric labels with a fractional part are a regression target: a ValidationError pointing to MLPRegressor.
 * Returns the numeric values it read (undefined for string labels or other kinds).
 */
function checkNotFractional(y: unknown, name: string): ArrayLike<number> | undefined {
  let values: ArrayLike<number> | undefined;
  if (Array.isArray(y) && typeof y[0] === 'number') values = y as number[];
  else if (y instanceof Float32Array || y instanceof Float64Array) values = y;
  else if (y instanceof tf.Tensor && y.rank === 1 && y.dtype === 'float32' && !y.isDisposed)
    values = y.dataSync() as Float32Array;
  if (!values) return undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v) && !Number.isInteger(v)) {
      throw new ValidationError(
        `MLPClassifier.fit: ${name} looks continuous (${name}[${i}] = ${v} is not a whole number), not a set of class labels: use MLPRegressor for a numeric target, or encode the classes as integers or strings.`,
      );
    }
  }
  return values;
}

/**
 * A multi-layer perceptron classifier (softmax cross-entropy on the logits), scikit-learn style.
 *
 * ```ts
 * const clf = new MLPClassifier({ hiddenLayerSizes: [128], epochs: 20, randomState: 0 });
 * await clf.fit(X, y);                 // X: number[][] | tf.Tensor2D | { data, shape }; y: numbers or strings
 * const labels = await clf.predict(Xtest);
 * const acc = await clf.score(Xtest, yTest);
 * ```
 */
export class MLPClassifier
  extends MLPBase<LabelsLike, ClassifierState, MLPClassifierParams>
  implements Classifier<MatrixLike, PredictedLabels, MatrixLike>
{
  /** This class's estimator kind (registered with `registry.use`; `nJobs` workers rebuild it from it). */
  static get estimatorKind(): EstimatorKindPlugin<MLPClassifier> {
    return mlpClassifierKind;
  }

  /**
   * @param params hyper-parameters (see {@link MLPParams}); unknown names or bad values → ValidationError
   * @param options `{ registry }` to resolve backends, loggers and exporters from (default registry otherwise)
   */
  constructor(params: Partial<MLPClassifierParams> = {}, options: EstimatorOptions = {}) {
    super(CLASSIFIER_DEFAULTS, CLASSIFIER_SPEC, params, options);
  }

  protected override validateCombination(p: MLPClassifierParams): void {
    super.validateCombination(p);
    checkClassWeight(p.classWeight);
  }

  protected get kind(): string {
    return 'MLPClassifier';
  }

  protected get exportActivation() {
    return 'softmax' as const;
  }

  protected get reportsAccuracy(): boolean {
    return true;
  }

  /** The class labels seen at fit time, sorted (scikit-learn's `classes_`). */
  get classes(): ReadonlyArray<ClassLabel> {
    this.assertFitted('classes');
    return [...this.fittedState.classes];
  }

  /**
   * Trains a fresh network on `X` and labels `y` (numbers or strings; at least 2 classes), or on a
   * `DataSource` of `{ x, y }` batches (`fit(source, options)`, streamed in bounded memory). A second call
   * starts over. Returns `this`.
   */
  async fit(source: DataSource, options?: FitOptions<LabelsLike>): Promise<this>;
  async fit<Y extends LabelsLike>(
    X: FeaturesLike,
    y: Y,
    options?: FitOptions<LabelsLike>,
  ): Promise<FittedClassifier<Y> & this>;
  async fit(X: FeaturesLike | DataSource, y?: unknown, options: FitOptions<LabelsLike> = {}): Promise<this> {
    return this.fitCore(X, y as LabelsLike, options);
  }

  /**
   * One pass over `X`, `y` (scikit-learn's `partial_fit`): the first call needs every class in
   * `{ classes }`; later calls continue the weights, optimizer state, generator and history and may not add
   * classes. A `fit` afterwards starts over (unless `warmStart`). No validation split, early stopping,
   * checkpoint or `exportPath` here. Returns `this`.
   *
   * ```ts
   * for (const [Xc, yc] of chunks) await clf.partialFit(Xc, yc, { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
   * ```
   */
  async partialFit(X: FeaturesLike, y: LabelsLike, options: PartialFitOptions = {}): Promise<this> {
    return this.partialFitCore(X, y, options);
  }

  protected streamTargets({ classesGiven }: { classesGiven: boolean }) {
    // Only the distinct labels are kept (memory independent of the number of rows).
    const seen = new Set<ClassLabel>();
    let kind: EncodedLabels['kind'] | null = null;
    let rowsSeen = 0;
    return {
      collect(y: unknown, rows: number, batch: number) {
        if (y === undefined || y === null) {
          throw new ValidationError(
            `MLPClassifier.fit: batch ${batch} of the data source has no y; a classifier needs labels.`,
          );
        }
        // Labels read from the batches (not listed in `classes`): a fractional one means a regression target.
        if (!classesGiven) checkNotFractional(y, `batch ${batch} y`);
        const r = readLabels(y, rows, `batch ${batch} y`);
        kind ??= r.kind;
        rowsSeen += rows;
        for (const v of r.values) seen.add(v);
      },
      finish: () => {
        if (!classesGiven && (kind === 'number' || kind === 'tensor'))
          checkPlausibleClasses(seen.size, rowsSeen, 'y of the data source');
        const values = [...seen];
        const enc = encodeLabels(values, values.length, undefined, 'y');
        if (enc.classes.length < 2) {
          throw new ValidationError(
            'MLPClassifier.fit: the data source has a single class; a classifier needs at least 2.',
          );
        }
        if (this.params.classWeight !== null) {
          throw new ValidationError(
            'MLPClassifier.fit: classWeight needs in-memory data; it does not work with a data source.',
          );
        }
        const classes = enc.classes;
        return {
          state: { classes, labelKind: kind ?? enc.kind },
          outputSize: classes.length,
          encode: (y: unknown, rows: number, batch: number) => ({
            data: encodeLabels(y, rows, classes, `batch ${batch} y`).indices,
            cols: 0,
          }),
        };
      },
    };
  }

  protected override get labelsNeedClasses(): boolean {
    return true;
  }

  protected override get fitOptions(): readonly string[] {
    return [...MLP_FIT_OPTIONS, 'classes'];
  }

  protected override checkFitClasses(given: unknown): ClassLabel[] {
    if (!validClasses(given)) {
      throw new ValidationError(
        `MLPClassifier.fit: classes must be ≥ 2 distinct numbers or strings, got ${JSON.stringify(given)}.`,
      );
    }
    return [...given];
  }

  protected override get partialFitOptions(): readonly string[] {
    return ['classes', 'sampleWeight', 'callbacks'];
  }

  protected prepareTargets(
    y: unknown,
    rows: number,
    name: string,
    partial?: { classes: unknown; fitted: ClassifierState | null },
  ): PreparedTargets<ClassifierState> {
    const classes = partial ? partialClasses(partial.classes, partial.fitted) : undefined;
    if (!classes) checkNotContinuous(y, name);
    let enc: EncodedLabels;
    try {
      enc = encodeLabels(y, rows, classes, name);
    } catch (e) {
      if (classes && e instanceof ValidationError) {
        throw new ValidationError(
          `MLPClassifier.partialFit: ${e.message.replace('a class not seen at fit time', 'not one of the classes')} partialFit cannot add classes; give every class in the first call's { classes }.`,
        );
      }
      throw e;
    }
    if (enc.classes.length < 2) {
      throw new ValidationError(
        `MLPClassifier.fit: ${name} has a single class (${JSON.stringify(enc.classes[0])}); a classifier needs at least 2 classes.`,
      );
    }
    const rowWeights = classRowWeights(this.params.classWeight, enc);
    return {
      tensor: tf.tensor1d(enc.indices, 'int32'),
      outputSize: enc.classes.length,
      state: { classes: enc.classes, labelKind: enc.kind },
      ...(rowWeights ? { rowWeights } : {}),
    };
  }

  /** A resumed fit must see the same classes (the label kind may differ). */
  protected override targetsSignature(state: ClassifierState): unknown {
    return state.classes;
  }

  protected prepareValidationTargets(y: unknown, rows: number, state: ClassifierState): tf.Tensor {
    const enc = encodeLabels(y, rows, state.classes, 'validationData[1]');
    return tf.tensor1d(enc.indices, 'int32');
  }

  protected validationScore(e: EpochRecord): number | undefined {
    return e.metrics.valAcc;
  }

  protected override denseLoss(): Pick<DenseStage, 'loss' | 'target'> | null {
    return this.batchLoss === MLPClassifier.prototype.batchLoss
      ? { loss: 'softmaxCrossEntropy', target: 'labels' }
      : null;
  }

  protected batchLoss(logits: tf.Tensor2D, yb: tf.Tensor, weights?: tf.Tensor1D): BatchLoss {
    const k = logits.shape[1];
    const labels = yb as tf.Tensor1D;
    const oneHot = tf.oneHot(labels, k);
    const logLik = tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1) as tf.Tensor1D;
    const loss = weights
      ? meanLoss(tf.neg(logLik) as tf.Tensor1D, weights)
      : (tf.neg(tf.mean(logLik)) as tf.Scalar);
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
    return { loss, correct };
  }

  /** Class probabilities `[samples, classes]` (columns in the order of `classes`), in the kind of X. */
  predictProba(X: number[][]): Promise<number[][]>;
  predictProba(X: tf.Tensor2D): Promise<tf.Tensor2D>;
  predictProba(X: TypedMatrix): Promise<TypedMatrix>;
  predictProba(X: FeaturesLike): Promise<MatrixLike>;
  async predictProba(X: FeaturesLike): Promise<MatrixLike> {
    return this.withEngine('predictProba', async (backend) => {
      const { output, kind } = await this.outputs(X, 'predictProba', backend);
      const proba = tf.tidy(() => tf.softmax(output));
      output.dispose();
      return fromTensor2D(proba, kind);
    });
  }

  async #predictIndices(X: FeaturesLike, method: string, backend: string): Promise<Int32Array> {
    const { output } = await this.outputs(X, method, backend);
    const idx = tf.tidy(() => tf.argMax(output, 1));
    output.dispose();
    const data = (await idx.data()) as Int32Array;
    idx.dispose();
    return data;
  }

  /**
   * Predicted labels, in the kind of labels `fit` was given: `number[]`, `string[]`, `Int32Array`, or — for a
   * tensor `X` after `fit` got a `Tensor1D` — a `Tensor1D`. Features that are not a tensor never give a tensor
   * (labels fitted as a `Tensor1D` then come back as `number[]`), so the result of `predict(number[][])`
   * indexes without a cast even after a plain `await clf.fit(X, y);` statement.
   */
  async predict(X: tf.Tensor2D): Promise<PredictedLabels>;
  async predict(X: Exclude<FeaturesLike, tf.Tensor>): Promise<ArrayLabels>;
  async predict(X: FeaturesLike): Promise<PredictedLabels>;
  async predict(X: FeaturesLike): Promise<PredictedLabels> {
    return this.withEngine('predict', async (backend) => {
      const idx = await this.#predictIndices(X, 'predict', backend);
      const st = this.fittedState;
      const kind = st.labelKind === 'tensor' && !(X instanceof tf.Tensor) ? 'number' : st.labelKind;
      return decodeLabels(idx, st.classes, kind);
    });
  }

  /** Mean accuracy on `X` against labels `y` (labels never seen at fit time count as wrong). */
  async score(X: FeaturesLike, y: unknown): Promise<number> {
    this.assertFitted('score');
    const rows = rowCount(X);
    const { values } = readLabels(y, rows, 'y');
    const idx = await this.withEngine('score', (backend) => this.#predictIndices(X, 'score', backend));
    const classes = this.fittedState.classes;
    return accuracy(
      values,
      Array.from(idx, (i) => classes[i]!),
    );
  }

  protected restoreState(state: Record<string, unknown>): { state: ClassifierState; outputSize: number } {
    const { classes, labelKind } = state;
    if (
      !Array.isArray(classes) ||
      classes.length < 2 ||
      !(
        classes.every((c) => typeof c === 'number' && Number.isFinite(c)) ||
        classes.every((c) => typeof c === 'string')
      ) ||
      new Set(classes).size !== classes.length
    ) {
      throw new ModelFormatError(
        'Invalid MLPClassifier model: state.classes must be ≥ 2 unique numbers or strings.',
      );
    }
    if (!LABEL_KINDS.includes(labelKind as EncodedLabels['kind'])) {
      throw new ModelFormatError(
        `Invalid MLPClassifier model: state.labelKind ${JSON.stringify(labelKind)} is unknown.`,
      );
    }
    if ((labelKind === 'string') !== (typeof classes[0] === 'string')) {
      throw new ModelFormatError('Invalid MLPClassifier model: state.labelKind does not match the classes.');
    }
    return {
      state: { classes: [...classes] as ClassLabel[], labelKind: labelKind as EncodedLabels['kind'] },
      outputSize: classes.length,
    };
  }

  protected override exportMetadata(): Record<string, unknown> {
    return { classes: [...this.fittedState.classes] };
  }

  /**
   * Loads a classifier saved with {@link MLPClassifier.save}. Every size, shape and checksum is checked
   * (ModelFormatError); nothing is evaluated.
   */
  static async load(dir: string, options: LoadOptions = {}): Promise<MLPClassifier> {
    const data = await loadModelDir(dir, ['MLPClassifier']);
    const params = paramsFromFile('MLPClassifier', data.params, options.forward, data.state.customForward);
    const est = fromFile('MLPClassifier', () =>
      options.registry
        ? new MLPClassifier(params, { registry: options.registry })
        : new MLPClassifier(params),
    );
    // A model loaded in a fresh process must find its backend before its weights become tensors.
    return est.restoreOnEngine(() => est.restoreFrom(data));
  }

  /**
   * A classifier whose hidden layers start from a trained encoder (same sizes and activation, weights
   * copied) plus a new output layer; `fit` then fine-tunes the whole network (every `fit` restarts from
   * the encoder's weights). `source` is duck-typed: anything with `toExportable('encoder')`, e.g. a fitted
   * `StackedAutoencoder`.
   * The encoder weights are copied (later changes to `source` do not affect the classifier) into the
   * `encoderWeights` param, so `clone()` of such a classifier starts from the same encoder (cross-validation
   * gives the model a plain fit would). `freezeEncoder: true` keeps the encoder layers fixed for the whole
   * fit; `freezeEncoder: n` for the first `n` epochs, then everything is fine-tuned.
   *
   * ```ts
   * const clf = MLPClassifier.fromEncoder(ae, { epochs: 10, learningRate: 1e-3, freezeEncoder: 3 });
   * await clf.fit(Xtrain, yTrain);
   * ```
   */
  static fromEncoder(
    source: EncoderSource,
    params: Partial<Omit<MLPClassifierParams, 'forward' | 'encoderWeights'>> = {},
    options: EstimatorOptions = {},
  ): MLPClassifier {
    if (!source || typeof source.toExportable !== 'function') {
      throw new ValidationError(
        'MLPClassifier.fromEncoder: source must have toExportable(part), e.g. a fitted StackedAutoencoder.',
      );
    }
    const enc = source.toExportable('encoder');
    if (!enc || !Array.isArray(enc.layers) || enc.layers.length === 0) {
      throw new ValidationError('MLPClassifier.fromEncoder: the encoder has no layers.');
    }
    const activation = enc.layers[0]!.activation;
    if (
      !(HIDDEN_ACTIVATIONS as readonly string[]).includes(activation) ||
      enc.layers.some((l) => l.activation !== activation)
    ) {
      throw new ValidationError(
        `MLPClassifier.fromEncoder: every encoder layer must have the same hidden activation, got ${enc.layers.map((l) => l.activation).join(', ')}.`,
      );
    }
    let prev = enc.inputSize;
    for (const l of enc.layers) {
      if (l.inputSize !== prev || l.kernel.length !== l.inputSize * l.units || l.bias.length !== l.units) {
        throw new ValidationError(
          `MLPClassifier.fromEncoder: encoder layer ${l.name} has inconsistent shapes.`,
        );
      }
      prev = l.units;
    }
    const sizes = enc.layers.map((l) => l.units);
    if (params.hiddenLayerSizes && params.hiddenLayerSizes.join() !== sizes.join()) {
      throw new ValidationError(
        `MLPClassifier.fromEncoder: hiddenLayerSizes ${JSON.stringify(params.hiddenLayerSizes)} differ from the encoder's ${JSON.stringify(sizes)}; leave it out.`,
      );
    }
    if (params.activation && params.activation !== activation) {
      throw new ValidationError(
        `MLPClassifier.fromEncoder: activation '${params.activation}' differs from the encoder's '${activation}'; leave it out.`,
      );
    }
    const registry = options.registry ?? source.registry;
    const encoderWeights = enc.layers.map((l) => ({
      ...l,
      kernel: new Float32Array(l.kernel),
      bias: new Float32Array(l.bias),
    }));
    return new MLPClassifier(
      { ...params, hiddenLayerSizes: sizes, activation: activation as HiddenActivation, encoderWeights },
      registry ? { registry } : {},
    );
  }
}

/** Row count of X without copying it (validation happens later in `outputs`). */
export function rowCount(X: unknown): number {
  const rows = rowsOf(X);
  if (rows === undefined) {
    throw new ValidationError(`X must be number[][], a 2-D tf.Tensor, { data, shape } or a table.`);
  }
  return rows;
}

/**
 * The estimator kind of {@link MLPClassifier}: loads its model files, rebuilds it in `nJobs` workers from its
 * params. `registry.use(mlpClassifierKind)` lets `load()`, `Pipeline.load` and the CLI open its files.
 */
export const mlpClassifierKind: EstimatorKindPlugin<MLPClassifier> = paramsEstimatorKind({
  name: 'MLPClassifier',
  role: 'classifier',
  module: import.meta.url,
  exportName: 'mlpClassifierKind',
  package: '@layerwise/nn',
  estimatorClass: () => MLPClassifier as unknown as ParamsEstimatorClass<MLPClassifier>,
});
