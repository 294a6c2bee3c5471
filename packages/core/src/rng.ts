import { ValidationError } from './errors.js';

/**
 * A small, fast, seedable pseudo-random generator (mulberry32) whose whole state is one 32-bit integer,
 * so it can be checkpointed and restored exactly.
 */
export class Rng {
  #state: number;

  /** @param seed any integer; `undefined` seeds from `Math.random()` (non-reproducible). */
  constructor(seed?: number) {
    if (seed !== undefined && !Number.isInteger(seed)) {
      throw new ValidationError(`randomState must be an integer, got ${String(seed)}.`);
    }
    this.#state = (seed ?? Math.floor(Math.random() * 0x100000000)) >>> 0;
  }

  /** The generator's state; `Rng.fromState(rng.state)` continues the same sequence. */
  get state(): number {
    return this.#state;
  }

  /** A generator that continues from a saved `state` (see {@link Rng.state}). */
  static fromState(state: number): Rng {
    const r = new Rng(0);
    r.#state = state >>> 0;
    return r;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal sample (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A seed for a tfjs random op (`tf.randomUniform(..., seed)`), drawn from this generator. */
  seed(): number {
    return this.int(2147483647);
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}
