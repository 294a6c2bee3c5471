import { type ClassLabel, type LabelsLike, type TargetsLike, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  accuracyScore,
  balancedAccuracyScore,
  f1Score,
  precisionScore,
  recallScore,
} from './classification.js';
import type { ScoresLike } from './inputs.js';
import { logLoss, rocAucScore } from './probabilistic.js';
import { meanAbsoluteError, meanSquaredError, r2Score } from './regression.js';

/**
 * What a scorer needs from an estimator: `predict`, and `predictProba` + `classes` for probability scores
 * (an outlier detector, which has no `predictProba`, is ranked by its `decisionFunction` for `roc_auc`).
 */
export interface ScorableEstimator {
  predict(X: unknown): Promise<unknown>;
  predictProba?(X: unknown): Promise<unknown>;
  /** Continuous scores, higher = more the greater label (an outlier detector's: higher = inlier, label 1). */
  decisionFunction?(X: unknown): Promise<unknown>;
  readonly classes?: ReadonlyArray<ClassLabel>;
}

/**
 * A scorer: scores a fitted estimator on `X` against `y`, greater is better (losses are negated, as in
 * scikit-learn's `neg_*` names). Built-in scorers carry their `scoringName`.
 */
export type Scorer = ((estimator: ScorableEstimator, X: unknown, y: unknown) => Promise<number>) & {
  readonly scoringName?: string;
};

/** A scoring name (see {@link SCORING_NAMES}) or a scorer function. */
export type Scoring = string | Scorer;

/** Disposes tensors the estimator returned; arrays pass through. */
async function output(value: Promise<unknown>, use: (v: unknown) => number): Promise<number> {
  const v = await value;
  try {
    return use(v);
  } finally {
    if (v instanceof tf.Tensor) v.dispose();
  }
}

function onPredict(metric: (yTrue: never, yPred: never) => number, name: string): Scorer {
  const s = (est: ScorableEstimator, X: unknown, y: unknown) =>
    output(est.predict(X), (pred) => metric(y as never, pred as never));
  return Object.assign(s, { scoringName: name });
}

function onProba(
  metric: (yTrue: LabelsLike, proba: ScoresLike, labels: ClassLabel[]) => number,
  name: string,
): Scorer {
  const s = async (est: ScorableEstimator, X: unknown, y: unknown) => {
    if (
      name === 'roc_auc' &&
      typeof est.predictProba !== 'function' &&
      typeof est.decisionFunction === 'function'
    ) {
      // As scikit-learn's threshold scorers: without probabilities, rank by the decision function. For an
      // outlier detector, label rows 1 (inlier) / −1 (outlier): higher scores belong to the greater label.
      return output(est.decisionFunction(X), (scores) => rocAucScore(y as LabelsLike, scores as ScoresLike));
    }
    if (typeof est.predictProba !== 'function') {
      throw new ValidationError(
        `scoring '${name}' needs predictProba, which ${est.constructor.name} does not have.`,
      );
    }
    const labels = est.classes ? [...est.classes] : undefined;
    return output(est.predictProba(X), (proba) =>
      metric(y as LabelsLike, proba as ScoresLike, labels as ClassLabel[]),
    );
  };
  return Object.assign(s, { scoringName: name });
}

type Metric = (yTrue: never, yPred: never) => number;
const avg =
  (f: typeof f1Score, average: 'binary' | 'macro' | 'micro' | 'weighted'): Metric =>
  (t: LabelsLike, p: LabelsLike) =>
    f(t, p, { average }) as number;

const SCORERS: Record<string, () => Scorer> = {
  accuracy: () => onPredict(accuracyScore as Metric, 'accuracy'),
  balanced_accuracy: () => onPredict(balancedAccuracyScore as Metric, 'balanced_accuracy'),
  ...Object.fromEntries(
    (
      [
        ['f1', f1Score],
        ['precision', precisionScore],
        ['recall', recallScore],
      ] as const
    ).flatMap(([base, f]) => [
      [base, () => onPredict(avg(f, 'binary'), base)],
      ...(['macro', 'micro', 'weighted'] as const).map((a) => [
        `${base}_${a}`,
        () => onPredict(avg(f, a), `${base}_${a}`),
      ]),
    ]),
  ),
  neg_log_loss: () => onProba((t, p, labels) => -logLoss(t, p, { labels }), 'neg_log_loss'),
  roc_auc: () => onProba((t, p, labels) => rocAucScore(t, p, { labels }), 'roc_auc'),
  roc_auc_ovr: () =>
    onProba((t, p, labels) => rocAucScore(t, p, { multiClass: 'ovr', labels }), 'roc_auc_ovr'),
  roc_auc_ovr_weighted: () =>
    onProba(
      (t, p, labels) => rocAucScore(t, p, { multiClass: 'ovr', average: 'weighted', labels }),
      'roc_auc_ovr_weighted',
    ),
  neg_mean_squared_error: () =>
    onPredict(
      ((t: TargetsLike, p: TargetsLike) => -meanSquaredError(t, p)) as Metric,
      'neg_mean_squared_error',
    ),
  neg_root_mean_squared_error: () =>
    onPredict(
      ((t: TargetsLike, p: TargetsLike) => -meanSquaredError(t, p, { squared: false })) as Metric,
      'neg_root_mean_squared_error',
    ),
  neg_mean_absolute_error: () =>
    onPredict(
      ((t: TargetsLike, p: TargetsLike) => -meanAbsoluteError(t, p)) as Metric,
      'neg_mean_absolute_error',
    ),
  r2: () => onPredict(r2Score as Metric, 'r2'),
};

/** Every scoring name {@link getScorer} knows (scikit-learn's names). */
export const SCORING_NAMES: readonly string[] = Object.keys(SCORERS);

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The valid names nearest to `name` (by edit distance), for error messages. */
export function nearestNames(name: string, valid: readonly string[], count = 3): string[] {
  return [...valid]
    .map((v) => ({ v, d: editDistance(name.toLowerCase(), v.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || (a.v < b.v ? -1 : 1))
    .slice(0, count)
    .map((x) => x.v);
}

/**
 * A scorer from a scikit-learn scoring name (`'accuracy'`, `'f1_macro'`, `'neg_log_loss'`, `'roc_auc'`,
 * `'neg_mean_squared_error'`, `'r2'`, … — see {@link SCORING_NAMES}) or a function
 * `(estimator, X, y) => Promise<number>` (returned as is). Label scorers call `predict`; `neg_log_loss`
 * and `roc_auc*` call `predictProba` and pass the estimator's `classes` as `labels`. An unknown name is a
 * ValidationError listing the nearest valid names.
 *
 * ```ts
 * const f1 = getScorer('f1_macro');
 * const score = await f1(clf, Xtest, yTest);
 * ```
 */
export function getScorer(scoring: Scoring): Scorer {
  if (typeof scoring === 'function') return scoring;
  if (typeof scoring !== 'string') {
    throw new ValidationError(
      `scoring must be a scoring name (e.g. 'accuracy') or a function (estimator, X, y) => Promise<number>, got ${typeof scoring}.`,
    );
  }
  const make = Object.hasOwn(SCORERS, scoring) ? SCORERS[scoring] : undefined;
  if (!make) {
    throw new ValidationError(
      `Unknown scoring '${scoring}': did you mean ${nearestNames(scoring, SCORING_NAMES)
        .map((n) => `'${n}'`)
        .join(', ')}? Valid names: ${SCORING_NAMES.join(', ')}.`,
    );
  }
  return make();
}
