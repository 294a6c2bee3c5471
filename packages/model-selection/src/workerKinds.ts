import {
  type DecodeContext,
  type EncodeContext,
  type EncodedEstimator,
  type EstimatorKindPlugin,
  getDefaultRegistry,
  LayerwiseError,
  type Registry,
  token,
  ValidationError,
} from '@layerwise/core';

// The contexts moved to core with the estimator kinds; re-exported here under their old names.
export type { DecodeContext, EncodeContext, EncodedEstimator };

/**
 * How to rebuild one kind of estimator in a worker thread.
 * @deprecated Give the estimator's kind (`EstimatorKindPlugin` in `@layerwise/core`) `module`,
 * `exportName`, `encode` and `decode`, and `registry.use(kind)` it (or expose it as the class's static
 * `estimatorKind`): the same entry then loads its files and rebuilds it in workers. `module` + `exportName` name this object itself
 * (the worker imports it from there), so use `module: import.meta.url` and the name you export it under.
 *
 * ```ts
 * export const myKind: WorkerKind<MyEstimator> = {
 *   name: 'MyEstimator', module: import.meta.url, exportName: 'myKind',
 *   matches: (e) => e instanceof MyEstimator,
 *   encode: (e, ctx) => ({ params: ctx.plainParams(e.getParams(), 'MyEstimator') }),
 *   decode: (p, ctx) => new MyEstimator((p as { params: object }).params, { registry: ctx.registry }),
 * };
 * registerWorkerKind(myKind);  // or: class MyEstimator { static workerKind = myKind }
 * ```
 */
export interface WorkerKind<E = unknown> {
  /** A name for messages. */
  name: string;
  /** A URL (`import.meta.url`) or absolute path of the module that exports this object. */
  module: string;
  /** The name this object is exported under in `module`. */
  exportName: string;
  /**
   * The npm package that exports this object under `exportName` from its main entry. Workers on other
   * machines (`@layerwise/executor-bullmq`) import the package, never `module`, and only packages they were
   * started with (`layerwise worker --plugin <package>`); without it the kind runs on this machine only.
   */
  package?: string;
  /** Main thread: whether this kind handles `estimator`. */
  matches(estimator: unknown): boolean;
  /** Main thread: a structured-cloneable payload (typed arrays are fine). */
  encode(estimator: E, ctx: EncodeContext): unknown;
  /** Worker: a fresh, unfitted estimator equal to the encoded one. */
  decode(payload: unknown, ctx: DecodeContext): E | Promise<E>;
  /**
   * Main thread: loads a fitted estimator the worker saved with `save(dir)` (for `returnEstimator`).
   * `options.registry` knows the estimator kinds of every estimator in `like` (a pipeline's steps).
   */
  load?(dir: string, like: E, options?: { registry?: Registry }): Promise<E>;
}

/** Registry token of the worker kinds added with {@link registerWorkerKind} (deprecated with it). */
export const WORKER_KIND = token<WorkerKind>('workerKind');

/**
 * Makes estimators of another kind (a Pipeline, your own estimator) run in `nJobs` worker threads.
 * @deprecated `registry.use(kind)` an estimator kind with `module`, `exportName`, `encode` and `decode`.
 * Binds into `registry` (default: the default registry); the estimator's own registry is searched first.
 * A class can instead carry the kind as a static `workerKind` property.
 */
export function registerWorkerKind(kind: WorkerKind, registry: Registry = getDefaultRegistry()): void {
  for (const key of ['name', 'module', 'exportName'] as const) {
    if (typeof kind?.[key] !== 'string' || kind[key].length === 0) {
      throw new ValidationError(`registerWorkerKind: kind.${key} must be a non-empty string.`);
    }
  }
  for (const key of ['matches', 'encode', 'decode'] as const) {
    if (typeof kind[key] !== 'function') {
      throw new ValidationError(`registerWorkerKind: kind.${key} must be a function.`);
    }
  }
  registry.bind(WORKER_KIND, kind);
}

