import { StackedAutoencoder } from '@layerwise/autoencoder';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import type { WorkerKind } from './workerKinds.js';

interface ParamsPayload {
  /** getParams() — including a `fromEncoder` classifier's `encoderWeights` (typed arrays, sent as copies). */
  params: Record<string, unknown>;
}

/** Worker kind of {@link MLPClassifier} (plain or built with `fromEncoder`: its encoder weights are params). */
export const mlpClassifierKind: WorkerKind<MLPClassifier> = {
  name: 'MLPClassifier',
  module: import.meta.url,
  exportName: 'mlpClassifierKind',
  matches: (e) => e instanceof MLPClassifier && e.constructor === MLPClassifier,
  encode(est, ctx) {
    const params = ctx.plainParams(est.getParams(), 'MLPClassifier');
    ctx.useBackend(est.registry, String(params.backend));
    return { params } satisfies ParamsPayload;
  },
  decode: (payload, ctx) => new MLPClassifier((payload as ParamsPayload).params, { registry: ctx.registry }),
  load: (dir, like) => MLPClassifier.load(dir, { registry: like.registry }),
};

/** Worker kind of {@link MLPRegressor}. */
export const mlpRegressorKind: WorkerKind<MLPRegressor> = {
  name: 'MLPRegressor',
  module: import.meta.url,
  exportName: 'mlpRegressorKind',
  matches: (e) => e instanceof MLPRegressor && e.constructor === MLPRegressor,
  encode(est, ctx) {
    const params = ctx.plainParams(est.getParams(), 'MLPRegressor');
    ctx.useBackend(est.registry, String(params.backend));
    return { params } satisfies ParamsPayload;
  },
  decode: (payload, ctx) => new MLPRegressor((payload as ParamsPayload).params, { registry: ctx.registry }),
  load: (dir, like) => MLPRegressor.load(dir, { registry: like.registry }),
};

/** Worker kind of {@link StackedAutoencoder}. */
export const stackedAutoencoderKind: WorkerKind<StackedAutoencoder> = {
  name: 'StackedAutoencoder',
  module: import.meta.url,
  exportName: 'stackedAutoencoderKind',
  matches: (e) => e instanceof StackedAutoencoder && e.constructor === StackedAutoencoder,
  encode(est, ctx) {
    const params = ctx.plainParams(est.getParams(), 'StackedAutoencoder');
    ctx.useBackend(est.registry, String(params.backend));
    return { params } satisfies ParamsPayload;
  },
  decode: (payload, ctx) =>
    new StackedAutoencoder((payload as ParamsPayload).params, { registry: ctx.registry }),
  load: (dir, like) => StackedAutoencoder.load(dir, { registry: like.registry }),
};

/** The kinds every worker knows without registration. */
export const BUILTIN_KINDS: readonly WorkerKind[] = [
  mlpClassifierKind as WorkerKind,
  mlpRegressorKind as WorkerKind,
  stackedAutoencoderKind as WorkerKind,
];
