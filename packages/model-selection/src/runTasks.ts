import * as core from '@layerwise/core';
import {
  EXECUTOR,
  type ExecutorOutcome,
  type ExecutorPlugin,
  getDefaultRegistry,
  isExecutorPlugin,
  LayerwiseError,
  nodeBuiltin,
  type PluginDescriptor,
  PluginError,
  type Registry,
  ValidationError,
} from '@layerwise/core';
import type { Scoring } from '@layerwise/metrics';
import { BUILTIN_KINDS } from './builtinKinds.js';
import { cloneEstimator, resolveScorer, type SearchEstimator } from './estimator.js';
import { type FoldData, fitAndScore, type Task, type TaskResult } from './fitAndScore.js';
import { RowScratch } from './indexing.js';
import { FIT_AND_SCORE, type FitAndScoreShared, unpackModel } from './taskRunner.js';
import {
  CannotRebuildError,
  type EncodedJob,
  encodeEstimator,
  findKind,
  loadRegistry,
  type WorkerKind,
} from './workerKinds.js';

/** scikit-learn's `error_score`: `'raise'` re-throws a failing fit; a number is recorded as its score. */
export type ErrorScore = 'raise' | number;

/** Options shared by the runners. */
export interface RunOptions {
  owner: string;
  scoring: Scoring | null | undefined;
  nJobs: number | null | undefined;
  /** An executor plugin or the name of one registered with `registry.use()`. */
  executor?: ExecutorPlugin | string | null;
  errorScore?: ErrorScore;
  signal?: AbortSignal | null;
  returnTrainScore: boolean;
  returnEstimator: boolean;
}

/** A result plus the fitted estimator when asked for. */
export interface RunResult extends TaskResult {
  estimator?: SearchEstimator;
  /** Set when the fit failed and `errorScore` was recorded instead. */
  failed?: true;
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

/** Checks `errorScore` ('raise' or a number, NaN included). */
export function checkErrorScore(errorScore: unknown, owner: string): void {
  if (errorScore === undefined || errorScore === 'raise' || typeof errorScore === 'number') return;
  throw new ValidationError(
    `${owner}: errorScore must be 'raise' or a number (e.g. NaN), got ${JSON.stringify(errorScore)}.`,
  );
}

/** Checks `signal` (an AbortSignal). */
export function checkSignal(signal: unknown, owner: string): void {
  if (signal === undefined || signal === null) return;
  if (
    typeof (signal as AbortSignal).aborted !== 'boolean' ||
    typeof (signal as AbortSignal).addEventListener !== 'function'
  ) {
    throw new ValidationError(`${owner}: signal must be an AbortSignal (new AbortController().signal).`);
  }
}

/**
 * The executor for `executor`: the plugin itself, or the one registered under that name in `registry`
 * (the estimator's) or the default registry. PluginError naming the registered ones when there is none.
 */
export function resolveExecutor(
  executor: unknown,
  owner: string,
  registry?: Registry,
): ExecutorPlugin | undefined {
  if (executor === undefined || executor === null) return undefined;
  if (typeof executor === 'string') {
    const all = [registry, getDefaultRegistry()]
      .filter((r): r is Registry => r !== undefined)
      .flatMap((r) => r.getAll(EXECUTOR));
    const found = [...all].reverse().find((e) => e.name === executor);
    if (!found) {
      const names = [...new Set(all.map((e) => e.name))];
      throw new PluginError(
        `${owner}: no executor named '${executor}' is registered (registered: ${names.length ? names.join(', ') : 'none'}); registry.use(bullmqExecutor({ … })) from @layerwise/executor-bullmq, or pass the plugin itself.`,
      );
    }
    return found;
  }
  if (!isExecutorPlugin(executor)) {
    throw new ValidationError(
      `${owner}: executor must be an executor plugin (e.g. bullmqExecutor({ … })) or the name of a registered one.`,
    );
  }
  return executor;
}

function registryOf(est: unknown): Registry | undefined {
  const r = (est as { registry?: unknown } | null)?.registry;
  return r && typeof (r as Registry).getAll === 'function' ? (r as Registry) : undefined;
}

function warn(message: string): void {
  console.warn(`layerwise model-selection: ${message}`);
}

/** Re-creates a worker's error in this thread with its class when it is a layerwise error. */
export function reviveError(name: string, message: string): Error {
  const Cls = (core as unknown as Record<string, unknown>)[name];
  const e: Error = new LayerwiseError(message);
  if (typeof Cls === 'function' && Cls.prototype instanceof Error) Object.setPrototypeOf(e, Cls.prototype);
  else Object.setPrototypeOf(e, LayerwiseError.prototype);
  e.name = name;
  return e;
}

/** Collects outcomes into results in task order, applying `errorScore` to failed tasks. */
class Collector {
  readonly results: (RunResult & { savedDir?: string })[];
  #warned = false;
  constructor(
    private readonly tasks: readonly Task[],
    private readonly o: RunOptions,
  ) {
    this.results = new Array(tasks.length);
  }

