// The testkit's transformer suite on every transformer of the package (LabelEncoder works on labels:
// its own cases are in labelEncoder.test.ts).
import { checkTransformer } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  MaxAbsScaler,
  MinMaxScaler,
  Normalizer,
  OneHotEncoder,
  OrdinalEncoder,
  PCA,
  RobustScaler,
  SimpleImputer,
  StandardScaler,
} from '../index.js';

const X = [
  [1.0, -2.0, 3.5],
  [2.5, 0.0, -1.0],
  [-3.0, 4.0, 0.5],
  [0.5, 1.5, 2.0],
  [4.0, -1.0, 8.0],
  [1.5, 2.5, -4.5],
];
const setup = async () => {
  await tf.setBackend('cpu');
};

checkTransformer(() => new StandardScaler(), { X, setup, load: StandardScaler.load, inverse: 1e-5 });
checkTransformer(() => new StandardScaler({ withMean: false }), {
  X,
  setup,
  name: 'StandardScaler (withMean: false)',
  load: StandardScaler.load,
  inverse: 1e-5,
});
checkTransformer(() => new MinMaxScaler({ featureRange: [-1, 1] }), {
  X,
  setup,
  load: MinMaxScaler.load,
  inverse: 1e-5,
});
checkTransformer(() => new MaxAbsScaler(), { X, setup, load: MaxAbsScaler.load, inverse: 1e-5 });
checkTransformer(() => new RobustScaler(), { X, setup, load: RobustScaler.load, inverse: 1e-5 });
checkTransformer(() => new Normalizer({ norm: 'l1' }), { X, setup, load: Normalizer.load });
checkTransformer(() => new SimpleImputer({ strategy: 'median' }), {
  X,
  setup,
  load: SimpleImputer.load,
  allowsNaN: true,
});
checkTransformer(() => new OneHotEncoder({ handleUnknown: 'ignore' }), {
  X: [
    [1, 7],
    [2, 7],
    [1, 8],
    [3, 9],
  ],
  setup,
  load: OneHotEncoder.load,
});
checkTransformer(() => new OrdinalEncoder(), {
  X: [
    [1, 7],
    [2, 7],
    [1, 8],
    [3, 9],
  ],
  setup,
  load: OrdinalEncoder.load,
  inverse: 1e-9,
});
checkTransformer(() => new PCA({ nComponents: 2 }), { X, setup, load: PCA.load });
checkTransformer(() => new PCA({ whiten: true }), {
  X,
  setup,
  name: 'PCA (whiten, all components)',
  load: PCA.load,
  inverse: 1e-4,
});
