import type { EstimatorKindPlugin } from '@layerwise/core';
import {
  type DenseLayerSpec,
  type EstimatorOptions,
  type ExportableModel,
  type ExportOptions,
  type ExportResult,
  type FeaturesLike,
  HostMatrix,
  loadModelDir,
  type MatrixLike,
  type ModelData,
  ModelFormatError,
  releaseMatrix,
  saveModelDir,
  type Transformer,
  type TypedMatrix,
  toFitMatrix,
  toMatrix,
  ValidationError,
} from '@layerwise/core';
import {
  acceleratorOf,
  type CommonFitOptions,
  checkTrainingParams,
  type DataSource,
  EncoderDecoderEstimator,
  isOptionsObject,
  LEAKY_RELU_ALPHA,
  mapRows,
  mapRowsToHost,
  type ParamsEstimatorClass,
  paramsEstimatorKind,
  runTraining,
} from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import {
  AUTOENCODER_DEFAULTS,
  AUTOENCODER_SPEC,
  type StackedAutoencoderParams,
  storableAutoencoderParams,
} from './params.js';
import { buildStack, type Stack, stackFromTensors } from './stack.js';
import { autoencoderStages, inferenceLayers, kernelForward } from './stages.js';

/** Parts of an autoencoder that can be exported. */
export type AutoencoderPart = 'encoder' | 'decoder' | 'autoencoder';

/** Options of {@link StackedAutoencoder.fit}. */
export interface AutoencoderFitOptions extends CommonFitOptions {
  /** An explicit validation set (then `validationFraction` is ignored). */
  validationData?: MatrixLike;
}

/** Names of the {@link AutoencoderFitOptions}. */
export const AUTOENCODER_FIT_OPTIONS = ['validationData', 'resume', 'callbacks', 'sampleWeight'] as const;

