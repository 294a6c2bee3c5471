import { cpuBackend } from '@layerwise/backend-cpu';
import { wasmBackend } from '@layerwise/backend-wasm';
import { BackendUnavailableError, Registry } from '@layerwise/core';
import { checkBackend } from '@layerwise/testkit';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { nodeBackend, TFJS_NODE_BACKEND_NAME } from '../index.js';

// Whether the real native binding loads on this machine (it cannot be built on our CI machines).
const real = nodeBackend();
const available = await real.isAvailable();
const absentReason = available ? undefined : await real.unavailableReason?.();

/** What Node throws for a package that is not installed. */
function notFound(pkg: string): Error {
  return Object.assign(new Error(`Cannot find module '${pkg}'\nRequire stack:\n- /app/index.js`), {
    code: 'MODULE_NOT_FOUND',
  });
}

/** What tfjs-node throws when installed without its install script (pnpm 10 default). */
const bindingError = new Error(
  "The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node. \nPlease run command 'npm rebuild @tensorflow/tfjs-node build-addon-from-source' to rebuild the native addon module. \nIf you have problem with building the addon module, please check https://github.com/tensorflow/tfjs/blob/master/tfjs-node/WINDOWS_TROUBLESHOOTING.md or file an issue.",
);

describe('nodeBackend()', () => {
  it('is a backend plugin named node with priority 3', () => {
    expect(nodeBackend()).toMatchObject({ kind: 'backend', name: 'node', priority: 3 });
  });

  it('package not installed: isAvailable() is false (no throw), activate() says what to install and build', async () => {
    const load = vi.fn((pkg: string) => {
      throw notFound(pkg);
    });
    const plugin = nodeBackend({ load });
    expect(await plugin.isAvailable()).toBe(false);
    const err = await plugin.activate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const message = (err as Error).message;
    expect(message).toMatch(/npm install @tensorflow\/tfjs-node@4\.22\.0/);
    expect(message).toMatch(/native binary must be built/);
    expect(message).toMatch(/pnpm\.onlyBuiltDependencies/);
    expect(await plugin.unavailableReason?.()).toBe(message);
    expect(load).toHaveBeenCalledTimes(1); // the result is cached
    expect(load).toHaveBeenCalledWith('@tensorflow/tfjs-node');
  });

  it('gpu: true looks for @tensorflow/tfjs-node-gpu', async () => {
    const load = vi.fn((pkg: string) => {
      throw notFound(pkg);
    });
    const err = await nodeBackend({ gpu: true, load })
      .activate()
      .catch((e: unknown) => e);
    expect(load).toHaveBeenCalledWith('@tensorflow/tfjs-node-gpu');
    expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
  });

  it('binding not built (the real tfjs_binding.node error): says the native binary must be built', async () => {
    const plugin = nodeBackend({
      load: () => {
        throw bindingError;
      },
    });
    expect(await plugin.isAvailable()).toBe(false);
    const err = await plugin.activate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/@tensorflow\/tfjs-node is installed but its native binding/);
    expect((err as Error).message).toMatch(/"@tensorflow\/tfjs-node" to "pnpm\.onlyBuiltDependencies"/);
    expect((err as Error).message).toMatch(/npm rebuild @tensorflow\/tfjs-node/);
    expect((err as BackendUnavailableError).cause).toBe(bindingError);
  });

  it('a loader that throws anything else still gives a BackendUnavailableError, never a throw from isAvailable', async () => {
    const plugin = nodeBackend({
      load: () => {
        throw new TypeError('boom');
      },
    });
    expect(await plugin.isAvailable()).toBe(false);
    await expect(plugin.activate()).rejects.toThrowError(/could not be loaded: boom/);
  });

  it('module loads: activate() sets the "tensorflow" tfjs backend (a fake one registered by the fake module)', async () => {
    const previous = tf.getBackend();
    const plugin = nodeBackend({
      load: () => {
        tf.registerBackend(TFJS_NODE_BACKEND_NAME, () => new MathBackendCPU());
        return {};
      },
    });
    try {
      expect(await plugin.isAvailable()).toBe(true);
      await plugin.activate();
      expect(tf.getBackend()).toBe('tensorflow');
    } finally {
      tf.removeBackend(TFJS_NODE_BACKEND_NAME);
      if (previous) await tf.setBackend(previous);
    }
  });

  it('module loads but registers no backend: BackendUnavailableError about a single tfjs-core', async () => {
    const plugin = nodeBackend({ load: () => ({}) });
    await expect(plugin.activate()).rejects.toThrowError(/exactly one copy of @tensorflow\/tfjs-core/);
  });
});

describe('auto selection with node + wasm + cpu', () => {
  it.skipIf(available)(
    'falls back to wasm with exactly one warning naming what to install (skipped where tfjs-node loads)',
    async () => {
      const warn = vi.fn();
      const registry = new Registry().use(cpuBackend()).use(nodeBackend()).use(wasmBackend());
      expect(await registry.activateBackend('auto', { warn })).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(/using backend "wasm".*node: .*@tensorflow\/tfjs-node/);
    },
  );

  it('with the binding error injected: wasm, one warning', async () => {
    const warn = vi.fn();
    const node = nodeBackend({
      load: () => {
        throw bindingError;
      },
    });
    const registry = new Registry().use(cpuBackend()).use(node).use(wasmBackend());
    expect(await registry.activateBackend('auto', { warn })).toBe('wasm');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/native binding/);
  });
});

describe('real @tensorflow/tfjs-node', () => {
  it.skipIf(!available)(
    `activates the native backend and trains${available ? '' : ' — skipped: @tensorflow/tfjs-node is not installed or its native binding does not load here'}`,
    async () => {
      await nodeBackend().activate();
      expect(tf.getBackend()).toBe('tensorflow');
      const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
      expect(Array.from(await y.data())).toEqual([11]);
      y.dispose();
    },
  );
  it('reports why it is absent (when it is)', () => {
    if (available) return;
    expect(absentReason).toMatch(/@tensorflow\/tfjs-node/);
  });
});

checkBackend(() => nodeBackend(), {
  skip: available ? false : '@tensorflow/tfjs-node is not installed or its native binding does not load here',
});
