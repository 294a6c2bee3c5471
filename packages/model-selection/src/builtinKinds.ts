import { StackedAutoencoder } from '@layerwise/autoencoder';
import type { EstimatorOptions, Registry } from '@layerwise/core';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import type { WorkerKind } from './workerKinds.js';

interface ParamsPayload {
  /** getParams() — including a `fromEncoder` classifier's `encoderWeights` (typed arrays, sent as copies). */
  params: Record<string, unknown>;
}

/** An estimator class rebuilt in a worker from its params alone (and loaded back from its model file). */
interface ParamsClass<E> {
  new (params: Record<string, unknown>, options?: EstimatorOptions): E;
  load(dir: string, options?: EstimatorOptions): Promise<E>;
}

/**
 * The worker kind of a layerwise estimator class whose params are all it needs: sent as plain params (its
 * backend made available in the worker), rebuilt with the worker's registry. Subclasses are not matched.
 */
function paramsKind<E extends { getParams(): object; registry: Registry }>(
  Ctor: ParamsClass<E>,
  name: string,
  exportName: string,
): WorkerKind<E> {
  // The name is given, not read from Ctor.name: a bundler may rename classes.
  return {
    name,
    module: import.meta.url,
    exportName,
    package: '@layerwise/model-selection',
    matches: (e) => e instanceof Ctor && (e as object).constructor === Ctor,
    encode(est, ctx) {
      const params = ctx.plainParams(est.getParams(), name);
      ctx.useBackend(est.registry, String(params.backend));
      return { params } satisfies ParamsPayload;
    },
    decode: (payload, ctx) => new Ctor((payload as ParamsPayload).params, { registry: ctx.registry }),
    load: (dir, like) => Ctor.load(dir, { registry: like.registry }),
  };
}

/** Worker kind of {@link MLPClassifier} (plain or built with `fromEncoder`: its encoder weights are params). */
export const mlpClassifierKind: WorkerKind<MLPClassifier> = paramsKind(
  MLPClassifier as unknown as ParamsClass<MLPClassifier>,
  'MLPClassifier',
  'mlpClassifierKind',
);

/** Worker kind of {@link MLPRegressor}. */
export const mlpRegressorKind: WorkerKind<MLPRegressor> = paramsKind(
  MLPRegressor as unknown as ParamsClass<MLPRegressor>,
  'MLPRegressor',
  'mlpRegressorKind',
);

/** Worker kind of {@link StackedAutoencoder}. */
export const stackedAutoencoderKind: WorkerKind<StackedAutoencoder> = paramsKind(
  StackedAutoencoder as unknown as ParamsClass<StackedAutoencoder>,
  'StackedAutoencoder',
  'stackedAutoencoderKind',
);

/** The kinds every worker knows without registration. */
export const BUILTIN_KINDS: readonly WorkerKind[] = [
  mlpClassifierKind as WorkerKind,
  mlpRegressorKind as WorkerKind,
  stackedAutoencoderKind as WorkerKind,
];
