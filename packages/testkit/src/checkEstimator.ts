import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clone, type Estimator, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asKind,
  dispose,
  errorName,
  expectClose,
  expectError,
  kindOf,
  numbers,
  thrown,
  values,
} from './checkHelpers.js';

/** What {@link checkEstimator} needs from an estimator (duck-typed; every layerwise estimator fits). */
export interface CheckableEstimator extends Estimator<object> {
  fit(X: unknown, ...rest: unknown[]): Promise<unknown>;
  transform?(X: unknown): Promise<unknown>;
  predict?(X: unknown): Promise<unknown>;
  predictProba?(X: unknown): Promise<unknown>;
  score?(X: unknown, y?: unknown): Promise<number>;
  save?(dir: string): Promise<void>;
  /** Frees the fitted weights (optional); the estimator becomes unfitted. */
  dispose?(): void;
}

/** Options of {@link checkEstimator}. */
export interface CheckEstimatorOptions<E extends CheckableEstimator> {
  /**
   * `'transformer'`: `fit(X)` then `transform(X)` (e.g. a StackedAutoencoder); `'classifier'`: `fit(X, y)`
   * then `predict`/`predictProba`; `'regressor'`: `fit(X, y)` then `predict`.
   */
  kind: 'transformer' | 'classifier' | 'regressor';
  /** Small training data (a few dozen rows, a few features): every case fits on it. */
  X: number[][];
  /** Labels / targets for supervised estimators, one per row of X. */
  y?: number[] | string[];
  /** Suite name. Default: the estimator's class name. */
  name?: string;
  /** Loads a model saved with `save(dir)`; without it the save → load case is skipped. */
  load?: (dir: string) => Promise<E>;
  /** Runs once before the suite, e.g. to set the tfjs backend. */
  setup?: () => void | Promise<void>;
  /** Seed used by the reproducibility cases (set through `setParams({ randomState })`). Default 0. */
  randomState?: number;
  /** Absolute tolerance when outputs of two identical fits are compared. Default `1e-6`. */
  tolerance?: number;
  /** Skip the whole suite with this reason (shown in the report). */
  skip?: string | false | undefined;
}

/**
 * Params in a comparable form: an estimator-valued param (a Pipeline's steps, deep params) becomes its class
 * name and its own params, so a clone's params equal the original's although its steps are other objects.
 */
function comparableParams(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparableParams);
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { getParams?: unknown }).getParams === 'function'
  ) {
    const est = value as { constructor: { name: string }; getParams(): object };
    return { estimator: est.constructor.name, params: comparableParams(est.getParams()) };
  }
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparableParams(v)]));
  }
  return value;
}

/**
 * Estimator checks in the spirit of scikit-learn's `check_estimator`, each a named vitest case: the
 * contract (`fit` returns `this`, a second fit starts over, params untouched by `fit`, `clone`,
 * `getParams`/`setParams`, unknown params rejected, `NotFittedError` before `fit`), input validation (NaN,
 * ±Infinity, empty, ragged, wrong dtype, wrong feature count, y length), the edge cases that must work
 * (1 sample, 1 feature), outputs in the kind of the input, predictions that change nothing, save → load,
 * no tensor left behind and reproducibility with `randomState`.
 *
 * ```ts
 * checkEstimator(() => new MLPClassifier({ hiddenLayerSizes: [4], epochs: 3 }), {
 *   kind: 'classifier', X, y, load: (dir) => MLPClassifier.load(dir),
 * });
 * ```
 *
 * @param factory makes a fresh, unfitted estimator with small settings (few epochs, small layers).
 */
