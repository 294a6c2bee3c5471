// This file imports no tfjs backend: it checks what a user sees who installed no backend at all.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, NO_BACKEND, Registry } from '../index.js';

describe('no backend plugin and no tfjs backend', () => {
  it("throws BackendUnavailableError saying what to install or .use(), not tfjs's bare error", async () => {
    for (const name of tf.engine().backendNames()) tf.removeBackend(name); // a process shared with other files
    expect(tf.engine().backendNames()).toEqual([]);
    const registry = new Registry();
    await expect(registry.activateBackend()).rejects.toThrow(BackendUnavailableError);
    await expect(registry.activateBackend('auto')).rejects.toThrow(NO_BACKEND);
    await expect(registry.withBackend('auto', async () => 1)).rejects.toThrow(
      /npm install @layerwise\/backend-wasm.*\.use\(wasmBackend\(\)\).*import 'layerwise'/,
    );
  });
});
