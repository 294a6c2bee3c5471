// Headless Chromium (SwiftShader's WebGL 2): testkit's checkBackend suite against webglBackend(), the 16-bit
// refusal, and a StackedAutoencoder fit on webgl that matches the same fit on wasm. One browser for the file.
import { loadMnist } from '@layerwise/datasets';
import { BrowserHarness, type BrowserRunResult, chromiumSkipReason } from '@layerwise/testkit-browser';
import { afterAll, describe, expect, it } from 'vitest';
import type { FitOutcome } from './autoencoderMatch.page.js';

const skip = chromiumSkipReason();
const title = `webglBackend() in headless Chromium${skip ? ` — skipped: ${skip}` : ''}`;

// The suite runs in the page; its results are needed to declare one vitest case per check, so the browser
// starts while this file is collected.
let harness: BrowserHarness | undefined;
let conformance: BrowserRunResult | undefined;
let startError: unknown;
if (!skip) {
  try {
    harness = await BrowserHarness.start();
    conformance = await harness.run(new URL('./conformance.page.ts', import.meta.url), {
      timeoutMs: 110_000,
    });
  } catch (e) {
    startError = e;
  }
}

afterAll(async () => {
  await harness?.close();
});

/** Relative difference, robust near 0. */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-6, Math.abs(a), Math.abs(b));
const maxAbs = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.skipIf(skip)(title, () => {
  it('the page ran (Chromium, bundle, conformance suite)', () => {
    expect(startError, String((startError as Error)?.stack ?? startError)).toBeUndefined();
    expect(conformance!.errors).toEqual([]);
    // The suite declares at least: activation, matMul, gradients, fit, no leaks.
    expect(conformance!.suites.length).toBeGreaterThanOrEqual(5);
  });

  describe('backend conformance (testkit checkBackend) on webgl', () => {
    for (const r of conformance?.suites ?? []) {
      it(r.name, () => {
        expect(r.path[0]).toBe('backend conformance: webgl');
        expect(r.state, r.error).toBe('pass');
      });
    }
  });

  it('refuses a GPU that renders only to 16-bit float textures, saying why; auto falls back to wasm with one warning', async () => {
    const { value, errors } = await harness!.run<{
      available: boolean;
      reason?: string;
      error?: { name: string; isBackendUnavailable: boolean; message: string };
      backendAfterRefusal: string;
      chosen: string;
      warnings: string[];
    }>(new URL('./refusal.page.ts', import.meta.url));
    expect(errors).toEqual([]);
    expect(value.available).toBe(false);
    expect(value.reason).toMatch(/only to 16-bit float textures \(WEBGL_RENDER_FLOAT32_CAPABLE is false\)/);
    expect(value.error).toMatchObject({ name: 'BackendUnavailableError', isBackendUnavailable: true });
    expect(value.error!.message).toMatch(/webgl backend is not available: .*16-bit.*use wasmBackend\(\)/);
    // Nothing was switched to webgl on the way.
    expect(value.backendAfterRefusal).not.toBe('webgl');
    expect(value.chosen).toBe('wasm');
    expect(value.warnings).toHaveLength(1);
    expect(value.warnings[0]).toMatch(
      /using backend "wasm" \(skipped: webgl: WebGL 2 here renders only to 16-bit/,
    );
  });

  it('a StackedAutoencoder trained on webgl matches the same training on wasm (losses within 1e-3 relative)', async () => {
    const { X } = await loadMnist({ limit: 300 });
    const { value, errors } = await harness!.run<{ webgl: FitOutcome; wasm: FitOutcome }>(
      new URL('./autoencoderMatch.page.ts', import.meta.url),
      { input: { pixels: Array.from(X.data), rows: 300 }, timeoutMs: 110_000 },
    );
    expect(errors).toEqual([]);
    const { webgl, wasm } = value;
    expect(webgl.backend).toBe('webgl');
    expect(webgl.precision).toBe(32);
    expect(wasm.backend).toBe('wasm');
    // 3 epochs for each of 2 pretrained layers, then 2 of fine-tuning.
    expect(webgl.losses).toHaveLength(8);
    expect(wasm.losses).toHaveLength(8);
    const lossDiff = Math.max(...webgl.losses.map((l, i) => rel(l, wasm.losses[i]!)));
    const codeDiff = maxAbs(webgl.codes, wasm.codes);
    const recDiff = maxAbs(webgl.reconstruction, wasm.reconstruction);
    console.log(
      `[backend-webgl] webgl vs wasm: max relative loss difference ${lossDiff.toExponential(2)}, ` +
        `max |Δcode| ${codeDiff.toExponential(2)}, max |Δpixel| ${recDiff.toExponential(2)}, ` +
        `MSE ${webgl.mse.toFixed(5)} vs ${wasm.mse.toFixed(5)}; losses webgl ${webgl.losses.map((l) => l.toFixed(5)).join(' ')}, wasm ${wasm.losses.map((l) => l.toFixed(5)).join(' ')}`,
    );
    expect(lossDiff).toBeLessThan(1e-3);
    expect(rel(webgl.mse, wasm.mse)).toBeLessThan(1e-3);
    expect(recDiff).toBeLessThan(1e-4);
    expect(codeDiff).toBeLessThan(1e-3);
    // It learned something (the losses fall within each stage) and left no tensors behind.
    expect(webgl.losses[2]!).toBeLessThan(webgl.losses[0]!);
    expect(webgl.losses[7]!).toBeLessThan(webgl.losses[6]!);
    for (const r of [webgl, wasm]) expect(r.tensorsAfter).toBe(r.tensorsBefore);
  });
});
