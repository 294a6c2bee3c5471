import {
  type Callback,
  type EstimatorKindPlugin,
  type EstimatorOptions,
  type ExportableModel,
  type ExportOptions,
  type ExportResult,
  loadModelDir,
  type MatrixLike,
  ModelFormatError,
  Rng,
  saveModelDir,
  type Transformer,
  toFitMatrix,
  ValidationError,
} from '@layerwise/core';
import {
  type CommonFitOptions,
  checkTrainingParams,
  type DataSource,
  EncoderDecoderEstimator,
  isDataSource,
  isOptionsObject,
  LEAKY_RELU_ALPHA,
  mapRows,
  mapRowsToHost,
  meanLoss,
  paramsEstimatorKind,
  runTraining,
} from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import { scoreSource } from './sourceScores.js';
import { buildVae, VaeModel, vaeFromTensors } from './vaeModel.js';
import { storableVaeParams, VAE_DEFAULTS, VAE_SPEC, type VariationalAutoencoderParams } from './vaeParams.js';

const KIND = 'VariationalAutoencoder';

/** Options of {@link VariationalAutoencoder.fit}. */
export interface VaeFitOptions extends CommonFitOptions {
  /** An explicit validation set (then `validationFraction` is ignored); its loss is the negative ELBO. */
  validationData?: MatrixLike;
}

/** Names of the {@link VaeFitOptions}. */
export const VAE_FIT_OPTIONS = ['validationData', 'resume', 'callbacks', 'sampleWeight'] as const;

/** Options of {@link VariationalAutoencoder.scoreSamples} and {@link VariationalAutoencoder.score}. */
export interface VaeScoreOptions {
  /** Samples of z per row for `'elbo'` and `'iwae'`; default: the `scoreSamples` param (10). */
  samples?: number;
  /**
   * `'mse'`: −the mean squared error between the row and its reconstruction at z = μ; `'reconstruction'`:
   * log p(x | z = μ); both deterministic (`samples` unused). `'elbo'`: the evidence lower bound, its
   * reconstruction term averaged over the samples; `'iwae'`: the importance-weighted bound with `samples`
   * samples (Burda et al. 2016), a tighter estimate of log p(x). Default: the `scoreMethod` param (`'mse'`)
   * for `scoreSamples`, `'elbo'` for `score`.
   */
  method?: 'mse' | 'reconstruction' | 'elbo' | 'iwae';
  /** Seed of the samples of z; default: the `randomState` param, else 0 (the same X gives the same scores). */
  randomState?: number;
}

/** Options of {@link VariationalAutoencoder.sample}. */
export interface VaeSampleOptions {
  /** Seed of the codes drawn from N(0, I). */
  randomState?: number;
  /** `'array'` (default, `number[][]`), `'typed'` (`{ data, shape }`) or `'tensor'` (a Tensor2D the caller owns). */
  output?: 'array' | 'typed' | 'tensor';
}

/** Options of {@link VariationalAutoencoder.export}. */
export interface VaeExportOptions extends ExportOptions {
  /** The export format, e.g. `'tfjs-layers'` or `'onnx'`. */
  format: string;
  /** `'decoder'` (default: codes → the mean of p(x | z), to generate elsewhere) or `'encoder'` (input → μ). */
  part?: 'encoder' | 'decoder';
}

/**
 * A variational autoencoder (Kingma & Welling 2014) trained by layerwise's one training run: a dense encoder
 * to the mean and log-variance of q(z | x), a reparameterised sample z = μ + σ·ε, and a dense decoder to
 * p(x | z) — Bernoulli (binary cross-entropy) or Gaussian (squared error). The loss is the negative ELBO per
 * row, `−log p(x | z) + β·KL(q(z | x) ‖ N(0, I))`, with optional KL warm-up.
 *
 * It generates (`sample`), embeds (`transform` → μ), rebuilds (`reconstruct`), and scores rows
 * (`scoreSamples`, higher = more normal: −reconstruction MSE by default, log p(x | z = μ), or the ELBO / IWAE bound), so it serves
 * as an outlier detector too; `score` is the mean ELBO.
 *
 * ```ts
 * const vae = new VariationalAutoencoder({ hiddenLayerSizes: [400], latentDim: 20, epochs: 20, randomState: 0 });
 * await vae.fit(X);                                   // rows in [0, 1]
 * const digits = await vae.sample(16, { randomState: 1 });
 * const elbo = await vae.score(Xtest);                // mean ELBO, nats per row
 * ```
 */
