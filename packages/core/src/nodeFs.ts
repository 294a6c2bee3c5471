import type * as NodeFs from 'node:fs';

/**
 * Node's `fs`, loaded synchronously without a static import (so bundling a plugin that uses it for a
 * browser does not fail; writing files simply is not possible there). Throws an `Error` saying that `what`
 * writes files and needs Node.js 20.16 or later, followed by `hint` (e.g. what to use in a browser).
 */
export function nodeFsSync(what: string, hint?: string): typeof NodeFs {
  const fs = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.('node:fs') as typeof NodeFs | undefined;
  if (!fs) {
    throw new Error(
      `${what} writes files and needs Node.js 20.16 or later (process.getBuiltinModule).${hint ? ` ${hint}` : ''}`,
    );
  }
  return fs;
}
