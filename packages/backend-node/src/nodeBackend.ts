import { type BackendPlugin, BackendUnavailableError, initTfBackend, nodeBuiltin } from '@layerwise/core';

/** Options of {@link nodeBackend}. */
export interface NodeBackendOptions {
  /** Use `@tensorflow/tfjs-node-gpu` (CUDA) instead of `@tensorflow/tfjs-node`. Default false. */
  gpu?: boolean;
  /**
   * Loads the tfjs-node package by name and returns its exports; it must throw when the package is missing or
   * its native binding does not load. Default: Node's `require`, resolving from this package, then from the
   * current directory. Tests inject a fake here.
   */
  load?: (packageName: string) => unknown;
}

/** The tfjs backend name that tfjs-node registers. */
export const TFJS_NODE_BACKEND_NAME = 'tensorflow';

type LoadResult = { ok: true } | { ok: false; reason: string; error: unknown };

function isModuleNotFound(e: unknown, pkg: string): boolean {
  const err = e as { code?: string; message?: string };
  return (
    (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND') &&
    typeof err.message === 'string' &&
    err.message.includes(pkg)
  );
}

/** The message that says what went wrong and what to do. */
export function explainNodeBackendFailure(pkg: string, e: unknown): string {
  const message = (e as Error)?.message ?? String(e);
  const build = `Its native binary must be built when it is installed: with pnpm, allow its build script (add "${pkg}" to "pnpm.onlyBuiltDependencies" in package.json, then reinstall); with npm, run \`npm rebuild ${pkg}\`.`;
  if (isModuleNotFound(e, pkg)) {
    return `The node backend needs ${pkg}, which is not installed: npm install ${pkg}@4.22.0 (an optional peer of @layerwise/backend-node). ${build} Or use wasmBackend() / cpuBackend().`;
  }
  if (/tfjs_binding\.node|native addon/i.test(message)) {
    return `${pkg} is installed but its native binding (tfjs_binding.node) was not built or cannot load here. ${build} Or use wasmBackend() / cpuBackend(). (${message.split('\n')[0]})`;
  }
  return `${pkg} could not be loaded: ${message.split('\n')[0]}. Reinstall ${pkg}@4.22.0. ${build} Or use wasmBackend() / cpuBackend().`;
}

const HINT = 'tfjs-node runs in Node.js only; in a browser use wasmBackend() or cpuBackend().';

async function defaultLoad(pkg: string): Promise<unknown> {
  const { createRequire } = nodeBuiltin<typeof import('node:module')>('node:module', 'nodeBackend()', HINT);
  const { join } = nodeBuiltin<typeof import('node:path')>('node:path', 'nodeBackend()', HINT);
  let firstError: unknown;
  for (const from of [import.meta.url, join(process.cwd(), 'index.js')]) {
    const require = createRequire(from);
    let resolved: string;
    try {
      resolved = require.resolve(pkg);
    } catch (e) {
      firstError ??= e;
      continue;
    }
    return require(resolved);
  }
  throw firstError;
}

/**
 * Native TensorFlow (`@tensorflow/tfjs-node`, or `@tensorflow/tfjs-node-gpu` with `gpu: true`) as a layerwise
 * plugin, priority 3: the fastest backend where its native binding loads. The tfjs-node packages are optional
 * peers: install one yourself. Where it does not load, `isAvailable()` is false (with the reason, which
 * `backend: 'auto'` puts in its one fallback warning) and `activate()` throws `BackendUnavailableError` saying
 * what to install and build.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { nodeBackend } from '@layerwise/backend-node';
 * import { wasmBackend } from '@layerwise/backend-wasm';
 * const registry = new Registry().use(nodeBackend()).use(wasmBackend());
 * await registry.activateBackend('auto'); // 'node' where tfjs-node loads, else 'wasm' (one warning)
 * ```
 */
export function nodeBackend(options: NodeBackendOptions = {}): BackendPlugin {
  const pkg = options.gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  let loading: Promise<LoadResult> | undefined;
  const tryLoad = (): Promise<LoadResult> => {
    loading ??= (async (): Promise<LoadResult> => {
      try {
        if (typeof process === 'undefined' || !process.versions?.node) {
          throw new BackendUnavailableError('not running in Node.js');
        }
        await (options.load ? options.load(pkg) : defaultLoad(pkg));
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: explainNodeBackendFailure(pkg, error), error };
      }
    })();
    return loading;
  };

  return {
    kind: 'backend',
    name: 'node',
    priority: 3,
    // Workers rebuild this plugin from here (a custom `load` stays in this process: workers use the default).
    descriptor: {
      package: '@layerwise/backend-node',
      factory: 'nodeBackend',
      module: import.meta.url,
      options: options.gpu === undefined ? {} : { gpu: options.gpu },
    },
    async isAvailable() {
      return (await tryLoad()).ok;
    },
    async unavailableReason() {
      const r = await tryLoad();
      return r.ok ? undefined : r.reason;
    },
    async activate() {
      const r = await tryLoad();
      if (!r.ok) throw new BackendUnavailableError(r.reason, { cause: r.error });
      await initTfBackend(
        TFJS_NODE_BACKEND_NAME,
        () =>
          `${pkg} loaded, but tfjs has no working "${TFJS_NODE_BACKEND_NAME}" backend: make sure exactly one copy of @tensorflow/tfjs-core@4.22.0 is installed (${pkg} and @layerwise/* must share it; it is a peer dependency).`,
      );
    },
  };
}
