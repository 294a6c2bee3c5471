import type * as NodeFs from 'node:fs';

/**
 * Node's `fs`, loaded synchronously without a static import (so bundling this package for a browser does
 * not fail; writing files simply is not possible there).
 */
export function nodeFs(what: string): typeof NodeFs {
  const fs = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.('node:fs') as typeof NodeFs | undefined;
  if (!fs) {
    throw new Error(
      `${what} writes files and needs Node.js 20.16 or later (process.getBuiltinModule). In a browser, use consoleLogger() or a logger of your own.`,
    );
  }
  return fs;
}
