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
describe.skip('skipped suite', () => {
  it('never runs', () => {
    throw new Error('ran');
  });
});
