import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asKind, expectClose, expectError, kindOf, numbers } from './checkHelpers.js';

/**
 * What {@link checkOutlierDetector} needs (duck-typed): scikit-learn's outlier-detector API — `fit`,
 * `predict` (1 inlier / −1 outlier), `fitPredict`, `scoreSamples` (higher = more normal),
 * `decisionFunction` (= `scoreSamples − offset`), a fitted `offset` and a `contamination` param.
 */
export interface CheckableOutlierDetector {
  getParams(): object;
  setParams(params: Record<string, unknown>): unknown;
  readonly isFitted: boolean;
  readonly offset: number;
  fit(X: unknown, ...rest: unknown[]): unknown;
  predict(X: unknown): unknown;
  fitPredict(X: unknown, ...rest: unknown[]): unknown;
  scoreSamples(X: unknown): unknown;
  decisionFunction(X: unknown): unknown;
  clone?(): CheckableOutlierDetector;
  save?(dir: string): Promise<void>;
  dispose?(): void;
}

/** Options of {@link checkOutlierDetector}. */
export interface CheckOutlierDetectorOptions<T extends CheckableOutlierDetector> {
  /** Training data (at least 50 rows, 2 columns): every case fits on it. */
  X: number[][];
  /** Suite name. Default: the class name. */
  name?: string;
  /** Loads what `save(dir)` wrote; without it the save → load case only checks NotFittedError. */
  load?: (dir: string) => Promise<T>;
  /** Contamination values whose flagged fraction on the training rows is checked (within 1 point). Default [0.1]. */
  contaminations?: number[];
  /** Absolute tolerance when two outputs that should be equal are compared. Default `1e-5`. */
  tolerance?: number;
  /** Runs once before the suite, e.g. to set the tfjs backend. */
  setup?: () => void | Promise<void>;
  /** Skip the whole suite with this reason. */
  skip?: string | false | undefined;
}

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

function cloneOf<T extends CheckableOutlierDetector>(t: T): T {
  if (typeof t.clone === 'function') return t.clone() as T;
  const Ctor = t.constructor as new (p: object) => T;
  return new Ctor(t.getParams());
}

/**
 * Outlier-detector checks in the spirit of scikit-learn's `check_outlier_*` estimator checks, each a named
 * vitest case: params round-trip, `contamination` outside (0, 0.5] rejected with a ValidationError, `clone`
 * unfitted with equal params, NotFittedError before fit, labels are 1/−1 and `fitPredict` equals `fit` then
 * `predict`, the fraction flagged on the training data equals `contamination` within one point,
 * `decisionFunction = scoreSamples − offset` and `predict` is its sign, outputs in the kind of the input, no
 * `predictProba` (a detector is not a classifier), NaN rows and a wrong feature count rejected before
 * anything changes, save → load gives the same scores, and no tensor left behind.
 *
 * ```ts
 * checkOutlierDetector(() => new AutoencoderOutlierDetector({ hiddenLayerSizes: [4, 2], epochs: 2 }), {
 *   X, load: (dir) => AutoencoderOutlierDetector.load(dir),
 * });
 * ```
 *
 * @param factory makes a fresh, unfitted detector with small settings
 */
