// Node: the plugin's contract where there is no browser (isAvailable false with the reason, activate throws
// BackendUnavailableError, auto falls back with one warning). The browser side is webglBrowser.test.ts.
import { cpuBackend } from '@layerwise/backend-cpu';
import { BackendUnavailableError, Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { webglBackend } from '../index.js';

describe('webglBackend() in Node', () => {
  it('is a backend plugin named webgl, priority 4 (above wasm and node, below webgpu)', () => {
    expect(webglBackend()).toMatchObject({ kind: 'backend', name: 'webgl', priority: 4 });
  });

  it('is not available, says why (needs a browser) and activate() throws BackendUnavailableError', async () => {
    const plugin = webglBackend();
    expect(await plugin.isAvailable()).toBe(false);
    expect(await plugin.unavailableReason?.()).toMatch(/WebGL needs a browser.*wasmBackend\(\)/);
    const before = tf.getBackend();
    await expect(plugin.activate()).rejects.toThrow(BackendUnavailableError);
    await expect(plugin.activate()).rejects.toThrow(
      /The webgl backend is not available: WebGL needs a browser/,
    );
    expect(tf.getBackend()).toBe(before);
  });

  it("backend: 'auto' falls back past it with one warning naming the reason", async () => {
    const warnings: string[] = [];
    const registry = new Registry().use(webglBackend()).use(cpuBackend());
    expect(await registry.activateBackend('auto', { warn: (m) => warnings.push(m) })).toBe('cpu');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/using backend "cpu" \(skipped: webgl: WebGL needs a browser/);
  });

  it('refuses the 16-bit texture flag up front, saying what to do', () => {
    expect(() => webglBackend({ flags: { WEBGL_FORCE_F16_TEXTURES: true } })).toThrow(
      BackendUnavailableError,
    );
    expect(() => webglBackend({ flags: { WEBGL_FORCE_F16_TEXTURES: true } })).toThrow(
      /16-bit.*Remove the flag/,
    );
  });
});
