import { type ClassLabel, type LabelsLike, uniqueClasses, ValidationError } from '@layerwise/core';
import { checkLabelsOption, type Dense, denseValues, labelValues, type ScoresLike } from './inputs.js';

/** Options of {@link logLoss}. */
export interface LogLossOptions {
  /** Probabilities are clipped to [eps, 1 − eps]. Default: float64 machine epsilon (scikit-learn's `'auto'`). */
  eps?: number;
  /** `false` returns the summed loss instead of the mean. Default true. */
  normalize?: boolean;
  /** The classes the columns of yPred stand for (sorted). Default: the classes of yTrue. */
  labels?: ClassLabel[];
}

/** Checks yScore's row count against the labels; column count against the classes when 2-D. */
function scoresFor(yScore: ScoresLike, rows: number, fn: string): Dense {
  const d = denseValues(yScore, fn, 'yScore');
  if (d.rows !== rows) {
    throw new ValidationError(`${fn}: yTrue has ${rows} labels but the scores have ${d.rows} rows.`);
  }
  return d;
}

/**
 * Cross-entropy of predicted probabilities (scikit-learn's `log_loss`). `yPred` holds one row of class
 * probabilities per sample (columns in the sorted order of the classes, as `predictProba` returns them), or
 * for two classes the probability of the larger label (1-D). Probabilities are clipped to [eps, 1 − eps]
 * and each row renormalised.
 *
 * ```ts
 * logLoss(yTest, await clf.predictProba(Xtest));
 * ```
 */
export function logLoss(yTrue: LabelsLike, yPred: ScoresLike, options: LogLossOptions = {}): number {
  const fn = 'logLoss';
  const t = labelValues(yTrue, fn, 'yTrue');
  const eps = options.eps ?? 2 ** -52;
  if (!(typeof eps === 'number' && eps > 0 && eps < 0.5)) {
    throw new ValidationError(`${fn}: eps must be a number in (0, 0.5), got ${String(eps)}.`);
  }
  const labels = checkLabelsOption(options.labels, t[0], fn);
  const classes = labels ? uniqueClasses(labels) : uniqueClasses(t);
  if (classes.length < 2) {
    throw new ValidationError(
      `${fn}: yTrue holds a single class (${JSON.stringify(classes[0])}): pass labels with every class, e.g. { labels: [0, 1] }.`,
    );
  }
  const index = new Map<ClassLabel, number>(classes.map((c, i) => [c, i]));
  const d = scoresFor(yPred, t.length, fn);
  const k = d.cols === 1 ? 2 : d.cols;
  if (k !== classes.length) {
    throw new ValidationError(
      `${fn}: yPred has ${k} columns but there are ${classes.length} classes (${JSON.stringify(classes)}): pass labels with every class or one probability column per class.`,
    );
  }
  const clip = (v: number) => Math.min(Math.max(v, eps), 1 - eps);
  let total = 0;
  for (let r = 0; r < t.length; r++) {
    const c = index.get(t[r]!);
    if (c === undefined) {
      throw new ValidationError(
        `${fn}: yTrue[${r}] is ${JSON.stringify(t[r])}, not one of labels ${JSON.stringify(classes)}.`,
      );
    }
    let sum = 0;
    let mine = 0;
    if (d.cols === 1) {
      const p1 = clip(d.values[r]!);
      const p0 = clip(1 - p1);
      sum = p0 + p1;
      mine = c === 1 ? p1 : p0;
    } else {
      for (let j = 0; j < k; j++) {
        const v = clip(d.values[r * k + j]!);
        sum += v;
        if (j === c) mine = v;
      }
    }
    total -= Math.log(mine / sum);
  }
  return options.normalize === false ? total : total / t.length;
}

/** Options of {@link rocAucScore}. */
export interface RocAucOptions {
  /** `'ovr'` (one-vs-rest) for more than two classes; `'raise'` (default) rejects multiclass input. */
  multiClass?: 'raise' | 'ovr';
  /** How one-vs-rest AUCs are combined: `'macro'` (default) or `'weighted'` by class prevalence. */
  average?: 'macro' | 'weighted';
  /** The classes the columns of yScore stand for (sorted). Default: the classes of yTrue. */
  labels?: ClassLabel[];
}

