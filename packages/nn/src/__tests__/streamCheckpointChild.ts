// Run in a child process by streamCheckpoint.test.ts: a streamed fit (fit(source)) of an MLPClassifier on
// 500 MNIST digits given in batches of 37 (CPU backend) with `checkpoint: { dir, every: 1 }`, slowed down
// by a logger that waits 200 ms after every epoch so the test can SIGKILL it in the middle of the fit.
// argv: <checkpoint dir> <params as JSON>
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { slowLogger } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { type DataBatch, MLPClassifier } from '../index.js';

const [dir, json] = process.argv.slice(2) as [string, string];
await tf.setBackend('cpu');
const d = await loadMnist({ subset: 'train', limit: 500 });
function* batches(): Generator<DataBatch> {
  for (let s = 0; s < 500; s += 37) {
    const e = Math.min(500, s + 37);
    yield { x: { data: d.X.data.subarray(s * 784, e * 784), shape: [e - s, 784] }, y: d.y.subarray(s, e) };
  }
}
const registry = new Registry().use(slowLogger(200, (e) => `epoch ${e.epoch}`));
await new MLPClassifier({ ...JSON.parse(json), checkpoint: { dir, every: 1 } }, { registry }).fit(batches);
process.stdout.write('done\n');
