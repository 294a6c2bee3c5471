// In Chromium (a cross-origin-isolated page): the fused trainer on 1 and on 2 threads (the kernel thread pool on
// a Web Worker), on the digits the Node test passes in. Returns what the Node test compares.
import type { DenseStackSpec } from '@layerwise/core';
import { FusedDenseTrainer } from '../FusedDenseTrainer.js';
import { kernelPoolSupported } from '../kernelPool.js';
import { defaultWasmThreads } from '../threads.js';
import { disposeKernelPools, kernelPoolWorkerParts, kernelPoolWorkers } from '../wasmKernels.js';

export interface PoolOutcome {
  supported: boolean;
  defaultThreads: number;
  runs: { threads: number; losses: number[]; weights: number[] }[];
  workers: number;
  workerParts: number;
}

const spec: DenseStackSpec = {
  params: [
    { shape: [784, 256], penalised: true },
    { shape: [256], penalised: false },
    { shape: [256, 10], penalised: true },
    { shape: [10], penalised: false },
  ],
  layers: [
    { inputSize: 784, units: 256, activation: 'relu', kernel: 0, bias: 1, dropout: 0.2 },
    { inputSize: 256, units: 10, activation: 'linear', kernel: 2, bias: 3 },
  ],
  loss: 'softmaxCrossEntropy',
  target: 'labels',
  leakyReluAlpha: 0.2,
  optimizer: 'adam',
  learningRate: 2e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  momentum: 0.9,
  nesterov: false,
  alpha: 1e-4,
  clipNorm: null,
  clipValue: null,
  maxBatch: 100,
};

export async function run(input: { pixels: number[]; labels: number[]; rows: number }): Promise<PoolOutcome> {
  const x = Float32Array.from(input.pixels);
  const labels = Int32Array.from(input.labels);
  const rows = input.rows;
  const runs: PoolOutcome['runs'] = [];
  let workers = 0;
  let workerParts = 0;
  for (const threads of [1, 2]) {
    const t = await FusedDenseTrainer.create(spec, 'auto', threads);
    let s = 5;
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    t.writeWeights(
      spec.params.map((p) =>
        Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => rnd() * 0.1),
      ),
    );
    t.setData({ x, rows, labels });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 4; epoch++) {
      let sum = 0;
      let n = 0;
      for (let start = 0; start + 100 <= rows; start += 100) {
        sum += t.step(
          Int32Array.from({ length: 100 }, (_, i) => start + i),
          epoch * 100 + n,
        );
        n++;
      }
      losses.push(sum / n);
      // Let the worker start (it boots asynchronously; until then the page's thread runs every part).
      await new Promise((r) => setTimeout(r, 50));
    }
    runs.push({ threads: t.threads, losses, weights: Array.from(t.readWeights()[2]!) });
    workers = Math.max(workers, kernelPoolWorkers());
    workerParts = Math.max(workerParts, kernelPoolWorkerParts());
    t.dispose();
  }
  disposeKernelPools();
  return {
    supported: kernelPoolSupported(),
    defaultThreads: defaultWasmThreads(),
    runs,
    workers,
    workerParts,
  };
}
