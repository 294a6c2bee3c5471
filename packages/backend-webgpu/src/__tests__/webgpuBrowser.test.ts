// Headless Chromium: webgpuBackend() where the browser exposes WebGPU. Chromium 156 here exposes navigator.gpu
// and, with --enable-unsafe-webgpu, SwiftShader's fallback adapter; its compute is right when read
// asynchronously but synchronous reads (dataSync) return zeros, so the plugin refuses it and auto picks wasm (WebGL there is SwiftShader, software).
// Where webgpu activates, testkit's checkBackend suite runs against it (one vitest case per check).
import { BrowserHarness, chromiumSkipReason, type TestResult } from '@layerwise/testkit-browser';
import { afterAll, describe, expect, it } from 'vitest';
import type { run as gpuPage } from './gpu.page.js';

type GpuOutcome = Awaited<ReturnType<typeof gpuPage>>;

const skip = chromiumSkipReason();
const title = `webgpuBackend() in headless Chromium${skip ? ` — skipped: ${skip}` : ''}`;

// The in-page suite's results decide which vitest cases exist: the browser runs while this file is collected.
let harness: BrowserHarness | undefined;
let gpu: GpuOutcome | undefined;
let gpuErrors: string[] = [];
let suites: TestResult[] = [];
let startError: unknown;
if (!skip) {
  try {
    harness = await BrowserHarness.start();
    const r = await harness.run<GpuOutcome>(new URL('./gpu.page.ts', import.meta.url), { timeoutMs: 60_000 });
    gpu = r.value;
    gpuErrors = r.errors;
    if (!gpu.activateError && gpu.available) {
      suites = (await harness.run(new URL('./conformance.page.ts', import.meta.url), { timeoutMs: 110_000 }))
        .suites;
    }
  } catch (e) {
    startError = e;
  }
}

afterAll(async () => {
  await harness?.close();
});

const refusedForSyncReads = /synchronous reads from this WebGPU device (give wrong values|fail)/.test(
  gpu?.activateError ?? '',
);

describe.skipIf(skip)(title, () => {
  it('the page ran and reports what this browser exposes', () => {
    expect(startError, String((startError as Error)?.stack ?? startError)).toBeUndefined();
    console.log(`[backend-webgpu] ${JSON.stringify(gpu)}`);
    // tfjs warns once about slow synchronous reads on webgpu; nothing else may be logged as an error.
    expect(gpuErrors).toEqual([]);
  });

  it('isAvailable() and unavailableReason() agree; refusal says why and leaves the previous backend', () => {
    expect(gpu).toBeDefined();
    if (!gpu!.available) {
      expect(gpu!.reason).toMatch(/navigator\.gpu/);
      expect(gpu!.activateError).toMatch(/^BackendUnavailableError: The webgpu backend is not available/);
    } else {
      expect(gpu!.reason).toBeUndefined();
      expect(gpu!.adapter).not.toBeNull();
    }
    if (gpu!.activateError) expect(gpu!.afterActivate).toBe(gpu!.before);
    else expect(gpu!.afterActivate).toBe('webgpu');
  });

  it.runIf(refusedForSyncReads)(
    'here: the GPU computes right (async reads match the cpu backend) but dataSync() is wrong, so webgpu is refused and auto picks wasm over software WebGL with one warning',
    () => {
      expect(gpu!.available).toBe(true);
      // SwiftShader's fallback adapter: auto does not offer it (the one-line notice says why)
      if (gpu!.adapter?.fallback) {
        expect(gpu!.softwareReason).toMatch(/^software WebGPU adapter \(.+\) is slower than wasm/);
      }
      expect(gpu!.asyncMatMulMaxError).toBeLessThan(1e-4);
      expect(gpu!.activateError).toMatch(
        /^BackendUnavailableError: The webgpu backend is refused here: .*dataSync/,
      );
      // headless Chromium's WebGL is SwiftShader, software: auto ranks it below wasm
      expect(gpu!.chosen).toBe('wasm');
      expect(gpu!.warnings).toHaveLength(1);
      expect(gpu!.warnings[0]).toMatch(
        // (after the failed read the device is lost: this second plugin's adapter request gets null)
        /using backend "wasm" \(skipped: webgpu: .*; webgl: software-rendered WebGL \(/,
      );
    },
  );

  describe.runIf(!refusedForSyncReads && gpu?.available)(
    'backend conformance (testkit checkBackend) on webgpu',
    () => {
      it('declares its checks', () => {
        expect(suites.length).toBeGreaterThanOrEqual(5);
      });
      for (const r of suites) {
        it(r.name, () => {
          expect(r.path[0]).toBe('backend conformance: webgpu');
          expect(r.state, r.error).toBe('pass');
        });
      }
    },
  );
});
