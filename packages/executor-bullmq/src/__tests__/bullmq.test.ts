// A real redis-server on a free loopback port, three worker processes standing in for three machines.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '@layerwise/backend-cpu';
import {
  ExecutorAbortedError,
  ExecutorUnavailableError,
  PluginError,
  Registry,
  TaskPayloadError,
  ValidationError,
} from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { crossValidate, FIT_AND_SCORE, GridSearchCV } from '@layerwise/model-selection';
import { MLPClassifier } from '@layerwise/nn';
import { Pipeline } from '@layerwise/pipeline';
import { StandardScaler } from '@layerwise/preprocessing';
import { checkExecutor } from '@layerwise/testkit';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bullmqExecutor, encodePayload } from '../index.js';

// Three processes on a shared two-core machine: generous limits.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const registry = new Registry().use(cpuBackend());
let X: { data: Float32Array; shape: [number, number] };
let y: Int32Array;
const mlp = (p: object = {}) =>
  new MLPClassifier(
    { hiddenLayerSizes: [16], epochs: 3, batchSize: 50, learningRate: 1e-2, randomState: 0, ...p },
    { registry },
  );
const grid = { hiddenLayerSizes: [[8], [16]], learningRate: [1e-2] };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let port: number;
let dir: string;
let server: ChildProcess;
const url = () => `redis://127.0.0.1:${port}`;

interface WorkerProc {
  proc: ChildProcess;
  events: { type: string; jobId: string; index?: number; ok?: boolean; error?: string }[];
}
const workers: WorkerProc[] = [];

/** One worker process (a machine): the built package, events as JSON lines on stdout. */
function startWorkerProcess(queue: string, extra: object = {}): WorkerProc {
  const script = `
    const { startWorker } = await import('@layerwise/executor-bullmq');
    await startWorker({ ...${JSON.stringify(extra)}, connection: ${JSON.stringify(url())}, queue: ${JSON.stringify(queue)},
      lockDuration: 3000, stalledInterval: 1000, threads: 1,
      onEvent: (e) => process.stdout.write(JSON.stringify(e) + '\\n') });
    process.stdout.write('{"type":"ready","jobId":""}\\n');`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PKG,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: dir },
  });
  const w: WorkerProc = { proc, events: [] };
  let buf = '';
  proc.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('{"type"')) w.events.push(JSON.parse(line));
      else process.stderr.write(`worker: ${line}\n`);
      i = buf.indexOf('\n');
    }
  });
  workers.push(w);
  return w;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  // CI installs redis-server (.ci/run); without it this suite fails loudly rather than skipping.
  execFileSync('redis-server', ['--version']);
  dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'layerwise-bullmq-'));
  port = await freePort();
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const probe = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 100 });
  probe.on('error', () => {});
  await until(() => probe.status === 'ready', 20_000, 'redis-server');
  probe.disconnect();
  await registry.activateBackend('cpu');
  const d = await loadMnist({ limit: 300 });
  X = d.X;
  y = d.y;
  for (let i = 0; i < 3; i++) startWorkerProcess('cv');
  await until(() => workers.every((w) => w.events.some((e) => e.type === 'ready')), 60_000, 'workers');
});

const running = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

