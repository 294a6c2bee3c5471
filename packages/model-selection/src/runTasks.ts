import { getDefaultRegistry, LayerwiseError, nodeBuiltin, ValidationError } from '@layerwise/core';
import type { Scoring } from '@layerwise/metrics';
import { BUILTIN_KINDS } from './builtinKinds.js';
import { cloneEstimator, resolveScorer, type SearchEstimator } from './estimator.js';
import { type FoldData, fitAndScore, type Task, type TaskResult } from './fitAndScore.js';
import { CannotRebuildError, encodeEstimator, findKind, type WorkerKind } from './workerKinds.js';

/** Options shared by the runners. */
export interface RunOptions {
  owner: string;
  scoring: Scoring | null | undefined;
  nJobs: number | null | undefined;
  returnTrainScore: boolean;
  returnEstimator: boolean;
}

/** A result plus the fitted estimator when asked for. */
export interface RunResult extends TaskResult {
  estimator?: SearchEstimator;
}

const isNode = () =>
  typeof process !== 'undefined' &&
  typeof process.versions === 'object' &&
  typeof process.versions.node === 'string';

/** Checks `nJobs` (null/undefined/1 = main thread, -1 = every core, -k = every core but k − 1). */
export function checkNJobs(nJobs: unknown, owner: string): void {
  if (nJobs === undefined || nJobs === null) return;
  if (!Number.isInteger(nJobs) || nJobs === 0) {
    throw new ValidationError(
      `${owner}: nJobs must be a non-zero integer (1 = no workers, -1 = every core), got ${String(nJobs)}.`,
    );
  }
}

function warn(message: string): void {
  console.warn(`layerwise model-selection: ${message}`);
}

async function runInMain(
  base: SearchEstimator,
  data: FoldData,
  tasks: readonly Task[],
  o: RunOptions,
): Promise<RunResult[]> {
  const scorer = resolveScorer(o.scoring, o.owner);
  const out: RunResult[] = [];
  for (const task of tasks) {
    const est = cloneEstimator(base);
    if (Object.keys(task.params).length > 0) est.setParams(task.params);
    const r: RunResult = await fitAndScore(est, data, task, scorer, o.returnTrainScore);
    if (o.returnEstimator) r.estimator = est;
    out.push(r);
  }
  return out;
}

/**
 * Runs every task: in worker threads when `nJobs` asks for more than one and the estimator can be rebuilt
 * there (Node only), otherwise in this thread — after one warning saying why. Results come back in task
 * order and equal the single-thread results for the same seeds.
 */
export async function runTasks(
  base: SearchEstimator,
  data: FoldData,
  tasks: readonly Task[],
  o: RunOptions,
): Promise<RunResult[]> {
  const wanted = o.nJobs ?? 1;
  if (wanted === 1 || tasks.length <= 1) return runInMain(base, data, tasks, o);
  if (!isNode()) {
    warn(`${o.owner}: nJobs ${wanted} needs Node's worker_threads; running in this thread (nJobs 1).`);
    return runInMain(base, data, tasks, o);
  }
  let fallback: string | null = null;
  let job: ReturnType<typeof encodeEstimator> | null = null;
  if (typeof o.scoring === 'function' && !o.scoring.scoringName) {
    fallback = 'a scoring function cannot be sent to a worker (use a scoring name)';
  } else {
    try {
      job = encodeEstimator(base, BUILTIN_KINDS);
    } catch (e) {
      if (!(e instanceof CannotRebuildError)) throw e;
      fallback = e.message;
    }
  }
  let kind: WorkerKind | undefined;
  if (!fallback && o.returnEstimator) {
    kind = findKind(base, BUILTIN_KINDS);
    if (!kind?.load) fallback = 'returnEstimator needs a worker kind with load()';
  }
  let backend: string | null = null;
  if (!fallback && job) {
    const names = new Set<string>();
    for (const b of job.backends)
      names.add(await (b.registry ?? getDefaultRegistry()).activateBackend(b.requested));
    if (names.size > 1) fallback = `its parts train on different backends (${[...names].join(', ')})`;
    else backend = names.values().next().value ?? 'cpu';
    if (backend && !['cpu', 'wasm', 'node'].includes(backend)) {
      fallback = `backend '${backend}' is not one workers can load (cpu, wasm, node)`;
    }
  }
  if (fallback || !job || !backend) {
    warn(`${o.owner}: nJobs ${wanted} ignored, running in the main thread: ${fallback}.`);
    return runInMain(base, data, tasks, o);
  }
  // "#pool" is pool.ts in Node and pool.browser.ts in browser bundles (package.json "imports")
  const { runInWorkers } = await import('#pool');
  const scoring = typeof o.scoring === 'function' ? (o.scoring.scoringName ?? null) : (o.scoring ?? null);
  const results = await runInWorkers({
    spec: job.spec,
    backend,
    data,
    tasks,
    scoring,
    returnTrainScore: o.returnTrainScore,
    returnEstimator: o.returnEstimator,
    nJobs: wanted,
  });
  if (!o.returnEstimator) return results.map(({ savedDir: _s, ...r }) => r);
  const { rm } = nodeBuiltin<typeof import('node:fs/promises')>(
    'node:fs/promises',
    `${o.owner} (returnEstimator)`,
  );
  const out: RunResult[] = [];
  for (const { savedDir, ...r } of results) {
    try {
      out.push({ ...r, estimator: (await kind!.load!(savedDir!, base)) as SearchEstimator });
    } finally {
      await rm(savedDir!, { recursive: true, force: true });
    }
  }
  return out;
}

/** Re-creates a worker's error in this thread with its class when it is a layerwise error. */
export function reviveError(name: string, message: string, classes: Record<string, unknown>): Error {
  const Cls = classes[name];
  const e = new Error(message);
  if (typeof Cls === 'function' && Cls.prototype instanceof Error) Object.setPrototypeOf(e, Cls.prototype);
  else Object.setPrototypeOf(e, LayerwiseError.prototype);
  e.name = name;
  return e;
}
