// One engine, shared safely (issue 15): the reproduction in a child process (the process must never die),
// then load in this process: 1 000 concurrent predicts, and fits and predicts mixed across cpu and wasm.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConcurrentFitError, engineGuard, MLPClassifier, MLPRegressor } from '../../index.js';
import { blobs } from './blobs.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, '..', '..', '..');

const { X, y } = blobs();
const mk = (backend: string, seed = 0, epochs = 10) =>
  new MLPClassifier({
    hiddenLayerSizes: [16],
    epochs,
    batchSize: 10,
    randomState: seed,
    learningRate: 0.01,
    backend,
    verbose: false,
  });

describe('reliability: one engine shared by concurrent work', () => {
  it("issue 15's reproduction: 5 concurrent fits on cpu+wasm all succeed on their own backend with the sequential results; a second fit is a ConcurrentFitError; the child exits cleanly", async () => {
    const { code, signal, stdout, stderr } = await new Promise<{
      code: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const args = ['--import', 'tsx', '--conditions=source', join(here, 'concurrencyChild.ts'), '2'];
      const child = execFile(process.execPath, args, { cwd: pkgDir, maxBuffer: 1 << 24 }, (_e, so, se) =>
        resolve({ code: child.exitCode, signal: child.signalCode, stdout: so, stderr: se }),
      );
    });
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out.results).toHaveLength(2);
    for (const r of out.results) {
      expect(r.failures).toEqual([]);
      expect(r.backends).toEqual(['cpu', 'wasm', 'cpu', 'wasm', 'cpu']);
      expect(r.equal).toBe(true); // bit-identical probabilities and codes
    }
    expect(out.accuracy).toBeGreaterThan(0.9);
    expect(out.second).toMatch(
      /^ConcurrentFitError: MLPClassifier\.fit\(\) was called while its fit\(\) is still running/,
    );
    expect(out.firstCompleted).toBe(true);
    expect(out.firstEqualsAlone).toBe(true);
    expect(out.unhandled).toBe(0);
  }, 240_000);

  it('1 000 concurrent predict calls on one model all give the right answer and leak no tensor', async () => {
    const clf = mk('cpu');
    await clf.fit(X, y);
    const probe = X.slice(0, 20);
    const expected = await clf.predict(probe);
    const before = tf.memory().numTensors;
    const all = await Promise.all(Array.from({ length: 1000 }, () => clf.predict(probe)));
    for (const p of all) expect(p).toEqual(expected);
    expect(tf.memory().numTensors).toBe(before);
    expect(engineGuard().state).toMatchObject({ running: 0, queued: [] });
    clf.dispose();
  });

  it('4 fits and 100 predicts mixed across cpu and wasm give exactly the results of running each alone', async () => {
    const cpuModel = mk('cpu', 7, 3);
    const wasmModel = mk('wasm', 7, 3);
    await cpuModel.fit(X, y);
    await wasmModel.fit(X, y);
    const probe = X.slice(0, 30);
    const probaOf = async (m: MLPClassifier) => (await m.predictProba(probe)) as number[][];
    // Alone, one after the other.
    const alonePredict = { cpu: await probaOf(cpuModel), wasm: await probaOf(wasmModel) };
    const plan: [string, number][] = [
      ['wasm', 2],
      ['cpu', 2],
      ['wasm', 3],
      ['cpu', 3],
    ];
    const aloneFits: number[][][] = [];
    for (const [b, s] of plan) {
      const m = mk(b, s, 3);
      await m.fit(X, y);
      aloneFits.push(await probaOf(m));
      m.dispose();
    }
    // All at once.
    const before = tf.memory().numTensors;
    const fitters = plan.map(([b, s]) => mk(b, s, 3));
    const work: Promise<unknown>[] = [];
    fitters.forEach((m, i) => {
      work.push(m.fit(X, y));
      for (let k = 0; k < 25; k++) work.push(probaOf(i % 2 === 0 ? wasmModel : cpuModel));
    });
    const results = await Promise.all(work);
    let k = 0;
    for (let i = 0; i < fitters.length; i++) {
      expect(results[k++]).toBe(fitters[i]);
      for (let j = 0; j < 25; j++)
        expect(results[k++]).toEqual(i % 2 === 0 ? alonePredict.wasm : alonePredict.cpu);
    }
    for (const [i, m] of fitters.entries()) {
      expect(m.history!.backend).toBe(plan[i]![0]);
      expect(await probaOf(m)).toEqual(aloneFits[i]);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    cpuModel.dispose();
    wasmModel.dispose();
  }, 120_000);

  it('predict during a refit sees the previous model; a second fit or a fit during it is rejected at once and leaves the running fit untouched', async () => {
    const reg = new MLPRegressor({
      hiddenLayerSizes: [8],
      epochs: 2,
      batchSize: 20,
      randomState: 3,
      backend: 'cpu',
    });
    const t = y.map((v, i) => v + X[i]![0]!);
    await reg.fit(X, t);
    const probe = X.slice(0, 10);
    const previous = await reg.predict(probe);
    reg.setParams({ epochs: 20, randomState: 4 });
    const refit = reg.fit(X, t);
    await expect(reg.fit(X, t)).rejects.toBeInstanceOf(ConcurrentFitError);
    const during = await reg.predict(probe);
    expect(during).toEqual(previous);
    await refit;
    const after = await reg.predict(probe);
    expect(after).not.toEqual(previous);
    expect(reg.history!.epochs).toHaveLength(20);
    reg.dispose();
  });
});
