/** Node only: a pool of worker threads running fit-and-score tasks. Imported lazily by runTasks. */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ExecutorOutcome, PluginDescriptor } from '@layerwise/core';
import * as coreErrors from '@layerwise/core';
import type { FoldData, Task, TaskResult } from './fitAndScore.js';
import type { TargetStore } from './indexing.js';
import { reviveError } from './runTasks.js';
import type { FitAndScoreShared } from './taskRunner.js';

/** Everything a worker needs once. */
export interface WorkerInit {
  shared: FitAndScoreShared;
  /** The caller's backend, rebuilt in the worker. */
  plugins: readonly PluginDescriptor[];
  /** The backend's thread budget in this worker (cores ÷ workers, at least 1). */
  threads: number;
  /** Module URLs → the URLs workers import (a package's sources → its built `dist`). */
  moduleMap: Record<string, string>;
  returnEstimator: boolean;
  /** Where fitted estimators are saved for `returnEstimator`. */
  saveRoot: string;
}

/** Messages from a worker. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: TaskResult; savedDir?: string }
  | { type: 'error'; id: number | null; name: string; message: string };

/** The number of workers for `nJobs` (−1 = every core, −2 = every core but one…), at most one per task. */
export function workerCount(nJobs: number, tasks: number): number {
  const cores = availableParallelism();
  const n = nJobs < 0 ? Math.max(1, cores + 1 + nJobs) : nJobs;
  return Math.max(1, Math.min(n, tasks));
}

/** The backend thread budget of each of `workers` workers: cores ÷ workers, at least 1. */
export function threadBudget(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
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

/** This process's Node flags without export conditions: built workers resolve packages to their `dist`. */
function builtExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // Export conditions (workers run `dist`), an `-e` script and loaders (tsx) stay with this thread.
    if (
      [
        '--conditions',
        '-C',
        '-e',
        '--eval',
        '-p',
        '--print',
        '--input-type',
        '--import',
        '--require',
        '-r',
        '--loader',
      ].includes(a)
    )
      i++;
    else if (!/^(--conditions|-C|--input-type|--eval|--print|--import|--require|--loader)=/.test(a))
      out.push(a);
  }
  return out;
}

/**
 * How to start workers: the built worker.js (from `dist` when running from sources, with every module the
 * job names mapped to its built twin), or — only when something is not built — worker.ts through tsx.
 */
function plan(modules: readonly string[]): { start: () => Worker; moduleMap: Record<string, string> } {
  const here = import.meta.url;
  const moduleMap: Record<string, string> = {};
  let built = true;
  for (const m of modules) {
    if (!m.endsWith('.ts')) continue;
    const twin = builtTwin(m);
    if (twin) moduleMap[m] = twin;
    else built = false;
  }
  const workerJs = here.endsWith('.ts') ? builtTwin(new URL('./worker.ts', here).href) : null;
  if (!here.endsWith('.ts')) {
    if (built)
      return {
        start: () => new Worker(new URL('./worker.js', here), { execArgv: builtExecArgv() }),
        moduleMap,
      };
  } else if (built && workerJs) {
    return { start: () => new Worker(new URL(workerJs), { execArgv: builtExecArgv() }), moduleMap };
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
  return {
    start: () =>
      new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), {
        execArgv: ['--conditions=source'],
      }),
    moduleMap: {},
  };
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

/**
 * Runs `tasks` on a pool of worker threads started once for the whole job and reused, each with its share
 * of the cores; the data are sent once (shared memory). Calls `onOutcome` once per task (a task that throws
 * is an outcome, not a rejection); if `onOutcome` throws, the pool stops and rejects with that error.
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
): Promise<void> {
  const n = workerCount(job.nJobs, job.tasks.length);
  const modules = [...job.modules, ...job.plugins.flatMap((p) => (p.module ? [p.module] : []))];
  const { start, moduleMap } = plan(modules);
  const init: WorkerInit = {
    shared: { ...job.shared, data: shareData(job.shared.data) },
    plugins: job.plugins,
    threads: threadBudget(n),
    moduleMap,
    returnEstimator: job.returnEstimator,
    saveRoot: join(tmpdir(), `layerwise-cv-${process.pid}-${Date.now()}`),
  };
  const workers: Worker[] = [];
  let next = 0;
  let failed: Error | null = null;
  let finished = false;
  const stoppers: ((e: Error) => void)[] = [];
  const stop = (e: Error) => {
    failed ??= e;
    for (const s of stoppers) s(failed);
  };
  const onAbort = () =>
    stop(new coreErrors.ExecutorAbortedError('The search was cancelled (its AbortSignal fired).'));
  if (job.signal?.aborted) onAbort();
  job.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (failed) throw failed;
    await Promise.all(
      Array.from({ length: n }, async () => {
        const w = start();
        workers.push(w);
        await new Promise<void>((resolve, reject) => {
          stoppers.push(reject);
          const send = () => {
            if (failed || next >= job.tasks.length) return resolve();
            const id = next++;
            w.postMessage({ type: 'task', id, task: job.tasks[id]! });
          };
          w.on('message', (m: WorkerReply) => {
            try {
              if (m.type === 'ready') return send();
              if (m.type === 'result') {
                onOutcome({ index: m.id, ok: true, value: m.result, savedDir: m.savedDir });
                return send();
              }
              if (m.id === null) {
                // init failed: the whole job fails
                stop(reviveError(m.name, m.message));
                return;
              }
              onOutcome({ index: m.id, ok: false, error: { name: m.name, message: m.message } });
              send();
            } catch (e) {
              stop(e as Error);
            }
          });
          w.on('error', (e) => stop(e));
          w.on('exit', (code) => {
            if (code !== 0 && !finished)
              stop(new coreErrors.LayerwiseError(`A model-selection worker exited with code ${code}.`));
          });
          w.postMessage({ type: 'init', init });
        });
      }),
    );
  } finally {
    job.signal?.removeEventListener('abort', onAbort);
    finished = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failed) throw failed;
}
