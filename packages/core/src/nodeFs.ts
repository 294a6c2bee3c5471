import { ValidationError } from './errors.js';

/**
 * The part of Node's synchronous `fs` API that layerwise's file loggers use. Declared here (not taken from
 * `@types/node`) so that a consumer type-checks without `@types/node`.
 */
export interface NodeFsSync {
  existsSync(path: string): boolean;
  readFileSync(path: string, encoding: 'utf8'): string;
  truncateSync(path: string, len?: number): void;
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  mkdirSync(path: string, options?: { recursive?: boolean }): string | undefined;
}

type GetBuiltin = (id: string) => unknown;

function getBuiltinModule(): GetBuiltin | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: GetBuiltin; versions?: { node?: string } } })
    .process;
  return typeof p?.getBuiltinModule === 'function' && typeof p.versions?.node === 'string'
    ? p.getBuiltinModule.bind(p)
    : undefined;
}

/** True when Node.js built-in modules (`node:fs`, `node:path`, …) can be loaded here (Node.js 20.16+). */
export function hasNodeBuiltins(): boolean {
  return getBuiltinModule() !== undefined;
}

/**
 * A Node.js built-in module (`node:fs/promises`, `node:path`, …), loaded with `process.getBuiltinModule`
 * rather than an `import`, so that no bundler sees a Node-only import: every layerwise package bundles for
 * a browser with no flags and no externals, and the file-system code simply is not available there.
 * Throws a {@link ValidationError} saying that `what` works with files and needs Node.js, followed by
 * `hint` (e.g. what to use in a browser). `T` is the module's type, e.g. `typeof import('node:path')`.
 */
export function nodeBuiltin<T>(id: `node:${string}`, what: string, hint?: string): T {
  const mod = getBuiltinModule()?.(id) as T | undefined;
  if (mod === undefined) {
    throw new ValidationError(
      `${what} works with files and needs Node.js 20.19 or later (it cannot load ${id} here, e.g. in a browser).${hint ? ` ${hint}` : ''}`,
    );
  }
  return mod;
}

/**
 * Node's `fs`, loaded synchronously without a static import (so bundling a plugin that uses it for a
 * browser does not fail; writing files simply is not possible there). Throws a {@link ValidationError}
 * saying that `what` works with files and needs Node.js, followed by `hint` (e.g. what to use in a browser).
 */
export function nodeFsSync(what: string, hint?: string): NodeFsSync {
  return nodeBuiltin<NodeFsSync>('node:fs', what, hint);
}
