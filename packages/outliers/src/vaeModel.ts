import type { DenseLayerSpec, NamedTensor, Rng } from '@layerwise/core';
import { DenseLayer, layerTensors, namedTensorReader, type RunModel } from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import type { VariationalAutoencoderParams } from './vaeParams.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The layers of a VAE: dense encoder layers to `mu` and `logVar` heads (linear), dense decoder layers (the
 * encoder's sizes mirrored) to `out`, whose pre-activations are the Bernoulli logits or the Gaussian mean.
 */
export class VaeModel implements RunModel {
  constructor(
    readonly encoders: DenseLayer[],
    readonly mu: DenseLayer,
    readonly logVar: DenseLayer,
    readonly decoders: DenseLayer[],
    readonly out: DenseLayer,
    readonly likelihood: VariationalAutoencoderParams['likelihood'],
  ) {}

  get #all(): DenseLayer[] {
    return [...this.encoders, this.mu, this.logVar, ...this.decoders, this.out];
  }

  /** Variable groups, from the input: each encoder layer, the two heads, each decoder layer, the output. */
  get layers(): tf.Variable[][] {
    return this.#all.map((l) => l.variables);
  }

  get kernels(): tf.Variable[] {
    return this.#all.map((l) => l.kernel);
  }

  get variables(): tf.Variable[] {
    return this.#all.flatMap((l) => l.variables);
  }

  tensors(): NamedTensor[] {
    return layerTensors(this.#all);
  }

  /** `[mu, logVar]` of q(z | x). */
  encode(x: tf.Tensor2D, dataInput = false): [tf.Tensor2D, tf.Tensor2D] {
    let h = x;
    this.encoders.forEach((l, k) => {
      h = l.apply(h, k === 0 && dataInput ? { inputGrad: false } : {});
    });
    if (this.encoders.length === 0 && dataInput) {
      return [this.mu.apply(h, { inputGrad: false }), this.logVar.apply(h, { inputGrad: false })];
    }
    return [this.mu.apply(h), this.logVar.apply(h)];
  }

  /** The output layer's pre-activations for codes z: Bernoulli logits, or the Gaussian mean. */
  decodeLogits(z: tf.Tensor2D): tf.Tensor2D {
    let h = z;
    for (const l of this.decoders) h = l.apply(h);
    return this.out.apply(h);
  }

  /** The mean of p(x | z): sigmoid of the logits (Bernoulli) or the mean itself (Gaussian). */
  decodeMean(z: tf.Tensor2D): tf.Tensor2D {
    const o = this.decodeLogits(z);
    return this.likelihood === 'bernoulli' ? tf.sigmoid(o) : o;
  }

  /** −log p(x | z) per row (nats): Bernoulli cross-entropy from logits, or a unit-variance Gaussian. */
  reconstructionNll(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
    if (this.likelihood === 'bernoulli') {
      // softplus(l) − x·l = −[x log σ(l) + (1 − x) log(1 − σ(l))], stable for any l.
      return tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), 1) as tf.Tensor1D;
    }
    const d = x.shape[1];
    return tf.add(tf.mul(tf.sum(tf.squaredDifference(x, logits), 1), 0.5), 0.5 * d * LOG_2PI) as tf.Tensor1D;
  }

  /** KL(q(z | x) ‖ N(0, I)) per row. */
  static kl(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
    return tf.mul(
      tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1)), 1),
      0.5,
    ) as tf.Tensor1D;
  }

  /** z = μ + σ·ε with ε ~ N(0, I) drawn with `seed`. */
  static reparameterise(mu: tf.Tensor2D, logVar: tf.Tensor2D, seed: number): tf.Tensor2D {
    const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', seed);
    return tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tf.Tensor2D;
  }

  /**
   * Per-row evidence lower bound `E_q[log p(x | z)] − KL(q ‖ p)` with `k` samples of z; with `iwae`, the
   * importance-weighted bound `log (1/k) Σ p(x, zᵢ) / q(zᵢ | x)` (tighter; → log p(x) as k grows).
   *
   * Each sample's decoder pass runs in its own scope and is freed before the next: only per-row sums (or
   * the k per-row log-weights) outlive it, so memory does not grow with `k`. (Keeping every sample's
   * `[rows, features]` intermediates alive until the end needed ~6 GB for IWAE-100 on a 4096-row chunk of
   * MNIST, past the 4 GB of 32-bit WebAssembly memory: tfjs-backend-wasm then faulted with "memory access out
   * of bounds" and took the process down.)
   */
  elbo(x: tf.Tensor2D, k: number, iwae: boolean, nextSeed: () => number): tf.Tensor1D {
    return tf.tidy(() => {
      const [mu, logVar] = this.encode(x);
      if (!iwae) {
        const kl = VaeModel.kl(mu, logVar);
        let rec = tf.zerosLike(kl) as tf.Tensor1D;
        for (let i = 0; i < k; i++) {
          const next = tf.tidy(() => {
            const z = VaeModel.reparameterise(mu, logVar, nextSeed());
            return tf.add(rec, this.reconstructionNll(x, this.decodeLogits(z))) as tf.Tensor1D;
          });
          rec.dispose();
          rec = next;
        }
        return tf.neg(tf.add(tf.div(rec, k), kl)) as tf.Tensor1D;
      }
      const logW: tf.Tensor1D[] = [];
      const zDim = mu.shape[1];
      const std = tf.exp(tf.mul(logVar, 0.5));
      const logVarSum = tf.sum(logVar, 1);
      for (let i = 0; i < k; i++) {
        logW.push(
          tf.tidy(() => {
            const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', nextSeed());
            const z = tf.add(mu, tf.mul(std, eps)) as tf.Tensor2D;
            const logPz = tf.mul(tf.add(tf.sum(tf.square(z), 1), zDim * LOG_2PI), -0.5);
            const logQz = tf.mul(tf.add(tf.add(tf.sum(tf.square(eps), 1), logVarSum), zDim * LOG_2PI), -0.5);
            const logPx = tf.neg(this.reconstructionNll(x, this.decodeLogits(z)));
            return tf.sub(tf.add(logPx, logPz), logQz) as tf.Tensor1D;
          }),
        );
      }
      const stacked = tf.stack(logW, 1) as tf.Tensor2D;
      for (const t of logW) t.dispose();
      return tf.sub(tf.logSumExp(stacked, 1), Math.log(k)) as tf.Tensor1D;
    });
  }

  /** Per-row log p(x | z = μ): the decoder's log-likelihood of each row at the mean of its code (no sampling). */
  reconstructionLogLik(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(
      () => tf.neg(this.reconstructionNll(x, this.decodeLogits(this.encode(x)[0]))) as tf.Tensor1D,
    );
  }

  /** Per-row −mean squared error between x and the decoder's mean at z = μ (no sampling). */
  negativeMse(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(
      () => tf.neg(tf.mean(tf.squaredDifference(this.decodeMean(this.encode(x)[0]), x), 1)) as tf.Tensor1D,
    );
  }

  /** Dense specs of the decoder (codes → mean of p(x | z)) or of the encoder (input → μ), for exporters. */
  specs(part: 'encoder' | 'decoder'): DenseLayerSpec[] {
    if (part === 'encoder') return [...this.encoders.map((l) => l.toSpec()), this.mu.toSpec()];
    return [
      ...this.decoders.map((l) => l.toSpec()),
      this.out.toSpec(this.likelihood === 'bernoulli' ? 'sigmoid' : 'linear'),
    ];
  }

  dispose(): void {
    for (const l of this.#all) l.dispose();
  }
}