export class VariationalAutoencoder
  extends EncoderDecoderEstimator<VariationalAutoencoderParams, VaeModel>
  implements Transformer<MatrixLike, MatrixLike>
{
  /**
   * This class's estimator kind: how `load()`, `Pipeline.load`, the CLI and `nJobs` workers open and rebuild it
   * (`registry.use(variationalAutoencoderKind)`; the umbrella's default registry has it).
   */
  static get estimatorKind(): EstimatorKindPlugin<VariationalAutoencoder> {
    return variationalAutoencoderKind;
  }

  /**
   * @param params hyper-parameters (see {@link VariationalAutoencoderParams}); bad values → ValidationError
   * @param options `{ registry }` to resolve backends, loggers and exporters from
   */
  constructor(params: Partial<VariationalAutoencoderParams> = {}, options: EstimatorOptions = {}) {
    super(VAE_DEFAULTS, VAE_SPEC, params, options);
  }

  protected override validateCombination(p: VariationalAutoencoderParams): void {
    checkTrainingParams(KIND, p);
  }

  /** Size of the latent code. */
  get latentDim(): number {
    this.assertFitted('latentDim');
    return this.model.mu.units;
  }

  /**
   * Trains on X for `epochs` epochs (one stage, `'train'`) minimising the mean negative ELBO of each batch.
   * `y` is accepted and ignored (as scikit-learn transformers). A second call starts over. Returns `this`.
   *
   * X may be a `DataSource` (like the other autoencoders' `fit(source)` and tfjs' `fitDataset`): a function
   * returning a fresh (async) iterable of `{ x }` batches, read once to scan and once per epoch, re-batched to
   * `batchSize` and shuffled within `shuffleBuffer` rows; memory stays bounded by the buffer. A one-shot
   * iterable (a generator object) feeds a fit of `epochs: 1` only.
   */
  async fit(X: MatrixLike | DataSource, options?: VaeFitOptions): Promise<this>;
  async fit(X: MatrixLike | DataSource, y: unknown, options?: VaeFitOptions): Promise<this>;
  async fit(X: MatrixLike | DataSource, y?: unknown, options?: VaeFitOptions): Promise<this> {
    const opts = options === undefined && isOptionsObject<VaeFitOptions>(y) ? y : options;
    return this.runFit('fit', async (backend) => {
      const p = this.getParams();
      // β of the current epoch (KL warm-up), set by the estimator's own callback at each epoch's start.
      const beta = { value: p.klWarmup > 0 ? p.beta / p.klWarmup : p.beta };
      const warmup: Callback = {
        onEpochBegin: (ctx) => {
          beta.value = p.klWarmup > 0 ? (p.beta * Math.min(ctx.epoch, p.klWarmup)) / p.klWarmup : p.beta;
        },
      };
      await runTraining<VaeModel>({
        estimator: KIND,
        params: p,
        storableParams: storableVaeParams(p),
        registry: this.registry,
        backend,
        options: opts,
        fitOptions: VAE_FIT_OPTIONS,
        callbacks: [warmup],
        data: {
          X,
          targets: null,
          shuffleBuffer: p.shuffleBuffer,
          // A data source is scanned once, then read (re-batched to batchSize) once per epoch; a one-shot
          // iterable feeds exactly one pass.
          passes: {
            count: p.epochs,
            oneShotMessage: `${KIND}.fit: the data source is a one-shot iterable (its iterator is itself, like a generator object): it can feed one pass only, but this fit reads it ${p.epochs} times (epochs ${p.epochs}); use epochs: 1, or pass a function returning a fresh iterable, e.g. fit(() => batches()).`,
          },
          signature: () => ({
            hiddenLayerSizes: p.hiddenLayerSizes,
            latentDim: p.latentDim,
            activation: p.activation,
            likelihood: p.likelihood,
            optimizer: p.optimizer,
          }),
        },
        build: (features, rng, saved) =>
          saved
            ? vaeFromTensors(features, p, saved, (m) => {
                throw new ModelFormatError(`Invalid ${KIND} checkpoint: ${m}`);
              })
            : buildVae(features, p, rng),
        stages: (m, rng) => [
          {
            stage: 'train',
            epochs: p.epochs,
            variables: m.variables,
            kernels: m.kernels,
            loss: (xb, _yb, _training, wb) => {
              const x = xb as tf.Tensor2D;
              const [mu, logVar] = m.encode(x, true);
              const z = VaeModel.reparameterise(mu, logVar, rng.seed());
              const nll = m.reconstructionNll(x, m.decodeLogits(z));
              const perRow = tf.add(nll, tf.mul(VaeModel.kl(mu, logVar), beta.value)) as tf.Tensor1D;
              return { loss: wb ? meanLoss(perRow, wb) : (tf.mean(perRow) as tf.Scalar) };
            },
          },
        ],
        commit: (m, history, features) => {
          this.keepModel(m, p, history, features);
        },
        save: (dir) => this.save(dir),
      });
      return this;
    });
  }

  #map(
    X: MatrixLike,
    method: string,
    features: number,
    outCols: number,
    fn: (x: tf.Tensor2D) => tf.Tensor2D,
    name = 'X',
  ): MatrixLike {
    const xm = toFitMatrix(X, { name, expectedFeatures: features });
    try {
      if (xm.kind === 'tensor') return mapRows(xm.x, fn);
      const data = mapRowsToHost(xm.x, outCols, fn);
      if (xm.kind === 'typed') return { data, shape: [xm.rows, outCols] };
      const out: number[][] = new Array(xm.rows);
      for (let r = 0; r < xm.rows; r++) out[r] = Array.from(data.subarray(r * outCols, (r + 1) * outCols));
      return out;
    } finally {
      if (xm.owned) (xm.x as tf.Tensor2D).dispose();
      void method;
    }
  }

  /** μ of q(z | x): the codes, `[samples, latentDim]`, in the kind of X. */
  async transform(X: MatrixLike): Promise<MatrixLike> {
    return this.withEngine('transform', async () =>
      this.#map(X, 'transform', this.inputSize, this.model.mu.units, (x) => this.model.encode(x)[0]),
    );
  }

  /** The mean of p(x | z) for codes Z (`[rows, latentDim]`), in the kind of Z. */
  async inverseTransform(Z: MatrixLike): Promise<MatrixLike> {
    return this.withEngine('inverseTransform', async () =>
      this.#map(
        Z,
        'inverseTransform',
        this.model.mu.units,
        this.inputSize,
        (z) => this.model.decodeMean(z),
        'Z',
      ),
    );
  }

  /** Decodes μ of each row (no sampling): the reconstruction, in the kind of X. */
  async reconstruct(X: MatrixLike): Promise<MatrixLike> {
    return this.withEngine('reconstruct', async () =>
      this.#map(X, 'reconstruct', this.inputSize, this.inputSize, (x) =>
        this.model.decodeMean(this.model.encode(x)[0]),
      ),
    );
  }

  /**
   * `n` new rows: codes drawn from the prior N(0, I), decoded to the mean of p(x | z) (pixel intensities for
   * a Bernoulli VAE). Seeded by `options.randomState` (else the `randomState` param).
   */
  async sample(n: number, options: VaeSampleOptions = {}): Promise<MatrixLike> {
    this.assertFitted('sample');
    if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) {
      throw new ValidationError(`${KIND}.sample: n must be an integer in [1, 1000000], got ${String(n)}.`);
    }
    const output = options.output ?? 'array';
    if (!['array', 'typed', 'tensor'].includes(output)) {
      throw new ValidationError(
        `${KIND}.sample: output must be 'array', 'typed' or 'tensor', got ${String(output)}.`,
      );
    }
    const seed = this.#seed(options.randomState, 'sample');
    return this.withEngine('sample', async () => {
      const d = this.model.mu.units;
      const rng = new Rng(seed);
      const z = new Float32Array(n * d);
      // Box–Muller from the project's seeded generator: the same codes on every backend.
      for (let i = 0; i < z.length; i += 2) {
        const u1 = Math.max(rng.next(), Number.MIN_VALUE);
        const u2 = rng.next();
        const r = Math.sqrt(-2 * Math.log(u1));
        z[i] = r * Math.cos(2 * Math.PI * u2);
        if (i + 1 < z.length) z[i + 1] = r * Math.sin(2 * Math.PI * u2);
      }
      const Z = output === 'tensor' ? tf.tensor2d(z, [n, d]) : { data: z, shape: [n, d] as [number, number] };
      try {
        const out = this.#map(Z, 'sample', d, this.inputSize, (c) => this.model.decodeMean(c), 'Z');
        if (output !== 'array' || Array.isArray(out)) return out;
        const { data, shape } = out as { data: Float32Array; shape: [number, number] };
        return Array.from({ length: shape[0] }, (_, r) =>
          Array.from(data.subarray(r * shape[1], (r + 1) * shape[1])),
        );
      } finally {
        if (Z instanceof tf.Tensor) Z.dispose();
      }
    });
  }

  #seed(given: number | undefined, method: string): number {
    if (given === undefined) return this.params.randomState ?? 0;
    if (!Number.isSafeInteger(given) || given < 0) {
      throw new ValidationError(
        `${KIND}.${method}: randomState must be a non-negative integer, got ${String(given)}.`,
      );
    }
    return given;
  }

  /**
   * Per-row scores, higher = more normal. By default (the `scoreMethod` param, `'mse'`) minus the mean squared
   * error between each row and its reconstruction at z = μ — deterministic, one decoder pass, the measure of
   * `StackedAutoencoder.scoreSamples`, and the best outlier ranking measured (see the package README).
   * `{ method: 'reconstruction' }`: log p(x | z = μ) in nats; `{ method: 'elbo' }`: each row's ELBO;
   * `{ method: 'iwae' }`: its importance-weighted bound; the last two estimated with `samples` draws of z,
   * seeded (the same X gives the same scores). X is scored in chunks. 1-D in the kind of X (`number[]`, `Float32Array`, or a `Tensor1D` the caller owns).
   *
   * X may also be a `DataSource` (batches `{ x }`, as `fit` takes): it is read once, batch by batch, and the
   * scores of all its rows come back as one `Float32Array` — for data sets larger than memory.
   */
  async scoreSamples(X: DataSource, options?: VaeScoreOptions): Promise<Float32Array>;
  async scoreSamples(
    X: MatrixLike,
    options?: VaeScoreOptions,
  ): Promise<number[] | Float32Array | tf.Tensor1D>;
  async scoreSamples(
    X: MatrixLike | DataSource,
    options: VaeScoreOptions = {},
  ): Promise<number[] | Float32Array | tf.Tensor1D> {
    this.assertFitted('scoreSamples');
    const k = options.samples ?? this.params.scoreSamples;
    if (!Number.isSafeInteger(k) || k < 1 || k > 10000) {
      throw new ValidationError(
        `${KIND}.scoreSamples: samples must be an integer in [1, 10000], got ${String(k)}.`,
      );
    }
    const method = options.method ?? this.params.scoreMethod;
    if (method !== 'mse' && method !== 'reconstruction' && method !== 'elbo' && method !== 'iwae') {
      throw new ValidationError(
        `${KIND}.scoreSamples: method must be 'mse', 'reconstruction', 'elbo' or 'iwae', got ${String(method)}.`,
      );
    }
    // One generator for the whole call: a streamed X draws the same sequence of seeds chunk after chunk.
    const rng = new Rng(this.#seed(options.randomState, 'scoreSamples'));
    const perRow = (c: tf.Tensor2D): tf.Tensor2D =>
      tf.reshape(
        method === 'mse'
          ? this.model.negativeMse(c)
          : method === 'reconstruction'
            ? this.model.reconstructionLogLik(c)
            : this.model.elbo(c, k, method === 'iwae', () => rng.seed()),
        [-1, 1],
      );
    if (isDataSource(X)) {
      const { scores } = await scoreSource(`${KIND}.scoreSamples`, X, (x) =>
        this.withEngine('scoreSamples', async () => this.#scoreMatrix(x, perRow)),
      );
      return scores;
    }
    return this.withEngine('scoreSamples', async () => this.#scoreMatrix(X, perRow));
  }

  #scoreMatrix(
    X: MatrixLike,
    perRow: (c: tf.Tensor2D) => tf.Tensor2D,
  ): number[] | Float32Array | tf.Tensor1D {
    const xm = toFitMatrix(X, { name: 'X', expectedFeatures: this.inputSize });
    try {
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
  }

  /**
   * The mean ELBO of X's rows in nats (higher is better: the model-selection criterion, e.g. for
   * `GridSearchCV`), as {@link scoreSamples} estimates it with `method: 'elbo'` unless `options.method` says otherwise.
   */
  async score(X: MatrixLike | DataSource, _y?: unknown, options: VaeScoreOptions = {}): Promise<number> {
    const s = await this.scoreSamples(X as MatrixLike, { method: 'elbo', ...options });
    let data: ArrayLike<number>;
    if (s instanceof tf.Tensor) {
      data = (await s.data()) as Float32Array;
      s.dispose();
    } else data = s;
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i]!;
    return sum / data.length;
  }

  /**
   * The fitted VAE as plain dense layers for exporters: the `decoder` (codes → mean of p(x | z), the output
   * layer's activation sigmoid for a Bernoulli VAE) or the `encoder` (input → μ).
   */
  toExportable(part: 'encoder' | 'decoder' = 'decoder'): ExportableModel {
    this.assertFitted('toExportable');
    if (part !== 'encoder' && part !== 'decoder') {
      throw new ValidationError(
        `${KIND}.toExportable: unknown part ${JSON.stringify(part)}; use 'decoder' or 'encoder'.`,
      );
    }
    const p = this.fittedParams;
    const { callbacks: _cb, ...params } = p;
    return {
      estimator: KIND,
      part,
      inputSize: part === 'decoder' ? this.model.mu.units : this.inputSize,
      layers: this.model.specs(part),
      metadata: {
        params,
        ...(p.activation === 'leakyRelu' ? { leakyReluAlpha: LEAKY_RELU_ALPHA } : {}),
      },
    };
  }

  /** Writes the decoder (default) or the encoder in another format through the registry's exporter. */
  async export(target: string, options: VaeExportOptions): Promise<ExportResult> {
    const { format, part, ...rest } = options ?? ({} as VaeExportOptions);
    if (typeof format !== 'string') throw new ValidationError(`${KIND}.export: options.format is required.`);
    const exporter = this.registry.exporter(format);
    return this.withEngine('export', () =>
      exporter.export(this.toExportable(part ?? 'decoder'), target, rest),
    );
  }

  /** Saves the fitted model into `dir`: a JSON manifest (params, shapes, SHA-256) and one weights file, atomically. */
  async save(dir: string): Promise<void> {
    this.assertFitted('save');
    await this.withEngine('save', async () => {
      await saveModelDir(dir, {
        kind: KIND,
        params: storableVaeParams(this.fittedParams),
        state: { inputSize: this.inputSize, ...(this.history ? { history: this.history } : {}) },
        tensors: this.model.tensors(),
      });
    });
  }

  /** Loads a VAE saved with {@link VariationalAutoencoder.save}; every size, shape and checksum is checked. */
  static async load(dir: string, options: EstimatorOptions = {}): Promise<VariationalAutoencoder> {
    const data = await loadModelDir(dir, [KIND]);
    return EncoderDecoderEstimator.restoreSaved<
      VariationalAutoencoderParams,
      VaeModel,
      VariationalAutoencoder
    >(data, KIND, {
      // Models saved before `scoreMethod` existed scored by the ELBO (a detector's offset was set on that
      // scale): they keep doing so.
      create: (saved) =>
        new VariationalAutoencoder(
          saved && typeof saved === 'object' && !('scoreMethod' in saved)
            ? { ...saved, scoreMethod: 'elbo' }
            : (saved as Partial<VariationalAutoencoderParams>),
          options,
        ),
      tensorCount: (p) => (2 * p.hiddenLayerSizes.length + 3) * 2,
      model: vaeFromTensors,
    });
  }
}

/**
 * The estimator kind of {@link VariationalAutoencoder}: its model files load through `load()` / `Pipeline.load` / the CLI,
 * and `GridSearchCV` / `crossValidate` with `nJobs` (or an executor) rebuild it from its params in a worker.
 */
export const variationalAutoencoderKind: EstimatorKindPlugin<VariationalAutoencoder> = paramsEstimatorKind({
  name: 'VariationalAutoencoder',
  role: 'transformer',
  module: import.meta.url,
  exportName: 'variationalAutoencoderKind',
  package: '@layerwise/outliers',
  estimatorClass: () => VariationalAutoencoder as never,
});
