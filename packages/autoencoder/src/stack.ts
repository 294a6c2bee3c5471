import type { NamedTensor, Rng } from '@layerwise/core';
import { DenseLayer, layerTensors, namedTensorReader, type RunModel } from '@layerwise/training';
import type * as tf from '@tensorflow/tfjs-core';
import { DecoderLayer } from './DecoderLayer.js';
import type { StackedAutoencoderParams } from './params.js';

/**
 * The layers of a stacked autoencoder: `encoders[k]` maps the codes of layer k−1 to those of layer k,
 * `decoders[k]` rebuilds the input of `encoders[k]`. Layer k of the run (what callbacks freeze) is
 * `encoders[k]` with `decoders[k]`.
 */
export class Stack implements RunModel {
  constructor(
    readonly encoders: DenseLayer[],
    readonly decoders: DecoderLayer[],
  ) {}

  /** The variables of layer k: encoder k and its decoder. */
  get layers(): tf.Variable[][] {
    return this.encoders.map((e, k) => [...e.variables, ...this.decoders[k]!.variables]);
  }

  /** Every kernel (a tied decoder has none of its own). */
  get kernels(): tf.Variable[] {
    return [
      ...this.encoders.map((e) => e.kernel),
      ...this.decoders.flatMap((d) => (d.kernel ? [d.kernel] : [])),
    ];
  }

  /** Every weight as named tensors (`encoder.k.kernel`…; tied decoders have no kernel). */
  tensors(): NamedTensor[] {
    return [
      ...layerTensors(this.encoders),
      ...this.decoders.flatMap((l) => [
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

  /** Encodes through every layer. */
  encode(x: tf.Tensor2D, upTo = this.encoders.length): tf.Tensor2D {
    let h = x;
    for (let k = 0; k < upTo; k++) h = this.encoders[k]!.apply(h);
    return h;
  }

  /** Decodes codes of the last layer back to the input space. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    let h = z;
    for (let k = this.decoders.length - 1; k >= 0; k--) h = this.decoders[k]!.apply(h);
    return h;
  }

  dispose(): void {
    for (const l of this.encoders) l.dispose();
    for (const l of this.decoders) l.dispose();
  }
}

/** A stack of layers whose weights come from `init(k, …)` (drawn from an rng or read from tensors). */
function makeStack(
  inputSize: number,
  p: StackedAutoencoderParams,
  layer: (
    k: number,
    inputs: number,
    units: number,
  ) => {
    encoder: ConstructorParameters<typeof DenseLayer>[4];
    decoder: ConstructorParameters<typeof DecoderLayer>[4];
  },
): Stack {
  const stack = new Stack([], []);
  try {
    let prev = inputSize;
    p.hiddenLayerSizes.forEach((units, k) => {
      const init = layer(k, prev, units);
      const enc = new DenseLayer(`encoder.${k}`, prev, units, p.activation, init.encoder);
      stack.encoders.push(enc);
      stack.decoders.push(
        new DecoderLayer(
          `decoder.${k}`,
          enc,
          k === 0 ? p.outputActivation : p.activation,
          p.tiedWeights,
          init.decoder,
        ),
      );
      prev = units;
    });
  } catch (e) {
    stack.dispose();
    throw e;
  }
  return stack;
}

/** A fresh stack with weights drawn from `rng` (encoder k, then decoder k, layer by layer). */
export function buildStack(inputSize: number, p: StackedAutoencoderParams, rng: Rng): Stack {
  return makeStack(inputSize, p, () => ({ encoder: { rng }, decoder: { rng } }));
}

/** Rebuilds a stack from named tensors, checking every count and shape against the params. */
export function stackFromTensors(
  inputSize: number,
  p: StackedAutoencoderParams,
  tensors: ReadonlyMap<string, NamedTensor> | readonly NamedTensor[],
  bad: (m: string) => never,
): Stack {
  const get = namedTensorReader(tensors, bad);
  return makeStack(inputSize, p, (k, i, o) => ({
    encoder: { weights: { kernel: get(`encoder.${k}.kernel`, [i, o]), bias: get(`encoder.${k}.bias`, [o]) } },
    decoder: {
      kernel: p.tiedWeights ? null : get(`decoder.${k}.kernel`, [o, i]),
      bias: get(`decoder.${k}.bias`, [i]),
    },
  }));
}
