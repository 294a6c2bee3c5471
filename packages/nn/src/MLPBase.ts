import {
  type ActivationName,
  type DenseLayerSpec,
  type EstimatorOptions,
  type ExportableModel,
  type ExportResult,
  type FeaturesLike,
  featureNamesOf,
  type InputKind,
  type ModelData,
  ModelFormatError,
  type NamedTensor,
  type ParamSpec,
  Rng,
  releaseMatrix,
  saveModelDir,
  toMatrix,
  ValidationError,
} from '@layerwise/core';
import {
  type BatchLoss,
  type CarriedState,
  checkTrainingParams,
  type DataSource,
  type DataSpec,
  DenseLayer,
  type DenseStage,
  type EncodedBatchTargets,
  type EncodedTargets,
  freezeLayers,
  isDataSource,
  isHistory,
  LEAKY_RELU_ALPHA,
  layerTensors,
  makeHistory,
  mapRows,
  type RunData,
  type RunModel,
  runTraining,
  type TargetHooks,
  TrainedEstimator,
  type TrainingHistory,
} from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import {
  type FitOptions,
  type ForwardContext,
  MLP_FIT_OPTIONS,
  type MLPExportOptions,
  type MLPParams,
  type PartialFitOptions,
} from './MLPParams.js';
import { storableParams } from './modelFile.js';

/** Validated targets, ready to train on. */
/** Validated, encoded training targets (the training package's `EncodedTargets`). */
export type PreparedTargets<S> = EncodedTargets<S>;

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** A partialFit's epoch appended to the history so far (epochs numbered on). */
function appendHistory(previous: TrainingHistory | null, next: TrainingHistory): TrainingHistory {
  const prev = previous?.stages[0];
  const now = next.stages[0]!;
  if (!prev) return next;
  const epochs = [...prev.epochs, ...now.epochs.map((e, i) => ({ ...e, epoch: prev.epochs.length + i + 1 }))];
  return makeHistory(next.backend, [{ ...now, epochs }]);
}

/** The dense stack a fit trains. */
class MLPModel implements RunModel {
  constructor(readonly dense: DenseLayer[]) {}
  get layers() {
    return this.dense.map((l) => l.variables);
  }
  get kernels() {
    return this.dense.map((l) => l.kernel);
  }
  tensors(): NamedTensor[] {
    return layerTensors(this.dense);
  }
  dispose(): void {
    for (const l of this.dense) l.dispose();
  }
}

/** Checks `encoderWeights` against the params it must match. */
function checkEncoderWeights(owner: string, p: MLPParams): void {
  const init = p.encoderWeights;
  if (init === null || init === undefined) {
    if (p.freezeEncoder !== false) {
      throw new ValidationError(
        `${owner}: freezeEncoder needs a pretrained encoder; build the classifier with MLPClassifier.fromEncoder(ae, { freezeEncoder }).`,
      );
    }
    return;
  }
  const f = p.freezeEncoder;
  if (!(typeof f === 'boolean' || (typeof f === 'number' && Number.isInteger(f) && f >= 0))) {
    throw new ValidationError(
      `${owner}: freezeEncoder must be true, false or a number of epochs (integer ≥ 0), got ${JSON.stringify(f)}.`,
    );
  }
  if (!Array.isArray(init) || init.length === 0) {
    throw new ValidationError(
      `${owner}: encoderWeights must be null or a non-empty array of dense layer specs.`,
    );
  }
  let prev = init[0]!.inputSize;
  for (const l of init as DenseLayerSpec[]) {
    if (
      !l ||
      l.inputSize !== prev ||
      !(l.kernel instanceof Float32Array) ||
      !(l.bias instanceof Float32Array) ||
      l.kernel.length !== l.inputSize * l.units ||
      l.bias.length !== l.units
    ) {
      throw new ValidationError(`${owner}: encoderWeights layer ${l?.name} has inconsistent shapes.`);
    }
    prev = l.units;
  }
  const sizes = init.map((l) => l.units);
  if (sizes.join() !== p.hiddenLayerSizes.join() || init.some((l) => l.activation !== p.activation)) {
    throw new ValidationError(
      `${owner}: hiddenLayerSizes/activation (${JSON.stringify(p.hiddenLayerSizes)}, ${p.activation}) no longer match the encoder it was built from (${JSON.stringify(sizes)}, ${init[0]!.activation}).`,
    );
  }
}

