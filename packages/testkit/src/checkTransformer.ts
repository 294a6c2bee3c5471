import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asKind, expectClose, expectError, kindOf, numbers } from './checkHelpers.js';

/**
 * What {@link checkTransformer} needs (duck-typed): parameters, `fit` and `transform`. Methods may be
 * synchronous (the preprocessing transformers) or async (StackedAutoencoder, Pipeline); the suite awaits.
 */
export interface CheckableTransformer {
  getParams(): object;
  setParams(params: Record<string, unknown>): unknown;
  readonly isFitted: boolean;
  fit(X: unknown, ...rest: unknown[]): unknown;
  transform(X: unknown): unknown;
  fitTransform?(X: unknown, ...rest: unknown[]): unknown;
  inverseTransform?(X: unknown): unknown;
  clone?(): CheckableTransformer;
  save?(dir: string): Promise<void>;
}

/** Options of {@link checkTransformer}. */
export interface CheckTransformerOptions<T extends CheckableTransformer> {
  /** Small training data (at least 4 rows, 2 columns); every case fits on it. */
  X: number[][];
  /** Suite name. Default: the class name. */
  name?: string;
  /** Loads what `save(dir)` wrote; without it the save → load case only checks NotFittedError. */
  load?: (dir: string) => Promise<T>;
  /** NaN is the missing-value marker for this transformer (SimpleImputer): skip the NaN-rejection case. */
  allowsNaN?: boolean;
  /** Check `inverseTransform(transform(X)) ≈ X` with this absolute tolerance (false: skip). Default false. */
  inverse?: number | false;
  /** Absolute tolerance when two outputs that should be equal are compared. Default `1e-6`. */
  tolerance?: number;
  /** Runs once before the suite, e.g. to set the tfjs backend. */
  setup?: () => void | Promise<void>;
  /** Skip the whole suite with this reason. */
  skip?: string | false | undefined;
}

/** Parameters that are plain data (estimator objects of a pipeline's deep params left out). */
function plainParams(p: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(p).filter(
      ([, v]) =>
        v === null ||
        ['number', 'string', 'boolean'].includes(typeof v) ||
        (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)),
    ),
  );
}

function cloneOf<T extends CheckableTransformer>(t: T): T {
  if (typeof t.clone === 'function') return t.clone() as T;
  const Ctor = t.constructor as new (p: object) => T;
  return new Ctor(t.getParams());
}

/**
 * Transformer checks in the spirit of scikit-learn's `check_estimator` for transformers, each a named
 * vitest case: params round-trip, unknown params rejected, `clone` unfitted with equal params,
 * `NotFittedError` before fit, `fitTransform` equals `fit` then `transform`, outputs in the kind of the
 * input (array / tensor / `{ data, shape }`), a wrong feature count, empty input and NaN rejected with
 * `ValidationError`, `inverseTransform` round trip, save → load gives the same transform (and saving an
 * unfitted transformer writes nothing), and no tensor left behind.
 *
 * ```ts
 * checkTransformer(() => new StandardScaler(), { X, load: (dir) => StandardScaler.load(dir), inverse: 1e-5 });
 * ```
 *
 * @param factory makes a fresh, unfitted transformer with small settings
 */
