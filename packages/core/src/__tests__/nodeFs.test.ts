import * as fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeFsSync } from '../index.js';

describe('nodeFsSync', () => {
  afterEach(() => vi.restoreAllMocks());

  it("returns Node's fs", () => {
    expect(nodeFsSync('test').writeSync).toBe(fs.writeSync);
  });

  it('throws, naming what needs it and the hint, where process.getBuiltinModule is missing', () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    expect(() => nodeFsSync('myLogger', 'Use another logger.')).toThrow(
      'myLogger writes files and needs Node.js 20.16 or later (process.getBuiltinModule). Use another logger.',
    );
    expect(() => nodeFsSync('myLogger')).toThrow(/\(process\.getBuiltinModule\)\.$/);
  });
});
