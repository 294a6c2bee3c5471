// Which backends the default registry registers where, in which order, and what `auto` picks in Node.
import { BackendUnavailableError, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../index.js';

const names = (r: ReturnType<typeof createDefaultRegistry>) => r.backends().map((b) => [b.name, b.priority]);

describe('createDefaultRegistry() backends', () => {
  it('in Node: node → wasm → cpu (no browser backends)', () => {
    expect(names(createDefaultRegistry())).toEqual([
      ['node', 3],
      ['wasm', 2],
      ['cpu', 1],
    ]);
  });

  it("in a browser: webgpu → webgl → wasm → cpu (environment: 'browser' forces it here)", () => {
    expect(names(createDefaultRegistry({ environment: 'browser' }))).toEqual([
      ['webgpu', 5],
      ['webgl', 4],
      ['wasm', 2],
      ['cpu', 1],
    ]);
  });

  it('the browser set in Node: auto skips webgpu and webgl with one warning giving both reasons, and uses wasm', async () => {
    const warnings: string[] = [];
    const registry = createDefaultRegistry({ environment: 'browser', console: false });
    expect(await registry.activateBackend('auto', { warn: (m) => warnings.push(m) })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /using backend "wasm" \(skipped: webgpu: .*navigator\.gpu.*; webgl: WebGL needs a browser/,
    );
    await expect(registry.activateBackend('webgl')).rejects.toThrow(BackendUnavailableError);
    await registry.dispose();
  });

  it('rejects an unknown environment with a ValidationError naming the choices', () => {
    expect(() => createDefaultRegistry({ environment: 'deno' as never })).toThrow(ValidationError);
    expect(() => createDefaultRegistry({ environment: 'deno' as never })).toThrow(/'browser' or 'node'/);
  });
});
