import { Registry } from '@layerwise/core';
import { checkBackend } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../index.js';

describe('cpuBackend()', () => {
  it('is a backend plugin named cpu with priority 1 that a registry accepts', async () => {
    const plugin = cpuBackend();
    expect(plugin).toMatchObject({ kind: 'backend', name: 'cpu', priority: 1 });
    expect(await plugin.isAvailable()).toBe(true);
    const registry = new Registry().use(plugin);
    expect(await registry.activateBackend('auto')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});

checkBackend(cpuBackend);
