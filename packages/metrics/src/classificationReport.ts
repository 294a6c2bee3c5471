import {
  type ClassLabel,
  type LabelsLike,
  type MimeBundle,
  ValidationError,
  withJupyterDisplay,
} from '@layerwise/core';
import { precisionRecallFscoreSupport } from './classification.js';
import { checkLabelsOption, labelPair, unionLabels } from './inputs.js';

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions {
  /** Labels to report, in this order. Default: every label of yTrue and yPred, sorted. */
  labels?: ClassLabel[];
  /** Display names of `labels` (same length). Default: the labels as strings. */
  targetNames?: string[];
  /** Digits after the decimal point in the text form. Default 2. */
  digits?: number;
  /** Return the object form instead of text. Default false. */
  outputDict?: boolean;
  /** Value of a score whose denominator is 0. Default 0. */
  zeroDivision?: 0 | 1;
}

/** One row of the report's object form. */
export interface ReportRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}

/**
 * The object form of {@link classificationReport}: one {@link ReportRow} per class name, `'accuracy'`
 * (a number) or `'micro avg'`, then `'macro avg'` and `'weighted avg'` — scikit-learn's `output_dict`.
 */
export type ClassificationReportDict = Record<string, ReportRow | number>;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (text: string): string => text.replace(/[&<>"]/g, (c) => ESCAPES[c]!);

/**
 * The notebook display (`Symbol.for('Jupyter.display')`, Deno's Jupyter kernel) of a report dict: an HTML
 * table laid out as the text report (one row per class, then accuracy and the averages).
 */
function reportDisplay(d: ClassificationReportDict, digits: number): MimeBundle {
  const num = (x: number) => `<td>${formatFixed(x, digits)}</td>`;
  const rows = Object.entries(d).map(([name, r]) =>
    typeof r === 'number'
      ? `<tr><th>${esc(name)}</th><td></td><td></td>${num(r)}<td></td></tr>`
      : `<tr><th>${esc(name)}</th>${num(r.precision)}${num(r.recall)}${num(r['f1-score'])}<td>${r.support}</td></tr>`,
  );
  return {
    'text/plain': JSON.stringify(d, null, 2),
    'text/html': `<table class="layerwise-classification-report"><tr><th></th>${HEADERS.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>`,
  };
}

/**
 * `x` with `digits` decimals the way Python's `format` does: exact ties round half to even
 * (JavaScript's `toFixed` rounds them up).
 */
export function formatFixed(x: number, digits: number): string {
  const fixed = x.toFixed(digits);
  const exact = x.toFixed(Math.min(100, digits + 60));
  const rest = exact.slice(exact.length - 60);
  if (rest !== `5${'0'.repeat(59)}`) return fixed;
  // An exact tie: keep the truncated value if its last digit is even.
  const truncated = exact.slice(0, exact.length - 60);
  const body = digits === 0 ? truncated.replace(/\.$/, '') : truncated;
  const last = Number(body[body.length - 1]);
  return last % 2 === 0 ? body : fixed;
}

const HEADERS = ['precision', 'recall', 'f1-score', 'support'] as const;

/**
 * A text report of precision, recall, F1 and support per class plus accuracy and macro/weighted
 * averages, laid out exactly as scikit-learn's `classification_report`; `{ outputDict: true }` returns
 * the same numbers as an object.
 *
 * ```ts
 * console.log(classificationReport(yTest, await clf.predict(Xtest)));
 * ```
 */
export function classificationReport(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: ClassificationReportOptions & { outputDict: true },
): ClassificationReportDict;
export function classificationReport(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options?: ClassificationReportOptions & { outputDict?: false },
): string;
export function classificationReport(
  yTrue: LabelsLike,
  yPred: LabelsLike,
  options: ClassificationReportOptions = {},
): string | ClassificationReportDict {
  const fn = 'classificationReport';
  const { t, p } = labelPair(yTrue, yPred, fn);
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new ValidationError(`${fn}: digits must be an integer in [0, 20], got ${String(digits)}.`);
  }
  const present = unionLabels(t, p);
  const given = checkLabelsOption(options.labels, t[0], fn);
  const labels = given ?? present;
  const microIsAccuracy = !given || present.every((l) => given.includes(l));
  const names = options.targetNames ?? labels.map((l) => String(l));
  if (names.length !== labels.length) {
    throw new ValidationError(
      `${fn}: ${labels.length} classes but ${names.length} targetNames: pass one name per label (or set labels).`,
    );
  }
  const zeroDivision = options.zeroDivision ?? 0;
  const [pr, rc, f1, support] = precisionRecallFscoreSupport(
    t as LabelsLike,
    p as LabelsLike,
    { labels, average: null, zeroDivision },
    fn,
  ) as [number[], number[], number[], number[]];
  const total = support.reduce((a, b) => a + b, 0);
  const averages: [
    'accuracy' | 'micro avg' | 'macro avg' | 'weighted avg',
    'micro' | 'macro' | 'weighted',
  ][] = [
    [microIsAccuracy ? 'accuracy' : 'micro avg', 'micro'],
    ['macro avg', 'macro'],
    ['weighted avg', 'weighted'],
  ];
  const avgRows = averages.map(([heading, average]) => {
    const [ap, ar, af] = precisionRecallFscoreSupport(
      t as LabelsLike,
      p as LabelsLike,
      { labels, average, zeroDivision },
      fn,
    ) as number[];
    return { heading, row: { precision: ap!, recall: ar!, 'f1-score': af!, support: total } as ReportRow };
  });
  if (options.outputDict) {
    const out: ClassificationReportDict = {};
    names.forEach((n, i) => {
      out[n] = { precision: pr[i]!, recall: rc[i]!, 'f1-score': f1[i]!, support: support[i]! };
    });
    for (const { heading, row } of avgRows) out[heading] = heading === 'accuracy' ? row.precision : row;
    return withJupyterDisplay(out, (d) => reportDisplay(d, digits)); // notebook display: an HTML table
  }
  const width = Math.max(...names.map((n) => n.length), 'weighted avg'.length, digits);
  const right = (s: string, w: number) => s.padStart(w);
  const num = (x: number) => right(formatFixed(x, digits), 9);
  let report = `${right('', width)} ${HEADERS.map((h) => ` ${right(h, 9)}`).join('')}\n\n`;
  const line = (name: string, r: ReportRow) =>
    `${right(name, width)}  ${num(r.precision)} ${num(r.recall)} ${num(r['f1-score'])} ${right(String(r.support), 9)}\n`;
  names.forEach((n, i) => {
    report += line(n, { precision: pr[i]!, recall: rc[i]!, 'f1-score': f1[i]!, support: support[i]! });
  });
  report += '\n';
  for (const { heading, row } of avgRows) {
    if (heading === 'accuracy') {
      report += `${right(heading, width)}  ${right('', 9)} ${right('', 9)} ${num(row['f1-score'])} ${right(String(row.support), 9)}\n`;
    } else {
      report += line(heading, row);
    }
  }
  return report;
}
