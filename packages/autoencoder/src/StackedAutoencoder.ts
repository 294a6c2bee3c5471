import {
  type ActivationName,
  BaseEstimator,
  checkModelDirTarget,
  type DenseLayerSpec,
  type EstimatorOptions,
  type ExportableModel,
  type ExportOptions,
  type ExportResult,
  fromTensor2D,
  loadModelDir,
  type MatrixLike,
  type ModelData,
  ModelFormatError,
  type NamedTensor,
  type ParamSpec,
  Rng,
  releaseMatrix,
  saveModelDir,
  type Transformer,
  toMatrix,
  trainValidationSplit,
  ValidationError,
} from '@layerwise/core';
import {
  activate,
  affine,
  assertSame,
  CHECKPOINT_RULE,
  CHECKPOINT_VERSION,
  type CheckpointOptions,
  checkCheckpointParam,
  DenseLayer,
  HIDDEN_ACTIVATIONS,
  type HiddenActivation,
  LEAKY_RELU_ALPHA,
  loadCheckpoint,
  MLP_SPEC,
  makeHistory,
  mapRows,
  progressFromData,
  progressToData,
  type StageHistory,
  type StageProgress,
  type StageResume,
  saveCheckpoint,
  shapesOf,
  type TrainingHistory,
  type TrainingParams,
  trainStage,
  withFitScope,
} from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';

/** Hyper-parameters of {@link StackedAutoencoder} (the shared training ones: `TrainingParams` of `@layerwise/nn`). */
export interface StackedAutoencoderParams extends TrainingParams {
  /** Units of each encoder layer (the last one is the code size). Default `[200, 100]`. */
  hiddenLayerSizes: number[];
  /** Activation of the encoder layers (and of the inner decoder layers, which rebuild their codes). Default `'relu'`. */
  activation: HiddenActivation;
  /** Activation of the last decoder layer (the reconstruction): `'sigmoid'` suits data in [0, 1]; `'linear'` for unbounded data. Default `'sigmoid'`. */
  outputActivation: HiddenActivation;
  /** Dropout rate on the codes while training, in [0, 1). Default 0. */
  dropout: number;
  /** Masking noise: the fraction of inputs set to 0 while training (a denoising autoencoder), in [0, 1). Default 0. */
  noise: number;
  /** Decoder kernels are the transposed encoder kernels (each decoder layer keeps its own bias). Default false. */
  tiedWeights: boolean;
  /** Epochs of greedy pretraining per layer (0 skips pretraining). Default 20. */
  epochs: number;
  /** Minibatch size (capped at the sample count). Default 100. */
  batchSize: number;
  /** Epochs of end-to-end fine-tuning of the whole stack after pretraining (0 skips it). Default 10. */
  fineTuneEpochs: number;
  /**
   * Save a resumable training state (all weights, which layer is being pretrained or fine-tuning, epoch,
   * optimizer and RNG state, early-stopping state, history) to `dir` every `every` epochs (default 1) and
   * at the end of every stage; continue it with `fit(X, { resume: dir })`. Default null.
   */
  checkpoint: CheckpointOptions | null;
}

/** Default hyper-parameters. */
export const AUTOENCODER_DEFAULTS: StackedAutoencoderParams = {
  hiddenLayerSizes: [200, 100],
  activation: 'relu',
  outputActivation: 'sigmoid',
  dropout: 0,
  noise: 0,
  tiedWeights: false,
  optimizer: 'adam',
  learningRate: 0.001,
  epochs: 20,
  batchSize: 100,
  fineTuneEpochs: 10,
  shuffle: true,
  randomState: null,
  validationFraction: null,
  earlyStopping: false,
  patience: 10,
  logPath: null,
  exportPath: null,
  backend: 'auto',
  verbose: false,
  checkpoint: null,
};

