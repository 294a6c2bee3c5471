import { StackedAutoencoder } from '@layerwise/autoencoder';
import type { DenseLayerSpec } from '@layerwise/core';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import type { WorkerKind } from './workerKinds.js';

interface MLPPayload {
  params: Record<string, unknown>;
  /** Initial hidden layers of a `fromEncoder` classifier (copied weights). */
  init: { inputSize: number; layers: DenseLayerSpec[] } | null;
}

function encoderStart(est: unknown): MLPPayload['init'] {
  // A fromEncoder classifier starts every fit from these layers (set by MLPClassifier.fromEncoder).
  const layers = (est as { initialHidden?: DenseLayerSpec[] | null }).initialHidden;
  if (!Array.isArray(layers) || layers.length === 0) return null;
  return { inputSize: layers[0]!.inputSize, layers: layers.map((l) => ({ ...l })) };
}

/** Worker kind of {@link MLPClassifier} (plain or built with `fromEncoder`). */
export const mlpClassifierKind: WorkerKind<MLPClassifier> = {
  name: 'MLPClassifier',
  module: import.meta.url,
  exportName: 'mlpClassifierKind',
  matches: (e) => e instanceof MLPClassifier && e.constructor === MLPClassifier,
  encode(est, ctx) {
    const params = ctx.plainParams(est.getParams(), 'MLPClassifier');
    ctx.useBackend(est.registry, String(params.backend));
    return { params, init: encoderStart(est) } satisfies MLPPayload;
  },
  decode(payload, ctx) {
    const { params, init } = payload as MLPPayload;
    if (!init) return new MLPClassifier(params, { registry: ctx.registry });
    const { forward: _f, ...rest } = params;
    const source = {
      toExportable: () => ({
        estimator: 'StackedAutoencoder',
        part: 'encoder',
        inputSize: init.inputSize,
        layers: init.layers,
      }),
    };
    return MLPClassifier.fromEncoder(source, rest, { registry: ctx.registry });
  },
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
    return { params, init: null } satisfies MLPPayload;
  },
  decode: (payload, ctx) => new MLPRegressor((payload as MLPPayload).params, { registry: ctx.registry }),
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
    return { params, init: null } satisfies MLPPayload;
  },
  decode: (payload, ctx) =>
    new StackedAutoencoder((payload as MLPPayload).params, { registry: ctx.registry }),
  load: (dir, like) => StackedAutoencoder.load(dir, { registry: like.registry }),
};

/** The kinds every worker knows without registration. */
export const BUILTIN_KINDS: readonly WorkerKind[] = [
  mlpClassifierKind as WorkerKind,
  mlpRegressorKind as WorkerKind,
  stackedAutoencoderKind as WorkerKind,
];
