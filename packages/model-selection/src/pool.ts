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
import { limitAcceleratorThreads, startWithWorkerFlags, workerExecArgv } from '@layerwise/core';
import type { FoldData, Task, TaskResult } from './fitAndScore.js';
import type { TargetStore } from './indexing.js';
import { reviveError, type SearchTimeline } from './runTasks.js';
import type { FitAndScoreShared } from './taskRunner.js';
import { clock, threadSchedule } from './threadClock.js';

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
  /**
   * One slot per task, in shared memory: a worker swaps 0 → 1 before it starts a task and skips the task
   * when it finds 1 (the caller's thread took it, or the search ended).
   */
  claims: Int32Array;
}

/** Messages to a worker; handled one after the other, in order. */
export type WorkerRequest =
  | { type: 'setup'; setup: WorkerSetup }
  | { type: 'job'; job: number; init: WorkerJob }
  | { type: 'task'; job: number; id: number; task: Task }
  | { type: 'release'; job: number };

/** Messages from a worker. `job: null` with `id: null` = its setup failed. */
export type WorkerReply =
  | { type: 'ready'; at?: number }
  | {
      type: 'result';
      job: number;
      id: number;
      result: TaskResult;
      savedDir?: string;
      /** When the worker started and ended the task (ms since the epoch, `performance.timeOrigin` based). */
      span?: [number, number];
      /** The worker thread's CPU time and time waiting for a core during the task (ms; Linux only). */
      schedule?: [number, number];
    }
  | { type: 'skipped'; job: number; id: number }
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
    if (built) return make(new URL('./worker.js', here), workerExecArgv(), moduleMap);
  } else if (built && workerJs) {
    return make(new URL(workerJs), workerExecArgv(), moduleMap);
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
  /** When it said 'ready' (ms since the epoch). */
  readyAt?: number;
  /** When it was started (ms since the epoch). */
  spawnedAt?: number;
  /** Exited or terminated. */
  dead: boolean;
  /** The current search's handlers; null while idle. */
  job: JobHandlers | null;
  /** Ends it when it stayed idle too long. */
  timer?: ReturnType<typeof setTimeout>;
}

/** Seconds an idle worker stays warm by default (joblib's reusable executor keeps its workers 300 s). */
export const DEFAULT_IDLE_TIMEOUT = 300;
let idleTimeout = DEFAULT_IDLE_TIMEOUT;
const idle: Pooled[] = [];
const stats = { started: 0, reused: 0, tasksInWorkers: 0, tasksInCaller: 0, skipped: 0, dropped: 0 };

/**
 * A worker's start-up (ms) until one was measured in this process: loading tfjs, the backend, the estimator.
 * Measured 190–260 ms on 2 cores (Node 20, wasm); a little above, for slower machines.
 */
const DEFAULT_STARTUP_MS = 300;
/** The last measured start-up of a worker in this process (spawn → ready, ms). */
let expectedStartup = DEFAULT_STARTUP_MS;
/**
 * A starting worker is ended unused when the search's remaining work (this thread's mean fit time × the fits
 * left) is under this many times its remaining start-up: this thread then ends sooner alone, on every core.
 * The fits timed so far ran on this thread's share of the cores, beside the worker's start-up, ~1.9× slower
 * than alone on every core (2 cores: 1.2× the kernel pool's gain, 1.6× the start-up's load), the longest
 * first; and a worker's first fits run slower than later ones (its code not yet optimised). Measured on
 * 2 cores: a ratio of 2–3 (12 fits of ~25 ms alone) ended 0.30–0.35 s alone but 0.41–0.44 s with the worker,
 * and one of 7–10 (12 fits of ~50 ms) broke even; so 4.
 */
const DROP_FACTOR = 4;
let dropColdWorkers = true;

/** Turns ending starting workers unused (small searches) on or off (tests). @internal */
export function setDropColdWorkers(on: boolean): void {
  dropColdWorkers = on;
}
let jobCounter = 0;

export { clock, threadSchedule };