/**
 * Thrown by {@link EncodeContext.cannot}: the estimator runs in the main thread instead (the search catches
 * it and says why in its notice). A layerwise error, as every throw of the packages.
 */
export class CannotRebuildError extends LayerwiseError {}

function registryOf(est: unknown): Registry | undefined {
  const r = (est as { registry?: unknown } | null)?.registry;
  return r && typeof (r as Registry).getAll === 'function' ? (r as Registry) : undefined;
}

/** Whether an estimator kind carries what a worker needs (module, exportName, encode, decode). */
function workerCapable(k: EstimatorKindPlugin | undefined): k is EstimatorKindPlugin & WorkerKindFields {
  return (
    k !== undefined &&
    typeof k.module === 'string' &&
    typeof k.exportName === 'string' &&
    typeof k.encode === 'function' &&
    typeof k.decode === 'function'
  );
}

type WorkerKindFields = Required<Pick<EstimatorKindPlugin, 'module' | 'exportName' | 'encode' | 'decode'>>;

/** An estimator kind seen as a worker kind (its `load` takes the like-estimator's registry). */
function fromEstimatorKind(k: EstimatorKindPlugin & WorkerKindFields): WorkerKind {
  return {
    name: k.name,
    module: k.module,
    exportName: k.exportName,
    ...(k.package ? { package: k.package } : {}),
    matches: (e) => k.matches(e),
    encode: (e, ctx) => k.encode(e, ctx),
    decode: (p, ctx) => k.decode(p, ctx),
    load: (dir, like, options) =>
      k.load(dir, { registry: registryOf(like) ?? options?.registry ?? getDefaultRegistry() }),
  };
}

/**
 * The kind for `estimator`: its class's static `workerKind` or `estimatorKind`, then the kinds registered
 * in its registry and the default one (estimator kinds and {@link registerWorkerKind}'s), then `builtins`.
 */
export function findKind(estimator: unknown, builtins: readonly WorkerKind[]): WorkerKind | undefined {
  const ctor = (
    estimator as { constructor?: { workerKind?: WorkerKind; estimatorKind?: EstimatorKindPlugin } } | null
  )?.constructor;
  const ctorKind = ctor?.workerKind;
  if (ctorKind && typeof ctorKind.encode === 'function' && ctorKind.matches(estimator)) return ctorKind;
  const own = ctor?.estimatorKind;
  if (workerCapable(own) && own.matches(estimator)) return fromEstimatorKind(own);
  const registries = [registryOf(estimator), getDefaultRegistry()].filter(
    (r): r is Registry => r !== undefined,
  );
  for (const r of registries) {
    const kind = [...r.estimatorKinds()].reverse().find((k) => workerCapable(k) && k.matches(estimator));
    if (workerCapable(kind)) return fromEstimatorKind(kind);
    const found = [...r.getAll(WORKER_KIND)].reverse().find((k) => k.matches(estimator));
    if (found) return found;
  }
  return builtins.find((k) => k.matches(estimator));
}

type KindCarrier = {
  constructor?: { estimatorKind?: EstimatorKindPlugin; workerKind?: WorkerKind };
  kind?: unknown;
  steps?: unknown;
  getParams?: () => Record<string, unknown>;
};

/**
 * A registry to load fitted copies of `base` with (`returnEstimator`): a child of its registry (or the
 * default one) that knows the estimator kind of every estimator in it — a pipeline's steps, estimators held
 * in params — each loading with that estimator's own registry (so its backend). A transformer whose class
 * offers only a worker kind with `load` and names its model kind (`kind`) is loaded through that.
 */
