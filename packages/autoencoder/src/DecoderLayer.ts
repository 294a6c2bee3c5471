import type { ActivationName, DenseLayerSpec, Rng } from '@layerwise/core';
import { activate, affine, DenseLayer } from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';

/** One decoder layer: rebuilds the input of encoder layer k from its code (kernel tied to it or its own). */
export class DecoderLayer {
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

  /** Width of this layer's input: the tied encoder layer's `units`. */
  get inputSize(): number {
    return this.encoder.units;
  }

  /** Width of this layer's output: the tied encoder layer's `inputSize`. */
  get units(): number {
    return this.encoder.inputSize;
  }

  /** Decodes a batch `h` `[n, inputSize]` to `[n, units]` (affine map, then the activation). */
  apply(h: tf.Tensor2D): tf.Tensor2D {
    const w = this.kernel ?? (tf.transpose(this.encoder.kernel) as tf.Tensor2D);
    return activate(affine(h, w, this.bias), this.activation);
  }

  /** The trainable variables: the bias, and the kernel when the weights are not tied to the encoder. */
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

  /** The layer as plain arrays (kernel `[inputSize, units]`, bias, activation), for saving and exporting. */
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

  /** Frees the layer's own variables (a tied kernel belongs to the encoder and is left alone). */
  dispose(): void {
    this.kernel?.dispose();
    this.bias.dispose();
  }
}
