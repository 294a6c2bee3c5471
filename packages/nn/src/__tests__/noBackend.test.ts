// This file imports no tfjs backend and passes no registry: what a user sees who installed
// @layerwise/nn alone, without a backend plugin or a tfjs backend.
import { BackendUnavailableError, NO_BACKEND } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MLPClassifier, MLPRegressor } from '../index.js';

describe('an nn estimator with no registry and no backend', () => {
  it('fails with BackendUnavailableError saying what to install or .use(), and changes nothing', async () => {
    for (const name of tf.engine().backendNames()) tf.removeBackend(name); // a process shared with other files
    const X = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const clf = new MLPClassifier({ hiddenLayerSizes: [3], epochs: 1 });
    await expect(clf.fit(X, [0, 1, 1, 0])).rejects.toThrow(BackendUnavailableError);
    await expect(clf.fit(X, [0, 1, 1, 0])).rejects.toThrow(NO_BACKEND);
    await expect(new MLPRegressor({ hiddenLayerSizes: [3], epochs: 1 }).fit(X, [0, 1, 1, 2])).rejects.toThrow(
      /npm install @layerwise\/backend-wasm.*\.use\(wasmBackend\(\)\)/,
    );
    expect(clf.history).toBeNull(); // still unfitted
  });
});
