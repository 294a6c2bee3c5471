import { type Rng, ValidationError } from '@layerwise/core';

/** A distribution to sample a parameter from (scipy.stats' `rvs`, with layerwise's seeded generator). */
export interface Distribution<T = unknown> {
  /** One sample. */
  rvs(rng: Rng): T;
  /** A description for messages. */
  readonly description: string;
}

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** Uniform on [loc, loc + scale) — scipy's `uniform(loc, scale)`. */
export function uniform(loc = 0, scale = 1): Distribution<number> {
  if (!finite(loc) || !finite(scale) || scale <= 0) {
    throw new ValidationError(
      `uniform(loc, scale): needs finite numbers and scale > 0, got (${loc}, ${scale}).`,
    );
  }
  return { description: `uniform(${loc}, ${scale})`, rvs: (rng) => loc + scale * rng.next() };
}

/** Log-uniform on [a, b) — scipy's `loguniform(a, b)`, e.g. learning rates `logUniform(1e-4, 1e-1)`. */
export function logUniform(a: number, b: number): Distribution<number> {
  if (!finite(a) || !finite(b) || a <= 0 || b <= a) {
    throw new ValidationError(`logUniform(a, b): needs 0 < a < b, got (${a}, ${b}).`);
  }
  const la = Math.log(a);
  const lb = Math.log(b);
  return { description: `logUniform(${a}, ${b})`, rvs: (rng) => Math.exp(la + (lb - la) * rng.next()) };
}

/** Integers in [low, high) — scipy's `randint(low, high)`. */
export function randInt(low: number, high: number): Distribution<number> {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValidationError(`randInt(low, high): needs integers with low < high, got (${low}, ${high}).`);
  }
  return { description: `randInt(${low}, ${high})`, rvs: (rng) => low + rng.int(high - low) };
}

/** One of `values`, each equally likely (what a plain array means in a distributions object). */
export function choice<T>(values: readonly T[]): Distribution<T> {
  if (!Array.isArray(values) || values.length === 0) {
    throw new ValidationError('choice(values): needs a non-empty array.');
  }
  const copy = [...values];
  return { description: `choice(${JSON.stringify(copy)})`, rvs: (rng) => copy[rng.int(copy.length)]! };
}

/** True for objects made by {@link uniform}, {@link logUniform}, {@link randInt}, {@link choice} (or any `{ rvs }`). */
export function isDistribution(x: unknown): x is Distribution {
  return typeof x === 'object' && x !== null && typeof (x as Distribution).rvs === 'function';
}