export function checkOutlierDetector<T extends CheckableOutlierDetector>(
  factory: () => T,
  options: CheckOutlierDetectorOptions<T>,
): void {
  const { X } = options;
  const tol = options.tolerance ?? 1e-5;
  if (!Array.isArray(X) || X.length < 50 || !Array.isArray(X[0]) || X[0].length < 2) {
    throw new ValidationError(
      'checkOutlierDetector: options.X must be number[][] with at least 50 rows and 2 columns.',
    );
  }
  let name = options.name;
  if (!name) {
    try {
      name = factory().constructor.name;
    } catch {
      name = 'outlier detector';
    }
  }
  const skip = options.skip || undefined;
  let tmp = '';
  const fitted = async (): Promise<T> => {
    const d = factory();
    await d.fit(X);
    return d;
  };

  (skip ? describe.skip : describe)(
    `checkOutlierDetector: ${name}${skip ? ` (skipped: ${skip})` : ''}`,
    () => {
      beforeAll(async () => {
        await options.setup?.();
        tmp = await mkdtemp(join(tmpdir(), 'layerwise-checkOutlierDetector-'));
      });
      afterAll(async () => {
        if (tmp) await rm(tmp, { recursive: true, force: true });
      });

      it('fit returns this; fitted afterwards; the data is not mutated', async () => {
        const d = factory();
        expect(d.isFitted).toBe(false);
        const x = X.map((r) => [...r]);
        expect(await d.fit(x)).toBe(d);
        expect(d.isFitted).toBe(true);
        expect(x).toEqual(X);
        d.dispose?.();
      });

      it('getParams / setParams round-trip; unknown params and contamination outside (0, 0.5] are ValidationErrors', async () => {
        const d = factory();
        const p = plainParams(d.getParams());
        expect(d.setParams(p)).toBe(d);
        expect(plainParams(d.getParams())).toEqual(p);
        await expectError(() => d.setParams({ notAParam: 1 }), 'ValidationError', 'setParams({ notAParam })');
        for (const c of [0, -0.1, 0.75, Number.NaN, 'most']) {
          await expectError(
            () => d.setParams({ contamination: c }),
            'ValidationError',
            `setParams({ contamination: ${String(c)} })`,
          );
        }
        expect(plainParams(d.getParams())).toEqual(p);
      });

      it('clone is a new, unfitted detector with equal params', async () => {
        const d = await fitted();
        const c = cloneOf(d);
        expect(c).not.toBe(d);
        expect(c.constructor).toBe(d.constructor);
        expect(c.isFitted).toBe(false);
        expect(plainParams(c.getParams())).toEqual(plainParams(d.getParams()));
        d.dispose?.();
      });

      it('predict, scoreSamples, decisionFunction, offset and save throw NotFittedError before fit', async () => {
        const d = factory();
        await expectError(() => d.predict(X), 'NotFittedError', 'predict before fit');
        await expectError(() => d.scoreSamples(X), 'NotFittedError', 'scoreSamples before fit');
        await expectError(() => d.decisionFunction(X), 'NotFittedError', 'decisionFunction before fit');
        await expectError(() => d.offset, 'NotFittedError', 'offset before fit');
        if (typeof d.save === 'function') {
          const dir = join(tmp, 'unfitted');
          await expectError(() => d.save!(dir), 'NotFittedError', 'save before fit');
          expect(existsSync(dir), 'save before fit wrote files').toBe(false);
        }
      });

      it('is not a classifier: it has no predictProba', () => {
        expect(typeof (factory() as { predictProba?: unknown }).predictProba).toBe('undefined');
      });

      it('labels are 1 / −1; the fraction flagged on the training rows equals contamination (±1 point); fitPredict equals fit + predict', async () => {
        for (const c of options.contaminations ?? [0.1]) {
          const a = factory();
          a.setParams({ contamination: c });
          const direct = numbers(await a.fitPredict(X));
          expect(new Set(direct).size <= 2 && direct.every((v) => v === 1 || v === -1)).toBe(true);
          const flagged = direct.filter((v) => v === -1).length / direct.length;
          expect(Math.abs(flagged - c), `contamination ${c}: flagged ${flagged}`).toBeLessThanOrEqual(0.01);
          expectClose(numbers(await a.predict(X)), direct, 0, 'predict on the training rows vs fitPredict');
          a.dispose?.();
        }
      });

      it('decisionFunction = scoreSamples − offset; predict = 1 where decisionFunction ≥ 0, else −1', async () => {
        const d = await fitted();
        const s = numbers(await d.scoreSamples(X));
        const f = numbers(await d.decisionFunction(X));
        const p = numbers(await d.predict(X));
        expect(Number.isFinite(d.offset)).toBe(true);
        expectClose(
          f,
          s.map((v) => v - d.offset),
          tol,
          'decisionFunction vs scoreSamples − offset',
        );
        expect(p).toEqual(f.map((v) => (v >= 0 ? 1 : -1)));
        d.dispose?.();
      });

      it('outputs come back in the kind of the input, with equal numbers; no tensor left behind', async () => {
        const d = await fitted();
        const ref = { s: numbers(await d.scoreSamples(X)), p: numbers(await d.predict(X)) };
        for (const kind of ['array', 'typed', 'tensor'] as const) {
          const x = asKind(X, kind);
          const n0 = tf.memory().numTensors;
          for (const [method, want] of [
            ['scoreSamples', ref.s],
            ['predict', ref.p],
          ] as const) {
            const out = await d[method](x);
            expect(kindOf(out), `${method}: ${kind} in`).toBe(kind);
            expectClose(numbers(out), want, tol, `${method}: ${kind} output`);
            if (out instanceof tf.Tensor) out.dispose();
          }
          expect(tf.memory().numTensors, `${kind} in: nothing left behind`).toBe(n0);
          if (x instanceof tf.Tensor) x.dispose();
        }
        d.dispose?.();
      });

      it('NaN rows and a wrong feature count are ValidationErrors; the fitted state is unchanged', async () => {
        const d = await fitted();
        const offset = d.offset;
        const s = numbers(await d.scoreSamples(X));
        const n0 = tf.memory().numTensors;
        const nan = X.map((r) => [...r]);
        nan[1]![0] = Number.NaN;
        await expectError(() => d.fit(nan), 'ValidationError', 'fit with a NaN row');
        await expectError(() => d.predict(nan), 'ValidationError', 'predict with a NaN row');
        await expectError(
          () => d.scoreSamples(X.map((r) => r.slice(1))),
          'ValidationError',
          'one feature fewer',
        );
        expect(tf.memory().numTensors).toBe(n0);
        expect(d.offset).toBe(offset);
        expectClose(numbers(await d.scoreSamples(X)), s, 0, 'scores after rejected calls');
        d.dispose?.();
      });

      it('save → load gives the same offset and scores', async () => {
        const d = await fitted();
        if (typeof d.save !== 'function' || !options.load) return;
        const dir = join(tmp, 'saved');
        await d.save(dir);
        const back = await options.load(dir);
        expect(back.offset).toBe(d.offset);
        expectClose(
          numbers(await back.scoreSamples(X)),
          numbers(await d.scoreSamples(X)),
          tol,
          'loaded scores',
        );
        back.dispose?.();
        d.dispose?.();
      });
    },
  );
}
