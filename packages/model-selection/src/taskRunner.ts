/**
 * The worker side of model selection, shared by the worker threads of `nJobs` and by remote workers
 * (`@layerwise/executor-bullmq`): rebuild the caller's backend from its plugin descriptor, rebuild the
 * estimator through its worker kind, then fit and score tasks. Nothing here imports a backend package:
 * the descriptors say which one.
 */

import {
  type BackendPlugin,
  checkSafeFileName,
  nodeBuiltin,
  type PluginDescriptor,
  Registry,
  setDefaultRegistryFactory,
  TaskPayloadError,
} from '@layerwise/core';
import { resolveScorer, type SearchEstimator } from './estimator.js';
import { type FoldData, fitAndScore, type Task, type TaskResult } from './fitAndScore.js';
import { RowScratch } from './indexing.js';
import { decodeEstimator, type EncodedEstimator, type WorkerKind } from './workerKinds.js';

/** The executor handler name of model selection's tasks. */
export const FIT_AND_SCORE = 'layerwise/fit-and-score';

/** What every task of one search shares (sent to each worker once). */
export interface FitAndScoreShared {
  spec: EncodedEstimator;
  data: FoldData;
  scoring: string | null;
  returnTrainScore: boolean;
  /**
   * Send each fitted estimator back (executors: the workers are elsewhere): its saved model's files come
   * with the result as {@link ModelFiles}.
   */
  returnEstimator?: boolean;
}

/** A saved model's files (paths relative to its directory, `/`-separated) and their bytes. */
export type ModelFiles = { path: string; bytes: Uint8Array }[];

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type Os = typeof import('node:os');
const node = (what: string) => ({
  fs: nodeBuiltin<Fs>('node:fs/promises', what),
  path: nodeBuiltin<Path>('node:path', what),
  os: nodeBuiltin<Os>('node:os', what),
});