afterAll(async () => {
  const exits = workers.filter((w) => running(w.proc)).map((w) => new Promise((r) => w.proc.once('exit', r)));
  for (const w of workers) if (running(w.proc)) w.proc.kill('SIGTERM');
  await Promise.all(exits);
  if (server && running(server)) {
    const exit = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exit;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GridSearchCV on a BullMQ queue (three worker processes)', () => {
  let local: GridSearchCV;
  beforeAll(async () => {
    local = await new GridSearchCV(mlp(), grid, { cv: 3, scoring: 'accuracy', refit: false }).fit(X, y);
  });

  it('gives the cvResults scores of the local search, from several workers', async () => {
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const before = workers.map((w) => w.events.filter((e) => e.type === 'done').length);
    const remote = await new GridSearchCV(mlp(), grid, {
      cv: 3,
      scoring: 'accuracy',
      refit: false,
      executor,
    }).fit(X, y);
    for (const k of [
      'split0TestScore',
      'split1TestScore',
      'split2TestScore',
      'meanTestScore',
      'rankTestScore',
    ]) {
      expect(remote.cvResults[k]).toEqual(local.cvResults[k]);
    }
    expect(local.cvResults.meanTestScore[0]).toBeGreaterThan(0.5);
    const done = workers.map((w, i) => w.events.filter((e) => e.type === 'done').length - before[i]!);
    expect(done.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('data go to Redis once per search, content-addressed by SHA-256', async () => {
    const redis = new Redis(port, '127.0.0.1');
    const keys = (await redis.keys('bull:cv:layerwise:data:*')).filter((k) => /data:[0-9a-f]{64}$/.test(k));
    expect(keys.length).toBe(1); // the same data as the first search: stored once
    await redis.quit();
  });

  const pipe = () =>
    new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', mlp()],
    ]);

  it('grid-searches a Pipeline (StandardScaler + MLPClassifier) with the cvResults of the local search', async () => {
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const g = { clf__hiddenLayerSizes: [[8], [16]], clf__learningRate: [1e-2] };
    const opts = { cv: 3, scoring: 'accuracy', refit: false } as const;
    const here = await new GridSearchCV(pipe(), g, opts).fit(X, y);
    const remote = await new GridSearchCV(pipe(), g, { ...opts, executor }).fit(X, y);
    for (const k of ['split0TestScore', 'split1TestScore', 'split2TestScore', 'meanTestScore']) {
      expect(remote.cvResults[k]).toEqual(here.cvResults[k]);
    }
    expect(here.cvResults.meanTestScore[1]).toBeGreaterThan(0.6);
    // The scaler matters: the same MLP without it scores differently.
    expect(remote.cvResults.split0TestScore).not.toEqual(local.cvResults.split0TestScore);
  });

  it('returnEstimator: the fitted Pipelines come back from the workers and predict as the local ones; no temp files left', async () => {
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const mine = () => readdirSync(tmpdir()).filter((f) => /^layerwise-(cv|model)-/.test(f));
    const before = mine();
    const remote = await crossValidate(pipe(), X, y, { cv: 2, returnEstimator: true, executor });
    const here = await crossValidate(pipe(), X, y, { cv: 2, returnEstimator: true });
    expect(remote.testScore).toEqual(here.testScore);
    expect(remote.estimator).toHaveLength(2);
    for (let k = 0; k < 2; k++) {
      expect(remote.estimator![k]).toBeInstanceOf(Pipeline);
      expect(await remote.estimator![k]!.predict(X)).toEqual(await here.estimator![k]!.predict(X));
    }
    expect(mine()).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('layerwise-'))).toEqual([]); // the workers' TMPDIR
  });

  it('an estimator kind that names no package is refused up front with a ValidationError, nothing queued', async () => {
    class LocalOnly extends MLPClassifier {
      static readonly workerKind = {
        name: 'LocalOnly',
        module: import.meta.url,
        exportName: 'LocalOnly',
        matches: (e: unknown) => e instanceof LocalOnly,
        encode: (e: LocalOnly, ctx: { plainParams(p: object, o: string): object }) => ({
          params: ctx.plainParams(e.getParams(), 'LocalOnly'),
        }),
        decode: () => {
          throw new Error('never decoded');
        },
      };
    }
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const est = new LocalOnly({ hiddenLayerSizes: [8], epochs: 1, randomState: 0 }, { registry });
    const starts = workers.flatMap((w) => w.events).filter((e) => e.type === 'start').length;
    await expect(crossValidate(est, X, y, { cv: 2, executor })).rejects.toThrow(ValidationError);
    await expect(crossValidate(est, X, y, { cv: 2, executor })).rejects.toThrow(
      /LocalOnly names no npm package.*--plugin <package>/,
    );
    expect(workers.flatMap((w) => w.events).filter((e) => e.type === 'start')).toHaveLength(starts);
  });

  it('a registered executor by name; an unknown name is a PluginError', async () => {
    const reg = new Registry()
      .use(cpuBackend())
      .use(bullmqExecutor({ connection: url(), queue: 'cv', name: 'farm' }));
    const est = new MLPClassifier(
      { hiddenLayerSizes: [8], epochs: 3, batchSize: 50, learningRate: 1e-2, randomState: 0 },
      { registry: reg },
    );
    const r = await crossValidate(est, X, y, { cv: 2, scoring: 'accuracy', executor: 'farm' });
    const l = await crossValidate(est, X, y, { cv: 2, scoring: 'accuracy' });
    expect(r.testScore).toEqual(l.testScore);
    expect(() => new GridSearchCV(est, grid, { executor: 'nope' })).toThrow(PluginError);
  });

  it('a worker SIGKILLed mid-task: the task is retried on another worker, recorded once, same results', async () => {
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const starts = () =>
      workers.flatMap((w) => w.events.filter((e) => e.type === 'start').map((e) => ({ w, e })));
    const seen = starts().length;
    const search = new GridSearchCV(mlp({ epochs: 6 }), grid, {
      cv: 3,
      scoring: 'accuracy',
      refit: false,
      executor,
    });
    const running = search.fit(X, y);
    // A worker that has started a task and not finished it.
    const busy = () =>
      starts()
        .slice(seen)
        .find(({ w, e }) => !w.events.some((d) => d.type === 'done' && d.jobId === e.jobId));
    await until(() => busy() !== undefined, 60_000, 'a task to start');
    const victim = busy()!;
    victim.w.proc.kill('SIGKILL');
    startWorkerProcess('cv'); // three machines again
    await running;
    const ref = await new GridSearchCV(mlp({ epochs: 6 }), grid, {
      cv: 3,
      scoring: 'accuracy',
      refit: false,
    }).fit(X, y);
    for (const k of ['split0TestScore', 'split1TestScore', 'split2TestScore', 'meanTestScore']) {
      expect(search.cvResults[k]).toEqual(ref.cvResults[k]);
    }
    // The killed worker's task was finished once, by another worker (unless it had finished just before the kill).
    const finishedByVictim = victim.w.events.some((d) => d.type === 'done' && d.jobId === victim.e.jobId);
    const redone = workers
      .filter((w) => w !== victim.w)
      .flatMap((w) => w.events.filter((e) => e.type === 'done' && e.jobId === victim.e.jobId));
    expect(redone).toHaveLength(finishedByVictim ? 0 : 1);
  });

  it('a task that throws: errorScore "raise" rejects with its class, a number is recorded', async () => {
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const bad = { data: X.data.slice(), shape: X.shape };
    bad.data[5] = Number.NaN;
    await expect(crossValidate(mlp(), bad, y, { cv: 2, executor })).rejects.toThrow(ValidationError);
    const r = await crossValidate(mlp(), bad, y, { cv: 2, executor, errorScore: -1 });
    expect(r.testScore).toEqual([-1, -1]);
  });

  it('an AbortSignal cancels the search and removes its queued tasks', async () => {
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const ac = new AbortController();
    const search = new GridSearchCV(
      mlp({ epochs: 6 }),
      { hiddenLayerSizes: [[8], [16], [24], [32]], learningRate: [1e-2, 3e-2] },
      { cv: 3, refit: false, executor, signal: ac.signal },
    );
    const running = search.fit(X, y);
    const n = workers.flatMap((w) => w.events).filter((e) => e.type === 'start').length;
    await until(
      () => workers.flatMap((w) => w.events).filter((e) => e.type === 'start').length > n,
      60_000,
      'start',
    );
    ac.abort();
    await expect(running).rejects.toThrow(ExecutorAbortedError);
    const q = new Queue('cv', { connection: { host: '127.0.0.1', port } });
    const counts = await q.getJobCounts('waiting', 'waiting-children', 'delayed', 'prioritized');
    await q.close();
    expect(counts).toEqual({ waiting: 0, 'waiting-children': 0, delayed: 0, prioritized: 0 });
  });

  it('hostile or malformed payloads fail with TaskPayloadError, never run, and workers keep serving', async () => {
    const connection = { host: '127.0.0.1', port };
    const q = new Queue('cv', { connection });
    const events = new QueueEvents('cv', { connection });
    await events.waitUntilReady();
    const failed = new Map<string, string>();
    events.on('failed', ({ jobId, failedReason }) => failed.set(jobId, failedReason));
    // A payload naming a module the workers were not started with, stored as real search data.
    const hostile = encodePayload({
      handler: FIT_AND_SCORE,
      plugins: [{ package: 'node:child_process', factory: 'execSync', options: { cmd: 'touch /tmp/pwned' } }],
      shared: {},
    });
    const redis = new Redis(port, '127.0.0.1');
    const { sha256 } = await import('../payload.js');
    const hash = sha256(hostile);
    await redis.set(`bull:cv:layerwise:data:${hash}:0`, hostile);
    await redis.set(`bull:cv:layerwise:data:${hash}`, JSON.stringify({ bytes: hostile.length, chunks: 1 }));
    await redis.quit();
    const task = encodePayload({
      candidate: 0,
      split: 0,
      params: {},
      train: new Int32Array([0]),
      test: new Int32Array([1]),
    }).toString('base64');
    const jobs = await Promise.all([
      q.add('layerwise:task', { v: 1, handler: FIT_AND_SCORE, data: hash, index: 0, task }),
      q.add('layerwise:task', { v: 1, handler: 'require("child_process")', data: hash, index: 0, task }),
      q.add('layerwise:task', { v: 1, handler: FIT_AND_SCORE, data: '../../etc/passwd', index: 0, task }),
      q.add('layerwise:task', { v: 1, handler: FIT_AND_SCORE, data: hash, index: 0, task: '%%%' }),
      q.add('something-else', { constructor: { prototype: 1 } }),
    ]);
    await until(() => jobs.every((j) => failed.has(j.id!)), 60_000, 'the hostile jobs to fail');
    for (const j of jobs) expect(failed.get(j.id!)).toMatch(/^Malformed layerwise job \S+: /);
    expect(failed.get(jobs[0]!.id!)).toMatch(
      /TaskPayloadError: .*not started with \(start it with --plugin node:child_process\)/,
    );
    const rejected = workers.flatMap((w) => w.events.filter((e) => e.type === 'rejected'));
    expect(rejected.length).toBeGreaterThanOrEqual(5);
    await events.close();
    await q.close();
    // Still serving.
    const executor = bullmqExecutor({ connection: url(), queue: 'cv' });
    const r = await crossValidate(mlp(), X, y, { cv: 2, scoring: 'accuracy', executor });
    expect(r.testScore.every((s) => s > 0.5)).toBe(true);
    expect(workers.filter((w) => running(w.proc))).toHaveLength(3);
  });
});

