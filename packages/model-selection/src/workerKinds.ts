import { getDefaultRegistry, type Registry, token, ValidationError } from '@layerwise/core';

/** An estimator encoded for a worker thread: the module and export of its {@link WorkerKind}, and a payload. */
export interface EncodedEstimator {
  module: string;
  exportName: string;
  /** The npm package exporting the kind under `exportName` (what workers on other machines import). */
  package?: string;
  payload: unknown;
}

/** Given to {@link WorkerKind.encode} in the main thread. */
export interface EncodeContext {
  /** Encodes a nested estimator (a pipeline's steps…). */
  encode(estimator: unknown): EncodedEstimator;
  /** Says this estimator cannot be rebuilt in a worker (it then runs in the main thread). Throws. */
  cannot(reason: string): never;
  /** Records that the estimator trains on `requested` (its `backend` param) resolved through `registry`. */
  useBackend(registry: Registry | undefined, requested: string): void;
  /** Rejects params that hold functions or class instances (callbacks, a custom forward…): calls `cannot`. */
  plainParams(params: object, owner: string): Record<string, unknown>;
}

/** Given to {@link WorkerKind.decode} in the worker. */
export interface DecodeContext {
  /** The worker's registry (the main thread's backend only); pass it to the rebuilt estimator. */
  registry: Registry;
  /** Rebuilds a nested estimator encoded with {@link EncodeContext.encode}. */
  decode(encoded: EncodedEstimator): Promise<unknown>;
}

/**
 * How to rebuild one kind of estimator in a worker thread. `module` + `exportName` name this object itself
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
  /** Main thread: loads a fitted estimator the worker saved with `save(dir)` (for `returnEstimator`). */
  load?(dir: string, like: E): Promise<E>;
}

/** Registry token of the worker kinds added with {@link registerWorkerKind}. */
export const WORKER_KIND = token<WorkerKind>('workerKind');

/**
 * Makes estimators of another kind (a Pipeline, your own estimator) run in `nJobs` worker threads.
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

/** Thrown by {@link EncodeContext.cannot}: the estimator runs in the main thread instead. */
export class CannotRebuildError extends Error {}

function registryOf(est: unknown): Registry | undefined {
  const r = (est as { registry?: unknown } | null)?.registry;
  return r && typeof (r as Registry).getAll === 'function' ? (r as Registry) : undefined;
}

/** The kind for `estimator`: its class's static `workerKind`, then registered kinds, then `builtins`. */
export function findKind(estimator: unknown, builtins: readonly WorkerKind[]): WorkerKind | undefined {
  const ctorKind = (estimator as { constructor?: { workerKind?: WorkerKind } } | null)?.constructor
    ?.workerKind;
  if (ctorKind && typeof ctorKind.encode === 'function' && ctorKind.matches(estimator)) return ctorKind;
  const registries = [registryOf(estimator), getDefaultRegistry()].filter(
    (r): r is Registry => r !== undefined,
  );
  for (const r of registries) {
    const found = [...r.getAll(WORKER_KIND)].reverse().find((k) => k.matches(estimator));
    if (found) return found;
  }
  return builtins.find((k) => k.matches(estimator));
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
          `${(est as object)?.constructor?.name ?? typeof est} has no worker kind (registerWorkerKind adds one)`,
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
