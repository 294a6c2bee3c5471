import { Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { cpuBackend } from '../index.js';

describe('cpuBackend() in Node.js', () => {
  it('does not print tfjs\'s "Hi, looks like you are running TensorFlow.js in Node.js" banner', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await new Registry().use(cpuBackend()).activateBackend('cpu');
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.mul(x, 2);
      expect(Array.from(await y.data())).toEqual([2, 4, 6]);
      tf.dispose([x, y]);
      const printed = warn.mock.calls.map((c) => String(c[0])).join('\n');
      expect(printed).not.toMatch(/looks like you are running TensorFlow\.js in Node\.js/);
      // the banner is what tfjs would print here: the backend is the one that prints it on first use
      expect((tf.findBackend('cpu') as { firstUse?: boolean }).firstUse).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });
});
