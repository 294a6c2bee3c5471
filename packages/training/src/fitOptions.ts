import { type Callback, ValidationError } from '@layerwise/core';
import { checkCallbacks } from './params.js';

/** Options every estimator's `fit` takes (`validationData` and targets are typed by each estimator). */
export interface CommonFitOptions {
  /**
   * A checkpoint directory written by a fit with `checkpoint: { dir }`: continue that training (same
   * architecture, data and targets). A finished checkpoint continues its last stage when `epochs` (or
   * `fineTuneEpochs`) grew. A missing checkpoint is a ValidationError.
   */
  resume?: string;
  /** Callbacks for this fit only, called after the `callbacks` param's. */
  callbacks?: Callback[];
  /**
   * Per-row weights of the training loss (scikit-learn's `sample_weight`): each batch's loss is the
   * weighted mean `Σ wᵢ·lᵢ / Σ wᵢ`. Non-negative finite numbers, not all 0; one per row of X.
   */
  sampleWeight?: ArrayLike<number>;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

/** The valid name closest to `key` (snake_case and case ignored first), e.g. `validation_data` → `validationData`. */
export function nearestName(key: string, valid: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/[_\-\s]/g, '').toLowerCase();
  const exact = valid.find((v) => norm(v) === norm(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const v of valid) {
    const d = distance(norm(key), norm(v));
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(norm(key).length / 3)) ? best : undefined;
}

/**
 * Checks `fit` options: an object whose keys are all in `valid` (an unknown key is a ValidationError
 * naming it and the nearest valid one); returns the options with `callbacks` checked.
 */
export function checkFitOptions<O extends object>(
  owner: string,
  options: unknown,
  valid: readonly string[],
  method = 'fit',
): O {
  if (options === undefined || options === null) return {} as O;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError(
      `${owner}.${method}: options must be an object such as { ${valid.join(', ')} }, got ${Array.isArray(options) ? 'an array' : typeof options}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) {
      const near = nearestName(key, valid);
      throw new ValidationError(
        `${owner}.${method}: unknown option "${key}"${near ? ` — did you mean "${near}"?` : ''} Valid options: ${valid.join(', ')}.`,
      );
    }
  }
  const o = options as Record<string, unknown>;
  if (o.callbacks !== undefined) checkCallbacks(`${owner}.${method}`, o.callbacks, 'options.callbacks');
  return options as O;
}

/** Validates per-row weights: one per row, finite, ≥ 0, not all 0. */
export function checkSampleWeight(owner: string, w: unknown, rows: number): Float32Array {
  const fail = (why: string): never => {
    throw new ValidationError(`${owner}.fit: sampleWeight ${why}.`);
  };
  if (
    !(Array.isArray(w) || ArrayBuffer.isView(w)) ||
    (ArrayBuffer.isView(w) &&
      !(w instanceof Float32Array || w instanceof Float64Array || w instanceof Int32Array))
  ) {
    fail('must be an array (or Float32Array/Float64Array) of numbers, one per row of X');
  }
  const arr = w as ArrayLike<number>;
  if (arr.length !== rows) fail(`has ${arr.length} entries but X has ${rows} rows`);
  const out = new Float32Array(rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(`[${i}] is ${String(v)}; weights must be finite numbers`);
    if ((v as number) < 0) fail(`[${i}] is ${v}; weights must be ≥ 0`);
    out[i] = v as number;
    total += v as number;
  }
  if (total === 0) fail('is all zeros; at least one row must have a weight > 0');
  return out;
}

/**
 * Whether `v` is a plain object that is not a `{ data, shape }` matrix: read as `fit`'s options where labels
 * could stand (`fit(X, options)` of an unsupervised estimator, which accepts and ignores a y).
 */
export function isOptionsObject<T extends object = Record<string, unknown>>(v: unknown): v is T {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  return !('data' in v && 'shape' in v);
}
