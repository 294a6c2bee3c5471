// Headless Chromium, cross-origin isolated: the kernel thread pool on a Web Worker gives the same bits as one
// thread, and the worker runs parts. (The Node side is kernelPool.test.ts.)
import { mnistSample } from '@layerwise/testkit';
import { BrowserHarness, chromiumSkipReason } from '@layerwise/testkit-browser';
import { afterAll, describe, expect, it } from 'vitest';
import type { PoolOutcome } from './kernelPool.page.js';

const skip = chromiumSkipReason();
let harness: BrowserHarness | undefined;
afterAll(async () => {
  await harness?.close();
});

describe.skipIf(skip)(`kernel thread pool in headless Chromium${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('trains an MLP on 1 000 MNIST digits on 2 threads (a Web Worker) bit-identical to 1 thread; the loss falls', async () => {
    harness = await BrowserHarness.start();
    const { X, y } = await mnistSample('train', 1000);
    const { value, errors, page } = await harness.run<PoolOutcome>(
      new URL('./kernelPool.page.ts', import.meta.url),
      {
        input: {
          pixels: Array.from(X.data as Float32Array),
          labels: Array.from(y as ArrayLike<number>),
          rows: 1000,
        },
        timeoutMs: 110_000,
      },
    );
    expect(errors).toEqual([]);
    expect(page.crossOriginIsolated).toBe(true);
    expect(value.supported).toBe(true);
    expect(value.defaultThreads).toBe(Math.min(page.hardwareConcurrency, 8));
    const [one, two] = value.runs;
    expect(one!.threads).toBe(1);
    expect(two!.threads).toBe(2);
    expect(value.workers).toBe(1);
    expect(value.workerParts).toBeGreaterThan(0);
    expect(one!.losses[3]).toBeLessThan(one!.losses[0]! * 0.7);
    expect(two!.losses).toEqual(one!.losses);
    expect(two!.weights).toEqual(one!.weights);
  }, 150_000);
});