type LayerInit = (name: string, inputs: number, units: number) => ConstructorParameters<typeof DenseLayer>[4];

function makeModel(inputSize: number, p: VariationalAutoencoderParams, init: LayerInit): VaeModel {
  const made: DenseLayer[] = [];
  const layer = (name: string, i: number, o: number, act: DenseLayer['activation']) => {
    const l = new DenseLayer(name, i, o, act, init(name, i, o));
    made.push(l);
    return l;
  };
  try {
    const encoders: DenseLayer[] = [];
    let prev = inputSize;
    p.hiddenLayerSizes.forEach((units, k) => {
      encoders.push(layer(`encoder.${k}`, prev, units, p.activation));
      prev = units;
    });
    const mu = layer('mu', prev, p.latentDim, 'linear');
    const logVar = layer('logVar', prev, p.latentDim, 'linear');
    const decoders: DenseLayer[] = [];
    prev = p.latentDim;
    [...p.hiddenLayerSizes].reverse().forEach((units, k) => {
      decoders.push(layer(`decoder.${k}`, prev, units, p.activation));
      prev = units;
    });
    const out = layer('out', prev, inputSize, 'linear');
    return new VaeModel(encoders, mu, logVar, decoders, out, p.likelihood);
  } catch (e) {
    for (const l of made) l.dispose();
    throw e;
  }
}

/** A fresh VAE with weights drawn from `rng`, layer by layer from the input. */
export function buildVae(inputSize: number, p: VariationalAutoencoderParams, rng: Rng): VaeModel {
  return makeModel(inputSize, p, () => ({ rng }));
}

/** Rebuilds a VAE from named tensors, checking every name and shape against the params. */
export function vaeFromTensors(
  inputSize: number,
  p: VariationalAutoencoderParams,
  tensors: ReadonlyMap<string, NamedTensor> | readonly NamedTensor[],
  bad: (m: string) => never,
): VaeModel {
  const get = namedTensorReader(tensors, bad);
  return makeModel(inputSize, p, (name, i, o) => ({
    weights: { kernel: get(`${name}.kernel`, [i, o]), bias: get(`${name}.bias`, [o]) },
  }));
}
