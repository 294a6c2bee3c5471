import { workerExecArgv } from '@layerwise/core';

/**
 * This process's Node flags a worker running built JavaScript can take: no export conditions (it resolves
 * packages to their `dist`), no `-e` script and no loaders (tsx).
 *
 * @deprecated Use `workerExecArgv()` from `@layerwise/core` (the same flags; the wasm backend's
 * pthread workers use it too). This name stays for one minor version.
 */
export function builtExecArgv(): string[] {
  return workerExecArgv();
}