const SPEC: ParamSpec<StackedAutoencoderParams> = {
  hiddenLayerSizes: MLP_SPEC.hiddenLayerSizes,
  activation: MLP_SPEC.activation,
  outputActivation: { type: 'enum', values: HIDDEN_ACTIVATIONS },
  dropout: MLP_SPEC.dropout,
  noise: { type: 'number', min: 0, exclusiveMax: 1 },
  tiedWeights: { type: 'boolean' },
  optimizer: MLP_SPEC.optimizer,
  learningRate: MLP_SPEC.learningRate,
  epochs: { type: 'int', min: 0 },
  batchSize: MLP_SPEC.batchSize,
  fineTuneEpochs: { type: 'int', min: 0 },
  shuffle: MLP_SPEC.shuffle,
  randomState: MLP_SPEC.randomState,
  validationFraction: MLP_SPEC.validationFraction,
  earlyStopping: MLP_SPEC.earlyStopping,
  patience: MLP_SPEC.patience,
  logPath: MLP_SPEC.logPath,
  exportPath: MLP_SPEC.exportPath,
  backend: MLP_SPEC.backend,
  verbose: MLP_SPEC.verbose,
  checkpoint: CHECKPOINT_RULE,
};

/** The input of a stage is data: no gradient flows into it. */
const DATA = { inputGrad: false } as const;

/** Parts of an autoencoder that can be exported. */
export type AutoencoderPart = 'encoder' | 'decoder' | 'autoencoder';

/** Options of {@link StackedAutoencoder.fit}. */
export interface AutoencoderFitOptions {
  /** An explicit validation set (then `validationFraction` is ignored). */
  validationData?: MatrixLike;
  /**
   * A checkpoint directory written by a fit with `checkpoint: { dir }`: continue that training (same
   * architecture and data) with the remaining layers and epochs. A missing checkpoint is a ValidationError.
   */
  resume?: string;
}

/** Options of {@link StackedAutoencoder.export}. */
export interface AutoencoderExportOptions extends ExportOptions {
  /** The export format, e.g. `'tfjs-layers'` or `'onnx'`. */
  format: string;
  /** Which part: `'encoder'`, `'decoder'` or `'autoencoder'` (default). */
  part?: AutoencoderPart;
}

/** One decoder layer: rebuilds the input of encoder layer k from its code (kernel tied to it or its own). */
class DecoderLayer {
  readonly kernel: tf.Variable<tf.Rank.R2> | null;
  readonly bias: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly name: string,
    readonly encoder: DenseLayer,
    readonly activation: ActivationName,
    tied: boolean,
    init: { rng: Rng } | { kernel: Float32Array | null; bias: Float32Array },
  ) {
    const inputSize = encoder.units;
    const units = encoder.inputSize;
    let kernel: Float32Array | null = null;
    let bias: Float32Array;
    if ('rng' in init) {
      bias = new Float32Array(units);
      if (!tied) {
        const tmp = new DenseLayer(name, inputSize, units, activation, { rng: init.rng });
        kernel = tmp.read().kernel;
        tmp.dispose();
      }
    } else {
      kernel = init.kernel;
      bias = init.bias;
    }
    if (kernel) {
      const k = tf.tensor2d(kernel, [inputSize, units], 'float32');
      this.kernel = tf.variable(k, true) as tf.Variable<tf.Rank.R2>;
      k.dispose();
    } else {
      this.kernel = null;
    }
    const b = tf.tensor1d(bias, 'float32');
    this.bias = tf.variable(b, true) as tf.Variable<tf.Rank.R1>;
    b.dispose();
  }

  get inputSize(): number {
    return this.encoder.units;
  }

  get units(): number {
    return this.encoder.inputSize;
  }

  apply(h: tf.Tensor2D): tf.Tensor2D {
    const w = this.kernel ?? (tf.transpose(this.encoder.kernel) as tf.Tensor2D);
    return activate(affine(h, w, this.bias), this.activation);
  }

  get variables(): tf.Variable[] {
    return this.kernel ? [this.kernel, this.bias] : [this.bias];
  }

  /** Kernel `[inputSize, units]` as stored or exported (the transposed encoder kernel when tied). */
  readKernel(): Float32Array {
    if (this.kernel) return new Float32Array(this.kernel.dataSync() as Float32Array);
    const t = tf.transpose(this.encoder.kernel);
    const data = new Float32Array(t.dataSync() as Float32Array);
    t.dispose();
    return data;
  }

  toSpec(): DenseLayerSpec {
    return {
      name: this.name,
      inputSize: this.inputSize,
      units: this.units,
      kernel: this.readKernel(),
      bias: new Float32Array(this.bias.dataSync() as Float32Array),
      activation: this.activation,
    };
  }

  dispose(): void {
    this.kernel?.dispose();
    this.bias.dispose();
  }
}

