// Declared in Chromium (imported by selfTest.page.ts): `vitest` here is the harness's in-page runner.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';

let setUp = 0;
let each = 0;
describe('outer', () => {
  beforeAll(() => {
    setUp += 1;
  });
  beforeEach(() => {
    each += 1;
  });
  it('passes with vitest matchers', () => {
    expect(setUp).toBe(1);
    expect({ a: [1, 2] }).toEqual({ a: [1, 2] });
    expect(2).toBeLessThan(3);
  });
  it('fails with the assertion message', () => {
    expect(1 + 1, 'arithmetic').toBe(3);
  });
  it('fails through expect.fail', () => {
    expect.fail('told to fail');
  });
  describe('inner', () => {
    it('sees the outer beforeEach', async () => {
      await new Promise((ok) => setTimeout(ok, 5));
      expect(each).toBe(4);
    });
  });
});
// Skipped on purpose, with its reason: browserHarness.test.ts checks that the in-page runner reports a
// skipped suite as 'skip' and never runs its tests.
const RUNNER_SKIP_FIXTURE = 'fixture: proves the in-page runner reports skipped suites and never runs them';
describe.skipIf(RUNNER_SKIP_FIXTURE)('skipped suite', () => {
  it('never runs', () => {
    throw new Error('ran');
  });
});
