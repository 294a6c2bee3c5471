import type { EstimatorKindPlugin, Registry } from '@layerwise/core';

/** What model-selection's encode context offers (structural; no dependency on that package). */
interface EncodeContextLike {
  encode(estimator: unknown): unknown;
}

/** What model-selection's decode context offers. */
interface DecodeContextLike {
  registry: Registry;
  decode(encoded: unknown): Promise<unknown>;
}

/**
 * The shape `@layerwise/model-selection` looks for in a class's static `workerKind` to rebuild an
 * estimator in a worker thread (`nJobs`). Declared structurally so this package does not depend on it.
 */
export interface PipelineWorkerKind {
  name: string;
  module: string;
  exportName: string;
  /** The npm package exporting this object under `exportName` (workers on other machines import it). */
  package: string;
  matches(estimator: unknown): boolean;
  encode(estimator: { steps: [string, unknown][] }, ctx: EncodeContextLike): unknown;
  decode(payload: unknown, ctx: DecodeContextLike): Promise<unknown>;
  /** Loads a fitted pipeline; `options.registry` holds the estimator kinds of its steps. */
  load(dir: string, like: unknown, options?: { registry?: Registry }): Promise<unknown>;
}

interface Payload {
  steps: { name: string; spec: unknown }[];
}

/**
 * Rebuilds a {@link Pipeline} in a model-selection worker: each step is encoded with its own worker kind
 * (layerwise's estimators and transformers have one), `'passthrough'` as is. `Pipeline.workerKind` is
 * this object, so `nJobs` needs no registration.
 */
export const pipelineWorkerKind: PipelineWorkerKind = {
  name: 'Pipeline',
  module: import.meta.url,
  exportName: 'pipelineWorkerKind',
  package: '@layerwise/pipeline',
  matches: (e) =>
    typeof e === 'object' &&
    e !== null &&
    e.constructor?.name === 'Pipeline' &&
    Array.isArray((e as { steps?: unknown }).steps),
  encode: (est, ctx) =>
    ({
      steps: est.steps.map(([name, step]) => ({
        name,
        spec: step === 'passthrough' ? 'passthrough' : ctx.encode(step),
      })),
    }) satisfies Payload,
  async decode(payload, ctx) {
    const { Pipeline } = await import('./Pipeline.js');
    const steps = [];
    for (const s of (payload as Payload).steps) {
      steps.push([s.name, s.spec === 'passthrough' ? 'passthrough' : await ctx.decode(s.spec)]);
    }
    return new Pipeline(steps as never);
  },
  async load(dir, _like, options) {
    const { Pipeline } = await import('./Pipeline.js');
    return Pipeline.load(dir, options?.registry ? { registry: options.registry } : {});
  },
};

/**
 * The estimator kind of {@link Pipeline} (role `composite`): loads a saved pipeline (each step through the
 * registry's kinds) and rebuilds one in `nJobs` workers step by step.
 */
export const pipelineKind: EstimatorKindPlugin = {
  kind: 'estimator',
  name: 'Pipeline',
  role: 'composite',
  module: import.meta.url,
  exportName: 'pipelineKind',
  package: '@layerwise/pipeline',
  matches: (e) => pipelineWorkerKind.matches(e),
  encode: (est, ctx) => pipelineWorkerKind.encode(est as { steps: [string, unknown][] }, ctx),
  decode: (payload, ctx) => pipelineWorkerKind.decode(payload, ctx),
  async load(dir, options) {
    const { Pipeline } = await import('./Pipeline.js');
    return Pipeline.load(dir, options);
  },
};
