import { HostMatrix, type Rng, type TrainingAccelerator } from '@layerwise/core';
import {
  acceleratedForward,
  type DenseInferenceLayer,
  type DenseStage,
  mapRows,
  mapRowsToHost,
  meanLoss,
  type RunData,
  type RunStage,
} from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderLayer } from './DecoderLayer.js';
import type { StackedAutoencoderParams } from './params.js';
import type { Stack } from './stack.js';

/** The input of a stage is data: no gradient flows into it. */
const DATA = { inputGrad: false } as const;

/** Mean squared reconstruction error of a batch (weighted by rows when `weights` are given). */
function reconstructionLoss(out: tf.Tensor, x: tf.Tensor, weights?: tf.Tensor1D): tf.Scalar {
  if (weights) return meanLoss(tf.mean(tf.squaredDifference(out, x), 1) as tf.Tensor1D, weights);
  return tf.mean(tf.squaredDifference(out, x)) as tf.Scalar;
}

/**
 * The stages of a stacked autoencoder's fit: greedy pretraining of each layer k on the codes of layers
 * 0..k−1 (computed once when its stage starts, not per batch) when `epochs` > 0, then end-to-end
 * fine-tuning when `fineTuneEpochs` > 0. `rng` drives the masking noise and dropout. With the backend's
 * training `accelerator`, the codes are computed by its kernels (one pass, on every core it uses).
 */
export function autoencoderStages(
  s: Stack,
  p: StackedAutoencoderParams,
  rng: Rng,
  accelerator?: TrainingAccelerator,
): RunStage[] {
  const mask = (x: tf.Tensor, training: boolean): tf.Tensor2D =>
    (training && p.noise > 0
      ? tf.mul(
          x,
          tf.cast(
            tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', rng.seed()), p.noise),
            'float32',
          ),
        )
      : x) as tf.Tensor2D;
  const drop = (h: tf.Tensor2D, training: boolean): tf.Tensor2D =>
    training && p.dropout > 0 ? (tf.dropout(h, p.dropout, undefined, rng.seed()) as tf.Tensor2D) : h;
  const stages: RunStage[] = [];
  // One host buffer for the codes of every layer in turn (a stage's codes are dead once it ends): the widest
  // layer's codes at most are ever held, however deep the stack.
  const codes = { buffer: undefined as Float32Array | undefined };
  if (p.epochs > 0) {
    s.encoders.forEach((enc, k) => {
      const dec = s.decoders[k]!;
      stages.push({
        stage: 'pretrain',
        layer: k,
        epochs: p.epochs,
        variables: [...enc.variables, ...dec.variables],
        kernels: [enc.kernel, ...(dec.kernel ? [dec.kernel] : [])],
        data: (d: RunData) => codesOf(s, k, d, codes, accelerator),
        loss: (xb, _yb, training, wb) => ({
          loss: reconstructionLoss(dec.apply(drop(enc.apply(mask(xb, training), DATA), training)), xb, wb),
        }),
        dense: denseStage(p, [enc], [dec]),
      });
    });
  }
  if (p.fineTuneEpochs > 0) {
    stages.push({
      stage: 'finetune',
      epochs: p.fineTuneEpochs,
      variables: [...s.encoders.flatMap((l) => l.variables), ...s.decoders.flatMap((l) => l.variables)],
      kernels: s.kernels,
      loss: (xb, _yb, training, wb) => {
        let h = mask(xb, training);
        s.encoders.forEach((enc, k) => {
          h = drop(enc.apply(h, k === 0 ? DATA : {}), training);
        });
        return { loss: reconstructionLoss(s.decode(h), xb, wb) };
      },
      dense: denseStage(p, s.encoders, s.decoders),
    });
  }
  return stages;
}

/**
 * Encoders `encoders` (dropout after each) then their decoders in reverse, as a dense stack for a training
 * accelerator: masking noise on the input, MSE against the input; a tied decoder uses its encoder's kernel
 * transposed.
 */
