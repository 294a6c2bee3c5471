import type { EstimatorOptions, Registry } from '@layerwise/core';

/**
 * The shape of `@layerwise/model-selection`'s `WorkerKind` (structural, so this package does not depend on
 * model selection): how `GridSearchCV`/`crossValidate` with `nJobs` rebuild an estimator in a worker thread.
 */
export interface OutliersWorkerKind<E> {
  name: string;
  module: string;
  exportName: string;
  matches(estimator: unknown): boolean;
  encode(
    estimator: E,
    ctx: {
      useBackend(registry: Registry | undefined, requested: string): void;
      plainParams(params: object, owner: string): Record<string, unknown>;
    },
  ): unknown;
  decode(payload: unknown, ctx: { registry: Registry }): E;
  load(dir: string, like: E): Promise<E>;
}

interface ParamsClass<E> {
  new (params: Record<string, unknown>, options?: EstimatorOptions): E;
  load(dir: string, options?: EstimatorOptions): Promise<E>;
}

/**
 * The worker kind of an estimator class rebuilt from its params alone (sent as plain params: a detector
 * holding an `autoencoder` instance runs in the main thread instead), its backend made available in the
 * worker. `module`/`exportName` name the export the worker imports.
 */
export function paramsWorkerKind<E extends { getParams(): object; registry: Registry }>(
  Ctor: () => ParamsClass<E>,
  name: string,
  module: string,
  exportName: string,
): OutliersWorkerKind<E> {
  return {
    name,
    module,
    exportName,
    matches: (e) => e instanceof Ctor() && (e as object).constructor === Ctor(),
    encode(est, ctx) {
      const params = ctx.plainParams(est.getParams(), name);
      ctx.useBackend(est.registry, String(params.backend));
      return { params };
    },
    decode: (payload, ctx) =>
      new (Ctor())((payload as { params: Record<string, unknown> }).params, { registry: ctx.registry }),
    load: (dir, like) => Ctor().load(dir, { registry: like.registry }),
  };
}
