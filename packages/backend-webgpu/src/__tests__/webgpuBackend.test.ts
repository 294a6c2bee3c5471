// Node: the plugin's contract where there is no navigator.gpu. The browser side is webgpuBrowser.test.ts.
import { cpuBackend } from '@layerwise/backend-cpu';
import { BackendUnavailableError, Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webgpuBackend } from '../index.js';
import { softwareAdapter } from '../webgpuBackend.js';

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

describe('software WebGPU adapters rank below wasm for auto', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const swiftShader = {
    info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' },
  };

  it('recognises the fallback adapter and software renderers, not hardware GPUs', async () => {
    expect(await softwareAdapter(swiftShader)).toBe('google swiftshader SwiftShader Device (Subzero)');
    expect(await softwareAdapter({ isFallbackAdapter: true })).toBe('fallback adapter');
    expect(await softwareAdapter({ info: { vendor: 'microsoft', isFallbackAdapter: true } })).toBe(
      'fallback adapter, microsoft',
    );
    expect(
      await softwareAdapter({ requestAdapterInfo: async () => ({ description: 'llvmpipe (LLVM 15)' }) }),
    ).toBe('llvmpipe (LLVM 15)');
    expect(await softwareAdapter({ info: { vendor: 'nvidia', architecture: 'ampere' } })).toBeUndefined();
    expect(await softwareAdapter({ info: { vendor: 'apple', architecture: 'metal-3' } })).toBeUndefined();
  });

  it('auto skips a SwiftShader adapter with the reason; allowSoftware or naming it keeps it', async () => {
    const requestAdapter = vi.fn(async () => swiftShader);
    vi.stubGlobal('navigator', { gpu: { requestAdapter } });
    const plugin = webgpuBackend();
    expect(await plugin.isAvailable()).toBe(false);
    const reason = await plugin.unavailableReason?.();
    expect(reason).toMatch(
      /^software WebGPU adapter \(google swiftshader SwiftShader Device \(Subzero\)\) is slower than wasm/,
    );
    expect(reason).toMatch(/allowSoftware: true/);
    const allowed = webgpuBackend({ allowSoftware: true });
    expect(await allowed.isAvailable()).toBe(true);
    expect(await allowed.unavailableReason?.()).toBeUndefined();

    // the one-line notice names it, ranks cpu (standing in for wasm) first, and stays within 160 characters
    const lines: string[] = [];
    const registry = new Registry().use(webgpuBackend()).use(cpuBackend());
    expect(await registry.activateBackend('auto', { warn: (_m, line) => lines.push(line ?? '') })).toBe(
      'cpu',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^layerwise: using "cpu"; webgpu: software WebGPU adapter \(google swiftshader/);
    expect(lines[0]!.length).toBeLessThanOrEqual(160);
  });

  it('a hardware adapter stays available', async () => {
    vi.stubGlobal('navigator', {
      gpu: { requestAdapter: async () => ({ info: { vendor: 'nvidia', architecture: 'ampere' } }) },
    });
    expect(await webgpuBackend().isAvailable()).toBe(true);
  });
});
