// Run in a child process by checkpoint.test.ts: fits a StackedAutoencoder on 500 MNIST digits (CPU backend)
// with `checkpoint: { dir, every: 1 }`, slowed down by a logger that waits 150 ms after every epoch, so the
// test can kill it (SIGKILL) while the second layer is being pretrained.
// argv: <checkpoint dir> <params as JSON>
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { slowLogger } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { StackedAutoencoder } from '../index.js';

const [dir, json] = process.argv.slice(2) as [string, string];
await tf.setBackend('cpu');
const d = await loadMnist({ subset: 'train', limit: 500 });
const registry = new Registry().use(slowLogger(150, (e) => `${e.stage} ${e.layer ?? ''} epoch ${e.epoch}`));
await new StackedAutoencoder({ ...JSON.parse(json), checkpoint: { dir, every: 1 } }, { registry }).fit(d.X);
process.stdout.write('done\n');
