// Run in a child process by checkpointKill.test.ts: fits an MLPClassifier on 500 MNIST digits (CPU backend)
// with `checkpoint: { dir, every: 1 }`, slowed down by a logger that waits 200 ms after every epoch, so the
// test can kill it (SIGKILL: no exit handlers, no cleanup) in the middle of the fit.
// argv: <checkpoint dir> <params as JSON>
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { slowLogger } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MLPClassifier } from '../index.js';

const [dir, json] = process.argv.slice(2) as [string, string];
await tf.setBackend('cpu');
const d = await loadMnist({ subset: 'train', limit: 500 });
const registry = new Registry().use(slowLogger(200, (e) => `epoch ${e.epoch}`));
await new MLPClassifier({ ...JSON.parse(json), checkpoint: { dir, every: 1 } }, { registry }).fit(d.X, d.y);
process.stdout.write('done\n');
