import {
  type ExecutorPlugin,
  estimatorDisplay,
  JUPYTER_DISPLAY,
  LayerwiseError,
  type MimeBundle,
  NotFittedError,
  ValidationError,
} from '@layerwise/core';
import type { Scorer, Scoring } from '@layerwise/metrics';
import { checkKeys, prepareData } from './crossValidate.js';
import { type CV, resolveSplits } from './cv.js';
import { checkEstimator, cloneEstimator, resolveScorer, type SearchEstimator } from './estimator.js';
import {
  checkErrorScore,
  checkNJobs,
  checkSignal,
  type ErrorScore,
  resolveExecutor,
  runTasks,
} from './runTasks.js';

/** Options every search takes (scikit-learn's keyword arguments in camelCase). */
export interface SearchOptions {
  /** Folds: a count (StratifiedKFold for classifiers, KFold otherwise), a splitter, or index pairs. Default 5. */
  cv?: CV;
  /** A scoring name or a scorer function (greater is better). Default: the estimator's `score`. */
  scoring?: Scoring | null;
  /** Refit the best candidate on all the data (then `bestEstimator`, `predict`, `score` work). Default true. */
  refit?: boolean;
  /**
   * Candidates × folds run on this many threads in Node (−1 = every core): this thread plus `nJobs − 1`
   * worker threads, kept warm for the next search (see `disposeWorkerPool`); 1 (default) = this thread.
   * Estimators that cannot be rebuilt in a worker (a custom `forward`, callbacks), scorer functions and
   * browsers run here after one warning.
   */
  nJobs?: number | null;
  /**
   * Where the fits run instead of this process's worker threads: an executor plugin (e.g.
   * `bullmqExecutor({ connection, queue })` from `@layerwise/executor-bullmq`, whose workers may be on other
   * machines) or the name of one registered with `registry.use()`. Default: none (`nJobs` decides).
   */
  executor?: ExecutorPlugin | string | null;
  /**
   * scikit-learn's `error_score`: `'raise'` (default) re-throws the first fit that fails; a number (e.g.
   * `NaN`) is recorded as that fit's score, with one warning, and the search goes on. (scikit-learn's default
   * is NaN; layerwise raises so that a mistake shows at once.)
   */
  errorScore?: ErrorScore;
  /** Cancels the search: queued fits are removed and `fit` rejects with ExecutorAbortedError. */
  signal?: AbortSignal | null;
  /** Also score the training rows of every fold (`split0TrainScore`, `meanTrainScore`…). Default false. */
  returnTrainScore?: boolean;
}

/** A search's `cvResults`: scikit-learn's `cv_results_` columns in camelCase, one entry per candidate. */
export interface CvResults {
  params: Record<string, unknown>[];
  meanFitTime: number[];
  stdFitTime: number[];
  meanScoreTime: number[];
  stdScoreTime: number[];
  meanTestScore: number[];
  stdTestScore: number[];
  rankTestScore: number[];
  meanTrainScore?: number[];
  stdTrainScore?: number[];
  /** `param<Name>` (a candidate without that param: undefined), `split<k>TestScore`, `split<k>TrainScore`. */
  [column: string]: unknown[] | undefined;
}

const SEARCH_KEYS = [
  'cv',
  'scoring',
  'refit',
  'nJobs',
  'executor',
  'errorScore',
  'signal',
  'returnTrainScore',
];

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: readonly number[]) => {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};

/**
 * scikit-learn's `rankdata(-scores, method='min')`: 1 = best, ties share the smallest rank; NaN scores
 * (failed fits with `errorScore: NaN`) rank after every number.
 */
function rankMin(scores: readonly number[]): number[] {
  const numbers = scores.filter((s) => !Number.isNaN(s)).length;
  return scores.map((s) => (Number.isNaN(s) ? numbers + 1 : 1 + scores.filter((o) => o > s).length));
}

