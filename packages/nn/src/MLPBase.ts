import {
  type ActivationName,
  BaseEstimator,
  checkModelDirTarget,
  type DenseLayerSpec,
  type EstimatorOptions,
  type ExportableModel,
  type ExportOptions,
  type ExportResult,
  type InputKind,
  type MatrixLike,
  type ModelData,
  ModelFormatError,
  type NamedTensor,
  type ParamSpec,
  Rng,
  releaseMatrix,
  saveModelDir,
  toMatrix,
  trainValidationSplit,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  assertSame,
  CHECKPOINT_RULE,
  CHECKPOINT_VERSION,
  type CheckpointOptions,
  checkCheckpointParam,
  loadCheckpoint,
  progressFromData,
  progressToData,
  type StageProgress,
  type StageResume,
  saveCheckpoint,
  shapesOf,
} from './checkpoint.js';
import { DenseLayer, HIDDEN_ACTIVATIONS, type HiddenActivation, LEAKY_RELU_ALPHA } from './DenseLayer.js';
import {
  type BatchLoss,
  makeHistory,
  mapRows,
  OPTIMIZERS,
  type StageHistory,
  type TrainingHistory,
  trainStage,
  withFitScope,
} from './engine.js';
import type { TrainingParams } from './params.js';

/** What a custom `forward` function receives besides the input batch and the layers. */
export interface ForwardContext {
  /** True while training (dropout active), false for prediction and validation. */
  training: boolean;
  /** The tfjs-core namespace, so a forward function needs no import of its own. */
  tf: typeof tf;
  /** Seeded dropout with the estimator's `dropout` rate; the identity when not training or rate is 0. */
  dropout(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * A custom forward pass: maps an input batch `[batch, features]` to the network output `[batch, outputs]`
 * (logits for a classifier — no softmax —, values for a regressor). `layers` are the estimator's dense
 * layers, hidden layers first and the output layer last; call `layer.apply(h)` (affine + activation),
 * `layer.affine(h)` or `layer.activate(z)` and combine them any way you like with `tf` ops. It runs
 * inside `tf.tidy`, during training under the gradient tape: use differentiable tfjs ops only.
 *
 * ```ts
 * // A residual-style hidden stack (needs equal hidden sizes):
 * forward: (x, layers, { dropout }) => {
 *   let h = layers[0].apply(x);
 *   for (const l of layers.slice(1, -1)) h = tf.add(h, dropout(l.apply(h)));
 *   return layers[layers.length - 1].affine(h);
 * }
 * ```
 */
export type ForwardFn = (
  x: tf.Tensor2D,
  layers: readonly DenseLayer[],
  context: ForwardContext,
) => tf.Tensor2D;

/** Hyper-parameters of {@link MLPClassifier} and {@link MLPRegressor} (the shared training ones: {@link TrainingParams}). */
export interface MLPParams extends TrainingParams {
  /** Units of each hidden layer. Default `[100]`. */
  hiddenLayerSizes: number[];
  /** Hidden-layer activation. Default `'relu'`. */
  activation: HiddenActivation;
  /** Dropout rate after each hidden layer while training, in [0, 1). Default 0. */
  dropout: number;
  /** Maximum number of passes over the training data. Default 200. */
  epochs: number;
  /** Minibatch size (capped at the sample count). Default 200. */
  batchSize: number;
  /** A custom forward pass (see {@link ForwardFn}); `null` = the plain stack. Default null. */
  forward: ForwardFn | null;
  /**
   * Save a resumable training state (weights, optimizer state, epoch, RNG state, early-stopping state,
   * history) to `dir` every `every` epochs (default 1) and when training ends; continue it with
   * `fit(X, y, { resume: dir })`. Default null.
   */
  checkpoint: CheckpointOptions | null;
}

/** Default hyper-parameters (scikit-learn's MLP defaults where they exist). */
export const MLP_DEFAULTS: MLPParams = {
  hiddenLayerSizes: [100],
  activation: 'relu',
  dropout: 0,
  optimizer: 'adam',
  learningRate: 0.001,
  epochs: 200,
  batchSize: 200,
  shuffle: true,
  randomState: null,
  validationFraction: null,
  earlyStopping: false,
  patience: 10,
  logPath: null,
  exportPath: null,
  backend: 'auto',
  verbose: false,
  forward: null,
  checkpoint: null,
};

/** Validation rules of {@link MLPParams}. */
export const MLP_SPEC: ParamSpec<MLPParams> = {
  hiddenLayerSizes: { type: 'intArray', min: 1, minLength: 1 },
  activation: { type: 'enum', values: HIDDEN_ACTIVATIONS },
  dropout: { type: 'number', min: 0, exclusiveMax: 1 },
  optimizer: { type: 'enum', values: OPTIMIZERS },
  learningRate: { type: 'number', exclusiveMin: 0 },
  epochs: { type: 'int', min: 1 },
  batchSize: { type: 'int', min: 1 },
  shuffle: { type: 'boolean' },
  randomState: { type: 'int', nullable: true },
  validationFraction: { type: 'number', min: 0, exclusiveMax: 1, nullable: true },
  earlyStopping: { type: 'boolean' },
  patience: { type: 'int', min: 1 },
  logPath: { type: 'string', nullable: true },
  exportPath: { type: 'string', nullable: true },
  backend: { type: 'enum', values: ['auto', 'node', 'wasm', 'cpu'], open: true },
  verbose: { type: 'boolean' },
  forward: { type: 'function', nullable: true },
  checkpoint: CHECKPOINT_RULE,
};

/** Options of `fit`. */
export interface FitOptions<Y> {
  /** An explicit validation set `[X, y]` (then `validationFraction` is ignored). */
  validationData?: [MatrixLike, Y];
  /**
   * A checkpoint directory written by a fit with `checkpoint: { dir }`: continue that training (same
   * architecture, data and targets) up to `epochs` in total. A missing checkpoint is a ValidationError.
   */
  resume?: string;
}

/** Options of `load`. */
export interface LoadOptions extends EstimatorOptions {
  /** The custom forward function the model was trained with (functions are never stored in files). */
  forward?: ForwardFn;
}

/** Options of `export`. */
export interface MLPExportOptions extends ExportOptions {
  /** The export format, e.g. `'tfjs-layers'` or `'onnx'` (an exporter plugin must be registered). */
  format: string;
  /** Which part to export; MLPs have only `'model'`. */
  part?: string;
}

/** Validated targets, ready to train on. */
export interface PreparedTargets<S> {
  /** Targets tensor (class indices or values), one row per sample. */
  tensor: tf.Tensor;
  outputSize: number;
  /** Fitted state derived from the targets (classes…), committed only when the fit succeeds. */
  state: S;
}

/** Parameters as stored in a model file (no functions). */
export function storableParams(p: MLPParams): Record<string, unknown> {
  const { forward: _forward, ...rest } = p;
  return {
    ...rest,
    hiddenLayerSizes: [...p.hiddenLayerSizes],
    forward: null,
    checkpoint: p.checkpoint ? { ...p.checkpoint } : null,
  };
}

/**
 * Shared machinery of the dense supervised estimators: fit scaffolding (backend, validation, scope,
 * events, history), prediction, save and export. Not exported from the package.
 */
export abstract class MLPBase<Y, S extends Record<string, unknown>> extends BaseEstimator<MLPParams> {
  #layers: DenseLayer[] | null = null;
  #inputSize = 0;
  #state: S | null = null;
  #history: TrainingHistory | null = null;
  /** Initial hidden-layer weights (set by `fromEncoder`); reused by every `fit`. */
  protected initialHidden: DenseLayerSpec[] | null = null;

  protected constructor(params: Partial<MLPParams>, options: EstimatorOptions) {
    super(MLP_DEFAULTS, MLP_SPEC, params, options);
  }

  protected override validateCombination(p: MLPParams): void {
    checkCheckpointParam(this.constructor.name, p.checkpoint);
  }

  /** What a checkpoint must share with the targets of a resumed fit (the classes of a classifier…). */
  protected targetsSignature(state: S): unknown {
    return state;
  }

  /** Kind name written in files and events. */
  protected abstract get kind(): string;
  /** Activation the output layer's logits/values get in exports. */
  protected abstract get exportActivation(): ActivationName;
  /** Validates and encodes training targets (no state change). */
  protected abstract prepareTargets(y: unknown, rows: number, name: string): PreparedTargets<S>;
  /** Validates validation targets against the state derived from the training targets. */
  protected abstract prepareValidationTargets(y: unknown, rows: number, state: S): tf.Tensor;
  /** Loss (and correct count) of a batch from the network output. */
  protected abstract batchLoss(output: tf.Tensor2D, yb: tf.Tensor): BatchLoss;
  /** Metrics reported: accuracy for classifiers. */
  protected abstract get reportsAccuracy(): boolean;
  /** Checks fitted state read from a file; returns it or throws ModelFormatError. */
  protected abstract restoreState(state: Record<string, unknown>): { state: S; outputSize: number };

  get isFitted(): boolean {
    return this.#layers !== null;
  }

  /** Fitted state (classes…) for subclasses. */
  protected get fittedState(): S {
    this.assertFitted('fittedState');
    return this.#state!;
  }

  /** Number of features seen at fit time. */
  get nFeaturesIn(): number {
    this.assertFitted('nFeaturesIn');
    return this.#inputSize;
  }

  /** Training history of the last `fit` (backend, every epoch), or null after `load`/before `fit`. */
  get history(): TrainingHistory | null {
    return this.#history;
  }

  /** The fitted dense layers (hidden first, output last). */
  get layers(): readonly DenseLayer[] {
    this.assertFitted('layers');
    return this.#layers!;
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

  /** Shared `fit`: validation first, then training on fresh layers, then the swap. */
  protected async fitCore(X: MatrixLike, y: Y, options: FitOptions<Y> = {}): Promise<this> {
    const p = this.getParams();
    if (p.exportPath) await checkModelDirTarget(p.exportPath);
    const ckpt = checkCheckpointParam(this.kind, p.checkpoint);
    const resumeDir = options?.resume;
    // The checkpoint is read and checked before anything changes.
    const saved =
      resumeDir === undefined ? null : await loadCheckpoint(this.kind, resumeDir, `Checkpoint:${this.kind}`);
    const backend = await this.registry.activateBackend(p.backend);
    const temps: tf.Tensor[] = [];
    const xm = toMatrix(X, { name: 'X' });
    if (xm.owned) temps.push(xm.tensor);
    let layers: DenseLayer[] = [];
    try {
      const targets = this.prepareTargets(y, xm.rows, 'y');
      temps.push(targets.tensor);
      const init = this.initialHidden;
      if (init) {
        if (init[0]!.inputSize !== xm.cols) {
          throw new ValidationError(
            `${this.kind}: the encoder this classifier was built from takes ${init[0]!.inputSize} features, but X has ${xm.cols}.`,
          );
        }
        const sizes = init.map((l) => l.units);
        if (sizes.join() !== p.hiddenLayerSizes.join() || init.some((l) => l.activation !== p.activation)) {
          throw new ValidationError(
            `${this.kind}: hiddenLayerSizes/activation (${JSON.stringify(p.hiddenLayerSizes)}, ${p.activation}) no longer match the encoder it was built from (${JSON.stringify(sizes)}, ${init[0]!.activation}).`,
          );
        }
      }
      // Resuming replays the validation split from the generator state the checkpointed fit started with.
      const rng = saved
        ? Rng.fromState(saved.state.fitRngState as number)
        : new Rng(p.randomState ?? undefined);
      const fitRngState = rng.state;
      const signature = {
        hiddenLayerSizes: p.hiddenLayerSizes,
        activation: p.activation,
        optimizer: p.optimizer,
        inputSize: xm.cols,
        samples: xm.rows,
        targets: this.targetsSignature(targets.state),
        validation:
          options.validationData !== undefined
            ? 'validationData'
            : (p.validationFraction ?? (p.earlyStopping ? 0.1 : 0)),
        customForward: p.forward !== null,
      };
      let savedWeights: Map<string, NamedTensor> | null = null;
      if (saved) {
        const sig = saved.state.signature;
        assertSame(
          this.kind,
          resumeDir!,
          typeof sig === 'object' && sig !== null ? (sig as Record<string, unknown>) : {},
          signature,
        );
        savedWeights = new Map(saved.tensors.map((t) => [t.name, t]));
      }
      let trainX: tf.Tensor = xm.tensor;
      let trainY: tf.Tensor = targets.tensor;
      let validation: { x: tf.Tensor; y: tf.Tensor } | undefined;
      if (options.validationData !== undefined) {
        const vd = options.validationData;
        if (!Array.isArray(vd) || vd.length !== 2) {
          throw new ValidationError(`${this.kind}.fit: validationData must be a pair [X, y].`);
        }
        const vm = toMatrix(vd[0], { name: 'validationData[0]', expectedFeatures: xm.cols });
        if (vm.owned) temps.push(vm.tensor);
        const vy = this.prepareValidationTargets(vd[1], vm.rows, targets.state);
        temps.push(vy);
        validation = { x: vm.tensor, y: vy };
      } else {
        const fraction = p.validationFraction ?? (p.earlyStopping ? 0.1 : 0);
        if (fraction > 0) {
          if (xm.rows < 2) {
            throw new ValidationError(
              `${this.kind}.fit: validationFraction ${fraction} needs at least 2 samples, got ${xm.rows}.`,
            );
          }
          const split = trainValidationSplit(xm.rows, fraction, rng);
          const gather = (t: tf.Tensor, idx: Int32Array) => {
            const g = tf.tidy(() => tf.gather(t, tf.tensor1d(idx, 'int32')));
            temps.push(g);
            return g;
          };
          trainX = gather(xm.tensor, split.train);
          trainY = gather(targets.tensor, split.train);
          validation = {
            x: gather(xm.tensor, split.validation),
            y: gather(targets.tensor, split.validation),
          };
        }
      }
      // Fresh layers: hidden (from the encoder when built by fromEncoder), then the output layer.
      const sizes = [xm.cols, ...p.hiddenLayerSizes, targets.outputSize];
      for (let i = 0; i + 1 < sizes.length; i++) {
        const last = i + 2 === sizes.length;
        if (savedWeights) {
          layers.push(
            this.layerFromTensors(savedWeights, i, sizes, last ? 'linear' : p.activation, 'checkpoint'),
          );
          continue;
        }
        const spec = !last && init ? init[i]! : null;
        layers.push(
          new DenseLayer(
            `layers.${i}`,
            sizes[i]!,
            sizes[i + 1]!,
            last ? 'linear' : p.activation,
            spec ? { weights: { kernel: spec.kernel, bias: spec.bias } } : { rng },
          ),
        );
      }
      const stageLayers = layers;
      const variables = stageLayers.flatMap((l) => l.variables);
      // Where the checkpoint left off: stage 0 (training) in progress, or 1 (training done).
      const stageIndex = saved ? (saved.state.stageIndex as number) : 0;
      const completed = saved ? (saved.state.completedStages as StageHistory[]) : [];
      if (stageIndex > 1 || completed.length !== stageIndex) {
        throw new ModelFormatError(
          `Invalid ${this.kind} checkpoint: stageIndex ${stageIndex} does not match its ${completed.length} completed stages.`,
        );
      }
      let resumeStage: StageResume | undefined;
      if (saved && stageIndex === 0 && saved.state.progress !== null) {
        resumeStage = progressFromData(this.kind, saved.state.progress, savedWeights!, shapesOf(variables));
      }
      // Shuffling and dropout continue from the generator state saved with the checkpoint.
      const trainRng = saved ? Rng.fromState(saved.state.rngState as number) : rng;
      const writeCheckpoint = async (
        index: number,
        stages: StageHistory[],
        progress: StageProgress | null,
      ) => {
        const prog = progress ? await progressToData(progress) : null;
        await saveCheckpoint(ckpt!.dir, {
          kind: `Checkpoint:${this.kind}`,
          params: storableParams(p),
          state: {
            checkpointVersion: CHECKPOINT_VERSION,
            estimator: this.kind,
            backend,
            signature,
            targets: targets.state,
            fitRngState,
            rngState: trainRng.state,
            stageIndex: index,
            completedStages: stages,
            progress: prog?.json ?? null,
          },
          tensors: [...layerTensors(stageLayers), ...(prog?.tensors ?? [])],
        });
      };
      const nTrain = trainX.shape[0]!;
      const history = await withFitScope(this.registry, p.logPath, async (sink) => {
        const t0 = Date.now();
        sink.emit({
          type: 'fitStart',
          estimator: this.kind,
          backend,
          samples: nTrain,
          features: xm.cols,
          params: storableParams(p),
          verbose: p.verbose,
          time: t0,
        });
        const stage =
          stageIndex === 1
            ? completed[0]!
            : await trainStage({
                ...(resumeStage ? { resume: resumeStage } : {}),
                ...(ckpt
                  ? {
                      onEpochEnd: async (progress: StageProgress) => {
                        if (progress.records.length % ckpt.every === 0)
                          await writeCheckpoint(0, [], progress);
                      },
                    }
                  : {}),
                stage: 'train',
                epochs: p.epochs,
                batchSize: p.batchSize,
                shuffle: p.shuffle,
                rng: trainRng,
                optimizer: p.optimizer,
                learningRate: p.learningRate,
                earlyStopping: p.earlyStopping,
                patience: p.patience,
                variables,
                x: trainX,
                y: trainY,
                ...(validation ? { validation } : {}),
                accuracy: this.reportsAccuracy,
                loss: (xb, yb, training) =>
                  this.batchLoss(this.forwardPass(xb as tf.Tensor2D, stageLayers, training, trainRng), yb),
                sink,
              });
        if (ckpt && stageIndex === 0) await writeCheckpoint(1, [stage], null);
        sink.emit({
          type: 'fitEnd',
          estimator: this.kind,
          seconds: (Date.now() - t0) / 1000,
          time: Date.now(),
        });
        return makeHistory(backend, [stage]);
      });
      for (const l of this.#layers ?? []) l.dispose();
      this.#layers = layers;
      layers = [];
      this.#inputSize = xm.cols;
      this.#state = targets.state;
      this.#history = history;
    } finally {
      for (const l of layers) l.dispose();
      for (const t of temps) t.dispose();
    }
    if (p.exportPath) await this.save(p.exportPath);
    return this;
  }

  /**
   * Frees the fitted weights now instead of waiting for the next `fit` (tfjs tensors are not garbage
   * collected). The estimator becomes unfitted; its parameters are kept.
   */
  dispose(): void {
    for (const l of this.#layers ?? []) l.dispose();
    this.#layers = null;
    this.#state = null;
    this.#history = null;
  }

  /** Network outputs (logits or values) for X, validated against the fitted feature count. */
  protected outputs(X: MatrixLike, method: string): { output: tf.Tensor2D; kind: InputKind; rows: number } {
    this.assertFitted(method);
    const xm = toMatrix(X, { name: 'X', expectedFeatures: this.#inputSize });
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
      params: storableParams(this.getParams()),
      state: {
        ...this.#state!,
        inputSize: this.#inputSize,
        customForward: this.params.forward !== null,
        ...(this.#history ? { history: this.#history } : {}),
      },
      tensors: layerTensors(layers),
    };
  }

  /**
   * Saves the fitted model into directory `dir` (created if needed): a JSON manifest (params, classes,
   * layer shapes, SHA-256) and one weights file, each written atomically.
   */
  async save(dir: string): Promise<void> {
    const data = this.modelData();
    await saveModelDir(dir, data);
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
        const k = byName.get(`layers.${i}.kernel`);
        const b = byName.get(`layers.${i}.bias`);
        if (!k || !b) bad(`weights of layers.${i} are missing.`);
        if (k!.shape.join() !== `${sizes[i]},${sizes[i + 1]}` || b!.shape.join() !== `${sizes[i + 1]}`) {
          bad(
            `layers.${i} has kernel [${k!.shape}] and bias [${b!.shape}], but the params need [${sizes[i]}, ${sizes[i + 1]}] and [${sizes[i + 1]}].`,
          );
        }
        const last = i + 2 === sizes.length;
        layers.push(
          new DenseLayer(`layers.${i}`, sizes[i]!, sizes[i + 1]!, last ? 'linear' : p.activation, {
            weights: { kernel: k!.data, bias: b!.data },
          }),
        );
      }
    } catch (e) {
      for (const l of layers) l.dispose();
      throw e;
    }
    for (const l of this.#layers ?? []) l.dispose();
    this.#layers = layers;
    this.#inputSize = st.inputSize as number;
    this.#state = state;
    this.#history = isHistory(st.history) ? st.history : null;
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
      inputSize: this.#inputSize,
      layers: layers.map((l, i) => l.toSpec(i === layers.length - 1 ? this.exportActivation : l.activation)),
      metadata: {
        ...this.exportMetadata(),
        params: storableParams(this.getParams()),
        ...(this.params.activation === 'leakyRelu' ? { leakyReluAlpha: LEAKY_RELU_ALPHA } : {}),
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
    return exporter.export(this.toExportable(part ?? 'model'), target, rest);
  }
}

/** Weights of dense layers as named tensors (`<name>.kernel`, `<name>.bias`), copied out of tfjs. */
export function layerTensors(layers: readonly DenseLayer[]): NamedTensor[] {
  return layers.flatMap((l) => {
    const w = l.read();
    return [
      { name: `${l.name}.kernel`, shape: [l.inputSize, l.units], data: w.kernel },
      { name: `${l.name}.bias`, shape: [l.units], data: w.bias },
    ];
  });
}

function isHistory(x: unknown): x is TrainingHistory {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as TrainingHistory).backend === 'string' &&
    Array.isArray((x as TrainingHistory).stages) &&
    Array.isArray((x as TrainingHistory).epochs)
  );
}

/** Builds params from a model file, turning invalid params into ModelFormatError. */
export function paramsFromFile(
  kind: string,
  params: Record<string, unknown>,
  forward: ForwardFn | undefined,
  customForward: unknown,
): Partial<MLPParams> {
  if (customForward === true && !forward) {
    throw new ValidationError(
      `This ${kind} was trained with a custom forward function, which files never store: pass it again with load(dir, { forward }).`,
    );
  }
  const out: Record<string, unknown> = { ...params };
  if (out.forward !== null && out.forward !== undefined) {
    throw new ModelFormatError(`Invalid ${kind} model: params.forward must be null.`);
  }
  delete out.forward;
  if (forward) out.forward = forward;
  return out as Partial<MLPParams>;
}

/** Runs `make`, turning a ValidationError about params into a ModelFormatError. */
export function fromFile<T>(kind: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new ModelFormatError(`Invalid ${kind} model: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