export function checkTransformer<T extends CheckableTransformer>(
  factory: () => T,
  options: CheckTransformerOptions<T>,
): void {
  const { X } = options;
  const tol = options.tolerance ?? 1e-6;
  if (!Array.isArray(X) || X.length < 4 || !Array.isArray(X[0]) || X[0].length < 2) {
    throw new ValidationError(
      'checkTransformer: options.X must be number[][] with at least 4 rows and 2 columns.',
    );
  }
  let name = options.name;
  if (!name) {
    try {
      name = factory().constructor.name;
    } catch {
      name = 'transformer';
    }
  }
  const skip = options.skip || undefined;
  let tmp = '';

  (skip ? describe.skip : describe)(`checkTransformer: ${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(async () => {
      await options.setup?.();
      tmp = await mkdtemp(join(tmpdir(), 'layerwise-checkTransformer-'));
    });
    afterAll(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('fit returns this; fitted afterwards; the data is not mutated', async () => {
      const t = factory();
      expect(t.isFitted).toBe(false);
      const x = X.map((r) => [...r]);
      expect(await t.fit(x)).toBe(t);
      expect(t.isFitted).toBe(true);
      expect(x).toEqual(X);
    });

    it('getParams / setParams round-trip; unknown params are a ValidationError', async () => {
      const t = factory();
      const p = plainParams(t.getParams());
      expect(t.setParams(p)).toBe(t);
      expect(plainParams(t.getParams())).toEqual(p);
      const before = plainParams(t.getParams());
      await expectError(() => t.setParams({ notAParam: 1 }), 'ValidationError', 'setParams({ notAParam })');
      expect(plainParams(t.getParams())).toEqual(before);
    });

    it('clone is a new, unfitted transformer with equal params', async () => {
      const t = factory();
      await t.fit(X);
      const c = cloneOf(t);
      expect(c).not.toBe(t);
      expect(c.constructor).toBe(t.constructor);
      expect(c.isFitted).toBe(false);
      expect(plainParams(c.getParams())).toEqual(plainParams(t.getParams()));
      expect(t.isFitted).toBe(true);
    });

    it('transform, inverseTransform and save throw NotFittedError before fit (and save writes nothing)', async () => {
      const t = factory();
      await expectError(() => t.transform(X), 'NotFittedError', 'transform before fit');
      if (typeof t.inverseTransform === 'function')
        await expectError(() => t.inverseTransform!(X), 'NotFittedError', 'inverseTransform before fit');
      if (typeof t.save === 'function') {
        const dir = join(tmp, 'unfitted');
        await expectError(() => t.save!(dir), 'NotFittedError', 'save before fit');
        expect(existsSync(dir), 'save before fit wrote files').toBe(false);
      }
    });

    it('fitTransform equals fit then transform', async () => {
      const a = factory();
      await a.fit(X);
      const viaFit = numbers(await a.transform(X));
      const b = factory();
      let direct: unknown;
      if (typeof b.fitTransform === 'function') direct = await b.fitTransform(X);
      else {
        await b.fit(X);
        direct = await b.transform(X);
      }
      expectClose(numbers(direct), viaFit, tol, 'fitTransform vs fit + transform');
    });

    it('outputs come back in the kind of the input, with equal numbers; no tensor left behind', async () => {
      const t = factory();
      await t.fit(X);
      const ref = numbers(await t.transform(X));
      for (const kind of ['array', 'typed', 'tensor'] as const) {
        const x = asKind(X, kind);
        const n0 = tf.memory().numTensors;
        const out = await t.transform(x);
        expect(kindOf(out), `${kind} in`).toBe(kind);
        expect(tf.memory().numTensors, `${kind} in: only the returned tensor is new`).toBe(
          n0 + (kind === 'tensor' ? 1 : 0),
        );
        expectClose(numbers(out), ref, 1e-5, `${kind} output`);
        if (out instanceof tf.Tensor) out.dispose();
        if (x instanceof tf.Tensor) x.dispose();
      }
    });

    it('no tensor left behind: transform keeps the count; a refit holds no more than the first fit', async () => {
      const t = factory();
      await t.fit(X);
      const held = tf.memory().numTensors;
      await t.transform(X);
      await t.transform(asKind(X, 'typed'));
      expect(tf.memory().numTensors, 'transform on arrays').toBe(held);
      await t.fit(X);
      expect(tf.memory().numTensors, 'refit').toBe(held);
    });

    it('a wrong feature count after fit is a ValidationError naming both counts', async () => {
      const t = factory();
      await t.fit(X);
      const n0 = tf.memory().numTensors;
      await expectError(() => t.transform(X.map((r) => r.slice(1))), 'ValidationError', 'one feature fewer');
      await expectError(() => t.transform(X.map((r) => [...r, 1])), 'ValidationError', 'one feature more');
      expect(tf.memory().numTensors).toBe(n0);
    });

    it('empty input, ragged rows and ±Infinity are ValidationErrors; nothing gets fitted', async () => {
      const t = factory();
      const n0 = tf.memory().numTensors;
      await expectError(() => t.fit([]), 'ValidationError', 'fit([])');
      await expectError(
        () => t.fit({ data: new Float32Array(0), shape: [0, X[0]!.length] }),
        'ValidationError',
        'empty typed',
      );
      await expectError(
        () => t.fit(X.map((r, i) => (i === 1 ? r.slice(1) : r))),
        'ValidationError',
        'ragged',
      );
      const inf = X.map((r) => [...r]);
      inf[1]![0] = Number.POSITIVE_INFINITY;
      await expectError(() => t.fit(inf), 'ValidationError', 'Infinity');
      expect(t.isFitted).toBe(false);
      expect(tf.memory().numTensors).toBe(n0);
      await t.fit(X);
      await expectError(() => t.transform([]), 'ValidationError', 'transform([])');
    });

    if (!options.allowsNaN) {
      it('NaN is a ValidationError in fit and transform (only SimpleImputer takes NaN)', async () => {
        const t = factory();
        const nan = X.map((r) => [...r]);
        nan[2]![1] = Number.NaN;
        await expectError(() => t.fit(nan), 'ValidationError', 'fit with NaN');
        expect(t.isFitted).toBe(false);
        await t.fit(X);
        await expectError(() => t.transform(nan), 'ValidationError', 'transform with NaN');
      });
    }

    if (options.inverse !== undefined && options.inverse !== false) {
      const itol = options.inverse;
      it(`inverseTransform(transform(X)) ≈ X (tolerance ${itol})`, async () => {
        const t = factory();
        await t.fit(X);
        const back = await t.inverseTransform!(await t.transform(X));
        expectClose(numbers(back), X.flat(), itol, 'round trip');
      });
    }

    if (options.load) {
      const load = options.load;
      it('save → load gives a fitted transformer with the same params and the same transform', async () => {
        const t = factory();
        await t.fit(X);
        const dir = join(tmp, 'saved');
        await t.save!(dir);
        const n0 = tf.memory().numTensors;
        const back = await load(dir);
        expect(back.isFitted).toBe(true);
        expect(back.constructor).toBe(t.constructor);
        expect(plainParams(back.getParams())).toEqual(plainParams(t.getParams()));
        expectClose(numbers(await back.transform(X)), numbers(await t.transform(X)), 0, 'loaded transform');
        const held = tf.memory().numTensors;
        await back.transform(X);
        expect(tf.memory().numTensors, 'transform of the loaded one').toBe(held);
        (back as { dispose?: () => void }).dispose?.();
        if (typeof (back as { dispose?: () => void }).dispose === 'function')
          expect(tf.memory().numTensors, 'dispose frees what load made').toBe(n0);
      });
    }
  });
}
