import { Registry, Rng } from '@layerwise/core';
import { checkOutlierDetector } from '@layerwise/testkit';
import { AutoencoderOutlierDetector } from '../index.js';
import { useWasm } from './helpers.js';

const registry = new Registry();
const rng = new Rng(7);
// 120 rows near a 2-D subspace of [0, 1]^6.
const X = Array.from({ length: 120 }, () => {
  const a = rng.next();
  const b = rng.next();
  return Array.from({ length: 6 }, (_, j) => 0.2 + 0.3 * a * (j % 3) * 0.5 + 0.3 * b * (j % 2));
});

checkOutlierDetector(
  () =>
    new AutoencoderOutlierDetector(
      {
        hiddenLayerSizes: [4, 2],
        epochs: 2,
        fineTuneEpochs: 5,
        batchSize: 20,
        learningRate: 0.01,
        randomState: 0,
      },
      { registry },
    ),
  {
    X,
    contaminations: [0.05, 0.1, 0.3],
    load: (dir) => AutoencoderOutlierDetector.load(dir, { registry }),
    setup: useWasm,
  },
);