  add(outcome: ExecutorOutcome & { savedDir?: string }): void {
    const i = outcome.index;
    if (!Number.isInteger(i) || i < 0 || i >= this.tasks.length) {
      throw new LayerwiseError(`${this.o.owner}: the executor reported task ${i}, which does not exist.`);
    }
    if (this.results[i]) return; // recorded once, whatever the executor repeats
    if (outcome.ok) {
      const r = outcome.value as TaskResult;
      this.results[i] = outcome.savedDir ? { ...r, savedDir: outcome.savedDir } : { ...r };
    } else this.fail(i, reviveError(outcome.error.name, outcome.error.message));
  }

  fail(i: number, error: Error): void {
    const es = this.o.errorScore ?? 'raise';
    if (es === 'raise') throw error;
    const t = this.tasks[i]!;
    if (!this.#warned) {
      this.#warned = true;
      warn(
        `${this.o.owner}: a fit failed (candidate ${t.candidate}, split ${t.split}) and scores errorScore ${es}: ${error.name}: ${error.message}`,
      );
    }
    this.results[i] = {
      testScore: es,
      ...(this.o.returnTrainScore ? { trainScore: es } : {}),
      fitTime: 0,
      scoreTime: 0,
      failed: true,
    };
  }

  done(): (RunResult & { savedDir?: string })[] {
    const missing = this.tasks.findIndex((_, i) => !this.results[i]);
    if (missing >= 0) {
      throw new LayerwiseError(
        `${this.o.owner}: the executor finished without a result for task ${missing}.`,
      );
    }
    return this.results;
  }
}

/** Fits and scores task `i` in this thread into `c` (throws when `errorScore` is 'raise' and it fails). */
async function runHere(
  base: SearchEstimator,
  data: FoldData,
  tasks: readonly Task[],
  i: number,
  scorer: ReturnType<typeof resolveScorer>,
  c: Collector,
  o: RunOptions,
  scratch: RowScratch | undefined,
): Promise<void> {
  const task = tasks[i]!;
  const est = cloneEstimator(base);
  if (Object.keys(task.params).length > 0) est.setParams(task.params);
  try {
    const r: RunResult = await fitAndScore(est, data, task, scorer, o.returnTrainScore, scratch);
    if (o.returnEstimator) r.estimator = est;
    c.results[i] = r;
  } catch (e) {
    c.fail(i, e instanceof Error ? e : new LayerwiseError(String(e)));
  }
}

/** Fold buffers this thread's fits share, unless the fitted estimators are kept (they could hold their rows). */
function rowScratch(o: RunOptions): RowScratch | undefined {
  return o.returnEstimator ? undefined : new RowScratch();
}

async function runInMain(
  base: SearchEstimator,
  data: FoldData,
  tasks: readonly Task[],
  o: RunOptions,
): Promise<RunResult[]> {
  const scorer = resolveScorer(o.scoring, o.owner);
  const c = new Collector(tasks, o);
  const scratch = rowScratch(o);
  for (let i = 0; i < tasks.length; i++) {
    if (o.signal?.aborted) {
      throw new core.ExecutorAbortedError(`${o.owner}: the search was cancelled (its AbortSignal fired).`);
    }
    await runHere(base, data, tasks, i, scorer, c, o, scratch);
  }
  return c.done();
}

let poolModule: typeof import('#pool') | null = null;

/** Where the time of one `nJobs` search went (see {@link lastSearchTimeline}). */
export interface SearchTimeline {
  /** Threads the search ran on: this one (`caller`) and the workers. */
  threads: number;
  /** The search's wall time in the pool (ms). */
  wall: number;
  /**
   * Per worker: started for this search (`cold`) or kept warm from an earlier one, when its backend was ready
   * (ms), and `dropped` when it was ended unused because this thread could end the search sooner alone.
   */
  workers: { cold: boolean; ready: number | null; dropped?: true }[];
  /**
   * Per task, in the order they ended: the thread that ran it (`caller`, `worker 1`…), its start and end (ms)
   * and, on Linux, that thread's time on a core (`cpu`) and waiting for one (`waited`) during it (ms): more CPU
   * time than the same fit alone means the threads slow each other down on shared hardware; waiting means
   * other work held the cores.
   */
  tasks: {
    index: number;
    candidate: number;
    thread: string;
    start: number;
    end: number;
    cpu?: number;
    waited?: number;
  }[];
}

/**
 * Ends the worker threads `nJobs` keeps warm between searches. They never keep the process alive and end
 * by themselves after `idleTimeout` seconds without work (see {@link configureWorkerPool}); call this to
 * release them (and their memory) at once, e.g. at the end of a test file. Workers busy in a running
 * search end when it does.
 */
export async function disposeWorkerPool(): Promise<void> {
  await poolModule?.disposePool();
}

/**
 * Where the time of this process's last `nJobs` search in worker threads went: per task the thread that ran
 * it and when (ms since the search began), per worker whether it was started for the search (cold) and when
 * its backend was ready. `null` before the first such search. For benchmarks and profiling.
 */
export function lastSearchTimeline(): SearchTimeline | null {
  return poolModule?.lastSearchTimeline() ?? null;
}

/** Options of {@link configureWorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * Seconds a worker thread stays warm after a search, ready for the next one (default 300, as joblib's
   * reusable executor). `0`: workers end with their search (each search then pays their start-up).
   */
  idleTimeout?: number;
}