/** Area under the ROC curve of binary labels (1 = positive) against scores; ties count half. */
function binaryAuc(positive: Uint8Array, score: ArrayLike<number>, fn: string): number {
  const n = positive.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += positive[i]!;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new ValidationError(
      `${fn}: only one class is present in yTrue: ROC AUC is not defined then (pass data with both classes).`,
    );
  }
  // Trapezoids between consecutive distinct thresholds of the ROC curve.
  let tp = 0;
  let fp = 0;
  let prevTp = 0;
  let prevFp = 0;
  let area = 0;
  for (let i = 0; i < n; i++) {
    const idx = order[i]!;
    if (positive[idx]) tp++;
    else fp++;
    const next = order[i + 1];
    if (next === undefined || score[next] !== score[idx]) {
      area += ((fp - prevFp) * (tp + prevTp)) / 2;
      prevTp = tp;
      prevFp = fp;
    }
  }
  return area / (nPos * nNeg);
}

/**
 * Area under the ROC curve (scikit-learn's `roc_auc_score`). Binary: `yScore` holds the score of the larger
 * label per sample (1-D; a 2-column `predictProba` output is also accepted and its second column used).
 * Multiclass with `{ multiClass: 'ovr' }`: `yScore` holds one probability column per class (rows sum to 1),
 * and the one-vs-rest AUCs are averaged (`average` `'macro'` or `'weighted'`).
 */
export function rocAucScore(yTrue: LabelsLike, yScore: ScoresLike, options: RocAucOptions = {}): number {
  const fn = 'rocAucScore';
  const t = labelValues(yTrue, fn, 'yTrue');
  const multiClass = options.multiClass ?? 'raise';
  const average = options.average ?? 'macro';
  if (multiClass !== 'raise' && multiClass !== 'ovr') {
    throw new ValidationError(
      `${fn}: multiClass must be 'raise' or 'ovr', got ${JSON.stringify(multiClass)}.`,
    );
  }
  if (average !== 'macro' && average !== 'weighted') {
    throw new ValidationError(
      `${fn}: average must be 'macro' or 'weighted', got ${JSON.stringify(average)}.`,
    );
  }
  const d = scoresFor(yScore, t.length, fn);
  const labels = checkLabelsOption(options.labels, t[0], fn);
  const present = uniqueClasses(t);
  const classes = labels ? uniqueClasses(labels) : present;
  if (classes.length <= 2 && d.cols <= 2) {
    if (present.length > 2 || (labels && present.some((c) => !classes.includes(c)))) {
      throw new ValidationError(`${fn}: yTrue holds labels not in ${JSON.stringify(classes)}.`);
    }
    const pos = classes[classes.length - 1]!;
    const positive = Uint8Array.from(t, (v) => (v === pos ? 1 : 0));
    const score =
      d.cols === 1 ? d.values : Float64Array.from({ length: d.rows }, (_, r) => d.values[r * 2 + 1]!);
    return binaryAuc(positive, score, fn);
  }
  if (multiClass === 'raise') {
    throw new ValidationError(
      `${fn}: yTrue holds ${classes.length} classes: pass { multiClass: 'ovr' } and one probability column per class.`,
    );
  }
  if (d.cols !== classes.length) {
    throw new ValidationError(
      `${fn}: yScore has ${d.cols} columns but there are ${classes.length} classes: pass one probability column per class (or labels).`,
    );
  }
  for (let r = 0; r < d.rows; r++) {
    let s = 0;
    for (let j = 0; j < d.cols; j++) s += d.values[r * d.cols + j]!;
    if (Math.abs(s - 1) > 1e-6) {
      throw new ValidationError(
        `${fn}: row ${r} of yScore sums to ${s}: for multiclass ROC AUC the scores must be probabilities (rows summing to 1).`,
      );
    }
  }
  const missing = present.find((c) => !classes.includes(c));
  if (missing !== undefined)
    throw new ValidationError(`${fn}: yTrue holds ${JSON.stringify(missing)}, not in labels.`);
  let total = 0;
  let weightSum = 0;
  for (let j = 0; j < classes.length; j++) {
    const positive = Uint8Array.from(t, (v) => (v === classes[j] ? 1 : 0));
    const col = Float64Array.from({ length: d.rows }, (_, r) => d.values[r * d.cols + j]!);
    const auc = binaryAuc(positive, col, fn);
    const w = average === 'weighted' ? positive.reduce((a, b) => a + b, 0) : 1;
    total += auc * w;
    weightSum += w;
  }
  return total / weightSum;
}
