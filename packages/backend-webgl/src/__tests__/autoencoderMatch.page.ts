// In Chromium: the same StackedAutoencoder fit (same digits, same seed) on webgl and on wasm, one after the
// other in one page. Returns what the Node test compares.
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { wasmBackend } from '@layerwise/backend-wasm';
import { gradientsRegistered, Registry, type TypedMatrix } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { webglBackend } from '../index.js';

export interface FitOutcome {
  backend: string;
  precision: number;
  losses: number[];
  codes: number[];
  reconstruction: number[];
  mse: number;
  /** tfjs tensors alive before the fit and after `dispose()`. */
  tensorsBefore: number;
  tensorsAfter: number;
}

async function fitOn(backend: 'webgl' | 'wasm', data: Float32Array, rows: number): Promise<FitOutcome> {
  const registry = new Registry()
    .use(webglBackend())
    // fusedTraining off: this compares tfjs's webgl kernels with tfjs's wasm kernels (the reference path).
    .use(wasmBackend({ wasmPaths: new URL('/wasm/', location.href).href, fusedTraining: false }));
  await registry.activateBackend(backend);
  const tensorsBefore = tf.memory().numTensors;
  const ae = new StackedAutoencoder(
    {
      hiddenLayerSizes: [64, 16],
      epochs: 3,
      fineTuneEpochs: 2,
      batchSize: 50,
      learningRate: 0.005,
      randomState: 7,
      backend,
    },
    { registry },
  );
  const X = { data, shape: [rows, 784] as [number, number] };
  await ae.fit(X);
  const head = { data: data.subarray(0, 10 * 784), shape: [10, 784] as [number, number] };
  const codes = (await ae.transform(head)) as TypedMatrix;
  const rec = (await ae.reconstruct(head)) as TypedMatrix;
  const mse = -(await ae.score(X));
  const out: FitOutcome = {
    backend: tf.getBackend(),
    precision: tf.backend().floatPrecision(),
    losses: ae.history!.epochs.map((e) => e.loss),
    codes: Array.from(codes.data),
    reconstruction: Array.from(rec.data),
    mse,
    tensorsBefore,
    tensorsAfter: 0,
  };
  ae.dispose();
  out.tensorsAfter = tf.memory().numTensors;
  return out;
}

export async function run(input: { pixels: number[]; rows: number }) {
  if (!gradientsRegistered) throw new Error('gradients not registered');
  const data = Float32Array.from(input.pixels);
  const webgl = await fitOn('webgl', data, input.rows);
  const wasm = await fitOn('wasm', data, input.rows);
  return { webgl, wasm };
}