let lastTimeline: SearchTimeline | null = null;

/** The timeline of this process's last nJobs search in worker threads (benchmarks, profiling). @internal */
export function lastSearchTimeline(): SearchTimeline | null {
  return lastTimeline;
}

/**
 * The order tasks are handed out in: longest first, with costs learned as the search runs. Tasks of one
 * candidate cost about the same (the same params on folds of the same size), so each candidate's cost is the
 * mean wall time of its tasks that ended; a candidate not measured yet goes first (its cost is learned early,
 * and it may be the longest). The first tasks go out one candidate after the other (split-major), so every
 * candidate is measured soon. Longest-first leaves the short tasks for the end, where they fill the gaps
 * between threads: the threads end together.
 */
export class LongestFirst {
  readonly #pending: number[];
  readonly #candidate: readonly number[];
  readonly #cost = new Map<number, { sum: number; n: number }>();

  constructor(tasks: readonly { candidate: number; split: number }[]) {
    this.#candidate = tasks.map((t) => t.candidate);
    this.#pending = tasks
      .map((_, i) => i)
      .sort(
        (a, b) => tasks[a]!.split - tasks[b]!.split || tasks[a]!.candidate - tasks[b]!.candidate || a - b,
      );
  }

  /** Tasks not handed out yet. */
  get left(): number {
    return this.#pending.length;
  }

  /** The next task to hand out (the costliest known, an unmeasured candidate first), or undefined. */
  next(): number | undefined {
    let best = -1;
    let bestCost = -1;
    for (let k = 0; k < this.#pending.length; k++) {
      const c = this.#cost.get(this.#candidate[this.#pending[k]!]!);
      const cost = c ? c.sum / c.n : Number.POSITIVE_INFINITY;
      if (cost > bestCost) {
        best = k;
        bestCost = cost;
      }
    }
    return best < 0 ? undefined : this.#pending.splice(best, 1)[0];
  }