interface Stack {
  encoders: DenseLayer[];
  /** decoders[k] rebuilds the input of encoders[k]. */
  decoders: DecoderLayer[];
}

function disposeStack(s: Stack | null): void {
  for (const l of s?.encoders ?? []) l.dispose();
  for (const l of s?.decoders ?? []) l.dispose();
}

/** Every weight of a stack as named tensors (`encoder.k.kernel`…; tied decoders have no kernel). */
function stackTensors(s: Stack): NamedTensor[] {
  return [
    ...s.encoders.flatMap((l) => {
      const w = l.read();
      return [
        { name: `${l.name}.kernel`, shape: [l.inputSize, l.units], data: w.kernel },
        { name: `${l.name}.bias`, shape: [l.units], data: w.bias },
      ];
    }),
    ...s.decoders.flatMap((l) => [
      ...(l.kernel
        ? [{ name: `${l.name}.kernel`, shape: [l.inputSize, l.units], data: l.readKernel() }]
        : []),
      {
        name: `${l.name}.bias`,
        shape: [l.units],
        data: new Float32Array(l.bias.dataSync() as Float32Array),
      },
    ]),
  ];
}

/** Rebuilds a stack from named tensors, checking every count and shape against the params. */
function stackFromTensors(
  inputSize: number,
  p: StackedAutoencoderParams,
  tensors: readonly NamedTensor[],
  bad: (m: string) => never,
): Stack {
  const sizes = [inputSize, ...p.hiddenLayerSizes];
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const get = (name: string, shape: number[]): Float32Array => {
    const t = byName.get(name);
    if (!t) bad(`tensor "${name}" is missing.`);
    if (t!.shape.join() !== shape.join())
      bad(`tensor "${name}" has shape [${t!.shape}], the params need [${shape}].`);
    return t!.data;
  };
  const stack: Stack = { encoders: [], decoders: [] };
  try {
    for (let k = 0; k + 1 < sizes.length; k++) {
      const [i, o] = [sizes[k]!, sizes[k + 1]!];
      const kernel = get(`encoder.${k}.kernel`, [i, o]);
      const bias = get(`encoder.${k}.bias`, [o]);
      const dk = p.tiedWeights ? null : get(`decoder.${k}.kernel`, [o, i]);
      const db = get(`decoder.${k}.bias`, [i]);
      const enc = new DenseLayer(`encoder.${k}`, i, o, p.activation, { weights: { kernel, bias } });
      stack.encoders.push(enc);
      stack.decoders.push(
        new DecoderLayer(`decoder.${k}`, enc, k === 0 ? p.outputActivation : p.activation, p.tiedWeights, {
          kernel: dk,
          bias: db,
        }),
      );
    }
  } catch (e) {
    disposeStack(stack);
    throw e;
  }
  return stack;
}

/**
 * A stacked (optionally denoising) autoencoder trained the classic way: greedy layer-wise pretraining —
 * layer k learns to rebuild the codes of layers 0..k-1, computed once per layer — then end-to-end
 * fine-tuning of the whole stack.
 *
 * ```ts
 * const ae = new StackedAutoencoder({ hiddenLayerSizes: [256, 64], epochs: 10, fineTuneEpochs: 5, randomState: 0 });
 * await ae.fit(X);                        // X: number[][] | tf.Tensor2D | { data, shape }, values in [0, 1]
 * const codes = await ae.transform(X);    // [samples, 64]
 * const clf = MLPClassifier.fromEncoder(ae, { epochs: 10 });
 * ```
 */
