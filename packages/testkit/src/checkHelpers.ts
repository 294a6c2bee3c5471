// Helpers shared by the conformance suites (checkEstimator, checkTransformer): reading outputs of every
// kind, building inputs of every kind, comparing numbers, expecting named errors.
import { ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export type Kind = 'array' | 'tensor' | 'typed';

/** Every number of an output (array, nested array, typed array, `{ data }`, tensor), read without disposing it. */
export function numbers(out: unknown): number[] {
  if (out instanceof tf.Tensor) return Array.from(out.dataSync() as ArrayLike<number>);
  if (ArrayBuffer.isView(out)) return Array.from(out as unknown as ArrayLike<number>);
  if (Array.isArray(out)) return out.flatMap((v) => (typeof v === 'number' ? [v] : numbers(v)));
  if (typeof out === 'object' && out !== null && 'data' in out)
    return numbers((out as { data: unknown }).data);
  throw new ValidationError(`expected numeric output, got ${typeof out}`);
}

/** Labels or numbers of an output, as plain values. */
export function values(out: unknown): unknown[] {
  if (Array.isArray(out) && out.every((v) => typeof v === 'string')) return out;
  return numbers(out);
}

export function kindOf(out: unknown): Kind | 'other' {
  if (out instanceof tf.Tensor) return 'tensor';
  if (Array.isArray(out)) return 'array';
  if (ArrayBuffer.isView(out)) return 'typed';
  if (
    typeof out === 'object' &&
    out !== null &&
    'data' in out &&
    ArrayBuffer.isView((out as { data: unknown }).data)
  )
    return 'typed';
  return 'other';
}

export function dispose(out: unknown): void {
  if (out instanceof tf.Tensor) out.dispose();
}

/** X in the three input kinds layerwise accepts. */
export function asKind(X: number[][], kind: Kind): unknown {
  if (kind === 'array') return X.map((r) => [...r]);
  const cols = X[0]?.length ?? 0;
  const data = Float32Array.from(X.flat());
  if (kind === 'typed') return { data, shape: [X.length, cols] };
  return tf.tensor2d(data, [X.length, cols]);
}

export function expectClose(a: unknown[], b: unknown[], tol: number, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number') {
      if (!(Math.abs(x - y) <= tol))
        expect.fail(`${what}: value ${i} is ${x}, expected ${y} (tolerance ${tol})`);
    } else if (x !== y) expect.fail(`${what}: value ${i} is ${String(x)}, expected ${String(y)}`);
  }
}

export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}

/** Runs `fn` and returns what it threw (sync or async); fails when it does not throw. */
export async function thrown(fn: () => unknown, what: string): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return expect.fail(`${what}: expected an error, but it succeeded`);
}

/** Checks that `fn` throws an error named `name` whose message says something (≥ 20 characters). */
export async function expectError(fn: () => unknown, name: string | string[], what: string): Promise<Error> {
  const e = await thrown(fn, what);
  const names = Array.isArray(name) ? name : [name];
  if (!names.includes(errorName(e))) {
    expect.fail(
      `${what}: expected ${names.join(' or ')}, got ${errorName(e)}: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  expect(
    (e as Error).message.length,
    `${what}: the message should say what to change`,
  ).toBeGreaterThanOrEqual(20);
  return e as Error;
}