/** Options of {@link StackedAutoencoder.export}. */
export interface AutoencoderExportOptions extends ExportOptions {
  /** The export format, e.g. `'tfjs-layers'` or `'onnx'`. */
  format: string;
  /** Which part: `'encoder'`, `'decoder'` or `'autoencoder'` (default). */
  part?: AutoencoderPart;
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
  extends EncoderDecoderEstimator<StackedAutoencoderParams, Stack>
  implements Transformer<MatrixLike, MatrixLike>
{
  /** This class's estimator kind (registered with `registry.use`; `nJobs` workers rebuild it from it). */
  static get estimatorKind(): EstimatorKindPlugin<StackedAutoencoder> {
    return stackedAutoencoderKind;
  }

  /**
   * @param params hyper-parameters (see {@link StackedAutoencoderParams}); bad values → ValidationError
   * @param options `{ registry }` to resolve backends, loggers and exporters from
   */
  constructor(params: Partial<StackedAutoencoderParams> = {}, options: EstimatorOptions = {}) {
    super(AUTOENCODER_DEFAULTS, AUTOENCODER_SPEC, params, options);
  }

  protected override validateCombination(p: StackedAutoencoderParams): void {
    checkTrainingParams('StackedAutoencoder', p);
    if (p.epochs + p.fineTuneEpochs < 1) {
      throw new ValidationError(
        'StackedAutoencoder: epochs and fineTuneEpochs are both 0; nothing would be trained.',
      );
    }
  }

  /**
   * Greedy layer-wise pretraining (`epochs` per layer), then `fineTuneEpochs` of end-to-end reconstruction
   * training. A second call starts over. Returns `this`.
   *
   * `y` is accepted and ignored, whatever it is (like scikit-learn transformers, so a pipeline can pass
   * labels through): `fit(X)`, `fit(X, y)`, `fit(X, y, options)` and `fit(X, options)` all train on X alone.
   * A plain object in second place is read as the options.
   */
  async fit(X: FeaturesLike | DataSource, options?: AutoencoderFitOptions): Promise<this>;
  async fit(X: FeaturesLike | DataSource, y: unknown, options?: AutoencoderFitOptions): Promise<this>;
  async fit(X: FeaturesLike | DataSource, y?: unknown, options?: AutoencoderFitOptions): Promise<this> {
    const opts = options === undefined && isOptionsObject<AutoencoderFitOptions>(y) ? y : options;
    // One fit at a time per estimator (ConcurrentFitError), on the engine through core's engine guard.
    return this.runFit('fit', async (backend) => {
      const p = this.getParams();
      const owner = 'StackedAutoencoder';
      // Passes over the data: every layer's pretraining epochs, then fine-tuning.
      const passes = (p.epochs > 0 ? p.hiddenLayerSizes.length * p.epochs : 0) + p.fineTuneEpochs;
      await runTraining<Stack>({
        estimator: owner,
        params: p,
        storableParams: storableAutoencoderParams(p),
        registry: this.registry,
        backend,
        options: opts,
        fitOptions: AUTOENCODER_FIT_OPTIONS,
        data: {
          X,
          targets: null,
          shuffleBuffer: p.shuffleBuffer,
          // A one-shot iterable feeds exactly one pass: one layer pretrained for one epoch and no
          // fine-tuning, or fine-tuning alone for one epoch.
          passes: {
            count: passes,
            oneShotMessage: `${owner}.fit: the data source is a one-shot iterable (its iterator is itself, like a generator object): it can feed one pass only, but this fit reads it ${passes} times (${p.hiddenLayerSizes.length} layer(s) × epochs ${p.epochs} + fineTuneEpochs ${p.fineTuneEpochs}); use one layer with epochs: 1 and fineTuneEpochs: 0 (or epochs: 0 and fineTuneEpochs: 1), or pass a function returning a fresh iterable, e.g. fit(() => batches()).`,
          },
          signature: () => ({
            hiddenLayerSizes: p.hiddenLayerSizes,
            activation: p.activation,
            outputActivation: p.outputActivation,
            tiedWeights: p.tiedWeights,
            optimizer: p.optimizer,
            pretrain: p.epochs > 0,
            finetune: p.fineTuneEpochs > 0,
          }),
        },
        build: (features, rng, saved) =>
          saved
            ? stackFromTensors(features, p, saved, (m) => {
                throw new ModelFormatError(`Invalid StackedAutoencoder checkpoint: ${m}`);
              })
            : buildStack(features, p, rng),
        stages: (s, rng) => autoencoderStages(s, p, rng, acceleratorOf(this.registry, backend)),
        commit: (s, history, features) => {
          this.keepModel(s, p, history, features);
        },
        save: (dir) => this.save(dir),
      });
      return this;
    });
  }

  #encode(x: tf.Tensor2D): tf.Tensor2D {
    return this.model.encode(x);
  }

