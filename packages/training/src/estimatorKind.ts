import type { EstimatorKindPlugin, EstimatorOptions, EstimatorRole, Registry } from '@layerwise/core';

/** An estimator class rebuilt from its params alone and loaded back from its model file. */
export interface ParamsEstimatorClass<E> {
  new (params: Record<string, unknown>, options?: EstimatorOptions): E;
  load(dir: string, options?: EstimatorOptions): Promise<E>;
}

/** What {@link paramsEstimatorKind} needs. */
export interface ParamsEstimatorKindSpec<E> {
  /** The model-file kind; given, not read from the class name (a bundler may rename classes). */
  name: string;
  role: EstimatorRole;
  /** `import.meta.url` of the module exporting the kind. */
  module: string;
  /** The name the kind is exported under in `module`. */
  exportName: string;
  /** The npm package exporting the kind under `exportName` (remote workers import it by this name). */
  package?: string;
  /** The class (a function, so the kind can be declared next to the class in the same module). */
  estimatorClass: () => ParamsEstimatorClass<E>;
}

interface ParamsPayload {
  /** getParams() — typed arrays (a `fromEncoder` classifier's `encoderWeights`) are sent as copies. */
  params: Record<string, unknown>;
}

/**
 * The estimator kind of a layerwise estimator whose params are all it needs (its `backend` param is made
 * available in a worker): `load` reads its model file, a worker rebuilds it from `getParams()`.
 * Subclasses are not matched.
 */
export function paramsEstimatorKind<E extends { getParams(): object; registry: Registry }>(
  spec: ParamsEstimatorKindSpec<E>,
): EstimatorKindPlugin<E> {
  const { name, role, module, exportName, estimatorClass } = spec;
  const pkg = spec.package;
  return {
    kind: 'estimator',
    name,
    role,
    module,
    exportName,
    ...(pkg ? { package: pkg } : {}),
    matches: (e) => e instanceof estimatorClass() && (e as object).constructor === estimatorClass(),
    load: (dir, options) => estimatorClass().load(dir, options),
    encode(est, ctx) {
      const params = ctx.plainParams(est.getParams(), name);
      ctx.useBackend(est.registry, String(params.backend));
      return { params } satisfies ParamsPayload;
    },
    decode: (payload, ctx) =>
      new (estimatorClass())((payload as ParamsPayload).params, { registry: ctx.registry }),
  };
}
