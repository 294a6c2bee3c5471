import { ValidationError } from '@layerwise/core';
import { isClassifier, type SearchEstimator } from './estimator.js';
import { type CrossValidator, KFold, type Split, StratifiedKFold } from './splitters.js';

/** What `cv` accepts: a fold count (stratified for classifiers), a splitter, or explicit `[train, test]` pairs. */
export type CV = number | CrossValidator | Iterable<Split>;

/** Materialises the splits of `cv` (scikit-learn's `check_cv`): an integer gives StratifiedKFold for classifiers. */
export function resolveSplits(
  cv: CV | undefined,
  estimator: SearchEstimator,
  X: unknown,
  y: unknown,
  owner: string,
): Split[] {
  let splitter: CrossValidator | null = null;
  let pairs: Iterable<Split>;
  const c = cv ?? 5;
  if (typeof c === 'number') {
    if (!Number.isInteger(c) || c < 2)
      throw new ValidationError(`${owner}: cv must be an integer ≥ 2, got ${c}.`);
    splitter =
      isClassifier(estimator) && y !== undefined
        ? new StratifiedKFold({ nSplits: c })
        : new KFold({ nSplits: c });
  } else if (c && typeof (c as CrossValidator).split === 'function') {
    splitter = c as CrossValidator;
  } else if (c && typeof (c as Iterable<Split>)[Symbol.iterator] === 'function') {
    pairs = c as Iterable<Split>;
  } else {
    throw new ValidationError(
      `${owner}: cv must be a fold count, a splitter (KFold…) or [train, test] index pairs.`,
    );
  }
  const splits = [...(splitter ? splitter.split(X, y) : pairs!)].map(([tr, te]) => [
    Int32Array.from(tr),
    Int32Array.from(te),
  ]) as Split[];
  if (splits.length === 0) throw new ValidationError(`${owner}: cv gave no splits.`);
  return splits;
}