  #decode(z: tf.Tensor2D): tf.Tensor2D {
    return this.model.decode(z);
  }

  /**
   * `part` of the stack run forward on `x` by the backend's accelerator kernels (one pass, no tensors), or
   * null when the backend has none (or it declines): the caller then runs tfjs.
   */
  async #hostForward(
    x: tf.Tensor2D | HostMatrix,
    part: 'encode' | 'decode' | 'reconstruct',
    backend: string,
  ): Promise<Float32Array | null> {
    return kernelForward(acceleratorOf(this.registry, backend), inferenceLayers(this.model, part), x);
  }

  async #map(
    X: FeaturesLike,
    method: string,
    features: number,
    outCols: () => number,
    fn: (x: tf.Tensor2D) => tf.Tensor2D,
    part: 'encode' | 'decode' | 'reconstruct',
    backend: string,
    name = 'X',
  ): Promise<MatrixLike> {
    this.assertFitted(method);
    // Host data stay on the host: the kernels read them there; tfjs takes them one chunk at a time.
    const xm = toFitMatrix(X, { name, expectedFeatures: features });
    try {
      const cols = outCols();
      const host = await this.#hostForward(xm.x, part, backend);
      if (host && xm.kind === 'tensor') return tf.tensor2d(host, [xm.rows, cols]);
      if (xm.x instanceof tf.Tensor && xm.kind === 'tensor') return mapRows(xm.x, (c) => fn(c));
      // Host outputs: each chunk is read straight into one preallocated buffer (no concat, no second copy).
      const data = host ?? mapRowsToHost(xm.x, cols, fn);
      if (xm.kind === 'typed') return { data, shape: [xm.rows, cols] };
      const out: number[][] = new Array(xm.rows);
      for (let r = 0; r < xm.rows; r++) out[r] = Array.from(data.subarray(r * cols, (r + 1) * cols));
      return out;
    } finally {
      if (xm.owned) (xm.x as tf.Tensor2D).dispose();
    }
  }

  /** The codes of the last encoder layer, `[samples, hiddenLayerSizes.at(-1)]`, in the kind of X. */
  transform(X: number[][]): Promise<number[][]>;
  transform(X: tf.Tensor2D): Promise<tf.Tensor2D>;
  transform(X: TypedMatrix): Promise<TypedMatrix>;
  transform(X: FeaturesLike): Promise<MatrixLike>;
  async transform(X: FeaturesLike): Promise<MatrixLike> {
    return this.withEngine('transform', async (backend) =>
      this.#map(
        X,
        'transform',
        this.inputSize,
        () => this.model.encoders.at(-1)!.units,
        (x) => this.#encode(x),
        'encode',
        backend,
      ),
    );
  }

  /** Decodes codes `Z` back to the input space, in the kind of Z. */
  inverseTransform(Z: number[][]): Promise<number[][]>;
  inverseTransform(Z: tf.Tensor2D): Promise<tf.Tensor2D>;
  inverseTransform(Z: TypedMatrix): Promise<TypedMatrix>;
  inverseTransform(Z: MatrixLike): Promise<MatrixLike>;
  async inverseTransform(Z: MatrixLike): Promise<MatrixLike> {
    return this.withEngine('inverseTransform', async (backend) =>
      this.#map(
        Z,
        'inverseTransform',
        this.model.encoders.at(-1)!.units,
        () => this.inputSize,
        (z) => this.#decode(z),
        'decode',
        backend,
        'Z',
      ),
    );
  }

  /** Encodes then decodes X: the reconstruction, in the kind of X. */
  reconstruct(X: number[][]): Promise<number[][]>;
  reconstruct(X: tf.Tensor2D): Promise<tf.Tensor2D>;
  reconstruct(X: TypedMatrix): Promise<TypedMatrix>;
  reconstruct(X: FeaturesLike): Promise<MatrixLike>;
  async reconstruct(X: FeaturesLike): Promise<MatrixLike> {
    return this.withEngine('reconstruct', async (backend) =>
      this.#map(
        X,
        'reconstruct',
        this.inputSize,
        () => this.inputSize,
        (x) => this.#decode(this.#encode(x)),
        'reconstruct',
        backend,
      ),
    );
  }

  /**
   * Per-row scores, higher = more normal (scikit-learn's `score_samples` sign): the negative mean squared
   * reconstruction error of each row (with noise and dropout off). X is scored in chunks, so large inputs
   * never sit on the backend whole. 1-D in the kind of X: `number[]`, `Float32Array` (typed `{ data, shape }`)
   * or a `Tensor1D` owned by the caller. The mean of the scores is {@link score}.
   */
  async scoreSamples(X: MatrixLike): Promise<number[] | Float32Array | tf.Tensor1D> {
    this.assertFitted('scoreSamples');
    return this.withEngine('scoreSamples', async (backend) => {
      // Host data stay on the host, uploaded one chunk at a time.
      const xm = toFitMatrix(X, { name: 'X', expectedFeatures: this.inputSize });
      try {
        const rec = await this.#hostForward(xm.x, 'reconstruct', backend);
        if (rec) {
          const x = xm.x instanceof HostMatrix ? xm.x.data : ((await xm.x.data()) as Float32Array);
          const cols = xm.cols;
          const scores = new Float32Array(xm.rows);
          for (let r = 0; r < xm.rows; r++) {
            let sum = 0;
            for (let j = r * cols; j < (r + 1) * cols; j++) sum += (rec[j]! - x[j]!) ** 2;
            scores[r] = -sum / cols;
          }
          if (xm.kind === 'tensor') return tf.tensor1d(scores);
          return xm.kind === 'typed' ? scores : Array.from(scores);
        }
        const perRow = (c: tf.Tensor2D): tf.Tensor2D =>
          tf.reshape(tf.neg(tf.mean(tf.squaredDifference(this.#decode(this.#encode(c)), c), 1)), [-1, 1]);
        if (xm.kind === 'tensor') {
          const col = mapRows(xm.x, perRow);
          const flat = tf.reshape(col, [-1]) as tf.Tensor1D;
          col.dispose();
          return flat;
        }
        const data = mapRowsToHost(xm.x, 1, perRow);
        return xm.kind === 'typed' ? data : Array.from(data);
      } finally {
        if (xm.owned) (xm.x as tf.Tensor2D).dispose();
      }
    });
  }

  /** Negative mean squared reconstruction error (higher is better, scikit-learn convention). */
  async score(X: FeaturesLike): Promise<number> {
    this.assertFitted('score');
    return this.withEngine('score', async (backend) => {
      const fm = toFitMatrix(X, { name: 'X', expectedFeatures: this.inputSize });
      try {
        const rec = await this.#hostForward(fm.x, 'reconstruct', backend);
        if (rec) {
          const x = fm.x instanceof HostMatrix ? fm.x.data : ((await fm.x.data()) as Float32Array);
          let sum = 0;
          for (let i = 0; i < rec.length; i++) sum += (rec[i]! - x[i]!) ** 2;
          return -sum / (fm.rows * fm.cols);
        }
      } finally {
        if (fm.owned) (fm.x as tf.Tensor2D).dispose();
      }
      const xm = toMatrix(X, { name: 'X', expectedFeatures: this.inputSize });
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
    });
  }

  /**
   * The fitted stack as plain dense layers for exporters: the `encoder` (input → code), the `decoder`
   * (code → reconstruction, kernels explicit even when tied), or the whole `autoencoder`.
   */
  toExportable(part: AutoencoderPart = 'autoencoder'): ExportableModel {
    this.assertFitted('toExportable');
    const s = this.model;
    const enc = () => s.encoders.map((l) => l.toSpec());
    const dec = () => [...s.decoders].reverse().map((l) => l.toSpec());
    let layers: DenseLayerSpec[];
    let inputSize = this.inputSize;
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
    const p = this.fittedParams;
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
    return this.withEngine('export', () =>
      exporter.export(this.toExportable(part ?? 'autoencoder'), target, rest),
    );
  }

  /** Saves the fitted model into `dir`: a JSON manifest (params, shapes, SHA-256) and one weights file, atomically. */
  async save(dir: string): Promise<void> {
    this.assertFitted('save');
    await this.withEngine('save', async () => {
      const s = this.model;
      const data: ModelData = {
        kind: 'StackedAutoencoder',
        params: storableAutoencoderParams(this.fittedParams),
        state: { inputSize: this.inputSize, ...(this.history ? { history: this.history } : {}) },
        tensors: s.tensors(),
      };
      await saveModelDir(dir, data);
    });
  }

  /** Loads an autoencoder saved with {@link StackedAutoencoder.save}; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<StackedAutoencoder> {
    const data = await loadModelDir(dir, ['StackedAutoencoder']);
    return EncoderDecoderEstimator.restoreSaved<StackedAutoencoderParams, Stack, StackedAutoencoder>(
      data,
      'StackedAutoencoder',
      {
        create: (params) => new StackedAutoencoder(params as Partial<StackedAutoencoderParams>, options),
        tensorCount: (p) => p.hiddenLayerSizes.length * (p.tiedWeights ? 3 : 4),
        model: stackFromTensors,
      },
    );
  }
}

/**
 * The estimator kind of {@link StackedAutoencoder}: loads its model files, rebuilds it in `nJobs` workers from its
 * params. `registry.use(stackedAutoencoderKind)` lets `load()`, `Pipeline.load` and the CLI open its files.
 */
export const stackedAutoencoderKind: EstimatorKindPlugin<StackedAutoencoder> = paramsEstimatorKind({
  name: 'StackedAutoencoder',
  role: 'transformer',
  module: import.meta.url,
  exportName: 'stackedAutoencoderKind',
  package: '@layerwise/autoencoder',
  estimatorClass: () => StackedAutoencoder as unknown as ParamsEstimatorClass<StackedAutoencoder>,
});
