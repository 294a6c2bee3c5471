// Per-kernel profile of one AE training step on wasm (with / without the fast path).
import '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmFastPath, uninstallWasmFastPath } from '../src/fastPath.js';

await tf.setBackend('wasm');
const fast = process.argv[2] === 'fast';
if (fast) installWasmFastPath();
else uninstallWasmFastPath();
const x = tf.randomUniform([100, 784]);
const w1 = tf.variable(tf.randomNormal([784, 200], 0, 0.05));
const b1 = tf.variable(tf.zeros([200]));
const w2 = tf.variable(tf.randomNormal([200, 784], 0, 0.05));
const b2 = tf.variable(tf.zeros([784]));
const opt = tf.train.adam(1e-3);
const step = () =>
  opt.minimize(() => {
    const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const y = tf.add(tf.matMul(h, w2), b2);
    return tf.mean(tf.square(tf.sub(y, x))) as tf.Scalar;
  }, false);
for (let i = 0; i < 5; i++) step();
const prof = await tf.profile(() => {
  for (let i = 0; i < 10; i++) step();
});
const agg = new Map<string, number>();
for (const k of prof.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
const total = [...agg.values()].reduce((a, b) => a + b, 0);
console.log(fast ? 'FAST' : 'ORIGINAL', 'total kernel ms per step', (total / 10).toFixed(2));
for (const [k, v] of [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 18))
  console.log(k.padEnd(20), (v / 10).toFixed(3));
const t0 = performance.now();
for (let i = 0; i < 20; i++) step();
await tf.ready();
await w1.data();
console.log('samples/s', (2000 / ((performance.now() - t0) / 1000)).toFixed(0));
const prof2 = await tf.profile(() => {
  step();
});
const rows = new Map<string, [number, number]>();
for (const k of prof2.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  const r = rows.get(key) ?? [0, 0];
  r[0] += k.kernelTimeMs as number;
  r[1]++;
  rows.set(key, r);
}
for (const [k, [ms, n]] of [...rows.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 30))
  console.log(k.padEnd(50), n, ms.toFixed(3));
