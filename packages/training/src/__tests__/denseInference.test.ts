// acceleratedForward honours the accelerator's inferenceRowLimit: larger inputs go to the tfjs path.
import type { DenseStackSpec, TrainingAccelerator } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceleratedForward } from '../index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('acceleratedForward', () => {
  it('declines inputs over the accelerator’s inferenceRowLimit, and asks it for the rest', async () => {
    const asked: DenseStackSpec[] = [];
    const accelerator: TrainingAccelerator = {
      name: 'spy',
      inferenceRowLimit: 4,
      async createTrainer(spec) {
        asked.push(spec);
        return null; // declines: the caller runs tfjs
      },
    };
    const kernel = tf.tidy(() => tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2])));
    const bias = tf.tidy(() => tf.variable(tf.tensor1d([0, 0])));
    const layers = [{ kernel, bias, activation: 'relu' as const }];
    expect(await acceleratedForward(accelerator, layers, new Float32Array(5 * 3), 5)).toBeNull();
    expect(asked).toHaveLength(0);
    expect(await acceleratedForward(accelerator, layers, new Float32Array(4 * 3), 4)).toBeNull();
    expect(asked).toHaveLength(1);
    expect(asked[0]!.maxBatch).toBe(4);
    tf.dispose([kernel, bias]);
  });
});
