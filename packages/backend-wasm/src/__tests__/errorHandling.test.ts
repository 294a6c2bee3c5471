// tfjs-backend-wasm's Emscripten glue adds process listeners that re-throw every unhandled error (so one
// stray rejection anywhere ended the process with a stack inside the glue); activate() removes them.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { wasmBackend } from '../index.js';
import { initialisedWasmBackend } from '../threads.js';

const rethrowing = (event: 'uncaughtException' | 'unhandledRejection') =>
  (process.listeners(event as 'uncaughtException') as unknown[]).filter((l) =>
    /throw (ex|reason)\b/.test(String(l)),
  );

describe('wasm backend and process error handling', () => {
  it('leaves no re-throwing uncaughtException/unhandledRejection listener of the Emscripten glue behind', async () => {
    const before = process.listeners('unhandledRejection').length;
    expect(initialisedWasmBackend()).toBeNull(); // this file initialises the backend itself
    await wasmBackend().activate();
    expect(tf.getBackend()).toBe('wasm');
    expect(rethrowing('uncaughtException')).toEqual([]);
    expect(rethrowing('unhandledRejection')).toEqual([]);
    expect(process.listeners('unhandledRejection').length).toBe(before);
    // The backend still works after the listeners are gone.
    const s = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
    expect(await s.data()).toEqual(new Float32Array([12]));
    s.dispose();
  });
});
