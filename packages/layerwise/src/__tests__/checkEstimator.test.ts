// The estimator conformance suite of @layerwise/testkit, run on every estimator (here, so that testkit does
// not depend on the estimators whose tests use it).
import { StackedAutoencoder } from '@layerwise/autoencoder';
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

const setup = async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
};
const small = { hiddenLayerSizes: [5], epochs: 3, batchSize: 8, backend: 'cpu' };

checkEstimator(() => new MLPClassifier({ ...small }), {
  kind: 'classifier',
  X,
  y: labels,
  setup,
  load: (dir) => MLPClassifier.load(dir),
});

checkEstimator(() => new MLPClassifier({ ...small }), {
  name: 'MLPClassifier (string labels)',
  kind: 'classifier',
  X,
  y: labels.map((l) => (l ? 'yes' : 'no')),
  setup,
  load: (dir) => MLPClassifier.load(dir),
});

checkEstimator(() => new MLPRegressor({ ...small }), {
  kind: 'regressor',
  X,
  y: targets,
  setup,
  load: (dir) => MLPRegressor.load(dir),
});

checkEstimator(
  () =>
    new StackedAutoencoder({
      hiddenLayerSizes: [3, 2],
      epochs: 2,
      fineTuneEpochs: 2,
      batchSize: 8,
      backend: 'cpu',
    }),
  { kind: 'transformer', X, setup, load: (dir) => StackedAutoencoder.load(dir) },
);

checkEstimator(
  () =>
    new StackedAutoencoder({
      hiddenLayerSizes: [3],
      epochs: 2,
      fineTuneEpochs: 1,
      batchSize: 8,
      noise: 0.2,
      dropout: 0.1,
      tiedWeights: true,
      backend: 'cpu',
    }),
  {
    name: 'StackedAutoencoder (denoising, tied, dropout)',
    kind: 'transformer',
    X,
    setup,
    load: (dir) => StackedAutoencoder.load(dir),
  },
);

// A composite: core's clone() uses Pipeline's own clone(), so the suite's fresh copies are deep.
checkEstimator(
  () =>
    new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', new MLPClassifier({ ...small })],
    ]) as never,
  {
    name: 'Pipeline(StandardScaler, MLPClassifier)',
    kind: 'classifier',
    X,
    y: labels,
    setup,
    // Without the umbrella's default registry, Pipeline.load knows the kinds its registry was given.
    load: (dir) => {
      const registry = new Registry().use(mlpClassifierKind);
      for (const k of PREPROCESSING_KINDS) registry.use(k);
      return Pipeline.load(dir, { registry }) as never;
    },
  },
);