let pendingIdleTimeout: number | undefined;

/** Sets how the `nJobs` worker pool of this process keeps its workers (see {@link WorkerPoolOptions}). */
export function configureWorkerPool(options: WorkerPoolOptions): void {
  const t = options?.idleTimeout;
  if (t !== undefined && !(typeof t === 'number' && t >= 0 && Number.isFinite(t))) {
    throw new ValidationError(
      `configureWorkerPool: idleTimeout must be a number of seconds ≥ 0, got ${String(t)}.`,
    );
  }
  if (t === undefined) return;
  pendingIdleTimeout = t;
  poolModule?.setIdleTimeout(t);
}

/** What workers need to rebuild the estimator and its backend; a string says why they cannot. */
async function encodeForWorkers(
  base: SearchEstimator,
  o: RunOptions,
): Promise<{ job: EncodedJob; plugins: PluginDescriptor[]; scoring: string | null } | string> {
  if (typeof o.scoring === 'function' && !o.scoring.scoringName) {
    return 'a scoring function cannot be sent to a worker (use a scoring name)';
  }
  let job: EncodedJob;
  try {
    job = encodeEstimator(base, BUILTIN_KINDS);
  } catch (e) {
    if (!(e instanceof CannotRebuildError)) throw e;
    return e.message;
  }
  const plugins = new Map<string, PluginDescriptor>();
  // A kind that named no backend (a third-party estimator's encode need not) runs on the caller's: the
  // workers get the backend its registry picks here, so they have one to run on.
  const backends =
    job.backends.length > 0 ? job.backends : [{ registry: registryOf(base), requested: 'auto' }];
  for (const b of backends) {
    const registry = b.registry ?? getDefaultRegistry();
    const name = await registry.activateBackend(b.requested);
    const plugin = registry.backends().find((p) => p.name === name);
    if (!plugin?.descriptor) {
      return `backend '${name}' has no plugin descriptor workers could rebuild it from (cpuBackend, wasmBackend and nodeBackend have one)`;
    }
    plugins.set(name, plugin.descriptor);
  }
  if (plugins.size > 1) return `its parts train on different backends (${[...plugins.keys()].join(', ')})`;
  const scoring = typeof o.scoring === 'function' ? (o.scoring.scoringName ?? null) : (o.scoring ?? null);
  return { job, plugins: [...plugins.values()], scoring };
}