function denseStage(
  p: StackedAutoencoderParams,
  encoders: Stack['encoders'],
  decoders: readonly DecoderLayer[],
): DenseStage {
  return {
    layers: [
      ...encoders.map((e) => ({
        kernel: e.kernel,
        bias: e.bias,
        activation: e.activation,
        ...(p.dropout > 0 ? { dropout: p.dropout } : {}),
      })),
      ...[...decoders].reverse().map((d) => ({
        kernel: d.kernel ?? d.encoder.kernel,
        ...(d.kernel ? {} : { kernelTransposed: true }),
        bias: d.bias,
        activation: d.activation,
      })),
    ],
    loss: 'meanSquaredError',
    target: 'input',
    ...(p.noise > 0 ? { inputNoise: p.noise } : {}),
  };
}

/** Stage data for layer k: the codes of layers 0..k−1 of the training (and validation) inputs. */
async function codesOf(
  s: Stack,
  k: number,
  d: RunData,
  codes: { buffer: Float32Array | undefined },
  accelerator: TrainingAccelerator | undefined,
): Promise<{ data: RunData; dispose(): void }> {
  if (k === 0) return { data: d, dispose() {} };
  if (d.stream) {
    // Streamed: each batch is encoded through the layers below as it arrives; no layer's codes are held.
    const stream = d.stream;
    const v = d.validation ? mapRows(d.validation.x as tf.Tensor2D, (c) => s.encode(c, k)) : undefined;
    async function* epoch() {
      for await (const b of stream.epoch()) {
        const codes = tf.tidy(() => s.encode(b.x as tf.Tensor2D, k));
        b.x.dispose();
        if (b.y !== b.x) b.y.dispose();
        yield { x: codes, y: codes };
      }
    }
    return {
      data: { ...d, stream: { epoch, rows: stream.rows }, ...(v ? { validation: { x: v, y: v } } : {}) },
      dispose() {
        v?.dispose();
      },
    };
  }
  // Layer k's codes are made from the inputs through the layers below, chunk by chunk, into ONE host buffer:
  // nothing of them is held on the backend (a WASM heap, once grown, never shrinks), and the stage uploads
  // one batch at a time. Validation codes are a tensor (a validation set is small).
  const units = s.encoders[k - 1]!.units;
  const host =
    (await kernelForward(accelerator, inferenceLayers(s, 'encode').slice(0, k), d.x)) ??
    mapRowsToHost(d.x, units, (c) => s.encode(c, k), undefined, codes.buffer);
  if (!codes.buffer || host.buffer !== codes.buffer.buffer) codes.buffer = host;
  const x = new HostMatrix(host, units);
  const v = d.validation ? mapRows(d.validation.x, (c) => s.encode(c, k)) : undefined;
  return {
    data: {
      x,
      y: x,
      ...(v ? { validation: { x: v, y: v } } : {}),
      ...(d.sampleWeight ? { sampleWeight: d.sampleWeight } : {}),
    },
    dispose() {
      v?.dispose();
    },
  };
}

/**
 * The stack's layers as a dense stack to run forward: the encoders (`'encode'`), the decoders in decoding
 * order (`'decode'`), or both (`'reconstruct'`); a tied decoder uses its encoder's kernel transposed.
 */
export function inferenceLayers(s: Stack, part: 'encode' | 'decode' | 'reconstruct'): DenseInferenceLayer[] {
  const enc = s.encoders.map((e) => ({ kernel: e.kernel, bias: e.bias, activation: e.activation }));
  const dec = [...s.decoders].reverse().map((d) => ({
    kernel: d.kernel ?? d.encoder.kernel,
    ...(d.kernel ? {} : { kernelTransposed: true }),
    bias: d.bias,
    activation: d.activation,
  }));
  return part === 'encode' ? enc : part === 'decode' ? dec : [...enc, ...dec];
}

/**
 * `layers` run forward on `x` by the accelerator's kernels (one pass, no tensors), or null — no accelerator, a row
 * view, or a stack it does not cover: the caller then runs tfjs.
 */
export async function kernelForward(
  accelerator: TrainingAccelerator | undefined,
  layers: readonly DenseInferenceLayer[],
  x: tf.Tensor2D | HostMatrix,
): Promise<Float32Array | null> {
  if (!accelerator) return null;
  if (x instanceof HostMatrix && x.index) return null;
  const data = x instanceof HostMatrix ? x.data : ((await x.data()) as Float32Array);
  return acceleratedForward(accelerator, layers, data, x.shape[0]);
}