/** Saves a fitted estimator into a temporary directory and returns its files (the directory is removed). */
export async function packModel(estimator: unknown): Promise<ModelFiles> {
  const { fs, path, os } = node('returnEstimator');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'layerwise-model-'));
  try {
    const out = path.join(dir, 'model');
    await (estimator as { save(dir: string): Promise<void> }).save(out);
    const files: ModelFiles = [];
    const walk = async (rel: string): Promise<void> => {
      for (const e of await fs.readdir(path.join(out, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(r);
        else if (e.isFile())
          files.push({ path: r, bytes: new Uint8Array(await fs.readFile(path.join(out, r))) });
      }
    };
    await walk('');
    return files;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes {@link ModelFiles} that came from a worker into `dir` (created). Every path segment must be a plain
 * file name (ModelFormatError otherwise: nothing is written outside `dir`).
 */
export async function unpackModel(files: unknown, dir: string): Promise<void> {
  const { fs, path } = node('returnEstimator');
  if (!Array.isArray(files)) throw new TaskPayloadError('A returned model must be a list of files.');
  const checked = files.map((f: unknown) => {
    const { path: p, bytes } = (f ?? {}) as { path?: unknown; bytes?: unknown };
    if (typeof p !== 'string' || !(bytes instanceof Uint8Array)) {
      throw new TaskPayloadError('A returned model file needs a path and bytes.');
    }
    const segments = p.split('/').map((s) => checkSafeFileName(s, 'a returned model file path'));
    return { segments, bytes };
  });
  for (const { segments, bytes } of checked) {
    const target = path.join(dir, ...segments);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, bytes);
  }
}

/** How a worker finds the modules a job names (a factory's package, a worker kind's module). */
export interface ModuleResolver {
  /** Imports the module exporting a plugin factory; throws TaskPayloadError when not allowed. */
  plugin(descriptor: PluginDescriptor): Promise<Record<string, unknown>>;
  /** Imports the module exporting a worker kind; throws TaskPayloadError when not allowed. */
  kind(encoded: EncodedEstimator): Promise<Record<string, unknown>>;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

function bad(what: string): never {
  throw new TaskPayloadError(`Malformed model-selection job: ${what}.`);
}

/**
 * Rebuilds a registry from plugin descriptors with `threads` as the backend's thread budget (backends whose
 * factory takes a `threads` option), and activates the backend. Returns the registry and backend name.
 */
export async function rebuildRegistry(
  descriptors: readonly PluginDescriptor[],
  threads: number,
  resolve: ModuleResolver,
): Promise<{ registry: Registry; backend: string }> {
  if (!Array.isArray(descriptors)) bad('plugins must be an array of descriptors');
  const registry = new Registry();
  let backend: string | undefined;
  for (const desc of descriptors as unknown[]) {
    if (!isObj(desc) || typeof desc.package !== 'string' || typeof desc.factory !== 'string') {
      bad('a plugin descriptor needs a package and a factory name');
    }
    const d = desc as unknown as PluginDescriptor;
    if (d.options !== undefined && !isObj(d.options)) bad(`the options of ${d.package} must be an object`);
    const mod = await resolve.plugin(d);
    const factory = mod[d.factory];
    if (typeof factory !== 'function') bad(`${d.package} exports no factory named ${d.factory}`);
    const options = { ...(d.options ?? {}) };
    if (d.package === '@layerwise/backend-wasm') options.threads = threads;
    const plugin = (factory as (o: object) => BackendPlugin)(options);
    if (!isObj(plugin) || plugin.kind !== 'backend')
      bad(`${d.package}.${d.factory}() is not a backend plugin`);
    registry.use(plugin);
    backend ??= plugin.name;
  }
  setDefaultRegistryFactory(() => registry);
  const name = await registry.activateBackend(backend ?? 'auto');
  return { registry, backend: name };
}

function checkShared(shared: unknown): asserts shared is FitAndScoreShared {
  if (!isObj(shared)) bad('the shared part must be an object');
  const { spec, data, scoring, returnTrainScore } = shared;
  if (!isObj(spec) || typeof spec.exportName !== 'string' || typeof spec.module !== 'string') {
    bad('spec must name a worker kind (module, exportName)');
  }
  if (!isObj(data) || !isObj(data.X)) bad('data.X must be { data, shape }');
  const X = data.X as { data?: unknown; shape?: unknown };
  const shape = X.shape as unknown[];
  if (
    !Array.isArray(shape) ||
    shape.length !== 2 ||
    !shape.every((n) => Number.isInteger(n) && (n as number) >= 0) ||
    !(X.data instanceof Float32Array || X.data instanceof Float64Array) ||
    X.data.length !== (shape[0] as number) * (shape[1] as number)
  ) {
    bad('data.X must be a Float32Array or Float64Array matrix whose length is rows × columns');
  }
  if (scoring !== null && typeof scoring !== 'string') bad('scoring must be a name or null');
  if (typeof returnTrainScore !== 'boolean') bad('returnTrainScore must be a boolean');
  if (shared.returnEstimator !== undefined && typeof shared.returnEstimator !== 'boolean')
    bad('returnEstimator must be a boolean');
}

function checkTask(task: unknown, rows: number): asserts task is Task {
  if (!isObj(task)) bad('a task must be an object');
  const { candidate, split, params, train, test } = task;
  if (!Number.isInteger(candidate) || !Number.isInteger(split)) bad('candidate and split must be integers');
  if (!isObj(params)) bad('params must be an object');
  for (const [name, idx] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (!(idx instanceof Int32Array) || idx.length === 0) bad(`${name} must be a non-empty Int32Array`);
    for (const i of idx) if (i < 0 || i >= rows) bad(`${name} holds row ${i}, outside 0…${rows - 1}`);
  }
}

/**
 * Validates a search's shared part and returns the function that runs one task of it: a fresh decode of
 * the estimator (the same unfitted estimator every time), its params, fit on the training rows, score.
 * `keepsEstimators`: the caller keeps the fitted estimators it returns (then each fit gets its own rows).
 * Malformed input throws TaskPayloadError before anything is fitted.
 */
export async function createFitAndScoreRunner(
  shared: unknown,
  registry: Registry,
  resolve: ModuleResolver,
  options: { keepsEstimators?: boolean } = {},
): Promise<(task: unknown) => Promise<{ result: TaskResult; estimator: SearchEstimator }>> {
  checkShared(shared);
  const rows = (shared.data.X as { shape: [number, number] }).shape[0];
  const loadKind = async (e: EncodedEstimator): Promise<WorkerKind> => {
    const mod = await resolve.kind(e);
    const kind = mod[e.exportName] as WorkerKind | undefined;
    if (!isObj(kind) || typeof kind.decode !== 'function') {
      throw new TaskPayloadError(
        `Malformed model-selection job: ${e.module} has no worker kind ${e.exportName}.`,
      );
    }
    return kind;
  };
  // Decoded once up front so a kind that cannot be rebuilt fails before any task runs.
  await decodeEstimator(shared.spec, registry, loadKind);
  const scorer = resolveScorer(shared.scoring, 'worker');
  // Fold buffers shared by this search's fits here, unless the fitted estimators are kept or sent back.
  const scratch = shared.returnEstimator || options.keepsEstimators ? undefined : new RowScratch();
  return async (task) => {
    checkTask(task, rows);
    const est = (await decodeEstimator(shared.spec, registry, loadKind)) as SearchEstimator;
    if (Object.keys(task.params).length > 0) est.setParams(task.params);
    const result: TaskResult & { model?: ModelFiles } = await fitAndScore(
      est,
      shared.data,
      task,
      scorer,
      shared.returnTrainScore,
      scratch,
    );
    if (shared.returnEstimator) result.model = await packModel(est);
    return { result, estimator: est };
  };
}
