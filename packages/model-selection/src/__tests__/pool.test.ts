// The nJobs worker pool: this thread runs fits beside the workers, workers stay warm between searches (never
// keeping the process alive), disposeWorkerPool / configureWorkerPool end them; results stay those of nJobs 1.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '@layerwise/backend-cpu';
import {
  acceleratorThreadLimit,
  ExecutorAbortedError,
  ModelFormatError,
  Registry,
  TaskPayloadError,
  ValidationError,
} from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { MLPClassifier } from '@layerwise/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configureWorkerPool,
  crossValidate,
  disposeWorkerPool,
  GridSearchCV,
  lastSearchTimeline,
  packModel,
  unpackModel,
} from '../index.js';
import { LongestFirst, poolStats, setDropColdWorkers } from '../pool.js';

const registry = new Registry().use(cpuBackend());
let X: { data: Float32Array; shape: [number, number] };
let y: Int32Array;
const mlp = () =>
  new MLPClassifier(
    { hiddenLayerSizes: [16], epochs: 3, batchSize: 50, learningRate: 1e-2, randomState: 0 },
    { registry },
  );
const grid = { hiddenLayerSizes: [[8], [16]], learningRate: [3e-3, 1e-2] };
const scores = (s: GridSearchCV) => [0, 1, 2].map((k) => s.cvResults[`split${k}TestScore`]);
const scores2 = (s: GridSearchCV) => [0, 1].map((k) => s.cvResults[`split${k}TestScore`]);

