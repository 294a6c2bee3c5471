import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BackendPlugin,
  BaseEstimator,
  fallbackNotice,
  isQuiet,
  NOTICE_MAX_LENGTH,
  notice,
  Registry,
} from '../index.js';

// The reason tfjs-node's plugin gives when its native binding was not built (the ~450-character warning
// every Node script printed before).
const LONG_REASON =
  '@tensorflow/tfjs-node is installed but its native binding (tfjs_binding.node) was not built or cannot load here. Its native binary must be built when it is installed: with pnpm, allow its build script (add "@tensorflow/tfjs-node" to "pnpm.onlyBuiltDependencies" in package.json, then reinstall); with npm, run `npm rebuild @tensorflow/tfjs-node`. Or use wasmBackend() / cpuBackend().';

function unavailable(name: string, priority: number, reason: string): BackendPlugin {
  return {
    kind: 'backend',
    name,
    priority,
    isAvailable: () => false,
    unavailableReason: () => reason,
    async activate() {},
  };
}
function cpu(): BackendPlugin {
  return {
    kind: 'backend',
    name: 'cpu',
    priority: 1,
    isAvailable: () => true,
    async activate() {
      await tf.setBackend('cpu');
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('the one-line notice', () => {
  it('the auto fallback notice says what, why and where in at most 160 characters', () => {
    const line = fallbackNotice('wasm', [
      { name: 'node', reason: LONG_REASON },
      { name: 'webgl', reason: 'WebGL needs a browser.' },
    ]);
    expect(line.length).toBeLessThanOrEqual(NOTICE_MAX_LENGTH);
    expect(NOTICE_MAX_LENGTH).toBe(160);
    expect(line).toMatch(
      /^layerwise: using "wasm"; node: @tensorflow\/tfjs-node is installed but .*\w… \(\+1 more\)\. See https:\/\/github\.com\/layerwise\/layerwise#backends$/,
    );
    const short = fallbackNotice('wasm', [{ name: 'node', reason: 'node cannot load here' }]);
    expect(short).toBe(
      'layerwise: using "wasm"; node: node cannot load here. See https://github.com/layerwise/layerwise#backends',
    );
  });

  it('is printed once per process, shortened, and silenced by verbose: false or LAYERWISE_QUIET', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(notice('t1', `layerwise: ${'x'.repeat(300)}`)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect((warn.mock.calls[0]![0] as string).length).toBeLessThanOrEqual(NOTICE_MAX_LENGTH);
    expect((warn.mock.calls[0]![0] as string).length).toBeGreaterThan(NOTICE_MAX_LENGTH - 5);
    expect(warn.mock.calls[0]![0]).toMatch(/…$/);
    expect(notice('t1', 'again')).toBe(false);
    expect(notice('t2', 'other', { verbose: false })).toBe(false);
    vi.stubEnv('LAYERWISE_QUIET', '1');
    expect(isQuiet()).toBe(true);
    expect(notice('t3', 'quiet')).toBe(false);
    vi.stubEnv('LAYERWISE_QUIET', '0');
    expect(isQuiet()).toBe(false);
    expect(notice('t3', 'now')).toBe(true);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('auto prints the short line once per process across registries; an explicit verbose: false silences it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const make = () => new Registry().use(unavailable('node', 3, LONG_REASON)).use(cpu());
    expect(await make().activateBackend('auto', { verbose: false })).toBe('cpu');
    expect(warn).not.toHaveBeenCalled();
    expect(await make().activateBackend('auto')).toBe('cpu');
    expect(await make().activateBackend('auto')).toBe('cpu');
    expect(warn).toHaveBeenCalledTimes(1);
    const line = warn.mock.calls[0]![0] as string;
    expect(line.length).toBeLessThanOrEqual(160);
    expect(line).toMatch(/^layerwise: using "cpu"; node: @tensorflow\/tfjs-node/);
    // a custom sink gets the full message and the line
    const sink = vi.fn();
    await make().activateBackend('auto', { warn: sink });
    expect(sink.mock.calls[0]![0]).toContain('npm rebuild @tensorflow/tfjs-node');
    expect(sink.mock.calls[0]![1]).toBe(line);
  });

  it("an estimator's explicit verbose: false passes the silence to auto", async () => {
    interface P {
      verbose: boolean;
      backend: string;
    }
    const spec = { verbose: { type: 'boolean' }, backend: { type: 'string' } } as never;
    class Probe extends BaseEstimator<P> {
      constructor(p: Partial<P>, registry: Registry) {
        super({ verbose: false, backend: 'auto' }, spec, p, { registry });
      }
      get isFitted() {
        return false;
      }
      fit() {
        return this.runFit('fit', async (b) => b);
      }
    }
    const registry = new Registry().use(unavailable('node', 3, 'probe reason: nothing')).use(cpu());
    const seen: unknown[] = [];
    const original = registry.withBackend.bind(registry);
    registry.withBackend = ((r: string, w: never, o: unknown) => {
      seen.push(o);
      return original(r, w, o as never);
    }) as never;
    expect(await new Probe({ verbose: false }, registry).fit()).toBe('cpu');
    expect(await new Probe({}, registry).fit()).toBe('cpu');
    expect(seen).toEqual([{ verbose: false }, {}]);
  });
});
