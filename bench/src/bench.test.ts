/**
 * Smoke test of the benchmark harness: runs the contenders on a few batches and checks the shape of what
 * comes back. No timing asserts (numbers live in `pnpm bench`).
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDigits, type Matrix } from './data.js';
import { type BenchResult, interleave, stepContenders } from './harness.js';
import { parseOptions } from './main.js';
import { loadInfo, markdown, targets } from './report.js';
import { label, STACK, STEP, type Task, type TaskResult } from './spec.js';
import { median, pairedRatio } from './stats.js';
import { activateStock, layersAeEpoch, layersEncoder, rawAeEpoch, rawEncoder } from './tfjsContenders.js';
import { isSkipped, startNodeWorker, type Worker } from './workers.js';

let digits: Matrix;
beforeAll(async () => {
  digits = await loadDigits('train', 300);
  await activateStock('wasm');
});

describe('statistics', () => {
  it('takes medians and paired ratios', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(pairedRatio([2, 4, 9], [1, 2, 3])).toBe(2);
  });
});

describe('tfjs contenders', () => {
  it('train one AE layer for a few batches without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const raw = await rawAeEpoch(digits, STEP.hidden, 1);
    const layers = await layersAeEpoch(digits, STEP.hidden, 1);
    expect(raw).toBeGreaterThan(0);
    expect(raw).toBeLessThan(1);
    expect(layers).toBeGreaterThan(0);
    expect(layers).toBeLessThan(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('encode rows with the raw and tfjs-layers encoders', async () => {
    for (const enc of [rawEncoder(784, STACK, 1), layersEncoder(784, STACK, 1)]) {
      const out = await enc.forward(digits);
      expect(out.length).toBe(digits.shape[0] * STACK[STACK.length - 1]!);
      enc.dispose();
    }
  });
});

describe('harness', () => {
  it('interleaves contenders, rotating the order, and reports one series each', async () => {
    const calls: string[] = [];
    const fake = (name: string, perSecond: number): Worker => ({
      spec: { impl: 'raw', backend: name, plugin: false },
      name,
      backend: name,
      threads: 1,
      async run(task: Task): Promise<TaskResult> {
        calls.push(name);
        return { seconds: 1000 / perSecond, samples: task.kind === 'step' ? task.samples : 0 };
      },
      async close() {},
    });
    const series = await interleave(
      [fake('a', 100), fake('b', 300)],
      2,
      () => ({ kind: 'step', file: '', samples: 1000, seed: 1 }),
      () => {},
    );
    expect(calls).toEqual(['a', 'b', 'a', 'b', 'b', 'a']); // warm-up, round 1, round 2 (rotated)
    expect(series.map((s) => [s.name, s.perSecond.length, s.medianPerSecond])).toEqual([
      ['a', 2, 100],
      ['b', 2, 300],
    ]);
  });

  it('lists the contenders the issue asks for', () => {
    const names = stepContenders(['wasm', 'cpu'], true).map(label);
    expect(names).toEqual(
      expect.arrayContaining([
        'layerwise/wasm',
        'tfjs-layers/wasm',
        'raw/wasm',
        'raw/wasm+plugin',
        'pytorch/cpu-1t',
      ]),
    );
    expect(stepContenders(['wasm'], true, 'overhead').map(label)).toEqual([
      'layerwise/wasm',
      'raw/wasm+plugin',
    ]);
    // threads 1 and 2: layerwise on the wasm plugin and PyTorch at both counts, in the same run
    const threaded = stepContenders(['wasm'], true, undefined, [1, 2]);
    expect(threaded.map(label)).toEqual(
      expect.arrayContaining(['layerwise/wasm', 'layerwise/wasm-2t', 'pytorch/cpu-1t', 'pytorch/cpu-2t']),
    );
    expect(threaded.find((s) => label(s) === 'layerwise/wasm-2t')).toMatchObject({
      plugin: true,
      threads: 2,
    });
    expect(
      threaded.filter((s) => s.impl !== 'layerwise' && s.impl !== 'pytorch').every((s) => !s.threads),
    ).toBe(true);
  });

  it('runs a task in a worker process', async () => {
    const w = await startNodeWorker({ impl: 'raw', backend: 'cpu', plugin: false });
    if (isSkipped(w)) throw new Error(w.reason);
    try {
      const { writeMatrix } = await import('./data.js');
      const { mkdtempSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const file = join(mkdtempSync(join(tmpdir(), 'lw-bench-test-')), 'x.f32');
      writeMatrix(file, digits);
      const r = await w.run({ kind: 'step', file, samples: 200, seed: 1 });
      expect(r.samples).toBe(200);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.peakRss).toBeGreaterThan(0);
    } finally {
      await w.close();
    }
  });
});

describe('report', () => {
  it('prints tables and target checks from a result', () => {
    const s = (
      name: string,
      impl: 'layerwise' | 'tfjs-layers' | 'raw' | 'pytorch',
      backend: string,
      v: number,
      threads = 1,
    ) => ({
      name,
      spec: { impl, backend, plugin: impl === 'layerwise' || name.endsWith('+plugin'), threads },
      backend,
      threads,
      perSecond: [v, v],
      medianPerSecond: v,
      spread: 0,
      results: [{ seconds: 1, samples: v, loss: 0.05, peakRss: 300e6, baseRss: 200e6 }],
    });
    const r: BenchResult = {
      options: parseOptions(['--quick']),
      skipped: [{ name: 'layerwise/node', reason: 'no binding' }],
      versions: {},
      step: [
        s('layerwise/wasm', 'layerwise', 'wasm', 3000),
        s('tfjs-layers/wasm', 'tfjs-layers', 'wasm', 800),
        s('layerwise/wasm-2t', 'layerwise', 'wasm', 5400, 2),
        s('raw/wasm+plugin', 'raw', 'wasm', 3100),
        s('pytorch/cpu-1t', 'pytorch', 'cpu', 12000),
        s('pytorch/cpu-2t', 'pytorch', 'cpu', 20000, 2),
      ],
      infer: [
        s('layerwise/wasm', 'layerwise', 'wasm', 50000),
        s('tfjs-layers/wasm', 'tfjs-layers', 'wasm', 40000),
      ],
      pretrain: [s('layerwise/wasm', 'layerwise', 'wasm', 60000)],
    };
    const t = targets(r);
    // 3000/12000 = 0.25 < 0.45; 5400/12000 = 0.45 < 0.7; 5400/3000 = 1.8 ≥ 1.6; 3000/800 = 3.75 < 4;
    // overhead 3100/3000 − 1 = +3.3 % ≤ 5 %; transform 50000/40000 = 1.25 ≥ 1; peak RSS 300 MB ≤ 2 × 188 MB
    expect(t.map((x) => x.met)).toEqual([false, false, true, false, true, true, true]);
    expect(t[1]!.target).toContain('layerwise/wasm-2t');
    const quiet = loadInfo([2.9, 2, 1], [3.5, 2, 1], 2);
    expect(quiet).toMatchObject({ perCoreStart: 1.45, noisy: false });
    const noisy = loadInfo([3.1, 2, 1], [3.5, 2, 1], 2);
    expect(noisy.noisy).toBe(true);
    expect(loadInfo([1.2, 1, 1], [1, 1, 1], 2, 0.5).noisy).toBe(true);
    const md = markdown(r, '2 cores', noisy);
    expect(md).toContain('| layerwise/wasm | 1 | 3000 | 3,000 |');
    expect(md).toContain('| layerwise/wasm-2t | 2 | 5400 | 5,400 |');
    expect(md).toContain('| pytorch/cpu-2t | 2 |');
    expect(md).toContain('**NOISY RUN**: load average 3.10 / 2.00 / 1.00');
    expect(markdown(r, '2 cores', quiet)).toContain('quiet run: load average 2.90');
    expect(md).toContain('### Targets');
    expect(md).toContain('- layerwise/node: no binding');
  });

  it('parses flags', () => {
    const o = parseOptions(['--', '--quick', '--only', 'step', '--no-python']);
    expect(o.parts).toEqual(['step']);
    expect(o.python).toBe(false);
    expect(o.threads).toEqual([...new Set([1, availableParallelism()])]);
    expect(o.noisyAbove).toBe(1.5);
    const t = parseOptions(['--threads', '2,1,2', '--noisy-above', '0.5']);
    expect(t.threads).toEqual([1, 2]);
    expect(t.noisyAbove).toBe(0.5);
    expect(() => parseOptions(['--threads', '0'])).toThrow(/positive integer/);
    expect(() => parseOptions(['--only', 'nope'])).toThrow(/unknown part/);
  });
});
