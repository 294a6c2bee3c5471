import { accuracy, type ClassLabel, type LabelsLike, ValidationError } from '@layerwise/core';
import { checkLabelsOption, labelPair, unionLabels } from './inputs.js';

/** How per-class scores are combined (scikit-learn's `average`); `null` returns one score per label. */
export type Average = 'binary' | 'macro' | 'micro' | 'weighted' | null;

/** Options of {@link precisionScore}, {@link recallScore}, {@link f1Score} and {@link fbetaScore}. */
export interface PrecisionRecallOptions {
  /** Default `'binary'`: the score of `posLabel` only (needs at most two labels). */
  average?: Average;
  /** The positive class for `average: 'binary'`. Default 1. */
  posLabel?: ClassLabel;
  /** The labels to score (and their order for `average: null`). Default: every label in yTrue or yPred. */
  labels?: ClassLabel[];
  /** The value of a score whose denominator is 0 (no predictions / no true samples of a class). Default 0. */
  zeroDivision?: 0 | 1;
}

/** Options of {@link accuracyScore}. */
export interface AccuracyOptions {
  /** `false` returns the number of correct predictions instead of the fraction. Default true. */
  normalize?: boolean;
}

/**
 * Fraction of labels predicted exactly (scikit-learn's `accuracy_score`).
 *
 * ```ts
 * accuracyScore([0, 1, 2, 2], [0, 2, 2, 2]); // 0.75
 * ```
 */
export function accuracyScore(yTrue: LabelsLike, yPred: LabelsLike, options: AccuracyOptions = {}): number {
  const { t, p } = labelPair(yTrue, yPred, 'accuracyScore');
  const fraction = accuracy(t, p);
  return options.normalize === false ? Math.round(fraction * t.length) : fraction;
}

/** Per-label counts of true positives, predictions and true samples. */
function labelCounts(t: readonly ClassLabel[], p: readonly ClassLabel[], labels: readonly ClassLabel[]) {
  const index = new Map<ClassLabel, number>(labels.map((l, i) => [l, i]));
  const tp = new Float64Array(labels.length);
  const predSum = new Float64Array(labels.length);
  const trueSum = new Float64Array(labels.length);
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]!);
    const b = index.get(p[i]!);
    if (a !== undefined) trueSum[a]!++;
    if (b !== undefined) predSum[b]!++;
    if (a !== undefined && a === b) tp[a]!++;
  }
  return { tp, predSum, trueSum };
}

/** Mean recall over the classes of yTrue (scikit-learn's `balanced_accuracy_score`). */
export function balancedAccuracyScore(yTrue: LabelsLike, yPred: LabelsLike): number {
  const { t, p } = labelPair(yTrue, yPred, 'balancedAccuracyScore');
  const labels = unionLabels(t, p);
  const { tp, trueSum } = labelCounts(t, p, labels);
  let s = 0;
  let k = 0;
  for (let i = 0; i < labels.length; i++) {
    if (trueSum[i]! > 0) {
      s += tp[i]! / trueSum[i]!;
      k++;
    }
  }
  return s / k;
}

/** Precision, recall, F-beta and support: one value per label, or averaged (then `support` is null). */
export interface PrecisionRecallFscoreSupport {
  precision: number | number[];
  recall: number | number[];
  fScore: number | number[];
  support: number[] | null;
}

const AVERAGES: readonly string[] = ['binary', 'macro', 'micro', 'weighted'];

/**
 * Precision, recall, F-beta and support (scikit-learn's `precision_recall_fscore_support`), the common
 * core of {@link precisionScore}, {@link recallScore}, {@link f1Score} and {@link classificationReport}.
 * Returned as `[precision, recall, fScore, support]`.
 */