/** Waits until the pool has `n` idle workers with their backend up. */
async function idleReady(n: number): Promise<void> {
  const until = Date.now() + 60_000;
  while (poolStats().idleReady < n) {
    if (Date.now() > until) throw new Error(`no ready idle worker: ${JSON.stringify(poolStats())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  // These tests check what workers do: a small search must not end its starting worker unused (one test
  // below turns that on to check it).
  setDropColdWorkers(false);
  await registry.activateBackend('cpu');
  const d = await loadMnist({ limit: 240 });
  X = d.X;
  y = d.y;
});

afterAll(async () => {
  setDropColdWorkers(true);
  configureWorkerPool({ idleTimeout: 300 });
  await disposeWorkerPool();
});

describe('the nJobs worker pool', () => {
  it('keeps its worker warm: the next search reuses it (no new start), both threads fit, same cvResults as nJobs 1', async () => {
    await disposeWorkerPool();
    const one = await new GridSearchCV(mlp(), grid, { cv: 3, refit: false }).fit(X, y);
    const before = poolStats();
    const first = await new GridSearchCV(mlp(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    const afterFirst = poolStats();
    expect(afterFirst.started - before.started).toBe(1); // nJobs 2 = this thread + one worker
    expect(afterFirst.tasksInCaller - before.tasksInCaller).toBeGreaterThan(0); // this thread started at once
    expect(afterFirst.idle).toBe(1);
    await idleReady(1);
    const second = await new GridSearchCV(mlp(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    const afterSecond = poolStats();
    expect(afterSecond.started).toBe(afterFirst.started); // warm: nothing started
    expect(afterSecond.reused - afterFirst.reused).toBe(1);
    // A ready worker gets the first tasks before this thread takes one.
    expect(afterSecond.tasksInWorkers - afterFirst.tasksInWorkers).toBeGreaterThanOrEqual(2);
    expect(
      afterSecond.tasksInWorkers -
        afterFirst.tasksInWorkers +
        afterSecond.tasksInCaller -
        afterFirst.tasksInCaller,
    ).toBe(12);
    expect(scores(first)).toEqual(scores(one));
    expect(scores(second)).toEqual(scores(one));
    expect(second.cvResults.meanTestScore).toEqual(one.cvResults.meanTestScore);
  });

  it('returnEstimator mixes models fitted here and in the worker; they predict as nJobs 1 and leave no temp files', async () => {
    await idleReady(1);
    const temp = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`layerwise-cv-${process.pid}-`));
    const before = poolStats();
    const w = await crossValidate(mlp(), X, y, { cv: 4, returnEstimator: true, nJobs: 2 });
    const after = poolStats();
    expect(after.tasksInWorkers - before.tasksInWorkers).toBeGreaterThan(0);
    const s = await crossValidate(mlp(), X, y, { cv: 4, returnEstimator: true });
    expect(w.testScore).toEqual(s.testScore);
    for (let k = 0; k < 4; k++) {
      expect(await w.estimator![k]!.predict(X)).toEqual(await s.estimator![k]!.predict(X));
    }
    expect(temp()).toEqual([]);
  });

  it('disposeWorkerPool ends the idle workers; idleTimeout ends them after that many seconds; 0 = after each search', async () => {
    await new GridSearchCV(mlp(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    expect(poolStats().idle).toBe(1);
    await disposeWorkerPool();
    expect(poolStats().idle).toBe(0);

    configureWorkerPool({ idleTimeout: 0.3 });
    await new GridSearchCV(mlp(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    expect(poolStats().idle).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(poolStats().idle).toBe(0);

    configureWorkerPool({ idleTimeout: 0 });
    await new GridSearchCV(mlp(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    expect(poolStats().idle).toBe(0);
    configureWorkerPool({ idleTimeout: 300 });

    expect(() => configureWorkerPool({ idleTimeout: -1 })).toThrow(ValidationError);
    expect(() => configureWorkerPool({ idleTimeout: Number.NaN })).toThrow(
      /idleTimeout must be a number of seconds/,
    );
  });

  it('an AbortSignal stops a search on the pool: ExecutorAbortedError; the next search runs normally', async () => {
    const ac = new AbortController();
    const big = { hiddenLayerSizes: [[8], [16], [24], [32]], learningRate: [3e-3, 1e-2] };
    const running = new GridSearchCV(mlp(), big, { cv: 3, refit: false, nJobs: 2, signal: ac.signal }).fit(
      X,
      y,
    );
    const before = poolStats();
    setTimeout(() => ac.abort(), 200);
    await expect(running).rejects.toThrow(ExecutorAbortedError);
    const after = poolStats();
    // Stopped early: far fewer than the 24 fits ran.
    expect(
      after.tasksInWorkers + after.tasksInCaller - before.tasksInWorkers - before.tasksInCaller,
    ).toBeLessThan(24);
    const one = await new GridSearchCV(mlp(), grid, { cv: 3, refit: false }).fit(X, y);
    const two = await new GridSearchCV(mlp(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    expect(scores(two)).toEqual(scores(one));
  });

  it('hands tasks out longest first: one per candidate first (split-major), then the costliest measured; unmeasured before measured', () => {
    const tasks = [0, 1, 2, 3].flatMap((candidate) => [0, 1, 2].map((split) => ({ candidate, split })));
    const order = new LongestFirst(tasks);
    expect(order.left).toBe(12);
    // Nothing measured: split 0 of every candidate, in order (task i = candidate * 3 + split).
    const first = [order.next(), order.next()];
    expect(first).toEqual([0, 3]);
    order.ended(0, 100); // candidate 0: 100 ms
    order.ended(3, 300); // candidate 1: 300 ms
    // Candidates 2 and 3 are not measured yet: they go before the measured ones.
    expect(order.next()).toBe(6);
    expect(order.next()).toBe(9);
    order.ended(6, 50);
    order.ended(9, 200);
    // Then by cost: candidate 1 (300), 3 (200), 0 (100), 2 (50), splits in order within each.
    const rest: number[] = [];
    for (let i = order.next(); i !== undefined; i = order.next()) rest.push(i);
    expect(rest).toEqual([4, 5, 10, 11, 1, 2, 7, 8]);
    expect(order.left).toBe(0);
    // A candidate's cost is the mean of its tasks.
    const again = new LongestFirst(tasks.slice(0, 6));
    expect([again.next(), again.next()]).toEqual([0, 3]);
    again.ended(0, 500);
    again.ended(3, 100);
    again.ended(0, 100); // candidate 0: mean 300 > 100
    expect(again.next()).toBe(1);
  });

  it('a starting worker holds tasks the caller takes back when it runs out: each task runs once, the worker is kept, results as nJobs 1', async () => {
    await disposeWorkerPool();
    const tiny = {
      X: { data: X.data.slice(0, 40 * 784), shape: [40, 784] as [number, number] },
      y: y.slice(0, 40),
    };
    const est = () =>
      new MLPClassifier({ hiddenLayerSizes: [4], epochs: 1, batchSize: 20, randomState: 0 }, { registry });
    const one = await new GridSearchCV(est(), { learningRate: [0.01] }, { cv: 2, refit: false }).fit(
      tiny.X,
      tiny.y,
    );
    const before = poolStats();
    // Two tiny fits: this thread ends its own long before the worker (started now) is up, and then takes back
    // the task the worker was sent at its start (kept: ending a starting worker unused is off in this file).
    const two = await new GridSearchCV(
      est(),
      { learningRate: [0.01] },
      { cv: 2, refit: false, nJobs: 2 },
    ).fit(tiny.X, tiny.y);
    const after = poolStats();
    expect(after.started - before.started).toBe(1);
    expect(after.tasksInCaller - before.tasksInCaller).toBe(2);
    expect(after.tasksInWorkers - before.tasksInWorkers).toBe(0);
    const t = lastSearchTimeline()!;
    expect(t.threads).toBe(2);
    expect(t.workers).toEqual([{ cold: true, ready: t.workers[0]!.ready }]);
    expect(t.tasks.map((k) => k.index).sort()).toEqual([0, 1]);
    expect(t.tasks.every((k) => k.thread === 'caller' && k.end >= k.start && k.start >= 0)).toBe(true);
    expect(scores2(two)).toEqual(scores2(one));
    // The worker skipped what it held (both tasks: it was sent them at its start, this thread took them back)
    // and stays warm: the next search runs on it.
    expect(poolStats().idle).toBe(1);
    await idleReady(1);
    const until = Date.now() + 30_000;
    while (poolStats().skipped - before.skipped < 2 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(poolStats().skipped - before.skipped).toBe(2);
    expect(poolStats().tasksInWorkers).toBe(after.tasksInWorkers);
    const big = await new GridSearchCV(mlp(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    const last = lastSearchTimeline()!;
    expect(last.workers).toEqual([{ cold: false, ready: 0 }]);
    // Every task ran once, on one of the two threads.
    expect(last.tasks.map((k) => k.index).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(new Set(last.tasks.map((k) => k.thread))).toEqual(new Set(['caller', 'worker 1']));
    if (process.platform === 'linux') {
      // Each thread's CPU time during a task: some, never more than the task's wall time (1 ms of rounding).
      for (const k of last.tasks) {
        expect(k.cpu).toBeGreaterThan(0);
        expect(k.cpu!).toBeLessThanOrEqual(k.end - k.start + 1);
        expect(k.waited).toBeGreaterThanOrEqual(0);
      }
    }
    const ref = await new GridSearchCV(mlp(), grid, { cv: 3, refit: false }).fit(X, y);
    expect(scores(big)).toEqual(scores(ref));
  });

  it('a small search ends its starting worker unused and finishes alone on every core: same results, no worker left', async () => {
    await disposeWorkerPool();
    const small = {
      X: { data: X.data.slice(0, 60 * 784), shape: [60, 784] as [number, number] },
      y: y.slice(0, 60),
    };
    const est = () =>
      new MLPClassifier({ hiddenLayerSizes: [4], epochs: 1, batchSize: 20, randomState: 0 }, { registry });
    const g = { learningRate: [0.01, 0.03] };
    const one = await new GridSearchCV(est(), g, { cv: 3, refit: false }).fit(small.X, small.y);
    const before = poolStats();
    setDropColdWorkers(true);
    let two: GridSearchCV;
    try {
      two = await new GridSearchCV(est(), g, { cv: 3, refit: false, nJobs: 2 }).fit(small.X, small.y);
    } finally {
      setDropColdWorkers(false);
    }
    const after = poolStats();
    // Six fits of a few ms: far less than a worker's start-up, so it was ended after this thread's first fit.
    expect(after.started - before.started).toBe(1);
    expect(after.dropped - before.dropped).toBe(1);
    expect(after.tasksInCaller - before.tasksInCaller).toBe(6);
    expect(after.tasksInWorkers - before.tasksInWorkers).toBe(0);
    expect(after.idle).toBe(0);
    const t = lastSearchTimeline()!;
    expect(t.workers).toEqual([{ cold: true, ready: null, dropped: true }]);
    expect(t.tasks.map((k) => k.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([0, 1, 2].map((k) => two.cvResults[`split${k}TestScore`])).toEqual(
      [0, 1, 2].map((k) => one.cvResults[`split${k}TestScore`]),
    );
    // The thread cap of the search is lifted (the caller finished on every core).
    expect(acceleratorThreadLimit()).toBe(Number.POSITIVE_INFINITY);
  });

  it("this thread's own fits get their share of the cores during the search (limitAcceleratorThreads), and all of them after", async () => {
    // A backend whose training accelerator records the thread limit each fit here sees, and declines.
    const seen: number[] = [];
    const spy = new Registry().use({
      ...cpuBackend(),
      accelerator: {
        name: 'spy',
        async createTrainer() {
          seen.push(acceleratorThreadLimit());
          return null;
        },
      },
    });
    await spy.activateBackend('cpu');
    const est = () =>
      new MLPClassifier(
        { hiddenLayerSizes: [8], epochs: 2, batchSize: 50, learningRate: 1e-2, randomState: 0 },
        { registry: spy },
      );
    const before = poolStats();
    const two = await new GridSearchCV(est(), grid, { cv: 3, refit: false, nJobs: 2 }).fit(X, y);
    const here = poolStats().tasksInCaller - before.tasksInCaller;
    expect(here).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThanOrEqual(here);
    expect(new Set(seen)).toEqual(new Set([Math.max(1, Math.floor(availableParallelism() / 2))]));
    expect(acceleratorThreadLimit()).toBe(Number.POSITIVE_INFINITY);
    seen.length = 0;
    const one = await new GridSearchCV(est(), grid, { cv: 3, refit: false }).fit(X, y);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([Number.POSITIVE_INFINITY]));
    expect(scores(two)).toEqual(scores(one));
  });

  it.each([
    ['', []],
    // Node refuses V8's flags in a worker's execArgv (ERR_WORKER_INVALID_EXEC_ARGV): the pool learns and drops them
    [
      ' (the process started with --max-old-space-size and --expose-gc)',
      ['--max-old-space-size=2048', '--expose-gc'],
    ],
  ])(
    'a warm worker never keeps the process alive: a script whose search is done exits by itself%s',
    async (_, v8Flags) => {
      const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
      const script = `
      import { cpuBackend } from '@layerwise/backend-cpu';
      import { Registry } from '@layerwise/core';
      import { MLPClassifier } from '@layerwise/nn';
      import { GridSearchCV } from '@layerwise/model-selection';
      import { poolStats, setDropColdWorkers } from './src/pool.ts';
      setDropColdWorkers(false); // a small search would end its starting worker: here it must stay, idle
      const registry = new Registry().use(cpuBackend());
      const X = Array.from({ length: 60 }, (_, i) => [Math.sin(i), Math.cos(i)]);
      const y = X.map(([a]) => (a > 0 ? 1 : 0));
      const est = new MLPClassifier({ hiddenLayerSizes: [4], epochs: 2, randomState: 0 }, { registry });
      const s = await new GridSearchCV(est, { learningRate: [0.01, 0.1] }, { cv: 2, nJobs: 2, refit: false }).fit(X, y);
      // Waits until the worker is up and idle, so that it would be what keeps the process alive.
      while (poolStats().idleReady < 1) await new Promise((r) => setTimeout(r, 20));
      process.stdout.write(JSON.stringify({ t: Date.now(), started: poolStats().started, scores: s.cvResults.meanTestScore }) + '\\n');
    `;
      const child = spawn(
        process.execPath,
        [...v8Flags, '--import', 'tsx', '--conditions=source', '--input-type=module', '-e', script],
        { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const exitedAt = Date.now();
      expect(err).not.toMatch(/Error/);
      expect(code).toBe(0);
      const line = JSON.parse(out.trim().split('\n').at(-1)!) as {
        t: number;
        started: number;
        scores: number[];
      };
      expect(line.started).toBe(1);
      expect(line.scores).toHaveLength(2);
      expect(exitedAt - line.t).toBeLessThan(5000); // not the idle timeout (300 s)
    },
  );
});

describe('fitted models sent back by executors (packModel / unpackModel)', () => {
  it('round-trip a fitted classifier; paths leaving the folder are refused before anything is written', async () => {
    const clf = mlp();
    await clf.fit(X, y);
    const files = await packModel(clf);
    expect(files.map((f) => f.path)).toContain('model.json');
    const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'unpack-'));
    try {
      await unpackModel(files, join(dir, 'm'));
      const back = await MLPClassifier.load(join(dir, 'm'), { registry });
      expect(await back.predict(X)).toEqual(await clf.predict(X));
      for (const path of ['../evil', 'a/../../evil', '/etc/passwd', 'C:x']) {
        await expect(
          unpackModel(
            [
              { path: 'ok.txt', bytes: new Uint8Array(1) },
              { path, bytes: new Uint8Array(1) },
            ],
            join(dir, 'x'),
          ),
        ).rejects.toThrow(ModelFormatError);
      }
      expect(readdirSync(dir)).toEqual(['m']); // nothing written for the refused lists
      await expect(unpackModel('nope', dir)).rejects.toThrow(TaskPayloadError);
      await expect(unpackModel([{ path: 'a' }], dir)).rejects.toThrow(TaskPayloadError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