  /** Puts task `index` back among the tasks to hand out (a worker that held it was ended unused). */
  restore(index: number): void {
    if (!this.#pending.includes(index)) this.#pending.push(index);
  }

  /** Records that task `index` took `ms`. */
  ended(index: number, ms: number): void {
    const cand = this.#candidate[index]!;
    const c = this.#cost.get(cand) ?? { sum: 0, n: 0 };
    c.sum += ms;
    c.n++;
    this.#cost.set(cand, c);
  }
}

/** Counters of this process's pool (for tests and benchmarks). @internal */
export function poolStats(): {
  started: number;
  reused: number;
  tasksInWorkers: number;
  tasksInCaller: number;
  /** Tasks workers skipped because another thread had claimed them (counted even after their search). */
  skipped: number;
  /** Starting workers ended unused because this thread would end the search sooner alone. */
  dropped: number;
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
  const worker = startWithWorkerFlags((execArgv) => new Worker(start.url, { execArgv }), start.execArgv);
  stats.started++;
  const p: Pooled = { worker, key, ready: false, dead: false, job: null, spawnedAt: clock() };
  worker.on('message', (m: WorkerReply) => {
    if (m.type === 'ready') {
      p.ready = true;
      p.readyAt = m.at ?? clock();
      expectedStartup = Math.max(1, p.readyAt - p.spawnedAt!);
      p.job?.onReady();
    } else if (m.type === 'skipped') {
      stats.skipped++;
      p.job?.onReply(m);
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
 * work. The data are sent once per search (shared memory).
 *
 * Tasks go out longest first ({@link LongestFirst}). A worker is sent the search and its first tasks at once,
 * even while it is still starting, and always holds one task beyond the one it runs, so it never waits for
 * this thread (busy fitting) to answer. Whoever starts a task claims it first in a shared array: when this
 * thread has nothing left, it takes back the tasks a worker holds but has not started (a worker still
 * starting, or the one queued behind a running fit), so no thread idles while a task waits.
 *
 * Calls `onOutcome` once per task a worker ran (a task that throws is an outcome, not a rejection); if
 * `onOutcome` or `local` throws, the search stops and rejects with that error. Workers still busy when a
 * search fails are ended, the others parked idle.
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
  // claims[i]: 0 = not started, 1 = started by a worker or by this thread (whoever swaps it first).
  const claims = new Int32Array(new SharedArrayBuffer(4 * total));
  let init: WorkerJob | null = null;
  const initOnce = (): WorkerJob =>
    (init ??= {
      shared: { ...job.shared, data: shareData(job.shared.data) },
      moduleMap: start.moduleMap,
      returnEstimator: job.returnEstimator,
      saveRoot,
      claims,
    });
  const order = new LongestFirst(job.tasks);
  const t0 = clock();
  const timeline: SearchTimeline = { threads: n, wall: 0, workers: [], tasks: [] };
  const ran = (
    index: number,
    thread: string,
    begin: number,
    finish: number,
    schedule?: readonly [number, number],
  ) => {
    order.ended(index, finish - begin);
    const candidate = job.tasks[index]!.candidate;
    timeline.tasks.push({
      index,
      candidate,
      thread,
      start: begin - t0,
      end: finish - t0,
      ...(schedule ? { cpu: schedule[0], waited: schedule[1] } : {}),
    });
  };
  /** Tasks sent to each worker and not answered yet, oldest first. */
  const held = new Map<Pooled, number[]>();
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
  const completed = new Uint8Array(total);
  const count = (i: number) => {
    completed[i] = 1;
    done++;
    if (done === total) settle();
  };
  // One task running and one waiting; this thread takes back a waiting one it needs.
  const DEPTH = 2;
  const fill = (p: Pooled) => {
    const mine = held.get(p)!;
    while (!failed && !p.dead && order.left > 0 && mine.length < DEPTH) {
      const i = order.next()!;
      mine.push(i);
      p.worker.postMessage({ type: 'task', job: id, id: i, task: job.tasks[i]! } satisfies WorkerRequest);
    }
  };
  const answered = (p: Pooled, i: number) => {
    const mine = held.get(p)!;
    const k = mine.indexOf(i);
    if (k >= 0) mine.splice(k, 1);
  };
  const handlers = (p: Pooled, name: string): JobHandlers => ({
    onReady() {},
    onReply(m) {
      if (m.type === 'ready' || m.job !== id) return; // a late reply of an earlier search
      if (m.type === 'error' && m.id === null) return stop(reviveError(m.name, m.message));
      if (m.id === null) return;
      answered(p, m.id);
      if (m.type === 'skipped') {
        fill(p);
        return;
      }
      stats.tasksInWorkers++;
      if (m.type === 'result' && m.span) ran(m.id, name, m.span[0], m.span[1], m.schedule);
      try {
        onOutcome(
          m.type === 'result'
            ? { index: m.id, ok: true, value: m.result, ...(m.savedDir ? { savedDir: m.savedDir } : {}) }
            : { index: m.id, ok: false, error: { name: m.name, message: m.message } },
        );
      } catch (e) {
        return stop(e as Error);
      }
      count(m.id);
      fill(p);
    },
    onDeath: stop,
  });
  /** A task a worker holds but has not started, claimed for this thread (the last one queued first). */
  const steal = (): number | undefined => {
    for (const mine of held.values()) {
      for (let k = mine.length - 1; k >= 0; k--) {
        const i = mine[k]!;
        if (Atomics.compareExchange(claims, i, 0, 1) === 0) return i;
      }
    }
    return undefined;
  };
  const onAbort = () =>
    stop(new coreErrors.ExecutorAbortedError('The search was cancelled (its AbortSignal fired).'));
  if (job.signal?.aborted) onAbort();
  job.signal?.addEventListener('abort', onAbort, { once: true });
  const mine: Pooled[] = [];
  // This thread's own fits get their share of the cores too (the wasm kernel pool would take every core).
  const unlimit = local ? limitAcceleratorThreads(setup.threads) : () => {};
  const callerMs: number[] = [];
  /**
   * After a fit here, while no worker is up yet: ends the starting workers unused when this thread would end
   * the search sooner alone on every core (see DROP_FACTOR); the fits they held come back here.
   */
  const maybeDrop = async (): Promise<void> => {
    if (!dropColdWorkers || mine.length === 0 || mine.some((p) => p.ready || p.dead)) return;
    const mean = callerMs.reduce((a, b) => a + b, 0) / callerMs.length;
    const left = order.left + [...held.values()].reduce((a, h) => a + h.length, 0);
    const since = clock() - Math.min(...mine.map((p) => p.spawnedAt ?? t0));
    if (mean * left >= DROP_FACTOR * Math.max(0, expectedStartup - since)) return;
    for (const p of mine) p.job = null; // nothing it still sends counts
    await Promise.all(mine.map(end));
    for (const p of mine) {
      for (const i of held.get(p) ?? []) {
        if (completed[i]) continue;
        Atomics.store(claims, i, 0); // it may have claimed it just before it ended
        order.restore(i);
      }
      held.delete(p);
      stats.dropped++;
    }
    dropped = true;
    unlimit(); // alone now: every core again
  };
  let dropped = false;
  try {
    if (failed) throw failed;
    if (nWorkers > 0) {
      mine.push(...take(key, nWorkers));
      while (mine.length < nWorkers) mine.push(spawn(start, setup, key));
      for (const [k, p] of mine.entries()) {
        timeline.workers.push({ cold: !p.ready, ready: null });
        held.set(p, []);
        p.job = handlers(p, `worker ${k + 1}`);
        // The search and its first tasks go at once: a starting worker runs them as soon as it is up.
        p.worker.postMessage({ type: 'job', job: id, init: initOnce() } satisfies WorkerRequest);
        fill(p);
      }
    }
    const caller = async () => {
      if (!local) return;
      while (!failed) {
        let i = order.next();
        if (i === undefined) {
          i = steal();
          if (i === undefined) return;
        } else Atomics.store(claims, i, 1);
        stats.tasksInCaller++;
        const begin = clock();
        const before = threadSchedule();
        try {
          await local(i);
        } catch (e) {
          stop(e as Error);
          return;
        }
        const after = threadSchedule();
        const finish = clock();
        ran(
          i,
          'caller',
          begin,
          finish,
          before && after ? [after[0] - before[0], after[1] - before[1]] : undefined,
        );
        callerMs.push(finish - begin);
        count(i);
        if (done < total) await maybeDrop();
        // Lets the workers' replies in between two fits here (they get their next task at once).
        await new Promise((r) => setImmediate(r));
      }
    };
    await Promise.all([finished, caller()]);
  } finally {
    unlimit();
    timeline.wall = clock() - t0;
    timeline.workers = mine.map((p, k) => ({
      cold: timeline.workers[k]?.cold ?? true,
      ready: p.readyAt === undefined || dropped ? null : Math.max(0, p.readyAt - t0),
      ...(dropped ? { dropped: true as const } : {}),
    }));
    lastTimeline = timeline;
    job.signal?.removeEventListener('abort', onAbort);
    // Every task not yet started is claimed: a worker skips what it still holds of this search.
    for (let i = 0; i < total; i++) Atomics.store(claims, i, 1);
    const ending: Promise<void>[] = [];
    for (const p of mine) {
      // Busy with a task of a failed search (or gone): ended. Otherwise whatever it holds was claimed
      // elsewhere and is skipped, so it is parked warm.
      const busy = failed !== null && (held.get(p)?.length ?? 0) > 0;
      if (busy || p.dead) ending.push(end(p));
      else {
        p.worker.postMessage({ type: 'release', job: id } satisfies WorkerRequest);
        park(p);
      }
    }
    await Promise.all(ending);
    // A failed search keeps no fitted model its workers saved for returnEstimator.
    if (failed && job.returnEstimator) await rm(saveRoot, { recursive: true, force: true });
  }
  if (failed) throw failed;
}
