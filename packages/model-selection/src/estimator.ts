import { clone, type Estimator, ValidationError } from '@layerwise/core';
import { getScorer, type Scorer, type Scoring } from '@layerwise/metrics';

/**
 * What model selection needs from an estimator: scikit-learn's contract — `getParams`/`setParams`, an
 * async `fit`, and `score` or a scorer's `predict`/`predictProba`. A `clone()` method, when present,
 * makes the unfitted copies (it may keep more than the params, e.g. a `fromEncoder` classifier's initial
 * weights); otherwise core's `clone` (same constructor, same params, same registry).
 */
export interface SearchEstimator {
  getParams(): object;
  setParams(params: object): unknown;
  fit(X: unknown, y?: unknown): Promise<unknown>;
  predict?(X: unknown): Promise<unknown>;
  predictProba?(X: unknown): Promise<unknown>;
  transform?(X: unknown): Promise<unknown>;
  score?(X: unknown, y?: unknown): Promise<number>;
  clone?(): unknown;
  readonly classes?: ReadonlyArray<number | string>;
}

/** An unfitted copy: `estimator.clone()` when it has one, else core's `clone`. */
export function cloneEstimator<E extends SearchEstimator>(estimator: E): E {
  if (typeof estimator.clone === 'function') return estimator.clone() as E;
  return clone(estimator as unknown as Estimator<object>) as unknown as E;
}

/** Checks the estimator contract before anything runs. */
export function checkEstimator(estimator: unknown, owner: string): asserts estimator is SearchEstimator {
  const e = estimator as SearchEstimator | null;
  if (
    !e ||
    typeof e !== 'object' ||
    typeof e.getParams !== 'function' ||
    typeof e.setParams !== 'function' ||
    typeof e.fit !== 'function'
  ) {
    throw new ValidationError(
      `${owner}: the estimator must have getParams(), setParams() and fit() (a layerwise estimator or a Pipeline).`,
    );
  }
}

/** True for classifiers (they have `predictProba`), which get stratified folds from an integer `cv`. */
export function isClassifier(estimator: SearchEstimator): boolean {
  return typeof estimator.predictProba === 'function';
}

/** The scorer for `scoring`; `undefined` uses the estimator's own `score` (as scikit-learn does). */
export function resolveScorer(scoring: Scoring | null | undefined, owner: string): Scorer {
  if (scoring === undefined || scoring === null) {
    const s = async (est: unknown, X: unknown, y: unknown) => {
      const e = est as SearchEstimator;
      if (typeof e.score !== 'function') {
        throw new ValidationError(`${owner}: the estimator has no score(): pass scoring (e.g. 'accuracy').`);
      }
      return e.score(X, y);
    };
    return s as Scorer;
  }
  return getScorer(scoring);
}
