/** Node only: a pool of worker threads running fit-and-score tasks. Imported lazily by runTasks. */

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ExecutorOutcome, PluginDescriptor } from '@layerwise/core';
import * as coreErrors from '@layerwise/core';
import { builtExecArgv } from './execArgv.js';
import type { FoldData, Task, TaskResult } from './fitAndScore.js';
import type { TargetStore } from './indexing.js';
import { reviveError } from './runTasks.js';
import type { FitAndScoreShared } from './taskRunner.js';

/** What a pooled worker is set up with once (it keeps its backend across searches). */
export interface WorkerSetup {
  /** The caller's backend, rebuilt in the worker. */
  plugins: readonly PluginDescriptor[];
  /** The backend's thread budget in this worker (cores ÷ nJobs, at least 1). */
  threads: number;
  /** Module URLs → the URLs workers import (a package's sources → its built `dist`). */
  moduleMap: Record<string, string>;
}

/** What a worker needs once per search. */
export interface WorkerJob {
  shared: FitAndScoreShared;
  /** Module URLs → the URLs workers import, for this search's modules. */
  moduleMap: Record<string, string>;
  returnEstimator: boolean;
  /** Where fitted estimators are saved for `returnEstimator`. */
  saveRoot: string;
}

/** Messages to a worker; handled one after the other, in order. */
export type WorkerRequest =
  | { type: 'setup'; setup: WorkerSetup }
  | { type: 'job'; job: number; init: WorkerJob }
  | { type: 'task'; job: number; id: number; task: Task }
  | { type: 'release'; job: number };

/** Messages from a worker. `job: null` with `id: null` = its setup failed. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; job: number; id: number; result: TaskResult; savedDir?: string }
  | { type: 'error'; job: number | null; id: number | null; name: string; message: string };

/**
 * The threads a search runs on for `nJobs` (−1 = every core, −2 = every core but one…), at most one per
 * task: the caller's thread plus `n − 1` workers.
 */
export function workerCount(nJobs: number, tasks: number): number {
  const cores = availableParallelism();
  const n = nJobs < 0 ? Math.max(1, cores + 1 + nJobs) : nJobs;
  return Math.max(1, Math.min(n, tasks));
}

/** The backend thread budget of each worker when `threads` threads run fits: cores ÷ threads, at least 1. */
export function threadBudget(threads: number): number {
  return Math.max(1, Math.floor(availableParallelism() / threads));
}

/** A package source file's built twin (`…/src/x.ts` → `…/dist/x.js`) when it exists. */
function builtTwin(url: string): string | null {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return null;
  const path = fileURLToPath(url);
  const i = path.lastIndexOf('/src/');
  if (i < 0) return null;
  const js = `${path.slice(0, i)}/dist/${path.slice(i + 5, -3)}.js`;
  return existsSync(js) ? pathToFileURL(js).href : null;
}

/** How to start a worker: its script and flags (`key` tells pooled workers of one kind apart). */
interface StartPlan {
  url: URL;
  execArgv: string[];
  key: string;
  moduleMap: Record<string, string>;
}

/**
 * How to start workers: the built worker.js (from `dist` when running from sources, with every module the
 * job names mapped to its built twin), or — only when something is not built — worker.ts through tsx.
 */
