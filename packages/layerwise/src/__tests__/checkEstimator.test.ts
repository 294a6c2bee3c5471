// The estimator conformance suite of @layerwise/testkit, run on every estimator (here, so that testkit does
// not depend on the estimators whose tests use it) and on two backends: cpu (tfjs's reference kernels) and
// wasm through its plugin (the fused training kernels train the dense stages there).
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry } from '@layerwise/core';
import { MLPClassifier, MLPRegressor, mlpClassifierKind } from '@layerwise/nn';
import { Pipeline } from '@layerwise/pipeline';
import { PREPROCESSING_KINDS, StandardScaler } from '@layerwise/preprocessing';
import { checkEstimator } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';

// Small data: 24 samples, 4 features in [0, 1]; two classes; a smooth regression target.
const X = Array.from({ length: 24 }, (_, i) => [0, 1, 2, 3].map((j) => ((i * 7 + j * 5) % 11) / 10));
const labels = X.map((r) => (r[0]! + r[1]! > 1 ? 1 : 0));
const targets = X.map((r) => 2 * r[0]! * r[0]! - r[2]!);

/** One backend the suites run on: how to set it up, and the estimators' registry and `backend` param. */
interface SuiteBackend {
  name: 'cpu' | 'wasm';
  setup: () => Promise<void>;
  registry: Registry | undefined;
}

const BACKENDS: SuiteBackend[] = [
  {
    name: 'cpu',
    setup: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
      await tf.setBackend('cpu');
    },
    registry: undefined,
  },
  (() => {
    const registry = new Registry().use(wasmBackend());
    return {
      name: 'wasm' as const,
      setup: async () => {
        await registry.activateBackend('wasm');
      },
      registry,
    };
  })(),
];

for (const b of BACKENDS) {
  suites(b);
}

function suites(b: SuiteBackend): void {
  const setup = b.setup;
  const opts = b.registry ? { registry: b.registry } : {};
  const small = { hiddenLayerSizes: [5], epochs: 3, batchSize: 8, backend: b.name };
  const on = (name: string) => `${name} on ${b.name}`;
  checkEstimator(() => new MLPClassifier({ ...small }, opts), {
    name: on('MLPClassifier'),
    kind: 'classifier',
    X,
    y: labels,
    setup,
    load: (dir) => MLPClassifier.load(dir, opts),
  });

  checkEstimator(() => new MLPClassifier({ ...small }, opts), {
    name: on('MLPClassifier (string labels)'),
    kind: 'classifier',
    X,
    y: labels.map((l) => (l ? 'yes' : 'no')),
    setup,
    load: (dir) => MLPClassifier.load(dir, opts),
  });

  checkEstimator(() => new MLPRegressor({ ...small }, opts), {
    name: on('MLPRegressor'),
    kind: 'regressor',
    X,
    y: targets,
    setup,
    load: (dir) => MLPRegressor.load(dir, opts),
  });

  checkEstimator(
    () =>
      new StackedAutoencoder(
        {
          hiddenLayerSizes: [3, 2],
          epochs: 2,
          fineTuneEpochs: 2,
          batchSize: 8,
          backend: b.name,
        },
        opts,
      ),
    {
      name: on('StackedAutoencoder'),
      kind: 'transformer',
      X,
      setup,
      load: (dir) => StackedAutoencoder.load(dir, opts),
    },
  );

  checkEstimator(
    () =>
      new StackedAutoencoder(
        {
          hiddenLayerSizes: [3],
          epochs: 2,
          fineTuneEpochs: 1,
          batchSize: 8,
          noise: 0.2,
          dropout: 0.1,
          tiedWeights: true,
          backend: b.name,
        },
        opts,
      ),
    {
      name: on('StackedAutoencoder (denoising, tied, dropout)'),
      kind: 'transformer',
      X,
      setup,
      load: (dir) => StackedAutoencoder.load(dir, opts),
    },
  );

  // A composite: core's clone() uses Pipeline's own clone(), so the suite's fresh copies are deep.
  checkEstimator(
    () =>
      new Pipeline([
        ['scale', new StandardScaler()],
        ['clf', new MLPClassifier({ ...small }, opts)],
      ]) as never,
    {
      name: on('Pipeline(StandardScaler, MLPClassifier)'),
      kind: 'classifier',
      X,
      y: labels,
      setup,
      // Without the umbrella's default registry, Pipeline.load knows the kinds its registry was given.
      load: (dir) => {
        const registry = b.registry ? b.registry.child() : new Registry();
        registry.use(mlpClassifierKind);
        for (const k of PREPROCESSING_KINDS) registry.use(k);
        return Pipeline.load(dir, { registry }) as never;
      },
    },
  );
}