describe('longest first on the queue', () => {
  it("one task of each candidate first; once measured, the costly candidate's tasks before the cheap ones", async () => {
    // One worker, one task at a time: the order it starts tasks in is the queue's order.
    const w = startWorkerProcess('order');
    await until(() => w.events.some((e) => e.type === 'ready'), 60_000, 'the order worker');
    const executor = bullmqExecutor({ connection: url(), queue: 'order' });
    // Candidate 0 is cheap (2 hidden units), candidate 1 costly (two layers of 256): tasks 0–4 and 5–9.
    const search = await new GridSearchCV(
      mlp(),
      { hiddenLayerSizes: [[2], [256, 256]] },
      {
        cv: 5,
        scoring: 'accuracy',
        refit: false,
        executor,
      },
    ).fit(X, y);
    const started = w.events.filter((e) => e.type === 'start').map((e) => e.index);
    // Queued first-come (the earlier behaviour) the cheap tasks 1–4 would run before the costly 6–9 did, or
    // interleaved with them. Here the worker took 0 and 5 (one of each), and while 5 ran, task 0's time sent
    // the cheap ones back; the costly ones went next.
    expect(started).toEqual([0, 5, 6, 7, 8, 9, 1, 2, 3, 4]);
    const done = w.events.filter((e) => e.type === 'done');
    expect(done.every((e) => e.ok)).toBe(true);
    expect(search.cvResults.meanTestScore).toHaveLength(2);
    expect(search.cvResults.meanFitTime[1]!).toBeGreaterThan(3 * search.cvResults.meanFitTime[0]!);
    const exit = new Promise((r) => w.proc.once('exit', r));
    w.proc.kill('SIGTERM');
    await exit;
  });
});

