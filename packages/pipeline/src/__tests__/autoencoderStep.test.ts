// The testkit's transformer suite on pipelines that hold a StackedAutoencoder (last step, and in the middle).
import { StackedAutoencoder, stackedAutoencoderKind } from '@layerwise/autoencoder';
import { Registry } from '@layerwise/core';
import { MinMaxScaler, PREPROCESSING_KINDS, StandardScaler } from '@layerwise/preprocessing';
import { checkTransformer } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Pipeline } from '../index.js';

const registry = new Registry();
for (const kind of [...PREPROCESSING_KINDS, stackedAutoencoderKind]) registry.use(kind);
const X = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(i), (i % 5) / 5, ((i * 3) % 7) / 7]);
const setup = async () => {
  await tf.setBackend('cpu');
};
const ae = () =>
  new StackedAutoencoder({ hiddenLayerSizes: [3], epochs: 2, batchSize: 4, randomState: 0 }, { registry });

checkTransformer(
  () =>
    new Pipeline([
      ['scale', new MinMaxScaler()],
      ['ae', ae()],
    ]),
  {
    X,
    setup,
    name: 'Pipeline(MinMaxScaler, StackedAutoencoder)',
    load: (dir) => Pipeline.load(dir, { registry }),
  },
);
checkTransformer(
  () =>
    new Pipeline([
      ['scale', new MinMaxScaler()],
      ['ae', ae()],
      ['std', new StandardScaler()],
    ]),
  {
    X,
    setup,
    name: 'Pipeline(MinMaxScaler, StackedAutoencoder, StandardScaler)',
    load: (dir) => Pipeline.load(dir, { registry }),
  },
);
