import { type ExecutorPlugin, ValidationError } from '@layerwise/core';
import type { Scoring } from '@layerwise/metrics';
import { type CV, resolveSplits } from './cv.js';
import { checkEstimator, resolveScorer, type SearchEstimator } from './estimator.js';
import type { FoldData } from './fitAndScore.js';
import { numSamples, readFeatures, readTargets } from './indexing.js';
import {
  checkErrorScore,
  checkNJobs,
  checkSignal,
  type ErrorScore,
  resolveExecutor,
  runTasks,
} from './runTasks.js';

/** Options of {@link crossValidate} and {@link crossValScore}. */
export interface CrossValidateOptions {
  /** Folds: a count (StratifiedKFold for classifiers, KFold otherwise), a splitter, or index pairs. Default 5. */
  cv?: CV;
  /** A scoring name (`'accuracy'`, `'neg_log_loss'`, …) or a scorer function. Default: the estimator's `score`. */
  scoring?: Scoring | null;
  /**
   * Folds run on this many threads in Node (−1 = every core): this thread plus `nJobs − 1` worker threads,
   * kept warm for the next call (see `disposeWorkerPool`); 1 (default) = this thread. Estimators that cannot
   * be rebuilt in a worker, scorer functions and browsers run here after one warning.
   */
  nJobs?: number | null;
  /** Where the folds run instead of this process's worker threads: an executor plugin or a registered name. */
  executor?: ExecutorPlugin | string | null;
  /** `'raise'` (default) re-throws a failing fit; a number (e.g. NaN) is recorded as its score. */
  errorScore?: ErrorScore;
  /** Cancels the run: queued folds are removed and the promise rejects with ExecutorAbortedError. */
  signal?: AbortSignal | null;
  /** Also score each fold's training rows. Default false. */
  returnTrainScore?: boolean;
  /** Return each fold's fitted estimator. Default false. */
  returnEstimator?: boolean;
}

/** What {@link crossValidate} returns: one entry per fold (times in seconds). */
export interface CrossValidateResult<E> {
  fitTime: number[];
  scoreTime: number[];
  testScore: number[];
  trainScore?: number[];
  estimator?: E[];
}

const KEYS = [
  'cv',
  'scoring',
  'nJobs',
  'executor',
  'errorScore',
  'signal',
  'returnTrainScore',
  'returnEstimator',
];

/** Validates inputs and options, reads the data once; nothing is fitted yet. */
export function prepareData(X: unknown, y: unknown, owner: string): { data: FoldData; rows: number } {
  const data: FoldData = { X: readFeatures(X), y: undefined };
  const rows = numSamples(data.X, 'X');
  if (y !== undefined && y !== null) data.y = readTargets(y, rows);
  if (rows < 2)
    throw new ValidationError(`${owner}: X has ${rows} sample: cross-validation needs at least 2.`);
  return { data, rows };
}

export function checkKeys(options: object, keys: readonly string[], owner: string): void {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError(`${owner}: options must be an object.`);
  for (const k of Object.keys(options)) {
    if (!keys.includes(k))
      throw new ValidationError(`${owner}: unknown option '${k}'; valid options: ${keys.join(', ')}.`);
  }
}

/**
 * Fits a fresh copy of `estimator` on each fold and scores it on the held-out rows (scikit-learn's
 * `cross_validate`): `{ fitTime, scoreTime, testScore, trainScore?, estimator? }`.
 *
 * ```ts
 * const r = await crossValidate(new MLPClassifier({ epochs: 5, randomState: 0 }), X, y, { cv: 3, scoring: 'accuracy' });
 * ```
 */
export async function crossValidate<E extends SearchEstimator>(
  estimator: E,
  X: unknown,
  y?: unknown,
  options: CrossValidateOptions = {},
): Promise<CrossValidateResult<E>> {
  const owner = 'crossValidate';
  checkEstimator(estimator, owner);
  checkKeys(options, KEYS, owner);
  checkNJobs(options.nJobs, owner);
  checkErrorScore(options.errorScore, owner);
  checkSignal(options.signal, owner);
  resolveExecutor(options.executor, owner, (estimator as { registry?: never }).registry);
  resolveScorer(options.scoring, owner);
  const { data } = prepareData(X, y, owner);
  const splits = resolveSplits(options.cv, estimator, data.X, data.y, owner);
  const tasks = splits.map(([train, test], split) => ({ candidate: 0, split, params: {}, train, test }));
  const results = await runTasks(estimator, data, tasks, {
    owner,
    scoring: options.scoring,
    nJobs: options.nJobs,
    executor: options.executor,
    ...(options.errorScore !== undefined ? { errorScore: options.errorScore } : {}),
    signal: options.signal,
    returnTrainScore: options.returnTrainScore ?? false,
    returnEstimator: options.returnEstimator ?? false,
  });
  const out: CrossValidateResult<E> = {
    fitTime: results.map((r) => r.fitTime),
    scoreTime: results.map((r) => r.scoreTime),
    testScore: results.map((r) => r.testScore),
  };
  if (options.returnTrainScore) out.trainScore = results.map((r) => r.trainScore!);
  if (options.returnEstimator) out.estimator = results.map((r) => r.estimator as E);
  return out;
}

/**
 * The test score of each fold (scikit-learn's `cross_val_score`).
 *
 * ```ts
 * const scores = await crossValScore(clf, X, y, { cv: 5, scoring: 'f1_macro', nJobs: 2 });
 * ```
 */
export async function crossValScore(
  estimator: SearchEstimator,
  X: unknown,
  y?: unknown,
  options: Omit<CrossValidateOptions, 'returnTrainScore' | 'returnEstimator'> = {},
): Promise<number[]> {
  checkKeys(options, ['cv', 'scoring', 'nJobs', 'executor', 'errorScore', 'signal'], 'crossValScore');
  return (await crossValidate(estimator, X, y, options)).testScore;
}
