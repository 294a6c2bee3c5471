/**
 * The tfjs contenders, run inside a worker process: tfjs-layers `model.fit`, a raw tfjs-core loop
 * (`optimizer.minimize`) and — through {@link ./layerwiseContender.ts} — layerwise itself.
 */
import { makeOptimizer } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Matrix } from './data.js';
import { STEP } from './spec.js';

export { layersAeEpoch } from './tfjsLayersAe.js';

/** Activates a stock tfjs backend (no layerwise plugin). */
export async function activateStock(backend: string): Promise<void> {
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else if (backend === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else if (backend === 'node') await import('@tensorflow/tfjs-node');
  else throw new Error(`no stock loader for backend ${backend}`);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not initialise the ${backend} backend`);
  await tf.ready();
}

/** A seeded permutation of 0..n-1 (mulberry32 + Fisher–Yates). */
export function permutation(n: number, seed: number): Int32Array {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

function glorot(fanIn: number, fanOut: number, seed: number): tf.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed);
}

/** A dense layer's variables for the raw loop. */
interface Dense {
  w: tf.Variable;
  b: tf.Variable;
}
function dense(fanIn: number, fanOut: number, seed: number): Dense {
  // tf.variable copies its initial value: the temporaries go with the tidy
  return tf.tidy(() => ({ w: tf.variable(glorot(fanIn, fanOut, seed)), b: tf.variable(tf.zeros([fanOut])) }));
}

/**
 * Trains one autoencoder layer `cols → hidden → cols` (ReLU code, sigmoid reconstruction — layerwise's default `outputActivation` — MSE, Adam) for one
 * epoch with a hand-written tfjs-core loop: data uploaded once, a shuffled `gather` per batch, one
 * `optimizer.minimize` per batch, the loss read once at the end. Returns the final batch loss; leaves no tensors.
 */
export async function rawAeEpoch(x: Matrix, hidden: number, seed: number): Promise<number> {
  const X = tf.tensor2d(x.data, x.shape);
  const r = await rawTrainLayer(X, hidden, seed);
  tf.dispose([X, r.enc.w, r.enc.b]);
  return r.loss;
}

/** One epoch of one autoencoder layer on a tensor already on the backend; returns its encoder and final loss. */
async function rawTrainLayer(
  X: tf.Tensor2D,
  hidden: number,
  seed: number,
): Promise<{ enc: Dense; loss: number }> {
  const [n, cols] = X.shape;
  const enc = dense(cols, hidden, seed);
  const dec = dense(hidden, cols, seed + 1);
  // layerwise's Adam: tfjs's `AdamOptimizer`, fused into one kernel per variable where the backend registers
  // one (the wasm plugin does); on stock backends it is exactly `tf.train.adam`. So `raw/wasm+plugin` runs
  // the very kernels layerwise runs, and `raw/wasm` is the plain tfjs loop.
  const opt = makeOptimizer('adam', STEP.learningRate);
  const perm = permutation(n, seed);
  let last: tf.Scalar | null = null;
  for (let start = 0; start < n; start += STEP.batchSize) {
    const idx = tf.tensor1d(perm.subarray(start, Math.min(n, start + STEP.batchSize)), 'int32');
    const xb = tf.gather(X, idx);
    const cost = opt.minimize(() => {
      const h = tf.relu(tf.add(tf.matMul(xb, enc.w), enc.b));
      const y = tf.sigmoid(tf.add(tf.matMul(h, dec.w), dec.b));
      return tf.mean(tf.squaredDifference(y, xb));
    }, true);
    idx.dispose();
    xb.dispose();
    last?.dispose();
    last = cost;
  }
  const loss = last ? (await last.data())[0]! : Number.NaN;
  last?.dispose();
  tf.dispose([dec.w, dec.b]);
  opt.dispose();
  return { enc, loss };
}

/**
 * Greedy layer-wise pretraining with the raw loop (one epoch per layer): the data are uploaded once, each
 * layer's codes are computed in chunks on the backend and become the next layer's input. The reference for
 * what the full-pretrain time and memory could be. Returns per-layer seconds and the last layer's loss.
 */
export async function rawPretrain(
  x: Matrix,
  layers: readonly number[],
  seed: number,
  now: () => number,
): Promise<{ loss: number; detail: Record<string, number> }> {
  let input = tf.tensor2d(x.data, x.shape);
  const detail: Record<string, number> = {};
  let loss = Number.NaN;
  for (const [k, u] of layers.entries()) {
    const t0 = now();
    const r = await rawTrainLayer(input, u, seed + 10 * k);
    loss = r.loss;
    const n = input.shape[0];
    const parts: tf.Tensor2D[] = [];
    for (let s = 0; s < n; s += 4096) {
      // gather, not slice: tfjs-backend-wasm's Slice kernel copies the whole input out of the heap per call
      const rows = Int32Array.from({ length: Math.min(4096, n - s) }, (_, i) => s + i);
      parts.push(
        tf.tidy(
          () =>
            tf.relu(
              tf.add(tf.matMul(tf.gather(input, tf.tensor1d(rows, 'int32')), r.enc.w), r.enc.b),
            ) as tf.Tensor2D,
        ),
      );
    }
    const next = tf.concat(parts) as tf.Tensor2D;
    tf.dispose([...parts, input, r.enc.w, r.enc.b]);
    input = next;
    await input.data(); // finish the layer before reading the clock
    detail[`layer${k + 1}Seconds`] = (now() - t0) / 1000;
  }
  input.dispose();
  return { loss, detail };
}

/** An encoder `cols → layers…` (ReLU) with random weights, for inference. */
export interface Encoder {
  forward(x: Matrix): Promise<Float32Array>;
  dispose(): void;
}

/** Raw tfjs-core inference: one `tf.tidy` of matMul + bias + ReLU per layer over all rows, one download. */
export function rawEncoder(cols: number, layers: readonly number[], seed: number): Encoder {
  const ws: Dense[] = [];
  let fanIn = cols;
  layers.forEach((u, i) => {
    ws.push(dense(fanIn, u, seed + i));
    fanIn = u;
  });
  return {
    async forward(x) {
      const out = tf.tidy(() => {
        let h: tf.Tensor = tf.tensor2d(x.data, x.shape);
        for (const l of ws) h = tf.relu(tf.add(tf.matMul(h, l.w), l.b));
        return h;
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose() {
      for (const l of ws) tf.dispose([l.w, l.b]);
    },
  };
}

/** tfjs-layers inference: `model.predict` over all rows in one batch (its default batch of 32 would be unfair). */
export function layersEncoder(cols: number, layers: readonly number[], seed: number): Encoder {
  const model = tfl.sequential();
  layers.forEach((u, i) => {
    model.add(
      tfl.layers.dense({
        units: u,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + i }),
        ...(i === 0 ? { inputShape: [cols] } : {}),
      }),
    );
  });
  return {
    async forward(x) {
      const X = tf.tensor2d(x.data, x.shape);
      const out = model.predict(X, { batchSize: x.shape[0] }) as tf.Tensor;
      const data = (await out.data()) as Float32Array;
      tf.dispose([X, out]);
      return data;
    },
    dispose() {
      model.dispose();
    },
  };
}
