import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError, Registry, readInto, setHostReader } from '@layerwise/core';
import { checkBackend } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  installWasmFastPath,
  isWasmFastPathInstalled,
  uninstallWasmFastPath,
  wasmBackend,
} from '../index.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('wasmBackend()', () => {
  it('is a backend plugin named wasm with priority 2, available where WebAssembly is', async () => {
    const plugin = wasmBackend();
    expect(plugin).toMatchObject({ kind: 'backend', name: 'wasm', priority: 2 });
    expect(await plugin.isAvailable()).toBe(true);
  });

  it('rejects a bad threads option with a clear message', () => {
    expect(() => wasmBackend({ threads: 0 })).toThrow(BackendUnavailableError);
    expect(() => wasmBackend({ threads: 1.5 })).toThrow(/positive integer/);
  });

  it('installs the training fast path by default and removes it with fastTraining: false', async () => {
    await wasmBackend({ fastTraining: false }).activate();
    expect(tf.getBackend()).toBe('wasm');
    expect(isWasmFastPathInstalled()).toBe(false);
    await wasmBackend().activate();
    expect(isWasmFastPathInstalled()).toBe(true);
  });

  it('offers core a host reader: readInto copies straight from the heap once the registry activates wasm', async () => {
    const plugin = wasmBackend();
    const registry = new Registry().use(plugin);
    await registry.activateBackend('wasm');
    const t = tf.tidy(() => tf.add(tf.reshape(tf.range(0, 6, 1, 'float32'), [2, 3]), 0.5));
    const direct = new Float32Array(8).fill(-1);
    expect(plugin.readInto?.(t, direct, 2)).toBe(true);
    expect(Array.from(direct)).toEqual([-1, -1, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    // readInto asks the active backend's reader: a spy in its place shows the call, and without one
    // (forgotten) core falls back to dataSync with the same values.
    const calls: number[] = [];
    setHostReader('wasm', (x, out, offset) => {
      calls.push(offset);
      return plugin.readInto!(x, out, offset);
    });
    const out = new Float32Array(8).fill(-1);
    readInto(t, out, 2);
    expect(calls).toEqual([2]);
    setHostReader('wasm', undefined);
    const fallback = new Float32Array(8).fill(-1);
    readInto(t, fallback, 2);
    expect(Array.from(fallback)).toEqual(Array.from(out));
    expect(Array.from(out)).toEqual([-1, -1, ...Array.from(t.dataSync())]);
    // An int32 tensor is declined (the reader is for float32 only).
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(plugin.readInto?.(ints, new Float32Array(2), 0)).toBe(false);
    tf.dispose([t, ints]);
    await registry.dispose();
  });

  it('the fast path gives the same matMul and gradients as the original kernels (large, every transpose)', async () => {
    await wasmBackend().activate();
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomUniform([100, 784], -1, 1, 'float32', 1);
        const w = tf.randomUniform([784, 200], -0.1, 0.1, 'float32', 2);
        const b = tf.randomUniform([200], -0.1, 0.1, 'float32', 3);
        const out: Float32Array[] = [];
        for (const [ta, tb] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          const a = ta ? tf.transpose(x) : x;
          const bb = tb ? tf.transpose(w) : w;
          out.push(tf.matMul(a, bb, ta, tb).dataSync() as Float32Array);
          // (tfjs-backend-wasm's own fused matMul with a transpose is wrong: see the next test.)
          if (!ta && !tb) {
            out.push(
              tf.fused
                .matMul({ a, b: bb, transposeA: ta, transposeB: tb, bias: b, activation: 'relu' })
                .dataSync() as Float32Array,
            );
          }
        }
        const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
          tf.sum(tf.relu(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D))),
        );
        for (const t of g([x, w])) out.push(t.dataSync() as Float32Array);
        return out;
      });
    const fast = run();
    uninstallWasmFastPath();
    const slow = run();
    await wasmBackend().activate();
    expect(fast.length).toBe(slow.length);
    fast.forEach((f, i) => {
      let maxErr = 0;
      for (let j = 0; j < f.length; j++)
        maxErr = Math.max(maxErr, Math.abs(f[j]! - slow[i]![j]!) / (1 + Math.abs(slow[i]![j]!)));
      expect(maxErr, `output ${i}`).toBeLessThan(1e-4);
    });
  });
});

describe('tfjs-backend-wasm 4.22 fused matMul with a transpose', () => {
  const fusedTA = () =>
    tf.tidy(() => {
      const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]); // used transposed: [2, 3]
      const b = tf.tensor2d([1, -1, 0.5, 2, 0, 1], [3, 2]);
      const bias = tf.tensor1d([10, -100]);
      return Array.from(tf.fused.matMul({ a, b, transposeA: true, bias, activation: 'relu' }).dataSync());
    });
  // aᵀ = [[1,3,5],[2,4,6]]; aᵀ·b = [[2.5, 10], [4, 12]]; + bias [10, -100]; relu.
  const correct = [12.5, 0, 14, 0];

  it('is wrong in the original kernel and right with the fix (fastTraining: false) and the fast path', async () => {
    await wasmBackend().activate();
    uninstallWasmFastPath();
    expect(fusedTA()).not.toEqual(correct);
    await wasmBackend({ fastTraining: false }).activate();
    expect(isWasmFastPathInstalled()).toBe(false);
    expect(fusedTA()).toEqual(correct);
    installWasmFastPath();
    expect(fusedTA()).toEqual(correct);
  });
});