/**
 * Runs every task: on `executor` when one is given; in worker threads when `nJobs` asks for more than one
 * and the estimator can be rebuilt there (Node only), otherwise in this thread — after one warning saying
 * why. Results come back in task order and equal the single-thread results for the same seeds.
 */
export async function runTasks(
  base: SearchEstimator,
  data: FoldData,
  tasks: readonly Task[],
  o: RunOptions,
): Promise<RunResult[]> {
  const executor = resolveExecutor(o.executor, o.owner, registryOf(base));
  const wanted = o.nJobs ?? 1;
  // A table read as a columns object (names, text columns) is not a numeric matrix workers can share.
  const matrix = isSharedMatrix(data.X);
  if (executor && !matrix) {
    throw new ValidationError(
      `${o.owner}: the executor '${executor.name}' needs X as a numeric matrix; this table (its columns kept by name) cannot be sent to its workers. Pass its numeric columns as { data, shape } or run without an executor.`,
    );
  }
  if (executor) return runOnExecutor(executor, base, data, tasks, o);
  if (wanted === 1 || tasks.length <= 1) return runInMain(base, data, tasks, o);
  if (!matrix) {
    warn(
      `${o.owner}: nJobs ${wanted} ignored, running in the main thread: X is a table (columns kept by name).`,
    );
    return runInMain(base, data, tasks, o);
  }
  if (!isNode()) {
    warn(`${o.owner}: nJobs ${wanted} needs Node's worker_threads; running in this thread (nJobs 1).`);
    return runInMain(base, data, tasks, o);
  }
  let encoded = await encodeForWorkers(base, o);
  let kind: WorkerKind | undefined;
  if (typeof encoded !== 'string' && o.returnEstimator) {
    kind = findKind(base, BUILTIN_KINDS);
    if (!kind?.load) encoded = 'returnEstimator needs a worker kind with load()';
  }
  if (typeof encoded === 'string') {
    warn(`${o.owner}: nJobs ${wanted} ignored, running in the main thread: ${encoded}.`);
    return runInMain(base, data, tasks, o);
  }
  // "#pool" is pool.ts in Node and pool.browser.ts in browser bundles (package.json "imports")
  if (!poolModule) {
    poolModule = await import('#pool');
    if (pendingIdleTimeout !== undefined) poolModule.setIdleTimeout(pendingIdleTimeout);
  }
  const c = new Collector(tasks, o);
  const scorer = resolveScorer(o.scoring, o.owner);
  const scratch = rowScratch(o);
  await poolModule.runInWorkers(
    {
      shared: {
        spec: encoded.job.spec,
        data,
        scoring: encoded.scoring,
        returnTrainScore: o.returnTrainScore,
      },
      plugins: encoded.plugins,
      modules: encoded.job.modules,
      tasks,
      nJobs: wanted,
      returnEstimator: o.returnEstimator,
      ...(o.signal ? { signal: o.signal } : {}),
    },
    (outcome) => c.add(outcome),
    // This thread runs tasks too: the first start at once, while the workers start.
    (i) => runHere(base, data, tasks, i, scorer, c, o, scratch),
  );
  const results = c.done();
  if (!o.returnEstimator) return results.map(({ savedDir: _s, ...r }) => r);
  const { rm } = nodeBuiltin<typeof import('node:fs/promises')>(
    'node:fs/promises',
    `${o.owner} (returnEstimator)`,
  );
  const out: RunResult[] = [];
  const roots = new Set<string>();
  const registry = loadRegistry(base);
  try {
    for (const { savedDir, ...r } of results) {
      try {
        out.push(
          savedDir
            ? { ...r, estimator: (await kind!.load!(savedDir, base, { registry })) as SearchEstimator }
            : r,
        );
      } finally {
        if (savedDir) {
          roots.add(savedDir.replace(/[\\/][^\\/]*$/, ''));
          await rm(savedDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    // The workers' save root (layerwise-cv-<pid>-<time>) goes too: nothing is left in the temp dir.
    for (const root of roots) await rm(root, { recursive: true, force: true });
  }
  return out;
}

async function runOnExecutor(
  executor: ExecutorPlugin,
  base: SearchEstimator,
  data: FoldData,
  tasks: readonly Task[],
  o: RunOptions,
): Promise<RunResult[]> {
  let encoded = await encodeForWorkers(base, o);
  const kind = o.returnEstimator ? findKind(base, BUILTIN_KINDS) : undefined;
  if (typeof encoded !== 'string' && o.returnEstimator && !kind?.load) {
    encoded = 'returnEstimator needs an estimator kind with load()';
  }
  if (typeof encoded === 'string') {
    throw new ValidationError(
      `${o.owner}: the executor '${executor.name}' cannot run this search: ${encoded}.`,
    );
  }
  const shared: FitAndScoreShared = {
    spec: encoded.job.spec,
    data,
    scoring: encoded.scoring,
    returnTrainScore: o.returnTrainScore,
    ...(o.returnEstimator ? { returnEstimator: true } : {}),
  };
  const c = new Collector(tasks, o);
  await executor.run(
    {
      handler: FIT_AND_SCORE,
      shared,
      tasks,
      costGroups: tasks.map((t) => t.candidate),
      concurrency: o.nJobs ?? 1,
      plugins: encoded.plugins,
      ...(o.signal ? { signal: o.signal } : {}),
    },
    (outcome) => c.add(outcome),
  );
  const results = c.done() as (RunResult & { model?: unknown })[];
  if (!o.returnEstimator) return results.map(({ model: _m, ...r }) => r);
  // The fitted models came back as files: each is written to a temporary folder, loaded, removed.
  const { mkdtemp, rm } = nodeBuiltin<typeof import('node:fs/promises')>(
    'node:fs/promises',
    `${o.owner} (returnEstimator)`,
  );
  const { join } = nodeBuiltin<typeof import('node:path')>('node:path', `${o.owner} (returnEstimator)`);
  const { tmpdir } = nodeBuiltin<typeof import('node:os')>('node:os', `${o.owner} (returnEstimator)`);
  const root = await mkdtemp(join(tmpdir(), 'layerwise-cv-'));
  const registry = loadRegistry(base);
  try {
    const out: RunResult[] = [];
    for (const [i, { model, ...r }] of results.entries()) {
      if (model === undefined) {
        if (r.failed) out.push(r);
        else throw new LayerwiseError(`${o.owner}: the executor sent no fitted model for task ${i}.`);
        continue;
      }
      const dir = join(root, `task-${i}`);
      await unpackModel(model, dir);
      out.push({ ...r, estimator: (await kind!.load!(dir, base, { registry })) as SearchEstimator });
      await rm(dir, { recursive: true, force: true });
    }
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Whether X is a `{ data: Float32Array | Float64Array, shape }` matrix (what workers read from shared memory). */
function isSharedMatrix(X: FoldData['X']): boolean {
  const m = X as { data?: unknown; shape?: unknown };
  return (m.data instanceof Float32Array || m.data instanceof Float64Array) && Array.isArray(m.shape);
}
