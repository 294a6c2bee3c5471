// Run in a child process by streamMemory.test.ts: trains one estimator ('mlp' or 'ae', argv[3]) on
// streamCsv of the CSV at argv[2] (CPU backend) and prints its RSS before the fit, its peak RSS (VmHWM)
// after it, and the running training loss early in the first stage and at the end of the last one.
import { readFileSync } from 'node:fs';
import { Registry } from '@layerwise/core';
import { streamCsv } from '@layerwise/datasets';
import { MLPClassifier } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { StackedAutoencoder } from '../index.js';

const [path, which] = process.argv.slice(2) as [string, 'mlp' | 'ae'];
const kb = (key: string) =>
  Number(readFileSync('/proc/self/status', 'utf8').match(new RegExp(`${key}:\\s+(\\d+)`))![1]);
await tf.setBackend('cpu');
const registry = new Registry();
// Per stage: the running mean loss after batch 5 and after the stage's last batch.
const stages: { early: number; end: number }[] = [];
const callbacks = [
  {
    onStageBegin() {
      stages.push({ early: Number.NaN, end: Number.NaN });
    },
    onBatchEnd(c: { batch?: number; logs: { loss?: number } }) {
      const s = stages.at(-1)!;
      if (c.batch === 5) s.early = c.logs.loss!;
      s.end = c.logs.loss!;
    },
  },
];
const source = () => streamCsv(path, { batchSize: 250, labelColumn: 'label' });
const common = { batchSize: 250, learningRate: 0.005, randomState: 0, shuffleBuffer: 2000, callbacks };
// Warm up the backend and the code paths on a tiny in-memory fit, so that the measured growth is the
// streamed fit's, not tfjs' first-use allocations.
await (
  await new MLPClassifier({ hiddenLayerSizes: [4], epochs: 1 }, { registry }).fit(
    [
      [0, 1],
      [1, 0],
    ],
    [0, 1],
  )
).dispose();
global.gc?.();
const before = kb('VmRSS');
const heapBefore = process.memoryUsage();
if (which === 'mlp') {
  const clf = await new MLPClassifier({ ...common, hiddenLayerSizes: [32], epochs: 1 }, { registry }).fit(
    source,
  );
  clf.dispose();
} else {
  const ae = await new StackedAutoencoder(
    { ...common, hiddenLayerSizes: [32, 16], epochs: 1, fineTuneEpochs: 0, outputActivation: 'sigmoid' },
    { registry },
  ).fit(source);
  ae.dispose();
}
const peak = kb('VmHWM');
const mb = (m: NodeJS.MemoryUsage) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / 1e5) / 10]));
process.stdout.write(
  JSON.stringify({
    before,
    peak,
    stages,
    tensors: tf.memory().numTensors,
    memory: { before: mb(heapBefore), after: mb(process.memoryUsage()) },
  }),
);