describe('dataDir: the data in a shared folder instead of Redis', () => {
  it('written once, read by workers started with that folder; a worker without it names --data-dir', async () => {
    const shared = mkdtempSync(join(dir, 'shared-'));
    const w = startWorkerProcess('files', { dataDir: shared });
    await until(() => w.events.some((e) => e.type === 'ready'), 60_000, 'the data-dir worker');
    const executor = bullmqExecutor({ connection: url(), queue: 'files', dataDir: shared });
    const opts = { cv: 3, scoring: 'accuracy', refit: false } as const;
    const here = await new GridSearchCV(mlp(), grid, opts).fit(X, y);
    const remote = await new GridSearchCV(mlp(), grid, { ...opts, executor }).fit(X, y);
    expect(remote.cvResults.split0TestScore).toEqual(here.cvResults.split0TestScore);
    expect(remote.cvResults.meanTestScore).toEqual(here.cvResults.meanTestScore);
    expect(w.events.filter((e) => e.type === 'done')).toHaveLength(6);
    const files = readdirSync(shared);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^layerwise-data-[0-9a-f]{64}\.bin$/);
    const hash = files[0]!.slice('layerwise-data-'.length, -'.bin'.length);
    const redis = new Redis(port, '127.0.0.1');
    expect(await redis.exists(`bull:files:layerwise:data:${hash}`)).toBe(1);
    expect(await redis.exists(`bull:files:layerwise:data:${hash}:0`)).toBe(0); // no chunk in Redis
    await redis.quit();
    // A second search on the same data writes nothing new.
    await new GridSearchCV(mlp(), grid, { ...opts, executor }).fit(X, y);
    expect(readdirSync(shared)).toEqual(files);
    // The three workers of queue 'cv' were started without the folder.
    const elsewhere = bullmqExecutor({ connection: url(), queue: 'cv', dataDir: shared });
    const err = await crossValidate(mlp(), X, y, { cv: 2, executor: elsewhere }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(TaskPayloadError);
    expect((err as Error).message).toMatch(/start this worker with --data-dir/);
    expect(() => bullmqExecutor({ connection: url(), queue: 'cv', dataDir: '' })).toThrow(ValidationError);
    const exit = new Promise((r) => w.proc.once('exit', r));
    w.proc.kill('SIGTERM');
    await exit;
  });
});

describe('Redis unreachable', () => {
  it('ExecutorUnavailableError in under 5 s, nothing left running', async () => {
    const closed = await freePort();
    const executor = bullmqExecutor({ connection: `redis://127.0.0.1:${closed}`, queue: 'cv' });
    const t0 = Date.now();
    await expect(new GridSearchCV(mlp(), grid, { cv: 2, refit: false, executor }).fit(X, y)).rejects.toThrow(
      ExecutorUnavailableError,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('data over maxDataBytes: a ValidationError naming the limit', async () => {
    const executor = bullmqExecutor({ connection: url(), queue: 'cv', maxDataBytes: 1000 });
    await expect(crossValidate(mlp(), X, y, { cv: 2, executor })).rejects.toThrow(
      /over the executor's maxDataBytes 1000/,
    );
  });
});

// The executor contract every executor plugin passes (testkit), on queue 'cv' and its three workers.
checkExecutor(() => bullmqExecutor({ connection: url(), queue: 'cv' }), {
  name: 'bullmqExecutor conformance',
});
