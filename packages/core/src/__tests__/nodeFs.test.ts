import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasNodeBuiltins, nodeBuiltin, nodeFsSync, ValidationError } from '../index.js';

describe('nodeFsSync / nodeBuiltin', () => {
  afterEach(() => vi.restoreAllMocks());

  it("returns Node's built-in modules", () => {
    expect(nodeFsSync('test').writeSync).toBe(fs.writeSync);
    expect(nodeBuiltin<typeof path>('node:path', 'test').join).toBe(path.join);
    expect(hasNodeBuiltins()).toBe(true);
  });

  it('throws a ValidationError naming what needs it and the hint where built-ins cannot be loaded', () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    expect(() => nodeFsSync('myLogger', 'Use another logger.')).toThrow(ValidationError);
    expect(() => nodeFsSync('myLogger', 'Use another logger.')).toThrow(
      'myLogger works with files and needs Node.js 20.19 or later (it cannot load node:fs here, e.g. in a browser). Use another logger.',
    );
    expect(() => nodeBuiltin('node:path', 'save(dir)')).toThrow(
      /^save\(dir\) works with files .*browser\)\.$/,
    );
  });

  it('treats a runtime without process (a browser) as having no built-ins', () => {
    const saved = globalThis.process;
    vi.stubGlobal('process', undefined);
    try {
      expect(hasNodeBuiltins()).toBe(false);
      expect(() => nodeBuiltin('node:fs/promises', 'load(dir)', 'Use fromModelData().')).toThrow(
        ValidationError,
      );
    } finally {
      vi.stubGlobal('process', saved);
      vi.unstubAllGlobals();
    }
  });
});
