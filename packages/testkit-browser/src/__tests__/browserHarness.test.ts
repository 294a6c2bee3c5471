import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, chromiumSkipReason } from '../index.js';

const skip = chromiumSkipReason();

describe.skipIf(skip)(`BrowserHarness in headless Chromium${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let harness: BrowserHarness;
  beforeAll(async () => {
    harness = await BrowserHarness.start();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('runs the declared suites in order and reports pass, fail (with the message) and skip per test', async () => {
    const r = await harness.run<{ doubled: number; sab: boolean }>(
      new URL('./selfTest.page.ts', import.meta.url),
      {
        input: { n: 21 },
      },
    );
    expect(r.suites.map((t) => [t.path.join(' > '), t.state])).toEqual([
      ['outer > passes with vitest matchers', 'pass'],
      ['outer > fails with the assertion message', 'fail'],
      ['outer > fails through expect.fail', 'fail'],
      ['outer > inner > sees the outer beforeEach', 'pass'],
      ['skipped suite > never runs', 'skip'],
    ]);
    expect(r.suites[1]!.error).toMatch(/arithmetic: expected 2 to be 3/);
    expect(r.suites[2]!.error).toMatch(/told to fail/);
    expect(r.value).toEqual({ doubled: 42, sab: true });
    // Served with COOP/COEP: the page is cross-origin isolated (SharedArrayBuffer exists).
    expect(r.page.crossOriginIsolated).toBe(true);
    expect(r.errors).toEqual([]);
  });
});
