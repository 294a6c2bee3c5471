// The testkit's transformer suite on ColumnTransformer (numeric input, columns by index): params, clone,
// NotFittedError, fitTransform = fit + transform, outputs in the kind of X, bad input, save → load.
import { Registry } from '@layerwise/core';
import { OneHotEncoder, PREPROCESSING_KINDS, StandardScaler } from '@layerwise/preprocessing';
import { checkTransformer } from '@layerwise/testkit';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ColumnTransformer } from '../index.js';

const registry = new Registry();
for (const k of PREPROCESSING_KINDS) registry.use(k);
const load = (dir: string) => ColumnTransformer.load(dir, { registry });

const X = [
  [1.0, -2.0, 1],
  [2.5, 0.0, 2],
  [-3.0, 4.0, 1],
  [0.5, 1.5, 3],
  [4.0, -1.0, 2],
  [1.5, 2.5, 3],
];

checkTransformer(
  () =>
    new ColumnTransformer([
      ['num', new StandardScaler(), [0, 1]],
      ['cat', new OneHotEncoder({ handleUnknown: 'ignore' }), [2]],
    ]),
  { X, setup: () => tf.setBackend('cpu').then(() => undefined), load },
);
checkTransformer(
  () => new ColumnTransformer([['num', new StandardScaler(), [1]]], { remainder: 'passthrough' }),
  {
    X,
    name: "ColumnTransformer (remainder: 'passthrough')",
    setup: () => tf.setBackend('cpu').then(() => undefined),
    load,
  },
);
