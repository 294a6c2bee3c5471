// activate() must start tfjs's wasm initialisation once. tfjs's `findBackend('wasm')` starts it when it has not
// begun, and `setBackend('wasm')` then starts a second: two modules, two sets of pthread workers, and the
// discarded one's constructor could set tfjs's threads count last — in a browser with the count of a page
// that is not shadowing `navigator.hardwareConcurrency` any more (1 thread on a 2-core machine).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initialisedWasmBackend, wasmBackend, wasmThreadsCount } from '../index.js';

describe('wasmBackend().activate()', () => {
  it("calls tfjs's wasm backend factory once; the threads count is the plugin's; dispose() frees it", async () => {
    // Importing the plugin's module registers tfjs's factory (a side effect of @tensorflow/tfjs-backend-wasm).
    const plugin = wasmBackend({ threads: 2 });
    await import('@tensorflow/tfjs-backend-wasm');
    const factory = tf.findBackendFactory('wasm');
    expect(factory).not.toBeNull();
    let calls = 0;
    tf.removeBackend('wasm');
    tf.registerBackend(
      'wasm',
      () => {
        calls++;
        return factory!();
      },
      2,
    );
    expect(initialisedWasmBackend()).toBeNull();
    expect(wasmThreadsCount()).toBe(0);
    expect(calls).toBe(0); // neither of the two asked tfjs to initialise the backend

    await plugin.activate();
    expect(tf.getBackend()).toBe('wasm');
    expect(calls).toBe(1);
    expect(initialisedWasmBackend()).toBe(tf.backend());
    expect(wasmThreadsCount()).toBe(2);

    plugin.dispose();
    expect(initialisedWasmBackend()).toBeNull();
    expect(calls).toBe(1); // dispose() did not start another initialisation
  });
});