describe('finds its .wasm files in a fresh Node process', () => {
  const dir = mkdtempSync(join(pkgDir, '.test-tmp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (imp: (m: string) => string) => `
const tf = ${imp('@tensorflow/tfjs-core')};
const { wasmBackend } = ${imp('@layerwise/backend-wasm')};
(async () => {
  // "sideEffects": false — importing the plugin registers nothing until activate().
  const before = tf.findBackendFactory('wasm') !== null;
  await wasmBackend().activate();
  const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]), true, false);
  console.log(JSON.stringify({ before, backend: tf.getBackend(), y: Array.from(y.dataSync()) }));
})();
`;
  const run = (file: string, source: string) => {
    writeFileSync(join(dir, file), source);
    // `--import tsx` + the "source" condition: the packages' TypeScript sources, no build needed.
    const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(dir, file)], {
      cwd: pkgDir,
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').pop()!);
  };
  const expected = { before: false, backend: 'wasm', y: [26, 30, 38, 44] };

  it('Node ESM (import)', () => {
    expect(
      run(
        'esm.mjs',
        script((m) => `await import('${m}')`),
      ),
    ).toEqual(expected);
  });

  it('Node CJS (require)', () => {
    expect(
      run(
        'cjs.cjs',
        script((m) => `require('${m}')`),
      ),
    ).toEqual(expected);
  });
});

describe("tfjs's pthread workers", () => {
  it.each([
    ['', []],
    [
      ', also when the process has flags Node refuses in a worker (--max-old-space-size)',
      ['--max-old-space-size=2048'],
    ],
  ])(
    'do not take the process loaders: under `--import <loader>` the loader runs once, not once per worker%s',
    (_, v8Flags) => {
      const dir = mkdtempSync(join(pkgDir, '.test-tmp-'));
      try {
        const log = join(dir, 'loads.txt');
        // A loader that records each thread it runs in (tsx is such a loader: ~0.2 s of CPU per worker).
        const loader = join(dir, 'count.mjs');
        writeFileSync(
          loader,
          `import { appendFileSync } from 'node:fs'; import { threadId } from 'node:worker_threads';
appendFileSync(${JSON.stringify(log)}, threadId + '\\n');`,
        );
        const file = join(dir, 'threads.mjs');
        writeFileSync(
          file,
          `const { wasmBackend, wasmThreadsCount } = await import('@layerwise/backend-wasm');
const plugin = wasmBackend({ threads: 2 });
await plugin.activate();
const tf = await import('@tensorflow/tfjs-core');
const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0];
console.log(JSON.stringify({ threads: wasmThreadsCount(), y }));
process.exit(0);`,
        );
        const out = execFileSync(
          process.execPath,
          [...v8Flags, '--conditions=source', '--import', 'tsx', '--import', loader, file],
          { cwd: pkgDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        );
        const r = JSON.parse(out.trim().split('\n').pop()!);
        // the threaded binary ran (its pool of 8 pthread workers started), and correctly
        expect(r).toEqual({ threads: 2, y: 64 });
        const threads = readFileSync(log, 'utf8').trim().split('\n');
        expect(threads).toEqual(['0']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('wasmPaths', () => {
  it('a wrong wasmPaths prefix makes activate() throw BackendUnavailableError naming wasmPaths (fresh process)', () => {
    const dir = mkdtempSync(join(pkgDir, '.test-tmp-'));
    try {
      const file = join(dir, 'bad.mjs');
      writeFileSync(
        file,
        `const { wasmBackend } = await import('@layerwise/backend-wasm');
try { await wasmBackend({ wasmPaths: '/nonexistent/dir/' }).activate(); console.log(JSON.stringify({ ok: true })); }
catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }`,
      );
      const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
        cwd: pkgDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const r = JSON.parse(out.trim().split('\n').pop()!);
      expect(r.name).toBe('BackendUnavailableError');
      expect(r.message).toMatch(/wasmPaths/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

checkBackend(() => wasmBackend());
checkBackend(() => wasmBackend({ fastTraining: false }));

describe('forward passes and threads', () => {
  it('forward passes of any size stay on the kernels (their thread pool splits the big ones)', () => {
    expect(wasmBackend({ threads: 2 }).accelerator?.inferenceRowLimit).toBeUndefined();
    expect(wasmBackend({ threads: 1 }).accelerator?.inferenceRowLimit).toBeUndefined();
    expect(wasmBackend({ threads: 2, fusedTraining: false }).accelerator).toBeUndefined();
  });
});