/** The column name of a parameter: `param_<name>` in camelCase (`hiddenLayerSizes` → `paramHiddenLayerSizes`). */
export function paramColumn(name: string): string {
  return `param${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/**
 * The shared machinery of {@link GridSearchCV} and {@link RandomizedSearchCV}: cross-validates each
 * candidate, fills `cvResults`, picks the best mean test score and refits it.
 */
export abstract class BaseSearchCV<E extends SearchEstimator> {
  readonly estimator: E;
  protected readonly options: Required<Pick<SearchOptions, 'refit' | 'returnTrainScore'>> & SearchOptions;
  #fitted: {
    cvResults: CvResults;
    bestIndex: number;
    bestEstimator: E | null;
    nSplits: number;
    refitTime: number | null;
    scorer: Scorer;
  } | null = null;

  protected constructor(estimator: E, options: SearchOptions, extraKeys: readonly string[], owner: string) {
    checkEstimator(estimator, owner);
    checkKeys(options ?? {}, [...SEARCH_KEYS, ...extraKeys], owner);
    checkNJobs(options.nJobs, owner);
    checkErrorScore(options.errorScore, owner);
    checkSignal(options.signal, owner);
    resolveExecutor(options.executor, owner, (estimator as { registry?: never }).registry);
    resolveScorer(options.scoring, owner);
    if (options.refit !== undefined && typeof options.refit !== 'boolean') {
      throw new ValidationError(`${owner}: refit must be a boolean.`);
    }
    this.estimator = estimator;
    this.options = {
      ...options,
      refit: options.refit ?? true,
      returnTrainScore: options.returnTrainScore ?? false,
    };
  }

  /** The candidates to evaluate, in order. */
  protected abstract candidates(): Record<string, unknown>[];

  /**
   * Cross-validates every candidate on `X`, `y`, then (with `refit`) fits the best on all of it. Every
   * candidate's params are checked by `setParams` on a copy before anything is fitted. Returns `this`.
   */
  async fit(X: unknown, y?: unknown): Promise<this> {
    const owner = this.constructor.name;
    const candidates = this.candidates();
    if (candidates.length === 0) throw new ValidationError(`${owner}: there are no candidates to evaluate.`);
    for (const params of candidates) cloneEstimator(this.estimator).setParams(params);
    const { data } = prepareData(X, y, owner);
    const splits = resolveSplits(this.options.cv, this.estimator, data.X, data.y, owner);
    const tasks = candidates.flatMap((params, candidate) =>
      splits.map(([train, test], split) => ({ candidate, split, params, train, test })),
    );
    const results = await runTasks(this.estimator, data, tasks, {
      owner,
      scoring: this.options.scoring,
      nJobs: this.options.nJobs,
      executor: this.options.executor,
      ...(this.options.errorScore !== undefined ? { errorScore: this.options.errorScore } : {}),
      signal: this.options.signal,
      returnTrainScore: this.options.returnTrainScore,
      returnEstimator: false,
    });
    if (results.every((r) => r.failed)) {
      throw new LayerwiseError(
        `${owner}: all ${results.length} fits failed (errorScore ${String(this.options.errorScore)}); see the warning for the first error.`,
      );
    }
    const k = splits.length;
    const per = (c: number) => results.slice(c * k, (c + 1) * k);
    const cvResults: CvResults = {
      params: candidates.map((p) => ({ ...p })),
      meanFitTime: [],
      stdFitTime: [],
      meanScoreTime: [],
      stdScoreTime: [],
      meanTestScore: [],
      stdTestScore: [],
      rankTestScore: [],
    };
    const names = [...new Set(candidates.flatMap((p) => Object.keys(p)))].sort();
    for (const n of names) cvResults[paramColumn(n)] = candidates.map((p) => (n in p ? p[n] : undefined));
    for (let s = 0; s < k; s++)
      cvResults[`split${s}TestScore`] = candidates.map((_, c) => per(c)[s]!.testScore);
    candidates.forEach((_, c) => {
      const r = per(c);
      cvResults.meanFitTime.push(mean(r.map((x) => x.fitTime)));
      cvResults.stdFitTime.push(std(r.map((x) => x.fitTime)));
      cvResults.meanScoreTime.push(mean(r.map((x) => x.scoreTime)));
      cvResults.stdScoreTime.push(std(r.map((x) => x.scoreTime)));
      cvResults.meanTestScore.push(mean(r.map((x) => x.testScore)));
      cvResults.stdTestScore.push(std(r.map((x) => x.testScore)));
    });
    cvResults.rankTestScore = rankMin(cvResults.meanTestScore);
    if (this.options.returnTrainScore) {
      for (let s = 0; s < k; s++)
        cvResults[`split${s}TrainScore`] = candidates.map((_, c) => per(c)[s]!.trainScore!);
      cvResults.meanTrainScore = candidates.map((_, c) => mean(per(c).map((x) => x.trainScore!)));
      cvResults.stdTrainScore = candidates.map((_, c) => std(per(c).map((x) => x.trainScore!)));
    }
    const bestIndex = cvResults.rankTestScore.indexOf(1);
    let bestEstimator: E | null = null;
    let refitTime: number | null = null;
    if (this.options.refit) {
      bestEstimator = cloneEstimator(this.estimator);
      bestEstimator.setParams(candidates[bestIndex]!);
      const t0 = performance.now();
      if (y === undefined || y === null) await bestEstimator.fit(X);
      else await bestEstimator.fit(X, y);
      refitTime = (performance.now() - t0) / 1000;
    }
    this.#fitted = {
      cvResults,
      bestIndex,
      bestEstimator,
      nSplits: k,
      refitTime,
      scorer: resolveScorer(this.options.scoring, owner),
    };
    return this;
  }

  #state(what: string) {
    if (!this.#fitted) throw new NotFittedError(this.constructor.name, what);
    return this.#fitted;
  }

  /** True after `fit`. */
  get isFitted(): boolean {
    return this.#fitted !== null;
  }

  /** Notebook display (Deno's Jupyter kernel): the search's parameters and fitted state. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return estimatorDisplay(this);
  }

  /** Per-candidate results (scikit-learn's `cv_results_`). */
  get cvResults(): CvResults {
    return this.#state('cvResults').cvResults;
  }

  /** Index of the best candidate in `cvResults`. */
  get bestIndex(): number {
    return this.#state('bestIndex').bestIndex;
  }

  /** The best candidate's params. */
  get bestParams(): Record<string, unknown> {
    const s = this.#state('bestParams');
    return { ...s.cvResults.params[s.bestIndex]! };
  }

  /** The best candidate's mean test score. */
  get bestScore(): number {
    const s = this.#state('bestScore');
    return s.cvResults.meanTestScore[s.bestIndex]!;
  }

  /** The best candidate refitted on all the data (needs `refit: true`). */
  get bestEstimator(): E {
    const s = this.#state('bestEstimator');
    if (!s.bestEstimator) {
      throw new ValidationError(
        `${this.constructor.name} was created with refit: false, so there is no bestEstimator.`,
      );
    }
    return s.bestEstimator;
  }

  /** Number of cross-validation splits. */
  get nSplits(): number {
    return this.#state('nSplits').nSplits;
  }

  /** Seconds the refit took (null without refit). */
  get refitTime(): number | null {
    return this.#state('refitTime').refitTime;
  }

  /** The scorer used. */
  get scorer(): Scorer {
    return this.#state('scorer').scorer;
  }

  /** The best estimator's classes (classifiers). */
  get classes(): ReadonlyArray<number | string> {
    return this.bestEstimator.classes ?? [];
  }

  #delegate(method: 'predict' | 'predictProba' | 'transform'): (X: unknown) => Promise<unknown> {
    const best = this.bestEstimator;
    const fn = best[method];
    if (typeof fn !== 'function') {
      throw new ValidationError(`${this.constructor.name}: the best estimator has no ${method}().`);
    }
    return fn.bind(best);
  }

  /** `bestEstimator.predict(X)`. */
  predict(X: unknown): Promise<unknown> {
    return this.#delegate('predict')(X);
  }

  /** `bestEstimator.predictProba(X)`. */
  predictProba(X: unknown): Promise<unknown> {
    return this.#delegate('predictProba')(X);
  }

  /** `bestEstimator.transform(X)`. */
  transform(X: unknown): Promise<unknown> {
    return this.#delegate('transform')(X);
  }

  /** The search's scorer on the best estimator (its own `score` without `scoring`). */
  score(X: unknown, y?: unknown): Promise<number> {
    const s = this.#state('score');
    return s.scorer(this.bestEstimator as never, X, y);
  }
}