export function loadRegistry(base: unknown): Registry {
  const out = (registryOf(base) ?? getDefaultRegistry()).child();
  const seen = new Set<unknown>();
  const walk = (est: unknown): void => {
    if (typeof est !== 'object' || est === null || seen.has(est)) return;
    seen.add(est);
    const e = est as KindCarrier;
    const own = registryOf(est);
    const ek = e.constructor?.estimatorKind;
    const wk = e.constructor?.workerKind;
    if (ek && typeof ek.load === 'function' && typeof ek.name === 'string') {
      out.use({ ...ek, load: (dir, o) => ek.load(dir, { ...o, ...(own ? { registry: own } : {}) }) });
    } else if (wk && typeof wk.load === 'function' && typeof e.kind === 'string') {
      const load = wk.load;
      out.use({
        kind: 'estimator',
        name: e.kind,
        role: 'transformer',
        matches: (x) => wk.matches(x),
        load: (dir) => load(dir, est),
      });
    }
    if (Array.isArray(e.steps)) for (const s of e.steps) if (Array.isArray(s)) walk(s[1]);
    const params = typeof e.getParams === 'function' ? e.getParams() : {};
    for (const v of Object.values(params ?? {})) {
      if (typeof (v as KindCarrier | null)?.getParams === 'function') walk(v);
    }
  };
  walk(base);
  return out;
}

function hasFunction(v: unknown, seen = new Set<unknown>()): boolean {
  if (typeof v === 'function') return true;
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || seen.has(v)) return false;
  seen.add(v);
  const proto = Object.getPrototypeOf(v);
  if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return true; // class instance
  return Object.values(v).some((x) => hasFunction(x, seen));
}

/** The result of encoding an estimator tree for workers. */
export interface EncodedJob {
  spec: EncodedEstimator;
  backends: { registry: Registry | undefined; requested: string }[];
  /** Every kind module the spec names (nested ones included). */
  modules: string[];
}

/** Encodes `estimator` (and nested ones); throws CannotRebuildError with the reason when impossible. */
export function encodeEstimator(estimator: unknown, builtins: readonly WorkerKind[]): EncodedJob {
  const backends: EncodedJob['backends'] = [];
  const modules = new Set<string>();
  const ctx: EncodeContext = {
    encode(est) {
      const kind = findKind(est, builtins);
      if (!kind) {
        throw new CannotRebuildError(
          `${(est as object)?.constructor?.name ?? typeof est} has no worker-capable estimator kind (registry.use() one with module, exportName, encode and decode)`,
        );
      }
      modules.add(kind.module);
      const payload = kind.encode(est, ctx);
      return {
        module: kind.module,
        exportName: kind.exportName,
        ...(kind.package ? { package: kind.package } : {}),
        payload,
      };
    },
    cannot(reason) {
      throw new CannotRebuildError(reason);
    },
    useBackend(registry, requested) {
      backends.push({ registry, requested });
    },
    plainParams(params, owner) {
      for (const [k, v] of Object.entries(params)) {
        if (hasFunction(v)) {
          ctx.cannot(
            `${owner}'s param ${k} holds a function or an object with methods (it cannot be sent to a worker)`,
          );
        }
      }
      return { ...(params as Record<string, unknown>) };
    },
  };
  const spec = ctx.encode(estimator);
  return { spec, backends, modules: [...modules] };
}

/**
 * Worker side: rebuilds an encoded estimator. `loadKind` finds each (nested) kind; by default its module is
 * imported.
 */
export async function decodeEstimator(
  encoded: EncodedEstimator,
  registry: Registry,
  loadKind?: (e: EncodedEstimator) => Promise<WorkerKind>,
): Promise<unknown> {
  const ctx: DecodeContext = {
    registry,
    async decode(e) {
      if (loadKind) return (await loadKind(e)).decode(e.payload, ctx);
      const mod = (await import(e.module)) as Record<string, WorkerKind | undefined>;
      const kind = mod[e.exportName];
      if (!kind || typeof kind.decode !== 'function') {
        throw new ValidationError(`Worker: ${e.module} does not export a worker kind named ${e.exportName}.`);
      }
      return kind.decode(e.payload, ctx);
    },
  };
  return ctx.decode(encoded);
}
