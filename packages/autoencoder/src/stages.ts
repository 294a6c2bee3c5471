import type { Rng } from '@layerwise/core';
import { mapRows, mapRowsToHost, meanLoss, type RunData, type RunStage } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
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
 * fine-tuning when `fineTuneEpochs` > 0. `rng` drives the masking noise and dropout.
 */
export function autoencoderStages(s: Stack, p: StackedAutoencoderParams, rng: Rng): RunStage[] {
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
  if (p.epochs > 0) {
    s.encoders.forEach((enc, k) => {
      const dec = s.decoders[k]!;
      stages.push({
        stage: 'pretrain',
        layer: k,
        epochs: p.epochs,
        variables: [...enc.variables, ...dec.variables],
        kernels: [enc.kernel, ...(dec.kernel ? [dec.kernel] : [])],
        data: (d: RunData) => codesOf(s, k, d),
        loss: (xb, _yb, training, wb) => ({
          loss: reconstructionLoss(dec.apply(drop(enc.apply(mask(xb, training), DATA), training)), xb, wb),
        }),
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
    });
  }
  return stages;
}

/** Stage data for layer k: the codes of layers 0..k−1 of the training (and validation) inputs. */
function codesOf(s: Stack, k: number, d: RunData): { data: RunData; dispose(): void } {
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
  // Each layer's codes are read chunk by chunk into ONE preallocated buffer, then made one tensor (no chunk
  // tensors plus a concat on the backend: a WASM heap, once grown, never shrinks).
  const encode = (x: tf.Tensor2D) => {
    let codes = x;
    for (let j = 0; j < k; j++) {
      const enc = s.encoders[j]!;
      const host = mapRowsToHost(codes, enc.units, (c) => enc.apply(c));
      if (codes !== x) codes.dispose();
      codes = tf.tensor2d(host, [x.shape[0], enc.units], 'float32');
    }
    return codes;
  };
  const x = encode(d.x);
  const v = d.validation ? encode(d.validation.x) : undefined;
  return {
    data: {
      x,
      y: x,
      ...(v ? { validation: { x: v, y: v } } : {}),
      ...(d.sampleWeight ? { sampleWeight: d.sampleWeight } : {}),
    },
    dispose() {
      x.dispose();
      v?.dispose();
    },
  };
}
