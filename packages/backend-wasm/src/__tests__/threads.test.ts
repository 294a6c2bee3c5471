import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultWasmThreads, WASM_MAX_THREADS, wasmBackend } from '../index.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(pkgDir, '.test-tmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A fresh Node process (the wasm backend is process-wide): activates the plugin with `options`, trains a
 * small dense autoencoder layer for a few Adam steps from fixed weights (matMuls with every transpose via the
 * backward pass, fused matMul, elementwise kernels), and prints the thread count, the pthread workers and
 * the results. With `dispose`, it then calls `plugin.dispose()`, reports the workers left, and activates
 * the backend again. The process must end by itself: `execFileSync` fails on a timeout.
 */
function runChild(options: string, dispose = false) {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    file,
    `import * as tf from '@tensorflow/tfjs-core';
import { wasmBackend, wasmThreadsCount } from '@layerwise/backend-wasm';
const plugin = wasmBackend(${options});
await plugin.activate();
const pthread = tf.findBackend('wasm').wasm.PThread;
const workers = pthread ? pthread.runningWorkers.length + pthread.unusedWorkers.length : 0;
const x = tf.randomUniform([200, 784], 0, 1, 'float32', 7);
const w1 = tf.variable(tf.randomUniform([784, 300], -0.05, 0.05, 'float32', 1));
const b1 = tf.variable(tf.zeros([300]));
const w2 = tf.variable(tf.randomUniform([300, 784], -0.05, 0.05, 'float32', 2));
const b2 = tf.variable(tf.zeros([784]));
const opt = tf.train.adam(0.01);
const losses = [];
for (let i = 0; i < 5; i++) {
  const l = opt.minimize(() => {
    const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const y = tf.sigmoid(tf.add(tf.matMul(h, w2), b2));
    return tf.mean(tf.squaredDifference(y, x));
  }, true);
  losses.push(l.dataSync()[0]);
  l.dispose();
}
const fused = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
const out = {
  backend: tf.getBackend(),
  threads: wasmThreadsCount(),
  pluginThreads: plugin.threads,
  workers,
  losses,
  w1: Array.from(w1.dataSync().subarray(0, 2000)),
  w2: Array.from(w2.dataSync().subarray(0, 2000)),
  fused: Array.from(fused.dataSync().subarray(0, 2000)),
};
if (${dispose}) {
  plugin.dispose();
  out.afterDispose = {
    workers: pthread ? pthread.runningWorkers.length + pthread.unusedWorkers.length : 0,
    backendGone: !('wasm' in tf.engine().registry),
  };
  await plugin.activate();
  out.afterDispose.reactivated = tf.getBackend();
  out.afterDispose.threads = wasmThreadsCount();
  out.afterDispose.sum = tf.sum(tf.matMul(tf.ones([3, 4]), tf.ones([4, 5]))).dataSync()[0];
}
console.log(JSON.stringify(out));
`,
  );
  const stdout = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
    cwd: pkgDir,
    encoding: 'utf8',
    timeout: 90_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    backend: string;
    threads: number;
    pluginThreads: number;
    workers: number;
    losses: number[];
    w1: number[];
    w2: number[];
    fused: number[];
    afterDispose?: {
      workers: number;
      backendGone: boolean;
      reactivated: string;
      threads: number;
      sum: number;
    };
  };
}

function maxRelDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}

const cores = availableParallelism();

describe('threads', () => {
  it('defaults to every core, at most 8', () => {
    expect(defaultWasmThreads()).toBe(Math.min(cores, WASM_MAX_THREADS));
    expect(wasmBackend().threads).toBe(Math.min(cores, WASM_MAX_THREADS));
    expect(wasmBackend({ threads: 64 }).threads).toBe(WASM_MAX_THREADS);
    expect(wasmBackend({ threads: 1 }).threads).toBe(1);
  });

  it('threads: 1 keeps the single-threaded binary (no workers); the default runs the threaded binary with every core and gives the same results; the process exits by itself', () => {
    const one = runChild('{ threads: 1 }');
    expect(one.backend).toBe('wasm');
    expect(one.threads).toBe(1);
    expect(one.workers).toBe(0);
    const all = runChild('{}');
    expect(all.backend).toBe('wasm');
    expect(all.pluginThreads).toBe(Math.min(cores, WASM_MAX_THREADS));
    // the threaded binary is active: Emscripten's pool of 8 pthread workers exists, XNNPACK uses them
    expect(all.workers).toBe(cores > 1 ? WASM_MAX_THREADS : 0);
    expect(all.threads).toBe(Math.min(cores, WASM_MAX_THREADS));
    if (cores > 1) expect(all.threads).toBeGreaterThan(1);
    // trained the same: losses fall and match; weights and a fused matMul agree within float tolerance
    expect(one.losses[4]!).toBeLessThan(one.losses[0]!);
    expect(maxRelDiff(all.losses, one.losses)).toBeLessThan(1e-5);
    expect(maxRelDiff(all.w1, one.w1)).toBeLessThan(1e-5);
    expect(maxRelDiff(all.w2, one.w2)).toBeLessThan(1e-5);
    expect(maxRelDiff(all.fused, one.fused)).toBeLessThan(1e-5);
  });

  it('dispose() ends the pthread workers and frees the backend; activate() afterwards starts it afresh', () => {
    const r = runChild('{ threads: 2 }', true);
    expect(r.workers).toBe(WASM_MAX_THREADS);
    expect(r.threads).toBe(2);
    expect(r.afterDispose).toEqual({
      workers: 0,
      backendGone: true,
      reactivated: 'wasm',
      threads: 2,
      sum: 60,
    });
  });

  it('leaves no temporary worker script behind', () => {
    const left = readdirSync(tmpdir()).filter((f) => f.startsWith('layerwise-wasm-'));
    runChild('{ threads: 2 }');
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('layerwise-wasm-'))).toEqual(left);
  });
});
