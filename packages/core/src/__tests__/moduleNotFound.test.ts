// isModuleNotFound: an optional peer that is not installed (skipped quietly by auto) vs one that broke.
import { describe, expect, it } from 'vitest';
import { isModuleNotFound } from '../index.js';

describe('isModuleNotFound', () => {
  it('recognises a missing package in Node, Deno, Bun and browsers', async () => {
    // Node and Bun: code ERR_MODULE_NOT_FOUND; CommonJS: MODULE_NOT_FOUND
    const node = Object.assign(
      new Error("Cannot find package '@tensorflow/tfjs-backend-webgl' imported from /a.js"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
    expect(isModuleNotFound(node)).toBe(true);
    expect(isModuleNotFound(Object.assign(new Error('x'), { code: 'MODULE_NOT_FOUND' }))).toBe(true);
    // Deno 2.9 (measured): `Import "@tensorflow/tfjs-backend-webgl" not a dependency`
    expect(isModuleNotFound(new TypeError('Import "@tensorflow/tfjs-backend-webgl" not a dependency'))).toBe(
      true,
    );
    // Chrome, Firefox, Safari
    expect(
      isModuleNotFound(new TypeError('Failed to resolve module specifier "@tensorflow/tfjs-backend-webgl".')),
    ).toBe(true);
    expect(
      isModuleNotFound(
        new TypeError(
          'The specifier “@tensorflow/tfjs-backend-webgl” was a bare specifier, but was not remapped to anything.',
        ),
      ),
    ).toBe(true);
    expect(
      isModuleNotFound(
        new TypeError("Module name, '@tensorflow/tfjs-backend-webgl' does not resolve to a valid URL."),
      ),
    ).toBe(true);
  });

  it('a package that is installed but fails while loading is not "not found"', () => {
    expect(isModuleNotFound(new SyntaxError('Unexpected token export'))).toBe(false);
    expect(isModuleNotFound(new Error('WebGL context lost'))).toBe(false);
    expect(isModuleNotFound(undefined)).toBe(false);
    expect(isModuleNotFound(null)).toBe(false);
  });
});
