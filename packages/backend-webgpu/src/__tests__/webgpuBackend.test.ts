// Node: the plugin's contract where there is no navigator.gpu. The browser side is webgpuBrowser.test.ts.
import { cpuBackend } from '@layerwise/backend-cpu';
import { BackendUnavailableError, Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { webgpuBackend } from '../index.js';

describe('webgpuBackend() in Node', () => {
  it('is a backend plugin named webgpu, priority 5 (the first choice of auto)', () => {
    expect(webgpuBackend()).toMatchObject({ kind: 'backend', name: 'webgpu', priority: 5 });
  });

  it('is not available, says why and activate() throws BackendUnavailableError', async () => {
    const plugin = webgpuBackend();
    expect(await plugin.isAvailable()).toBe(false);
    expect(await plugin.unavailableReason?.()).toMatch(/navigator\.gpu/);
    const before = tf.getBackend();
    await expect(plugin.activate()).rejects.toThrow(BackendUnavailableError);
    await expect(plugin.activate()).rejects.toThrow(/The webgpu backend is not available: .*navigator\.gpu/);
    expect(tf.getBackend()).toBe(before);
  });

  it("backend: 'auto' falls back past it with one warning naming the reason", async () => {
    const warnings: string[] = [];
    const registry = new Registry().use(webgpuBackend()).use(cpuBackend());
    expect(await registry.activateBackend('auto', { warn: (m) => warnings.push(m) })).toBe('cpu');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/using backend "cpu" \(skipped: webgpu: .*navigator\.gpu/);
  });

  it('rejects a bad powerPreference before anything is loaded', () => {
    expect(() => webgpuBackend({ powerPreference: 'fast' as never })).toThrow(BackendUnavailableError);
    expect(() => webgpuBackend({ powerPreference: 'fast' as never })).toThrow(
      /'high-performance' or 'low-power'/,
    );
  });
});
