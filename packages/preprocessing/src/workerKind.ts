import { type EstimatorOptions, type Registry, ValidationError } from '@layerwise/core';

/**
 * The shape `@layerwise/model-selection` looks for in a class's static `workerKind` to rebuild an
 * estimator in a worker thread (`nJobs`). Declared here structurally so this package does not depend on
 * model-selection.
 */
export interface TransformerWorkerKind {
  name: string;
  module: string;
  exportName: string;
  matches(estimator: unknown): boolean;
  encode(
    estimator: { kind: string; getParams(): object },
    ctx: { plainParams(params: object, owner: string): Record<string, unknown> },
  ): unknown;
  decode(payload: unknown, ctx: { registry: Registry }): Promise<unknown>;
  load(dir: string, like: { kind: string }): Promise<unknown>;
}

interface Payload {
  kind: string;
  params: Record<string, unknown>;
}

const KINDS = [
  'StandardScaler',
  'MinMaxScaler',
  'MaxAbsScaler',
  'RobustScaler',
  'Normalizer',
  'OneHotEncoder',
  'OrdinalEncoder',
  'LabelEncoder',
  'SimpleImputer',
  'PCA',
];

/**
 * Rebuilds any `@layerwise/preprocessing` transformer in a model-selection worker from its kind and
 * params; every transformer class carries it as `static workerKind`, so `nJobs` needs no registration.
 */
export const preprocessingWorkerKind: TransformerWorkerKind = {
  name: 'preprocessing transformer',
  module: import.meta.url,
  exportName: 'preprocessingWorkerKind',
  matches: (e) =>
    typeof (e as { kind?: unknown } | null)?.kind === 'string' &&
    KINDS.includes((e as { kind: string }).kind),
  encode: (est, ctx) =>
    ({ kind: est.kind, params: ctx.plainParams(est.getParams(), est.kind) }) satisfies Payload,
  async decode(payload, ctx) {
    const { kind, params } = payload as Payload;
    const { PREPROCESSING_CLASSES } = await import('./loaders.js');
    const Ctor = (PREPROCESSING_CLASSES as Record<string, new (p: object, o: EstimatorOptions) => unknown>)[
      kind
    ];
    if (!Ctor || !Object.hasOwn(PREPROCESSING_CLASSES, kind))
      throw new ValidationError(`Worker: unknown preprocessing transformer kind ${JSON.stringify(kind)}.`);
    return new Ctor(params, { registry: ctx.registry });
  },
  async load(dir, like) {
    const { PREPROCESSING_LOADERS } = await import('./loaders.js');
    return PREPROCESSING_LOADERS[like.kind]!(dir);
  },
};
