import { Rng, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { isIndexable, numSamples, takeRows } from './indexing.js';
import { shuffleSplitSizes, stratifiedShuffle } from './splitters.js';

/** Options of {@link trainTestSplit} (scikit-learn's keyword arguments in camelCase). */
export interface TrainTestSplitOptions {
  /** Test share in (0, 1) or a count. Default 0.25 (the complement of trainSize when that is set). */
  testSize?: number | null;
  /** Train share in (0, 1) or a count. Default: the complement of testSize. */
  trainSize?: number | null;
  /** Seed of the shuffle. */
  randomState?: number | null;
  /** Shuffle before splitting. Default true; `false` keeps the first rows for training. */
  shuffle?: boolean;
  /** Class labels (usually `y`) whose shares both parts keep. Needs `shuffle: true`. */
  stratify?: unknown;
}

const OPTION_KEYS = ['testSize', 'trainSize', 'randomState', 'shuffle', 'stratify'];

function isOptions(x: unknown): x is TrainTestSplitOptions {
  return typeof x === 'object' && x !== null && !isIndexable(x);
}

/**
 * Splits X (and y) into random train and test parts, scikit-learn's `train_test_split`, returned in its
 * order for destructuring, each in the caller's kind (arrays, typed arrays, `{ data, shape }`, tensors —
 * new tensors the caller owns).
 *
 * ```ts
 * const [Xtr, Xte, ytr, yte] = trainTestSplit(X, y, { testSize: 0.25, stratify: y, randomState: 0 });
 * const [Atr, Ate] = trainTestSplit(X, { testSize: 100 });
 * ```
 */
export function trainTestSplit<X, Y>(X: X, y: Y, options?: TrainTestSplitOptions): [X, X, Y, Y];
export function trainTestSplit<X>(X: X, options?: TrainTestSplitOptions): [X, X];
export function trainTestSplit(
  X: unknown,
  yOrOptions?: unknown,
  maybeOptions?: TrainTestSplitOptions,
): unknown[] {
  const hasY = yOrOptions !== undefined && !isOptions(yOrOptions);
  const y = hasY ? yOrOptions : undefined;
  const options = (hasY ? maybeOptions : (yOrOptions as TrainTestSplitOptions | undefined)) ?? {};
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(
      'trainTestSplit options must be an object like { testSize: 0.25, randomState: 0 }.',
    );
  }
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.includes(k)) {
      throw new ValidationError(
        `trainTestSplit: unknown option '${k}'; valid options: ${OPTION_KEYS.join(', ')}.`,
      );
    }
  }
  const n = numSamples(X, 'X');
  if (n === 0) throw new ValidationError('trainTestSplit: X is empty: pass at least two samples.');
  if (hasY) {
    const ny = numSamples(y, 'y');
    if (ny !== n)
      throw new ValidationError(`trainTestSplit: X has ${n} samples but y has ${ny}: pass one per row.`);
  }
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new ValidationError('trainTestSplit: shuffle must be a boolean.');
  const randomState = options.randomState ?? null;
  if (randomState !== null && !Number.isInteger(randomState)) {
    throw new ValidationError(
      `trainTestSplit: randomState must be an integer or null, got ${String(randomState)}.`,
    );
  }
  const stratify = options.stratify;
  let train: Int32Array;
  let test: Int32Array;
  if (!shuffle) {
    if (stratify !== undefined && stratify !== null) {
      throw new ValidationError(
        'trainTestSplit: stratified splits need shuffle: true (or leave stratify out).',
      );
    }
    const { nTrain, nTest } = shuffleSplitSizes(
      n,
      options.testSize,
      options.trainSize,
      0.25,
      'trainTestSplit',
    );
    train = Int32Array.from({ length: nTrain }, (_, i) => i);
    test = Int32Array.from({ length: nTest }, (_, i) => nTrain + i);
  } else if (stratify !== undefined && stratify !== null) {
    const split = stratifiedShuffle(
      X,
      stratify,
      { nSplits: 1, testSize: options.testSize ?? null, trainSize: options.trainSize ?? null, randomState },
      0.25,
      'trainTestSplit',
    ).next().value!;
    [train, test] = split;
  } else {
    const { nTrain, nTest } = shuffleSplitSizes(
      n,
      options.testSize,
      options.trainSize,
      0.25,
      'trainTestSplit',
    );
    const p = new Rng(randomState ?? undefined).permutation(n);
    test = p.slice(0, nTest);
    train = p.slice(nTest, nTest + nTrain);
  }
  const arrays = hasY ? [X, y] : [X];
  const out: unknown[] = [];
  try {
    for (const a of arrays) out.push(takeRows(a, train), takeRows(a, test));
  } catch (e) {
    for (const t of out) if (t instanceof tf.Tensor) t.dispose();
    throw e;
  }
  return out;
}