function plan(modules: readonly string[]): StartPlan {
  const here = import.meta.url;
  const moduleMap: Record<string, string> = {};
  let built = true;
  for (const m of modules) {
    if (!m.endsWith('.ts')) continue;
    const twin = builtTwin(m);
    if (twin) moduleMap[m] = twin;
    else built = false;
  }
  const make = (url: URL, execArgv: string[], map: Record<string, string>): StartPlan => ({
    url,
    execArgv,
    key: JSON.stringify([url.href, execArgv]),
    moduleMap: map,
  });
  const workerJs = here.endsWith('.ts') ? builtTwin(new URL('./worker.ts', here).href) : null;
  if (!here.endsWith('.ts')) {
    if (built) return make(new URL('./worker.js', here), builtExecArgv(), moduleMap);
  } else if (built && workerJs) {
    return make(new URL(workerJs), builtExecArgv(), moduleMap);
  }
  let tsxApi: string;
  try {
    // require.resolve gives the CommonJS entry; the worker imports the ESM one beside it.
    const cjs = createRequire(here).resolve('tsx/esm/api');
    const esm = cjs.replace(/\.cjs$/, '.mjs');
    tsxApi = pathToFileURL(existsSync(esm) ? esm : cjs).href;
  } catch {
    throw new coreErrors.ValidationError(
      'nJobs from TypeScript sources needs the built packages (pnpm build) or the tsx package (npm i -D tsx).',
    );
  }
  const target = new URL(here.endsWith('.ts') ? './worker.ts' : './worker.js', here).href;
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(target)});`;
  return make(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), ['--conditions=source'], {});
}

/** A copy of a typed array in shared memory: every worker reads the same bytes, nothing is cloned per worker. */
function shared<T extends Float32Array | Float64Array | Int32Array>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The search's data in shared memory (typed arrays; plain arrays are cloned as they are). */
export function shareData(data: FoldData): FoldData {
  const X = ArrayBuffer.isView(data.X.data)
    ? { data: shared(data.X.data as Float32Array), shape: data.X.shape }
    : data.X;
  let y: TargetStore | undefined = data.y;
  if (y instanceof Float32Array || y instanceof Float64Array || y instanceof Int32Array) y = shared(y);
  else if (y && !Array.isArray(y) && ArrayBuffer.isView(y.data))
    y = { data: shared(y.data as Float32Array), shape: y.shape };
  return { X, y };
}

/** One outcome of the pool: an executor outcome plus, for returnEstimator, where the worker saved it. */
export type PoolOutcome = ExecutorOutcome & { savedDir?: string };

/** What a search tells a pooled worker's listeners. */
interface JobHandlers {
  onReady(): void;
  onReply(m: WorkerReply): void;
  onDeath(e: Error): void;
}

/** A worker thread, kept warm across searches. */
interface Pooled {
  readonly worker: Worker;
  /** Workers with the same key have the same script, flags, backend and thread budget. */
  readonly key: string;
  /** Its backend is set up (it said 'ready'). */
  ready: boolean;
  /** Exited or terminated. */
  dead: boolean;
  /** Tasks sent to it and not answered yet (of the current search). */
  inflight: number;
  /** The current search's handlers; null while idle. */
  job: JobHandlers | null;
  /** Ends it when it stayed idle too long. */
  timer?: ReturnType<typeof setTimeout>;
}

/** Seconds an idle worker stays warm by default (joblib's reusable executor keeps its workers 300 s). */
export const DEFAULT_IDLE_TIMEOUT = 300;
let idleTimeout = DEFAULT_IDLE_TIMEOUT;
const idle: Pooled[] = [];
const stats = { started: 0, reused: 0, tasksInWorkers: 0, tasksInCaller: 0 };
let jobCounter = 0;

/** Counters of this process's pool (for tests and benchmarks). @internal */
export function poolStats(): {
  started: number;
  reused: number;
  tasksInWorkers: number;
  tasksInCaller: number;
  idle: number;
  idleReady: number;
} {
  return { ...stats, idle: idle.length, idleReady: idle.filter((p) => p.ready).length };
}

/** Sets how long idle workers stay warm (seconds; 0 = end them after each search). @internal */
export function setIdleTimeout(seconds: number): void {
  idleTimeout = seconds;
  if (seconds === 0) void disposePool();
}

function forget(p: Pooled): void {
  const i = idle.indexOf(p);
  if (i >= 0) idle.splice(i, 1);
  if (p.timer) clearTimeout(p.timer);
}

async function end(p: Pooled): Promise<void> {
  forget(p);
  p.job = null;
  if (p.dead) return;
  p.dead = true;
  await p.worker.terminate();
}

/** Ends every idle worker (busy ones end with their search). @internal */
export async function disposePool(): Promise<void> {
  await Promise.all([...idle].map(end));
}

/** Starts a worker and sends it its setup; it answers 'ready' once its backend is up. */
function spawn(start: StartPlan, setup: WorkerSetup, key: string): Pooled {
  const worker = new Worker(start.url, { execArgv: start.execArgv });
  stats.started++;
  const p: Pooled = { worker, key, ready: false, dead: false, inflight: 0, job: null };
  worker.on('message', (m: WorkerReply) => {
    if (m.type === 'ready') {
      p.ready = true;
      p.job?.onReady();
    } else if (m.type === 'error' && m.job === null) {
      // its setup failed: useless for any search
      const e = reviveError(m.name, m.message);
      const job = p.job;
      void end(p);
      job?.onDeath(e);
    } else p.job?.onReply(m);
  });
  worker.on('error', (e) => {
    if (p.dead) return;
    p.dead = true;
    forget(p);
    p.job?.onDeath(e);
  });
  worker.on('exit', (code) => {
    if (p.dead) return;
    p.dead = true;
    forget(p);
    p.job?.onDeath(new coreErrors.LayerwiseError(`A model-selection worker exited with code ${code}.`));
  });
  worker.postMessage({ type: 'setup', setup } satisfies WorkerRequest);
  return p;
}

/** Up to `n` idle workers with `key` (set-up ones first), taken out of the idle list. */
function take(key: string, n: number): Pooled[] {
  const fit = idle.filter((p) => p.key === key && !p.dead).sort((a, b) => Number(b.ready) - Number(a.ready));
  const out = fit.slice(0, n);
  for (const p of out) {
    forget(p);
    p.worker.ref();
    stats.reused++;
  }
  return out;
}

/** Puts a worker back, unref'd (it never keeps the process alive), ended after the idle timeout. */
function park(p: Pooled): void {
  p.job = null;
  p.inflight = 0;
  if (p.dead) return;
  if (idleTimeout <= 0) {
    void end(p);
    return;
  }
  p.worker.unref();
  p.timer = setTimeout(() => void end(p), idleTimeout * 1000);
  p.timer.unref();
  idle.push(p);
  // At most one idle worker per core: the oldest go first.
  while (idle.length > availableParallelism()) void end(idle[0]!);
}

/**
 * Runs `tasks` with `nJobs` threads: this thread (through `local`, when given) plus worker threads kept warm
 * across searches (started in parallel the first time; later searches reuse them), each worker with its share
 * of the cores. The caller's thread starts on the first tasks at once, so the workers' start-up overlaps
 * work. The data are sent once per search (shared memory). Calls `onOutcome` once per task a worker ran (a
 * task that throws is an outcome, not a rejection); if `onOutcome` or `local` throws, the search stops
 * and rejects with that error. Workers still busy when a search fails are ended, the others parked idle.
 */
export async function runInWorkers(
  job: {
    shared: FitAndScoreShared;
    plugins: readonly PluginDescriptor[];
    modules: readonly string[];
    tasks: readonly Task[];
    nJobs: number;
    returnEstimator: boolean;
    signal?: AbortSignal;
  },
  onOutcome: (o: PoolOutcome) => void,
  local?: (index: number) => Promise<void>,
): Promise<void> {
  const total = job.tasks.length;
  const n = workerCount(job.nJobs, total);
  const nWorkers = local ? n - 1 : n;
  const modules = [...job.modules, ...job.plugins.flatMap((p) => (p.module ? [p.module] : []))];
  const start = plan(modules);
  const setup: WorkerSetup = { plugins: job.plugins, threads: threadBudget(n), moduleMap: start.moduleMap };
  const key = JSON.stringify([start.key, job.plugins, setup.threads]);
  const id = ++jobCounter;
  const saveRoot = join(tmpdir(), `layerwise-cv-${process.pid}-${Date.now()}-${id}`);
  let init: WorkerJob | null = null;
  // Built when the first worker is ready: a search the caller finishes alone copies nothing.
  const initOnce = (): WorkerJob =>
    (init ??= {
      shared: { ...job.shared, data: shareData(job.shared.data) },
      moduleMap: start.moduleMap,
      returnEstimator: job.returnEstimator,
      saveRoot,
    });
  let next = 0;
  let done = 0;
  let failed: Error | null = null;
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const stop = (e: Error) => {
    failed ??= e;
    settle();
  };
  const count = () => {
    done++;
    if (done === total) settle();
  };
  // A worker holds a second task while many are left, so it never waits for this thread to answer.
  const depth = () => (total - next > n ? 2 : 1);
  const fill = (p: Pooled) => {
    while (!failed && p.ready && !p.dead && next < total && p.inflight < depth()) {
      const i = next++;
      p.inflight++;
      p.worker.postMessage({ type: 'task', job: id, id: i, task: job.tasks[i]! } satisfies WorkerRequest);
    }
  };
  const handlers = (p: Pooled): JobHandlers => ({
    onReady() {
      if (failed || next >= total) return;
      p.worker.postMessage({ type: 'job', job: id, init: initOnce() } satisfies WorkerRequest);
      fill(p);
    },
    onReply(m) {
      if (m.type === 'ready' || m.job !== id) return; // a late reply of an earlier search
      if (m.type === 'error' && m.id === null) return stop(reviveError(m.name, m.message));
      if (m.id === null) return;
      p.inflight--;
      stats.tasksInWorkers++;
      try {
        onOutcome(
          m.type === 'result'
            ? { index: m.id, ok: true, value: m.result, ...(m.savedDir ? { savedDir: m.savedDir } : {}) }
            : { index: m.id, ok: false, error: { name: m.name, message: m.message } },
        );
      } catch (e) {
        return stop(e as Error);
      }
      count();
      fill(p);
    },
    onDeath: stop,
  });
  const onAbort = () =>
    stop(new coreErrors.ExecutorAbortedError('The search was cancelled (its AbortSignal fired).'));
  if (job.signal?.aborted) onAbort();
  job.signal?.addEventListener('abort', onAbort, { once: true });
  const mine: Pooled[] = [];
  try {
    if (failed) throw failed;
    if (nWorkers > 0) {
      mine.push(...take(key, nWorkers));
      while (mine.length < nWorkers) mine.push(spawn(start, setup, key));
      for (const p of mine) {
        p.job = handlers(p);
        if (p.ready) p.job.onReady();
      }
    }
    const caller = async () => {
      if (!local) return;
      while (!failed && next < total) {
        const i = next++;
        stats.tasksInCaller++;
        try {
          await local(i);
        } catch (e) {
          stop(e as Error);
          return;
        }
        count();
        // Lets the workers' replies in between two fits here (they get their next task at once).
        await new Promise((r) => setImmediate(r));
      }
    };
    await Promise.all([finished, caller()]);
  } finally {
    job.signal?.removeEventListener('abort', onAbort);
    const ending: Promise<void>[] = [];
    for (const p of mine) {
      if (failed || p.inflight > 0 || p.dead) ending.push(end(p));
      else {
        if (p.ready) p.worker.postMessage({ type: 'release', job: id } satisfies WorkerRequest);
        park(p);
      }
    }
    await Promise.all(ending);
    // A failed search keeps no fitted model its workers saved for returnEstimator.
    if (failed && job.returnEstimator) await rm(saveRoot, { recursive: true, force: true });
  }
  if (failed) throw failed;
}