/**
 * Shared machinery of the dense supervised estimators: their model, stage and loss for the one training
 * run, prediction, save and export. Not exported from the package.
 */
export abstract class MLPBase<
  Y,
  S extends Record<string, unknown>,
  P extends MLPParams = MLPParams,
> extends TrainedEstimator<P> {
  #layers: DenseLayer[] | null = null;
  #state: S | null = null;
  /** Optimizer and generator state at the end of the last fit (for warmStart and partialFit). */
  #carried: CarriedState | null = null;
  /** The params of the fit that made the current weights (what save/export store; setParams after a fit does not change them). */
  #fittedParams: P | null = null;

  protected constructor(defaults: P, spec: ParamSpec<P>, params: Partial<P>, options: EstimatorOptions) {
    super(defaults, spec, params, options);
  }

  protected override validateCombination(p: P): void {
    checkTrainingParams(this.constructor.name, p);
    checkEncoderWeights(this.constructor.name, p);
  }

  /** What a checkpoint must share with the targets of a resumed fit (the classes of a classifier…). */
  protected targetsSignature(state: S): unknown {
    return state;
  }

  /** Kind name written in files and events. */
  protected abstract get kind(): string;
  /** Activation the output layer's logits/values get in exports. */
  protected abstract get exportActivation(): ActivationName;
  /**
   * Validates and encodes training targets (no state change); `partial` is given by `partialFit` (the
   * classes it was told and the state fitted so far).
   */
  protected abstract prepareTargets(
    y: unknown,
    rows: number,
    name: string,
    partial?: { classes: unknown; fitted: S | null },
  ): PreparedTargets<S>;
  /** Validates validation targets against the state derived from the training targets. */
  protected abstract prepareValidationTargets(y: unknown, rows: number, state: S): tf.Tensor;
  /** Loss (and correct count) of a batch from the network output; `weights` are per-row loss weights. */
  protected abstract batchLoss(output: tf.Tensor2D, yb: tf.Tensor, weights?: tf.Tensor1D): BatchLoss;
  /** Metrics reported: accuracy for classifiers. */
  protected abstract get reportsAccuracy(): boolean;

  /**
   * The loss `batchLoss` computes, as a training accelerator knows it (`null`: none it knows; the stage then
   * trains on tfjs). Subclasses that change `batchLoss` return `null`.
   */
  protected denseLoss(): Pick<DenseStage, 'loss' | 'target'> | null {
    return null;
  }
  /** Checks fitted state read from a file; returns it or throws ModelFormatError. */
  protected abstract restoreState(state: Record<string, unknown>): { state: S; outputSize: number };
  /** Extra validation metrics computed from the validation loss (a regressor's R²). */
  protected validationMetrics(_data: RunData): ((valLoss: number) => Record<string, number>) | undefined {
    return undefined;
  }

  get isFitted(): boolean {
    return this.#layers !== null;
  }

  /** Fitted state (classes…) for subclasses. */
  protected get fittedState(): S {
    this.assertFitted('fittedState');
    return this.#state!;
  }

  /** The fitted dense layers (hidden first, output last). */
  get layers(): readonly DenseLayer[] {
    this.assertFitted('layers');
    return this.#layers!;
  }

  /** The stage's model as a dense stack (what `forwardPass` computes) when no custom forward is set. */
  private denseStage(layers: readonly DenseLayer[]): { dense?: DenseStage } {
    const loss = this.denseLoss();
    if (!loss || this.params.forward) return {};
    const dropout = this.params.dropout;
    return {
      dense: {
        layers: layers.map((l, i) => {
          const last = i === layers.length - 1;
          return {
            kernel: l.kernel,
            bias: l.bias,
            activation: last ? 'linear' : l.activation,
            ...(!last && dropout > 0 ? { dropout } : {}),
          };
        }),
        ...loss,
      },
    };
  }

  protected forwardPass(
    x: tf.Tensor2D,
    layers: readonly DenseLayer[],
    training: boolean,
    rng: Rng | null,
  ): tf.Tensor2D {
    const rate = this.params.dropout;
    const context: ForwardContext = {
      training,
      tf,
      dropout: (h) =>
        training && rate > 0 && rng ? (tf.dropout(h, rate, undefined, rng.seed()) as tf.Tensor2D) : h,
    };
    const custom = this.params.forward;
    if (custom) {
      const out = custom(x, layers, context);
      const units = layers[layers.length - 1]!.units;
      if (
        !(out instanceof tf.Tensor) ||
        out.rank !== 2 ||
        out.shape[0] !== x.shape[0] ||
        out.shape[1] !== units
      ) {
        throw new ValidationError(
          `${this.kind}: the custom forward function must return a 2-D tensor [${x.shape[0]}, ${units}], got ${out instanceof tf.Tensor ? `shape [${out.shape.join(', ')}]` : typeof out}.`,
        );
      }
      return out;
    }
    // The input is data: its gradient is never needed.
    const dataInput = { inputGrad: false };
    if (layers.length === 1) return layers[0]!.affine(x, dataInput);
    let h = context.dropout(layers[0]!.apply(x, dataInput));
    for (let i = 1; i < layers.length - 1; i++) h = context.dropout(layers[i]!.apply(h));
    return layers[layers.length - 1]!.affine(h);
  }

  /**
   * Shared `fit`: this estimator's model, stage and loss, trained by the one run — one fit at a time per
   * estimator (a second is a ConcurrentFitError), on the engine through core's engine guard.
   */
  protected fitCore(X: FeaturesLike | DataSource, y: Y, options: FitOptions<Y> = {}): Promise<this> {
    // fit(source, options): a source carries its own targets.
    const opts =
      isDataSource(X) && options !== undefined && Object.keys(options ?? {}).length === 0 && isPlainObject(y)
        ? (y as FitOptions<Y>)
        : options;
    return this.runFit('fit', (backend) => this.#fitOnEngine(X, y, opts, backend, 'fit'));
  }

  /** Targets of a streamed fit: `collect` sees every batch's `y` in the scan, `finish` derives the state. */
  protected abstract streamTargets(options: { classesGiven: boolean }): {
    collect(y: unknown, rows: number, batch: number): void;
    finish(): {
      state: S;
      outputSize: number;
      encode(y: unknown, rows: number, batch: number): EncodedBatchTargets;
    };
  };

  /** Shared `partialFit`: one pass over X, continuing the weights, optimizer, generator and history. */
  protected partialFitCore(X: FeaturesLike, y: Y, options: PartialFitOptions = {}): Promise<this> {
    return this.runFit('partialFit', (backend) => this.#fitOnEngine(X, y, options, backend, 'partialFit'));
  }

  /** Whether a one-shot data source needs `fit`'s `classes` option (classifiers: labels cannot be scanned). */
  protected get labelsNeedClasses(): boolean {
    return false;
  }

  /** Validates `fit`'s `classes` option (classifiers only). */
  protected checkFitClasses(given: unknown): unknown[] {
    return given as unknown[];
  }

  /** Valid option names of `fit`. */
  protected get fitOptions(): readonly string[] {
    return MLP_FIT_OPTIONS;
  }

  /** Valid option names of `partialFit`. */
  protected get partialFitOptions(): readonly string[] {
    return ['sampleWeight', 'callbacks'];
  }

  async #fitOnEngine(
    X: FeaturesLike | DataSource,
    y: Y,
    options: FitOptions<Y> | PartialFitOptions,
    backend: string,
    mode: 'fit' | 'partialFit',
  ): Promise<this> {
    const partial = mode === 'partialFit';
    const given = this.getParams();
    // partialFit is one pass over the rows given: no validation split, early stopping, checkpoint or export.
    const p: P = partial
      ? {
          ...given,
          epochs: 1,
          validationFraction: null,
          earlyStopping: false,
          checkpoint: null,
          exportPath: null,
        }
      : given;
    const kind = this.kind;
    const init = p.encoderWeights;
    // Continue from the fitted weights: partialFit of a fitted model, or fit with warmStart.
    const warmFrom = (partial || p.warmStart) && this.isFitted ? this.#layers! : null;
    const previousState = this.#state;
    const previousHistory = this.history;
    const classes = partial ? (options as PartialFitOptions).classes : undefined;
    // Column names of a table X (scikit-learn's feature_names_in_): a warm fit keeps and checks the fitted ones.
    const fittedNames = warmFrom ? this.featureNamesIn : undefined;
    const names = isDataSource(X) ? undefined : (fittedNames ?? featureNamesOf(X));
    const data: DataSpec<S> = {
      X,
      y,
      targets: this.#targetHooks(partial, classes, previousState),
      shuffleBuffer: p.shuffleBuffer,
      ...(fittedNames ? { featureNames: fittedNames } : {}),
      ...(partial
        ? { streamRefusal: `${kind}.partialFit takes in-memory chunks; use fit(source) to stream.` }
        : warmFrom
          ? { streamRefusal: `${kind}.fit: warmStart needs in-memory data.` }
          : {}),
      passes: {
        count: p.epochs,
        oneShotMessage: `${kind}.fit: the data source is a one-shot iterable (its iterator is itself, like a generator object): it can feed one pass only, so fit needs epochs: 1 (got ${p.epochs}). To train longer, pass a function returning a fresh iterable, e.g. fit(() => batches()).`,
      },
      check: (features, from, state) => {
        if (warmFrom) this.#checkWarm(mode, features, previousState!, state!);
        if (init && init[0]!.inputSize !== features) {
          throw new ValidationError(
            `${kind}: the encoder this classifier was built from takes ${init[0]!.inputSize} features, but ${from} has ${features}.`,
          );
        }
      },
      signature: (state, streamed) => ({
        hiddenLayerSizes: p.hiddenLayerSizes,
        activation: p.activation,
        optimizer: p.optimizer,
        targets: this.targetsSignature(state!),
        customForward: p.forward !== null,
        ...(streamed ? { streamed: true } : {}),
      }),
    };
    const nHidden = p.hiddenLayerSizes.length;
    const freeze = p.freezeEncoder;
    await runTraining<MLPModel, S>({
      estimator: kind,
      params: p,
      storableParams: storableParams(p),
      registry: this.registry,
      backend,
      options,
      fitOptions: partial ? this.partialFitOptions : this.fitOptions,
      data,
      ...(warmFrom
        ? { warm: this.#carried ?? { optimizer: null, rngState: new Rng(p.randomState ?? undefined).state } }
        : {}),
      keepState: true,
      build: (features, rng, saved, { outputSize }) =>
        this.#buildModel(p, [features, ...p.hiddenLayerSizes, outputSize], rng, saved, warmFrom),
      stages: (model, rng) => [
        {
          stage: 'train',
          epochs: p.epochs,
          variables: model.dense.flatMap((l) => l.variables),
          kernels: model.kernels,
          loss: (xb, yb, training, wb) =>
            this.batchLoss(this.forwardPass(xb as tf.Tensor2D, model.dense, training, rng), yb, wb),
          ...this.denseStage(model.dense),
        },
      ],
      accuracy: this.reportsAccuracy,
      validationMetrics: (data) => this.validationMetrics(data),
      callbacks:
        init && freeze !== false
          ? [
              freezeLayers(
                Array.from({ length: nHidden }, (_, i) => i),
                freeze === true ? {} : { untilEpoch: freeze },
              ),
            ]
          : [],
      commit: (model, history, features, carried, targets) => {
        for (const l of this.#layers ?? []) l.dispose();
        this.#layers = model.dense;
        this.#state = targets.state;
        this.#carried = carried;
        this.#fittedParams = given;
        this.setFeatureNamesIn(names);
        this.setTrained(warmFrom ? appendHistory(previousHistory, history) : history, features);
      },
      save: (dir) => this.save(dir),
    });
    return this;
  }

  /**
   * The network a fit trains, of layer widths `sizes`: fresh layers (the hidden ones from the encoder when
   * built by `fromEncoder`), a checkpoint's (`saved`), or a copy of the fitted ones for a warm fit (the
   * estimator keeps its own if the fit fails).
   */
  #buildModel(
    p: P,
    sizes: number[],
    rng: Rng,
    saved: ReadonlyMap<string, NamedTensor> | null,
    warmFrom: readonly DenseLayer[] | null,
  ): MLPModel {
    if (warmFrom) {
      return new MLPModel(
        warmFrom.map(
          (l) => new DenseLayer(l.name, l.inputSize, l.units, l.activation, { weights: l.read() }),
        ),
      );
    }
    const init = p.encoderWeights;
    const nHidden = p.hiddenLayerSizes.length;
    const layers: DenseLayer[] = [];
    try {
      for (let i = 0; i + 1 < sizes.length; i++) {
        const activation = i + 2 === sizes.length ? 'linear' : p.activation;
        if (saved) {
          layers.push(this.layerFromTensors(saved, i, sizes, activation, 'checkpoint'));
          continue;
        }
        const spec = i < nHidden && init ? init[i]! : null;
        layers.push(
          new DenseLayer(
            `layers.${i}`,
            sizes[i]!,
            sizes[i + 1]!,
            activation,
            spec ? { weights: { kernel: spec.kernel, bias: spec.bias } } : { rng },
          ),
        );
      }
    } catch (e) {
      for (const l of layers) l.dispose();
      throw e;
    }
    return new MLPModel(layers);
  }

  /** The targets' hooks the run's data module calls: this estimator's encoding of y, in memory and streamed. */
  #targetHooks(partial: boolean, classes: unknown, fitted: S | null): TargetHooks<S> {
    return {
      encode: (y, rows) => this.prepareTargets(y, rows, 'y', partial ? { classes, fitted } : undefined),
      stream: (o) => this.streamTargets(o),
      validation: (y, rows, state) => this.prepareValidationTargets(y, rows, state),
      ...(partial
        ? {}
        : { classes: { needed: this.labelsNeedClasses, check: (given) => this.checkFitClasses(given) } }),
    };
  }

  /** A warm fit (warmStart, partialFit) continues the fitted model: same width, same targets. */
  #checkWarm(mode: 'fit' | 'partialFit', features: number, fitted: S, state: S): void {
    const partial = mode === 'partialFit';
    if (features !== this.inputSize) {
      throw new ValidationError(
        `${this.kind}.${mode}: X has ${features} features but the fitted model takes ${this.inputSize}; ${partial ? 'every partialFit call needs the same features' : 'set warmStart: false to start over'}.`,
      );
    }
    const a = JSON.stringify(this.targetsSignature(fitted));
    const b = JSON.stringify(this.targetsSignature(state));
    if (a !== b) {
      throw new ValidationError(
        `${this.kind}.${mode}: the targets (${b}) differ from the fitted ones (${a}); ${partial ? 'partialFit cannot change them' : 'warmStart needs the same targets — set warmStart: false to start over'}.`,
      );
    }
  }

  /**
   * Frees the fitted weights now instead of waiting for the next `fit` (tfjs tensors are not garbage
   * collected). The estimator becomes unfitted; its parameters are kept.
   */
  dispose(): void {
    for (const l of this.#layers ?? []) l.dispose();
    this.#layers = null;
    this.#state = null;
    this.#carried = null;
    this.#fittedParams = null;
    this.setTrained(null, 0);
  }

  /** Network outputs (logits or values) for X, validated against the fitted feature count. */
  protected outputs(X: FeaturesLike, method: string): { output: tf.Tensor2D; kind: InputKind; rows: number } {
    this.assertFitted(method);
    const names = this.featureNamesIn;
    const xm = toMatrix(X, {
      name: 'X',
      expectedFeatures: this.inputSize,
      ...(names ? { featureNames: names } : {}),
    });
    try {
      const layers = this.#layers!;
      const output = mapRows(xm.tensor, (chunk) => this.forwardPass(chunk, layers, false, null));
      return { output, kind: xm.kind, rows: xm.rows };
    } finally {
      releaseMatrix(xm);
    }
  }

  /** Layer `i` of the stack `sizes` from named tensors (`layers.i.kernel`/`.bias`), shapes checked. */
  protected layerFromTensors(
    tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
    i: number,
    sizes: readonly number[],
    activation: ActivationName,
    what: string,
  ): DenseLayer {
    const k = tensors.get(`layers.${i}.kernel`);
    const b = tensors.get(`layers.${i}.bias`);
    if (!k || !b)
      throw new ModelFormatError(`Invalid ${this.kind} ${what}: weights of layers.${i} are missing.`);
    if (k.shape.join() !== `${sizes[i]},${sizes[i + 1]}` || b.shape.join() !== `${sizes[i + 1]}`) {
      throw new ModelFormatError(
        `Invalid ${this.kind} ${what}: layers.${i} has kernel [${k.shape}] and bias [${b.shape}], but the params need [${sizes[i]}, ${sizes[i + 1]}] and [${sizes[i + 1]}].`,
      );
    }
    return new DenseLayer(`layers.${i}`, sizes[i]!, sizes[i + 1]!, activation, {
      weights: { kernel: k.data, bias: b.data },
    });
  }

  /** Everything a model file holds. */
  protected modelData(): ModelData {
    this.assertFitted('save');
    const layers = this.#layers!;
    return {
      kind: this.kind,
      params: storableParams(this.#fittedParams ?? this.getParams()),
      state: {
        ...this.#state!,
        inputSize: this.inputSize,
        ...(this.featureNamesIn ? { featureNamesIn: this.featureNamesIn } : {}),
        customForward: (this.#fittedParams ?? this.params).forward !== null,
        ...(this.history ? { history: this.history } : {}),
      },
      tensors: layerTensors(layers),
    };
  }

  /**
   * Saves the fitted model into directory `dir` (created if needed): a JSON manifest (params, classes,
   * layer shapes, SHA-256) and one weights file, each written atomically.
   */
  async save(dir: string): Promise<void> {
    await this.withEngine('save', async () => {
      const data = this.modelData();
      await saveModelDir(dir, data);
    });
  }

  /** Restores fitted state and weights from a loaded model file (validating every shape). */
  protected restoreFrom(data: ModelData): this {
    const bad = (m: string): never => {
      throw new ModelFormatError(`Invalid ${this.kind} model: ${m}`);
    };
    const st = data.state;
    if (!Number.isSafeInteger(st.inputSize) || (st.inputSize as number) < 1) {
      bad('state.inputSize must be a positive integer.');
    }
    const names = st.featureNamesIn;
    if (
      names !== undefined &&
      (!Array.isArray(names) || names.length !== st.inputSize || !names.every((n) => typeof n === 'string'))
    ) {
      bad(`state.featureNamesIn must list ${String(st.inputSize)} column names.`);
    }
    const { state, outputSize } = this.restoreState(st);
    const p = this.params;
    const sizes = [st.inputSize as number, ...p.hiddenLayerSizes, outputSize];
    const byName = new Map(data.tensors.map((t) => [t.name, t]));
    const expected = (sizes.length - 1) * 2;
    if (data.tensors.length !== expected) {
      bad(
        `expected ${expected} weight tensors for layers ${JSON.stringify(sizes)}, found ${data.tensors.length}.`,
      );
    }
    const layers: DenseLayer[] = [];
    try {
      for (let i = 0; i + 1 < sizes.length; i++) {
        const last = i + 2 === sizes.length;
        layers.push(this.layerFromTensors(byName, i, sizes, last ? 'linear' : p.activation, 'model'));
      }
    } catch (e) {
      for (const l of layers) l.dispose();
      throw e;
    }
    for (const l of this.#layers ?? []) l.dispose();
    this.#layers = layers;
    this.#state = state;
    this.#carried = null;
    this.#fittedParams = this.getParams();
    this.setFeatureNamesIn(names as string[] | undefined);
    this.setTrained(isHistory(st.history) ? st.history : null, st.inputSize as number);
    return this;
  }

  /**
   * The fitted network as a plain stack of dense layers for exporters (weights copied out of tfjs). The
   * output layer's activation is `softmax` for a classifier, `linear` for a regressor.
   */
  toExportable(part = 'model'): ExportableModel {
    this.assertFitted('toExportable');
    if (part !== 'model') {
      throw new ValidationError(
        `${this.kind}.toExportable: unknown part "${part}"; an MLP has only 'model'.`,
      );
    }
    if (this.params.forward) {
      throw new ValidationError(
        `${this.kind}: a model with a custom forward function cannot be exported as a plain layer stack.`,
      );
    }
    const layers = this.#layers!;
    return {
      estimator: this.kind,
      part,
      inputSize: this.inputSize,
      layers: layers.map((l, i) => l.toSpec(i === layers.length - 1 ? this.exportActivation : l.activation)),
      metadata: {
        ...this.exportMetadata(),
        params: storableParams(this.#fittedParams ?? this.getParams()),
        ...((this.#fittedParams ?? this.params).activation === 'leakyRelu'
          ? { leakyReluAlpha: LEAKY_RELU_ALPHA }
          : {}),
      },
    };
  }

  /** Extra metadata for exporters (classes…). */
  protected exportMetadata(): Record<string, unknown> {
    return {};
  }

  /** Writes the model in another format through the registry's exporter for `options.format`. */
  async export(target: string, options: MLPExportOptions): Promise<ExportResult> {
    const { format, part, ...rest } = options ?? ({} as MLPExportOptions);
    if (typeof format !== 'string')
      throw new ValidationError(`${this.kind}.export: options.format is required.`);
    const exporter = this.registry.exporter(format);
    return this.withEngine('export', () => exporter.export(this.toExportable(part ?? 'model'), target, rest));
  }
}