export class StackedAutoencoder
  extends BaseEstimator<StackedAutoencoderParams>
  implements Transformer<MatrixLike, MatrixLike>
{
  #stack: Stack | null = null;
  #inputSize = 0;
  #history: TrainingHistory | null = null;

  /**
   * @param params hyper-parameters (see {@link StackedAutoencoderParams}); bad values → ValidationError
   * @param options `{ registry }` to resolve backends, loggers and exporters from
   */
  constructor(params: Partial<StackedAutoencoderParams> = {}, options: EstimatorOptions = {}) {
    super(AUTOENCODER_DEFAULTS, SPEC, params, options);
  }

  protected override validateCombination(p: StackedAutoencoderParams): void {
    checkCheckpointParam('StackedAutoencoder', p.checkpoint);
    if (p.epochs + p.fineTuneEpochs < 1) {
      throw new ValidationError(
        'StackedAutoencoder: epochs and fineTuneEpochs are both 0; nothing would be trained.',
      );
    }
  }

  get isFitted(): boolean {
    return this.#stack !== null;
  }

  /** Training history of the last `fit`: one stage per pretrained layer, then `finetune`. */
  get history(): TrainingHistory | null {
    return this.#history;
  }

  /** Number of features seen at fit time. */
  get nFeaturesIn(): number {
    this.assertFitted('nFeaturesIn');
    return this.#inputSize;
  }

  #build(inputSize: number, p: StackedAutoencoderParams, rng: Rng): Stack {
    const encoders: DenseLayer[] = [];
    const decoders: DecoderLayer[] = [];
    try {
      let prev = inputSize;
      p.hiddenLayerSizes.forEach((units, k) => {
        const enc = new DenseLayer(`encoder.${k}`, prev, units, p.activation, { rng });
        encoders.push(enc);
        decoders.push(
          new DecoderLayer(`decoder.${k}`, enc, k === 0 ? p.outputActivation : p.activation, p.tiedWeights, {
            rng,
          }),
        );
        prev = units;
      });
    } catch (e) {
      disposeStack({ encoders, decoders });
      throw e;
    }
    return { encoders, decoders };
  }

  /**
   * Greedy layer-wise pretraining (`epochs` per layer), then `fineTuneEpochs` of end-to-end reconstruction
   * training. A second call starts over. Returns `this`.
   */
  async fit(X: MatrixLike, options: AutoencoderFitOptions = {}): Promise<this> {
    const p = this.getParams();
    if (p.exportPath) await checkModelDirTarget(p.exportPath);
    const ckpt = checkCheckpointParam('StackedAutoencoder', p.checkpoint);
    const resumeDir = (options as AutoencoderFitOptions | null)?.resume;
    // The checkpoint is read and checked before anything changes.
    const saved =
      resumeDir === undefined
        ? null
        : await loadCheckpoint('StackedAutoencoder', resumeDir, 'Checkpoint:StackedAutoencoder');
    const backend = await this.registry.activateBackend(p.backend);
    const temps: tf.Tensor[] = [];
    const xm = toMatrix(X, { name: 'X' });
    if (xm.owned) temps.push(xm.tensor);
    let stack: Stack | null = null;
    try {
      if (typeof options !== 'object' || options === null || Array.isArray(options)) {
        throw new ValidationError(
          'StackedAutoencoder.fit(X, options): options must be an object such as { validationData }.',
        );
      }
      // Resuming replays the validation split from the generator state the checkpointed fit started with.
      const rng = saved
        ? Rng.fromState(saved.state.fitRngState as number)
        : new Rng(p.randomState ?? undefined);
      const fitRngState = rng.state;
      const signature = {
        hiddenLayerSizes: p.hiddenLayerSizes,
        activation: p.activation,
        outputActivation: p.outputActivation,
        tiedWeights: p.tiedWeights,
        optimizer: p.optimizer,
        pretrain: p.epochs > 0,
        finetune: p.fineTuneEpochs > 0,
        inputSize: xm.cols,
        samples: xm.rows,
        validation:
          options.validationData !== undefined
            ? 'validationData'
            : (p.validationFraction ?? (p.earlyStopping ? 0.1 : 0)),
      };
      if (saved) {
        const sig = saved.state.signature;
        assertSame(
          'StackedAutoencoder',
          resumeDir!,
          typeof sig === 'object' && sig !== null ? (sig as Record<string, unknown>) : {},
          signature,
        );
      }
      let trainX: tf.Tensor2D = xm.tensor;
      let valX: tf.Tensor2D | undefined;
      if (options.validationData !== undefined) {
        const vm = toMatrix(options.validationData, { name: 'validationData', expectedFeatures: xm.cols });
        if (vm.owned) temps.push(vm.tensor);
        valX = vm.tensor;
      } else {
        const fraction = p.validationFraction ?? (p.earlyStopping ? 0.1 : 0);
        if (fraction > 0) {
          if (xm.rows < 2) {
            throw new ValidationError(
              `StackedAutoencoder.fit: validationFraction needs at least 2 samples, got ${xm.rows}.`,
            );
          }
          const split = trainValidationSplit(xm.rows, fraction, rng);
          trainX = tf.tidy(() => tf.gather(xm.tensor, tf.tensor1d(split.train, 'int32')));
          valX = tf.tidy(() => tf.gather(xm.tensor, tf.tensor1d(split.validation, 'int32')));
          temps.push(trainX, valX);
        }
      }
      const badCheckpoint = (m: string): never => {
        throw new ModelFormatError(`Invalid StackedAutoencoder checkpoint: ${m}`);
      };
      const s = saved
        ? stackFromTensors(xm.cols, p, saved.tensors, badCheckpoint)
        : this.#build(xm.cols, p, rng);
      stack = s;
      // Stages: pretraining of each layer (when epochs > 0), then fine-tuning (when fineTuneEpochs > 0).
      const nPretrain = p.epochs > 0 ? s.encoders.length : 0;
      const nStages = nPretrain + (p.fineTuneEpochs > 0 ? 1 : 0);
      const stageVariables = (index: number): tf.Variable[] =>
        index < nPretrain
          ? [...s.encoders[index]!.variables, ...s.decoders[index]!.variables]
          : [...s.encoders.flatMap((l) => l.variables), ...s.decoders.flatMap((l) => l.variables)];
      const startIndex = saved ? (saved.state.stageIndex as number) : 0;
      const completed = saved ? (saved.state.completedStages as StageHistory[]) : [];
      if (startIndex > nStages || completed.length !== startIndex) {
        badCheckpoint(`stageIndex ${startIndex} does not match its ${completed.length} completed stages.`);
      }
      let resumeStage: StageResume | undefined;
      if (saved && startIndex < nStages && saved.state.progress !== null) {
        resumeStage = progressFromData(
          'StackedAutoencoder',
          saved.state.progress,
          new Map(saved.tensors.map((t) => [t.name, t])),
          shapesOf(stageVariables(startIndex)),
        );
      }
      // Shuffling, dropout and noise continue from the generator state saved with the checkpoint.
      const trainRng = saved ? Rng.fromState(saved.state.rngState as number) : rng;
      const writeCheckpoint = async (index: number, done: StageHistory[], progress: StageProgress | null) => {
        const prog = progress ? await progressToData(progress) : null;
        await saveCheckpoint(ckpt!.dir, {
          kind: 'Checkpoint:StackedAutoencoder',
          params: { ...p, hiddenLayerSizes: [...p.hiddenLayerSizes] },
          state: {
            checkpointVersion: CHECKPOINT_VERSION,
            estimator: 'StackedAutoencoder',
            backend,
            signature,
            fitRngState,
            rngState: trainRng.state,
            stageIndex: index,
            stage: index >= nStages ? 'done' : index < nPretrain ? `pretrain layer ${index}` : 'finetune',
            completedStages: done,
            progress: prog?.json ?? null,
          },
          tensors: [...stackTensors(s), ...(prog?.tensors ?? [])],
        });
      };
      /** Resume state and checkpoint hook of stage `index`. */
      const stageExtras = (index: number, done: StageHistory[]) => ({
        ...(index === startIndex && resumeStage ? { resume: resumeStage } : {}),
        ...(ckpt
          ? {
              onEpochEnd: async (progress: StageProgress) => {
                if (progress.records.length % ckpt.every === 0) await writeCheckpoint(index, done, progress);
              },
            }
          : {}),
      });
      const mask = (x: tf.Tensor, training: boolean): tf.Tensor2D =>
        (training && p.noise > 0
          ? tf.mul(
              x,
              tf.cast(
                tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', trainRng.seed()), p.noise),
                'float32',
              ),
            )
          : x) as tf.Tensor2D;
      const drop = (h: tf.Tensor2D, training: boolean): tf.Tensor2D =>
        training && p.dropout > 0 ? (tf.dropout(h, p.dropout, undefined, trainRng.seed()) as tf.Tensor2D) : h;
      const mse = (a: tf.Tensor, b: tf.Tensor) => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar;
      const common = {
        batchSize: p.batchSize,
        shuffle: p.shuffle,
        rng: trainRng,
        optimizer: p.optimizer,
        learningRate: p.learningRate,
        earlyStopping: p.earlyStopping,
        patience: p.patience,
      };
      const history = await withFitScope(this.registry, p.logPath, async (sink) => {
        const t0 = Date.now();
        sink.emit({
          type: 'fitStart',
          estimator: 'StackedAutoencoder',
          backend,
          samples: trainX.shape[0],
          features: xm.cols,
          params: { ...p, hiddenLayerSizes: [...p.hiddenLayerSizes] },
          verbose: p.verbose,
          time: t0,
        });
        const stages: StageHistory[] = [...completed];
        if (startIndex < nPretrain) {
          // Codes of the layers below, computed once per layer (not per batch).
          let codes: tf.Tensor2D = trainX;
          let valCodes: tf.Tensor2D | undefined = valX;
          try {
            for (let k = 0; k < s.encoders.length; k++) {
              const enc = s.encoders[k]!;
              const dec = s.decoders[k]!;
              if (k > 0) {
                const prev = s.encoders[k - 1]!;
                const next = mapRows(codes, (c) => prev.apply(c));
                if (codes !== trainX) codes.dispose();
                codes = next;
                if (valCodes) {
                  const nextVal = mapRows(valCodes, (c) => prev.apply(c));
                  if (valCodes !== valX) valCodes.dispose();
                  valCodes = nextVal;
                }
              }
              // Layers pretrained before the checkpoint only feed the codes of the next one.
              if (k < startIndex) continue;
              stages.push(
                await trainStage({
                  ...common,
                  ...stageExtras(k, [...stages]),
                  stage: 'pretrain',
                  layer: k,
                  epochs: p.epochs,
                  variables: [...enc.variables, ...dec.variables],
                  x: codes,
                  y: codes,
                  ...(valCodes ? { validation: { x: valCodes, y: valCodes } } : {}),
                  loss: (xb, _yb, training) => ({
                    loss: mse(dec.apply(drop(enc.apply(mask(xb, training), DATA), training)), xb),
                  }),
                  sink,
                }),
              );
              if (ckpt) await writeCheckpoint(k + 1, [...stages], null);
            }
          } finally {
            if (codes !== trainX) codes.dispose();
            if (valCodes && valCodes !== valX) valCodes.dispose();
          }
        }
        if (p.fineTuneEpochs > 0 && startIndex < nStages) {
          stages.push(
            await trainStage({
              ...common,
              ...stageExtras(nPretrain, [...stages]),
              stage: 'finetune',
              epochs: p.fineTuneEpochs,
              variables: [
                ...s.encoders.flatMap((l) => l.variables),
                ...s.decoders.flatMap((l) => l.variables),
              ],
              x: trainX,
              y: trainX,
              ...(valX ? { validation: { x: valX, y: valX } } : {}),
              loss: (xb, _yb, training) => {
                let h = mask(xb, training);
                s.encoders.forEach((enc, k) => {
                  h = drop(enc.apply(h, k === 0 ? DATA : {}), training);
                });
                for (let k = s.decoders.length - 1; k >= 0; k--) h = s.decoders[k]!.apply(h);
                return { loss: mse(h, xb) };
              },
              sink,
            }),
          );
          if (ckpt) await writeCheckpoint(nStages, [...stages], null);
        }
        sink.emit({
          type: 'fitEnd',
          estimator: 'StackedAutoencoder',
          seconds: (Date.now() - t0) / 1000,
          time: Date.now(),
        });
        return makeHistory(backend, stages);
      });
      disposeStack(this.#stack);
      this.#stack = s;
      stack = null;
      this.#inputSize = xm.cols;
      this.#history = history;
    } finally {
      disposeStack(stack);
      for (const t of temps) t.dispose();
    }
    if (p.exportPath) await this.save(p.exportPath);
    return this;
  }

  /**
   * Frees the fitted weights now instead of waiting for the next `fit` (tfjs tensors are not garbage
   * collected). The autoencoder becomes unfitted; its parameters are kept.
   */
  dispose(): void {
    disposeStack(this.#stack);
    this.#stack = null;
    this.#history = null;
  }

  #encode(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (const enc of this.#stack!.encoders) h = enc.apply(h);
    return h;
  }

  #decode(z: tf.Tensor2D): tf.Tensor2D {
    const decs = this.#stack!.decoders;
    let h = z;
    for (let k = decs.length - 1; k >= 0; k--) h = decs[k]!.apply(h);
    return h;
  }

  #map(
    X: MatrixLike,
    method: string,
    features: number,
    fn: (x: tf.Tensor2D) => tf.Tensor2D,
    name = 'X',
  ): MatrixLike {
    this.assertFitted(method);
    const xm = toMatrix(X, { name, expectedFeatures: features });
    try {
      return fromTensor2D(
        mapRows(xm.tensor, (c) => fn(c)),
        xm.kind,
      );
    } finally {
      releaseMatrix(xm);
    }
  }

  /** The codes of the last encoder layer, `[samples, hiddenLayerSizes.at(-1)]`, in the kind of X. */
  async transform(X: MatrixLike): Promise<MatrixLike> {
    return this.#map(X, 'transform', this.#inputSize, (x) => this.#encode(x));
  }

  /** Decodes codes `Z` back to the input space, in the kind of Z. */
  async inverseTransform(Z: MatrixLike): Promise<MatrixLike> {
    const codeSize = this.params.hiddenLayerSizes[this.params.hiddenLayerSizes.length - 1]!;
    return this.#map(
      Z,
      'inverseTransform',
      this.isFitted ? this.#stack!.encoders.at(-1)!.units : codeSize,
      (z) => this.#decode(z),
      'Z',
    );
  }

  /** Encodes then decodes X: the reconstruction, in the kind of X. */
  async reconstruct(X: MatrixLike): Promise<MatrixLike> {
    return this.#map(X, 'reconstruct', this.#inputSize, (x) => this.#decode(this.#encode(x)));
  }

  /** Negative mean squared reconstruction error (higher is better, scikit-learn convention). */
  async score(X: MatrixLike): Promise<number> {
    this.assertFitted('score');
    const xm = toMatrix(X, { name: 'X', expectedFeatures: this.#inputSize });
    try {
      const sse = mapRows(xm.tensor, (c) =>
        tf.reshape(tf.sum(tf.squaredDifference(this.#decode(this.#encode(c)), c)), [1, 1]),
      );
      const total = tf.tidy(() => tf.sum(sse));
      sse.dispose();
      const [v] = (await total.data()) as Float32Array;
      total.dispose();
      return -v! / (xm.rows * xm.cols);
    } finally {
      releaseMatrix(xm);
    }
  }

  /**
   * The fitted stack as plain dense layers for exporters: the `encoder` (input → code), the `decoder`
   * (code → reconstruction, kernels explicit even when tied), or the whole `autoencoder`.
   */
  toExportable(part: AutoencoderPart = 'autoencoder'): ExportableModel {
    this.assertFitted('toExportable');
    const s = this.#stack!;
    const enc = () => s.encoders.map((l) => l.toSpec());
    const dec = () => [...s.decoders].reverse().map((l) => l.toSpec());
    let layers: DenseLayerSpec[];
    let inputSize = this.#inputSize;
    if (part === 'encoder') layers = enc();
    else if (part === 'decoder') {
      layers = dec();
      inputSize = s.encoders.at(-1)!.units;
    } else if (part === 'autoencoder') layers = [...enc(), ...dec()];
    else {
      throw new ValidationError(
        `StackedAutoencoder.toExportable: unknown part ${JSON.stringify(part)}; use 'encoder', 'decoder' or 'autoencoder'.`,
      );
    }
    const p = this.getParams();
    return {
      estimator: 'StackedAutoencoder',
      part,
      inputSize,
      layers,
      metadata: {
        params: p,
        ...(p.activation === 'leakyRelu' || p.outputActivation === 'leakyRelu'
          ? { leakyReluAlpha: LEAKY_RELU_ALPHA }
          : {}),
      },
    };
  }

  /** Writes a part of the model in another format through the registry's exporter for `options.format`. */
  async export(target: string, options: AutoencoderExportOptions): Promise<ExportResult> {
    const { format, part, ...rest } = options ?? ({} as AutoencoderExportOptions);
    if (typeof format !== 'string')
      throw new ValidationError('StackedAutoencoder.export: options.format is required.');
    const exporter = this.registry.exporter(format);
    return exporter.export(this.toExportable(part ?? 'autoencoder'), target, rest);
  }

  /** Saves the fitted model into `dir`: a JSON manifest (params, shapes, SHA-256) and one weights file, atomically. */
  async save(dir: string): Promise<void> {
    this.assertFitted('save');
    const s = this.#stack!;
    const data: ModelData = {
      kind: 'StackedAutoencoder',
      params: { ...this.getParams() },
      state: { inputSize: this.#inputSize, ...(this.#history ? { history: this.#history } : {}) },
      tensors: stackTensors(s),
    };
    await saveModelDir(dir, data);
  }

  /** Loads an autoencoder saved with {@link StackedAutoencoder.save}; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<StackedAutoencoder> {
    const data = await loadModelDir(dir, ['StackedAutoencoder']);
    const bad = (m: string): never => {
      throw new ModelFormatError(`Invalid StackedAutoencoder model: ${m}`);
    };
    let ae: StackedAutoencoder;
    try {
      ae = new StackedAutoencoder(data.params as Partial<StackedAutoencoderParams>, options);
    } catch (e) {
      if (e instanceof ValidationError) bad(e.message);
      throw e;
    }
    const inputSize = data.state.inputSize;
    if (!Number.isSafeInteger(inputSize) || (inputSize as number) < 1)
      bad('state.inputSize must be a positive integer.');
    const p = ae.params;
    const expected = p.hiddenLayerSizes.length * (p.tiedWeights ? 3 : 4);
    if (data.tensors.length !== expected)
      bad(`expected ${expected} weight tensors, found ${data.tensors.length}.`);
    // A model loaded in a fresh process must find its backend before its weights become tensors.
    await ae.registry.activateBackend(p.backend);
    ae.#stack = stackFromTensors(inputSize as number, p, data.tensors, bad);
    ae.#inputSize = inputSize as number;
    const h = data.state.history as TrainingHistory | undefined;
    ae.#history = h && typeof h === 'object' && Array.isArray(h.stages) && Array.isArray(h.epochs) ? h : null;
    return ae;
  }
}