export function checkEstimator<E extends CheckableEstimator>(
  factory: () => E,
  options: CheckEstimatorOptions<E>,
): void {
  const { X, kind } = options;
  const supervised = kind !== 'transformer';
  const seed = options.randomState ?? 0;
  const tol = options.tolerance ?? 1e-6;
  if (!Array.isArray(X) || X.length < 4 || !Array.isArray(X[0]) || X[0].length < 2) {
    throw new ValidationError(
      'checkEstimator: options.X must be number[][] with at least 4 rows and 2 columns.',
    );
  }
  if (supervised && (!Array.isArray(options.y) || options.y.length !== X.length)) {
    throw new ValidationError('checkEstimator: options.y must have one label/target per row of X.');
  }
  const y = options.y as unknown[] | undefined;
  const cols = X[0].length;
  let name = options.name;
  if (!name) {
    try {
      name = factory().constructor.name;
    } catch {
      name = 'estimator';
    }
  }
  const skip = options.skip || undefined;

  /** `fit` with the suite's targets (or other ones). */
  const fitWith = (est: E, x: unknown, yy: unknown = y): Promise<unknown> =>
    supervised ? est.fit(x, yy) : est.fit(x);
  const seeded = (): E => {
    const est = factory();
    // A composite (Pipeline) names its steps' seeds `<step>__randomState`: seed every one of them.
    const seeds = Object.keys(est.getParams()).filter(
      (k) => k === 'randomState' || k.endsWith('__randomState'),
    );
    if (seeds.length > 0) {
      est.setParams(Object.fromEntries(seeds.map((k) => [k, seed])) as Partial<object>);
    }
    return est;
  };
  /** The main numeric output: codes, class probabilities or predictions. */
  const output = (est: E, x: unknown): Promise<unknown> => {
    if (kind === 'transformer') return est.transform!(x);
    if (kind === 'classifier' && est.predictProba) return est.predictProba(x);
    return est.predict!(x);
  };
  const methods: string[] =
    kind === 'transformer'
      ? ['transform', 'score', 'save']
      : kind === 'classifier'
        ? ['predict', 'predictProba', 'score', 'save']
        : ['predict', 'score', 'save'];
  const call = (est: E, method: string, x: unknown, dir?: string): Promise<unknown> => {
    const fn = (est as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
    if (method === 'save') return fn!.call(est, dir);
    if (method === 'score') return supervised ? fn!.call(est, x, y) : fn!.call(est, x);
    return fn!.call(est, x);
  };
  let tmp = '';
  const title = `checkEstimator: ${name}${skip ? ` (skipped: ${skip})` : ''}`;

  (skip ? describe.skip : describe)(title, () => {
    beforeAll(async () => {
      await options.setup?.();
      tmp = await mkdtemp(join(tmpdir(), 'layerwise-checkEstimator-'));
    });
    afterAll(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('fit returns this and the estimator is fitted', async () => {
      const est = factory();
      expect(est.isFitted).toBe(false);
      expect(await fitWith(est, X)).toBe(est);
      expect(est.isFitted).toBe(true);
    });

    it('fit does not mutate the params nor the data', async () => {
      const est = seeded();
      const before = est.getParams();
      const x = X.map((r) => [...r]);
      const yy = y ? [...y] : undefined;
      await fitWith(est, x, yy);
      expect(est.getParams()).toEqual(before);
      expect(x).toEqual(X);
      if (y) expect(yy).toEqual(y);
    });

    it('deterministic with randomState: two estimators with the same seed give the same outputs', async () => {
      const a = seeded();
      const b = seeded();
      await fitWith(a, X);
      await fitWith(b, X);
      expectClose(values(await output(a, X)), values(await output(b, X)), tol, 'same seed');
    });

    it('a second fit starts over: fitting twice equals fitting once (same seed), also with other data', async () => {
      const once = seeded();
      await fitWith(once, X);
      const twice = seeded();
      // First on other data (another feature count), then on the suite's data.
      const other = X.map((r) => [...r, r[0]! * 0.5]);
      await fitWith(twice, other);
      await fitWith(twice, X);
      expectClose(values(await output(twice, X)), values(await output(once, X)), tol, 'refit');
    });

    it('clone is unfitted with equal params', async () => {
      const est = seeded();
      await fitWith(est, X);
      const c = clone(est);
      expect(c).not.toBe(est);
      expect(c.constructor).toBe(est.constructor);
      expect(c.isFitted).toBe(false);
      expect(comparableParams(c.getParams())).toEqual(comparableParams(est.getParams()));
      expect(est.isFitted).toBe(true);
    });

    it('getParams / setParams round-trip; setParams returns this; getParams returns a copy', () => {
      const est = factory();
      const p = est.getParams() as Record<string, unknown>;
      expect(est.setParams(p)).toBe(est);
      expect(est.getParams()).toEqual(p);
      for (const v of Object.values(p)) if (Array.isArray(v)) v.push(12345);
      (p as Record<string, unknown>).__extra = 1;
      expect(est.getParams()).not.toHaveProperty('__extra');
      for (const v of Object.values(est.getParams() as Record<string, unknown>)) {
        if (Array.isArray(v)) expect(v).not.toContain(12345);
      }
    });

    it('unknown params are rejected (constructor and setParams) with a ValidationError', async () => {
      const est = factory();
      const before = est.getParams();
      await expectError(
        () => est.setParams({ notAParam: 1 } as Partial<object>),
        'ValidationError',
        'setParams',
      );
      expect(est.getParams()).toEqual(before);
      const Ctor = est.constructor as new (p: object) => E;
      await expectError(() => new Ctor({ notAParam: 1 }), 'ValidationError', 'constructor');
    });

    it('every method needing a fitted model throws NotFittedError before fit', async () => {
      const est = factory();
      for (const m of methods) {
        if (typeof (est as unknown as Record<string, unknown>)[m] !== 'function') continue;
        await expectError(() => call(est, m, X, join(tmp, 'never')), 'NotFittedError', `${m} before fit`);
      }
    });

    const badX: [string, () => unknown][] = [
      [
        'NaN',
        () => {
          const x = X.map((r) => [...r]);
          x[1]![0] = Number.NaN;
          return x;
        },
      ],
      [
        'Infinity',
        () => {
          const x = X.map((r) => [...r]);
          x[2]![1] = Number.POSITIVE_INFINITY;
          return x;
        },
      ],
      [
        '-Infinity',
        () => {
          const x = X.map((r) => [...r]);
          x[0]![0] = Number.NEGATIVE_INFINITY;
          return x;
        },
      ],
      ['NaN in a tensor', () => tf.tensor2d([...X.flat().slice(0, -1), Number.NaN], [X.length, cols])],
      ['an empty array', () => []],
      ['rows without features', () => X.map(() => [])],
      ['an empty typed matrix', () => ({ data: new Float32Array(0), shape: [0, cols] })],
      ['ragged rows', () => X.map((r, i) => (i === 1 ? r.slice(1) : [...r]))],
      ['strings', () => X.map((r) => r.map(String))],
      ['nested arrays', () => X.map((r) => r.map((v) => [v]))],
      ['a 1-D array', () => X.map((r) => r[0])],
      ['a 1-D tensor', () => tf.tensor1d(X.map((r) => r[0]!))],
      [
        'a bool tensor',
        () =>
          tf.tensor2d(
            X.flat().map((v) => v > 0),
            [X.length, cols],
            'bool',
          ),
      ],
      ['an Int8Array typed matrix', () => ({ data: Int8Array.from(X.flat()), shape: [X.length, cols] })],
      [
        'a typed matrix whose shape does not match its data',
        () => ({ data: Float32Array.from(X.flat()), shape: [X.length + 1, cols] }),
      ],
      ['a string', () => 'not data'],
      ['null', () => null],
    ];
    for (const [what, make] of badX) {
      it(`fit rejects X with ${what} (ValidationError, nothing fitted, no tensor left)`, async () => {
        const est = factory();
        const x = make();
        const n0 = tf.memory().numTensors;
        await expectError(() => fitWith(est, x), 'ValidationError', `X with ${what}`);
        expect(tf.memory().numTensors, 'tensors left behind').toBe(n0);
        expect(est.isFitted).toBe(false);
        dispose(x);
      });
    }

    it('bad input never half-trains: a failed refit leaves the fitted model as it was', async () => {
      const est = seeded();
      await fitWith(est, X);
      const before = values(await output(est, X));
      const x = X.map((r) => [...r]);
      x[3]![1] = Number.NaN;
      await expectError(() => fitWith(est, x), 'ValidationError', 'refit with NaN');
      expect(est.isFitted).toBe(true);
      expectClose(values(await output(est, X)), before, 0, 'after a failed refit');
    });

    if (supervised) {
      it('fit rejects y whose length differs from X (ValidationError, no tensor left)', async () => {
        const est = factory();
        const n0 = tf.memory().numTensors;
        await expectError(() => est.fit(X, y!.slice(1)), 'ValidationError', 'short y');
        await expectError(() => est.fit(X, [...y!, y![0]]), 'ValidationError', 'long y');
        await expectError(() => est.fit(X, []), 'ValidationError', 'empty y');
        await expectError(() => est.fit(X), 'ValidationError', 'missing y');
        expect(tf.memory().numTensors).toBe(n0);
        expect(est.isFitted).toBe(false);
      });

      it('fit rejects y with NaN or of the wrong type (ValidationError)', async () => {
        const est = factory();
        const n0 = tf.memory().numTensors;
        const nan = [...y!] as unknown[];
        nan[0] = Number.NaN;
        await expectError(() => est.fit(X, nan), 'ValidationError', 'y with NaN');
        await expectError(
          () =>
            est.fit(
              X,
              y!.map(() => ({})),
            ),
          'ValidationError',
          'y of objects',
        );
        await expectError(() => est.fit(X, 'labels'), 'ValidationError', 'y as a string');
        expect(tf.memory().numTensors).toBe(n0);
        expect(est.isFitted).toBe(false);
      });
    }

    it('1 feature works: fit and outputs on a single column', async () => {
      const est = seeded();
      const x1 = X.map((r) => [r[0]!]);
      await fitWith(est, x1);
      const out = await output(est, x1);
      expect(kindOf(out)).toBe('array');
      expect((out as unknown[]).length).toBe(X.length);
      expect(numbers(out).every(Number.isFinite)).toBe(true);
    });

    it('1 sample: fits, or is rejected with a ValidationError (never a crash or a leak)', async () => {
      const est = seeded();
      const n0 = tf.memory().numTensors;
      try {
        await fitWith(est, [X[0]!], y ? [y[0]] : undefined);
      } catch (e) {
        expect(errorName(e)).toBe('ValidationError');
        expect(est.isFitted).toBe(false);
        expect(tf.memory().numTensors).toBe(n0);
        return;
      }
      const out = await output(est, [X[0]!]);
      expect(numbers(out).every(Number.isFinite)).toBe(true);
    });

    it('a wrong feature count after fit is rejected (ValidationError) by every method', async () => {
      const est = seeded();
      await fitWith(est, X);
      const wide = X.map((r) => [...r, 0]);
      const narrow = X.map((r) => r.slice(1));
      const n0 = tf.memory().numTensors;
      for (const m of methods.filter((x) => x !== 'save')) {
        if (typeof (est as unknown as Record<string, unknown>)[m] !== 'function') continue;
        await expectError(() => call(est, m, wide), 'ValidationError', `${m} with ${cols + 1} features`);
        await expectError(() => call(est, m, narrow), 'ValidationError', `${m} with ${cols - 1} features`);
      }
      expect(tf.memory().numTensors).toBe(n0);
    });

    it('predicting / transforming changes neither the model, the params nor the input', async () => {
      const est = seeded();
      await fitWith(est, X);
      const params = est.getParams();
      const x = X.map((r) => [...r]);
      const first = values(await output(est, x));
      for (const m of methods.filter((k) => k !== 'save')) {
        if (typeof (est as unknown as Record<string, unknown>)[m] === 'function') await call(est, m, x);
      }
      expectClose(values(await output(est, x)), first, 0, 'second call');
      expect(est.getParams()).toEqual(params);
      expect(x).toEqual(X);
    });

    it('outputs come back in the kind of the input (array → array, tensor → tensor, typed → typed)', async () => {
      const est = seeded();
      await fitWith(est, X);
      const ref = values(await output(est, X));
      for (const k of ['array', 'typed', 'tensor'] as const) {
        const x = asKind(X, k);
        const out = await output(est, x);
        expect(kindOf(out), `output for ${k} input`).toBe(k);
        expectClose(values(out), ref, 1e-6, `${k} input`);
        dispose(out);
        dispose(x);
      }
      if (kind !== 'transformer') {
        // Predictions of a classifier come in the kind of the labels; of a regressor, 1-D for 1-D targets.
        const pred = await est.predict!(X);
        expect(Array.isArray(pred) || ArrayBuffer.isView(pred) || pred instanceof tf.Tensor).toBe(true);
        expect(values(pred).length).toBeGreaterThanOrEqual(X.length);
        dispose(pred);
      }
    });

    it('no tensor is leaked by fit, outputs, score, save, refit, failures; dispose() frees the rest', async () => {
      const n0 = tf.memory().numTensors;
      const est = seeded();
      await fitWith(est, X);
      const nFitted = tf.memory().numTensors;
      for (const m of methods) {
        if (typeof (est as unknown as Record<string, unknown>)[m] !== 'function') continue;
        const out = await call(est, m, X, join(tmp, 'leak-check'));
        dispose(out);
        expect(tf.memory().numTensors, `after ${m}`).toBe(nFitted);
      }
      const xt = asKind(X, 'tensor') as tf.Tensor;
      const out = await output(est, xt);
      expect(tf.memory().numTensors, 'a tensor output is the only new tensor').toBe(nFitted + 2);
      dispose(out);
      xt.dispose();
      await fitWith(est, X);
      expect(tf.memory().numTensors, 'after a refit').toBe(nFitted);
      await thrown(() => fitWith(est, [[Number.NaN, 1]]), 'failed fit');
      expect(tf.memory().numTensors, 'after a failed fit').toBe(nFitted);
      expect(n0).toBeLessThanOrEqual(nFitted);
      if (typeof est.dispose === 'function') {
        est.dispose();
        expect(tf.memory().numTensors, 'after dispose()').toBe(n0);
        expect(est.isFitted).toBe(false);
      }
    });

    if (options.load) {
      const load = options.load;
      it('save → load gives the same outputs, params and fitted state', async () => {
        const est = seeded();
        await fitWith(est, X);
        const dir = join(tmp, 'saved');
        await est.save!(dir);
        const back = await load(dir);
        expect(back.constructor).toBe(est.constructor);
        expect(back.isFitted).toBe(true);
        expect(comparableParams(back.getParams())).toEqual(comparableParams(est.getParams()));
        expectClose(values(await output(back, X)), values(await output(est, X)), 0, 'loaded model');
        if (kind === 'classifier')
          expect(values(await back.predict!(X))).toEqual(values(await est.predict!(X)));
        // Saving a loaded model again gives the same outputs too.
        const dir2 = join(tmp, 'saved-again');
        await back.save!(dir2);
        const again = await load(dir2);
        expectClose(values(await output(again, X)), values(await output(est, X)), 0, 'saved again');
      });
    }
  });
}