export function precisionRecallFscoreSupport(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: PrecisionRecallOptions & { beta?: number } = {},
  fn = 'precisionRecallFscoreSupport',
): [number | number[], number | number[], number | number[], number[] | null] {
  const average = options.average === undefined ? 'binary' : options.average;
  if (average !== null && !AVERAGES.includes(average)) {
    throw new ValidationError(
      `${fn}: average must be one of 'binary', 'macro', 'micro', 'weighted' or null, got ${JSON.stringify(average)}.`,
    );
  }
  const beta = options.beta ?? 1;
  if (!(typeof beta === 'number' && beta >= 0)) {
    throw new ValidationError(`${fn}: beta must be a number ≥ 0, got ${String(beta)}.`);
  }
  const zd = options.zeroDivision ?? 0;
  if (zd !== 0 && zd !== 1)
    throw new ValidationError(`${fn}: zeroDivision must be 0 or 1, got ${String(zd)}.`);
  const { t, p } = labelPair(yTrue, yPred, fn);
  const present = unionLabels(t, p);
  let labels = checkLabelsOption(options.labels, t[0], fn) ?? present;
  if (average === 'binary') {
    if (present.length > 2) {
      throw new ValidationError(
        `${fn}: yTrue/yPred hold ${present.length} classes but average is 'binary': choose average 'macro', 'micro', 'weighted' or null.`,
      );
    }
    const pos = options.posLabel ?? 1;
    if (!present.includes(pos) && present.length >= 2) {
      throw new ValidationError(
        `${fn}: posLabel ${JSON.stringify(pos)} is not a valid label: it should be one of ${JSON.stringify(present)}.`,
      );
    }
    labels = [pos];
  }
  const c = labelCounts(t, p, labels);
  let tp = Array.from(c.tp);
  let predSum = Array.from(c.predSum);
  let trueSum = Array.from(c.trueSum);
  if (average === 'micro') {
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    tp = [sum(tp)];
    predSum = [sum(predSum)];
    trueSum = [sum(trueSum)];
  }
  const divide = (num: number[], den: number[]) => num.map((n, i) => (den[i] === 0 ? zd : n / den[i]!));
  const precision = divide(tp, predSum);
  const recall = divide(tp, trueSum);
  const beta2 = beta * beta;
  const fScore =
    beta === Number.POSITIVE_INFINITY
      ? recall
      : precision.map((pr, i) => {
          const denom = beta2 * pr + recall[i]!;
          return ((1 + beta2) * pr * recall[i]!) / (denom === 0 ? 1 : denom);
        });
  if (average === null) return [precision, recall, fScore, trueSum];
  let weights: number[] | null = null;
  if (average === 'weighted') {
    weights = trueSum;
    if (weights.reduce((x, y) => x + y, 0) === 0) {
      if (predSum.reduce((x, y) => x + y, 0) === 0) return [zd, zd, zd, null];
      return [0, zd, 0, null];
    }
  }
  const mean = (v: number[]) => {
    if (!weights) return v.reduce((x, y) => x + y, 0) / v.length;
    let s = 0;
    let w = 0;
    for (let i = 0; i < v.length; i++) {
      s += v[i]! * weights[i]!;
      w += weights[i]!;
    }
    return s / w;
  };
  return [mean(precision), mean(recall), mean(fScore), null];
}

/**
 * Precision tp / (tp + fp) (scikit-learn's `precision_score`).
 *
 * ```ts
 * precisionScore([0, 1, 2, 2], [0, 2, 2, 2], { average: 'macro' }); // 0.5555…
 * ```
 */
export function precisionScore(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: PrecisionRecallOptions = {},
): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, options, 'precisionScore')[0];
}

/** Recall tp / (tp + fn) (scikit-learn's `recall_score`); options as {@link precisionScore}. */
export function recallScore(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: PrecisionRecallOptions = {},
): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, options, 'recallScore')[1];
}

/** F1, the harmonic mean of precision and recall (scikit-learn's `f1_score`); options as {@link precisionScore}. */
export function f1Score(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: PrecisionRecallOptions = {},
): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, options, 'f1Score')[2];
}

/** F-beta: recall weighted `beta` times as much as precision (scikit-learn's `fbeta_score`). */
export function fbetaScore(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: PrecisionRecallOptions & { beta: number },
): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, options, 'fbetaScore')[2];
}

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** Rows/columns in this order; samples with other labels are left out. Default: sorted labels of both. */
  labels?: ClassLabel[];
  /** Divide by the row sums (`'true'`), column sums (`'pred'`) or the total (`'all'`). Default: counts. */
  normalize?: 'true' | 'pred' | 'all' | null;
}

/**
 * The confusion matrix C, `C[i][j]` = samples of true label i predicted as j (scikit-learn's
 * `confusion_matrix`; rows and columns in the order of `labels`, sorted by default).
 */
export function confusionMatrix(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: ConfusionMatrixOptions = {},
): number[][] {
  const fn = 'confusionMatrix';
  const { t, p } = labelPair(yTrue, yPred, fn);
  const labels = checkLabelsOption(options.labels, t[0], fn) ?? unionLabels(t, p);
  if (options.labels && !t.some((v) => labels.includes(v))) {
    throw new ValidationError(`${fn}: none of labels ${JSON.stringify(labels)} occurs in yTrue.`);
  }
  const norm = options.normalize ?? null;
  if (norm !== null && norm !== 'true' && norm !== 'pred' && norm !== 'all') {
    throw new ValidationError(
      `${fn}: normalize must be 'true', 'pred', 'all' or null, got ${JSON.stringify(norm)}.`,
    );
  }
  const index = new Map<ClassLabel, number>(labels.map((l, i) => [l, i]));
  const k = labels.length;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]!);
    const b = index.get(p[i]!);
    if (a !== undefined && b !== undefined) cm[a]![b]!++;
  }
  if (norm === null) return cm;
  const div = (v: number, d: number) => (d === 0 ? 0 : v / d);
  if (norm === 'true')
    return cm.map((row) =>
      row.map((v) =>
        div(
          v,
          row.reduce((x, y) => x + y, 0),
        ),
      ),
    );
  if (norm === 'pred') {
    const cols = cm[0]!.map((_, j) => cm.reduce((s, row) => s + row[j]!, 0));
    return cm.map((row) => row.map((v, j) => div(v, cols[j]!)));
  }
  const total = cm.reduce((s, row) => s + row.reduce((x, y) => x + y, 0), 0);
  return cm.map((row) => row.map((v) => div(v, total)));
}
