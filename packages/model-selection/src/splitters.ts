import { type ClassLabel, Rng, ValidationError } from '@layerwise/core';
import { numSamples, stratifyLabels } from './indexing.js';

/** One split: indices of the training rows and of the test rows. */
export type Split = [trainIndices: Int32Array, testIndices: Int32Array];

/** What `cv` accepts besides a fold count: anything with `split` and `getNSplits` (scikit-learn's CV splitters). */
export interface CrossValidator {
  /** Yields `[trainIndices, testIndices]` pairs. */
  split(X: unknown, y?: unknown): Iterable<Split>;
  /** The number of splits `split` yields. */
  getNSplits(X?: unknown, y?: unknown): number;
}

/** Options of {@link KFold} and {@link StratifiedKFold}. */
export interface KFoldOptions {
  /** Number of folds, ≥ 2. Default 5. */
  nSplits?: number;
  /** Shuffle the samples before splitting (each class's fold assignment for StratifiedKFold). Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle; only with `shuffle: true`. The same seed gives the same folds on every `split`. */
  randomState?: number | null;
}

function checkKFold(
  owner: string,
  o: KFoldOptions,
): { nSplits: number; shuffle: boolean; randomState: number | null } {
  if (o === null || typeof o !== 'object')
    throw new ValidationError(`${owner} options must be an object like { nSplits: 5 }.`);
  const nSplits = o.nSplits ?? 5;
  if (!Number.isInteger(nSplits) || nSplits < 2) {
    throw new ValidationError(`${owner}: nSplits must be an integer ≥ 2, got ${String(nSplits)}.`);
  }
  const shuffle = o.shuffle ?? false;
  if (typeof shuffle !== 'boolean') throw new ValidationError(`${owner}: shuffle must be a boolean.`);
  const randomState = o.randomState ?? null;
  if (randomState !== null && !Number.isInteger(randomState)) {
    throw new ValidationError(
      `${owner}: randomState must be an integer or null, got ${String(randomState)}.`,
    );
  }
  if (!shuffle && randomState !== null) {
    throw new ValidationError(
      `${owner}: randomState has no effect without shuffle: set shuffle: true or leave randomState out.`,
    );
  }
  return { nSplits, shuffle, randomState };
}

function masksToSplits(testFold: Int32Array, nSplits: number): Split[] {
  const out: Split[] = [];
  for (let k = 0; k < nSplits; k++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < testFold.length; i++) (testFold[i] === k ? test : train).push(i);
    out.push([Int32Array.from(train), Int32Array.from(test)]);
  }
  return out;
}

/** What KFold and StratifiedKFold share: validated `nSplits`, `shuffle`, `randomState`. */
abstract class BaseKFold implements CrossValidator {
  readonly nSplits: number;
  readonly shuffle: boolean;
  readonly randomState: number | null;

  protected constructor(name: string, options: KFoldOptions) {
    const o = checkKFold(name, options);
    this.nSplits = o.nSplits;
    this.shuffle = o.shuffle;
    this.randomState = o.randomState;
  }

  getNSplits(): number {
    return this.nSplits;
  }

  abstract split(X: unknown, y?: unknown): Generator<Split>;
}

/**
 * K folds of consecutive samples (shuffled first with `shuffle: true`), scikit-learn's `KFold`: the first
 * `n % nSplits` folds get one sample more. Indices come sorted.
 *
 * ```ts
 * for (const [train, test] of new KFold({ nSplits: 3 }).split(X)) { … }
 * ```
 */
export class KFold extends BaseKFold {
  constructor(options: KFoldOptions = {}) {
    super('KFold', options);
  }

  /** Yields `[trainIndices, testIndices]`; `y` is ignored. */
  *split(X: unknown, _y?: unknown): Generator<Split> {
    const n = numSamples(X, 'X');
    if (this.nSplits > n) {
      throw new ValidationError(`KFold: nSplits ${this.nSplits} is greater than the number of samples ${n}.`);
    }
    const order = this.shuffle
      ? new Rng(this.randomState ?? undefined).permutation(n)
      : Int32Array.from({ length: n }, (_, i) => i);
    const testFold = new Int32Array(n);
    let start = 0;
    for (let k = 0; k < this.nSplits; k++) {
      const size = Math.floor(n / this.nSplits) + (k < n % this.nSplits ? 1 : 0);
      for (let i = start; i < start + size; i++) testFold[order[i]!] = k;
      start += size;
    }
    yield* masksToSplits(testFold, this.nSplits);
  }
}

/** Class index of each sample, classes numbered by first appearance (scikit-learn's encoding). */
function encodeByAppearance(labels: readonly ClassLabel[]): { encoded: Int32Array; counts: number[] } {
  const index = new Map<ClassLabel, number>();
  const encoded = new Int32Array(labels.length);
  const counts: number[] = [];
  labels.forEach((l, i) => {
    let k = index.get(l);
    if (k === undefined) {
      k = index.size;
      index.set(l, k);
      counts.push(0);
    }
    encoded[i] = k;
    counts[k]!++;
  });
  return { encoded, counts };
}

/**
 * K folds that keep each class's share in every fold, scikit-learn's `StratifiedKFold` (same fold sizes
 * and, without shuffle, the same folds). `nSplits` larger than the smallest class count is a
 * ValidationError (scikit-learn only warns).
 */
export class StratifiedKFold extends BaseKFold {
  constructor(options: KFoldOptions = {}) {
    super('StratifiedKFold', options);
  }

  /** Yields `[trainIndices, testIndices]` stratified by the class labels `y`. */
  *split(X: unknown, y?: unknown): Generator<Split> {
    const n = numSamples(X, 'X');
    if (y === undefined) throw new ValidationError('StratifiedKFold.split needs the class labels y.');
    const { encoded, counts } = encodeByAppearance(stratifyLabels(y, n, 'y'));
    const k = this.nSplits;
    const smallest = Math.min(...counts);
    if (k > smallest) {
      throw new ValidationError(
        `StratifiedKFold: nSplits (cv) ${k} is greater than the number of members of the least populated class (${smallest}): use at most ${smallest} folds or more samples of that class.`,
      );
    }
    const nClasses = counts.length;
    // Round robin over the sorted class indices: allocation[fold][class] test samples.
    const sorted = Int32Array.from(encoded).sort();
    const allocation = Array.from({ length: k }, () => new Array<number>(nClasses).fill(0));
    for (let i = 0; i < sorted.length; i++) allocation[i % k]![sorted[i]!]!++;
    const rng = this.shuffle ? new Rng(this.randomState ?? undefined) : null;
    const testFold = new Int32Array(n);
    for (let c = 0; c < nClasses; c++) {
      const folds: number[] = [];
      for (let f = 0; f < k; f++) for (let j = 0; j < allocation[f]![c]!; j++) folds.push(f);
      const order = rng ? rng.permutation(folds.length) : null;
      let j = 0;
      for (let i = 0; i < n; i++) if (encoded[i] === c) testFold[i] = folds[order ? order[j++]! : j++]!;
    }
    yield* masksToSplits(testFold, k);
  }
}

/** Options of {@link ShuffleSplit} and {@link StratifiedShuffleSplit}. */
export interface ShuffleSplitOptions {
  /** Number of re-shuffled splits. Default 10. */
  nSplits?: number;
  /** Test share in (0, 1) or an absolute count (integer ≥ 1). Default 0.1 (the complement of trainSize when that is set). */
  testSize?: number | null;
  /** Train share in (0, 1) or an absolute count. Default: the complement of testSize. */
  trainSize?: number | null;
  /** Seed; the same seed gives the same splits on every `split`. */
  randomState?: number | null;
}

/** scikit-learn's `_validate_shuffle_split`: train/test counts from sizes (fractions or counts). */
export function shuffleSplitSizes(
  n: number,
  testSize: number | null | undefined,
  trainSize: number | null | undefined,
  defaultTest: number,
  owner: string,
): { nTrain: number; nTest: number } {
  const test = testSize ?? (trainSize == null ? defaultTest : null);
  const train = trainSize ?? null;
  const check = (v: number | null, name: string) => {
    if (v === null) return;
    const ok = typeof v === 'number' && (Number.isInteger(v) ? v > 0 && v < n : v > 0 && v < 1);
    if (!ok) {
      throw new ValidationError(
        `${owner}: ${name}=${String(v)} should be a count in [1, ${n - 1}] or a fraction in (0, 1).`,
      );
    }
  };
  check(test, 'testSize');
  check(train, 'trainSize');
  if (
    test !== null &&
    train !== null &&
    !Number.isInteger(test) &&
    !Number.isInteger(train) &&
    test + train > 1
  ) {
    throw new ValidationError(`${owner}: testSize + trainSize = ${test + train} should be at most 1.`);
  }
  let nTest = test === null ? null : Number.isInteger(test) ? test : Math.ceil(test * n);
  let nTrain = train === null ? null : Number.isInteger(train) ? train : Math.floor(train * n);
  if (nTrain === null) nTrain = n - nTest!;
  if (nTest === null) nTest = n - nTrain;
  if (nTrain + nTest > n) {
    throw new ValidationError(
      `${owner}: ${nTrain} train + ${nTest} test samples exceed the ${n} samples: lower testSize or trainSize.`,
    );
  }
  if (nTrain === 0) {
    throw new ValidationError(
      `${owner}: with ${n} samples and testSize=${String(test)} the training set would be empty.`,
    );
  }
  return { nTrain, nTest };
}

function checkShuffleOptions(
  owner: string,
  o: ShuffleSplitOptions,
): { nSplits: number; randomState: number | null } {
  if (o === null || typeof o !== 'object') throw new ValidationError(`${owner} options must be an object.`);
  const nSplits = o.nSplits ?? 10;
  if (!Number.isInteger(nSplits) || nSplits < 1) {
    throw new ValidationError(`${owner}: nSplits must be an integer ≥ 1, got ${String(nSplits)}.`);
  }
  const randomState = o.randomState ?? null;
  if (randomState !== null && !Number.isInteger(randomState)) {
    throw new ValidationError(
      `${owner}: randomState must be an integer or null, got ${String(randomState)}.`,
    );
  }
  return { nSplits, randomState };
}

/**
 * Independent random train/test splits, scikit-learn's `ShuffleSplit` (same sizes; the permutation comes
 * from layerwise's seeded generator, so the rows differ from scikit-learn's).
 */
export class ShuffleSplit implements CrossValidator {
  readonly nSplits: number;
  readonly testSize: number | null;
  readonly trainSize: number | null;
  readonly randomState: number | null;

  constructor(options: ShuffleSplitOptions = {}) {
    const o = checkShuffleOptions('ShuffleSplit', options);
    this.nSplits = o.nSplits;
    this.randomState = o.randomState;
    this.testSize = options.testSize ?? null;
    this.trainSize = options.trainSize ?? null;
  }

  getNSplits(): number {
    return this.nSplits;
  }

  /** Yields `[trainIndices, testIndices]` in random order; `y` is ignored. */
  *split(X: unknown, _y?: unknown): Generator<Split> {
    const n = numSamples(X, 'X');
    const { nTrain, nTest } = shuffleSplitSizes(n, this.testSize, this.trainSize, 0.1, 'ShuffleSplit');
    const rng = new Rng(this.randomState ?? undefined);
    for (let s = 0; s < this.nSplits; s++) {
      const p = rng.permutation(n);
      yield [p.slice(nTest, nTest + nTrain), p.slice(0, nTest)];
    }
  }
}

/** scikit-learn's `_approximate_mode`: per-class draws close to the proportional share, ties broken at random. */
function approximateMode(counts: readonly number[], draws: number, rng: Rng): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const continuous = counts.map((c) => (c / total) * draws);
  const floored = continuous.map(Math.floor);
  let need = draws - floored.reduce((a, b) => a + b, 0);
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const v of values) {
      const inds = remainder.flatMap((r, i) => (r === v ? [i] : []));
      const add = Math.min(inds.length, need);
      const chosen = rng.permutation(inds.length).slice(0, add);
      for (const c of chosen) floored[inds[c]!]!++;
      need -= add;
      if (need === 0) break;
    }
  }
  return floored;
}

/**
 * Random splits that keep each class's share, scikit-learn's `StratifiedShuffleSplit` (same per-class
 * counts; rows from layerwise's seeded generator). Every class needs at least 2 members.
 */
export class StratifiedShuffleSplit implements CrossValidator {
  readonly nSplits: number;
  readonly testSize: number | null;
  readonly trainSize: number | null;
  readonly randomState: number | null;

  constructor(options: ShuffleSplitOptions = {}) {
    const o = checkShuffleOptions('StratifiedShuffleSplit', options);
    this.nSplits = o.nSplits;
    this.randomState = o.randomState;
    this.testSize = options.testSize ?? null;
    this.trainSize = options.trainSize ?? null;
  }

  getNSplits(): number {
    return this.nSplits;
  }

  /** Yields `[trainIndices, testIndices]` stratified by `y`, in random order. */
  *split(X: unknown, y?: unknown): Generator<Split> {
    yield* stratifiedShuffle(X, y, this, 0.1, 'StratifiedShuffleSplit');
  }
}

/** The splits of {@link StratifiedShuffleSplit} (shared with trainTestSplit's `stratify`). */
export function* stratifiedShuffle(
  X: unknown,
  y: unknown,
  o: { nSplits: number; testSize: number | null; trainSize: number | null; randomState: number | null },
  defaultTest: number,
  owner: string,
): Generator<Split> {
  const n = numSamples(X, 'X');
  if (y === undefined || y === null)
    throw new ValidationError(`${owner} needs the class labels to stratify.`);
  const labels = stratifyLabels(y, n, owner === 'trainTestSplit' ? 'stratify' : 'y');
  const { nTrain, nTest } = shuffleSplitSizes(n, o.testSize, o.trainSize, defaultTest, owner);
  const classes = [...new Set(labels)].sort((a, b) =>
    typeof a === 'number' ? a - (b as number) : a < b ? -1 : a > b ? 1 : 0,
  );
  const index = new Map<ClassLabel, number>(classes.map((c, i) => [c, i]));
  const members: number[][] = classes.map(() => []);
  for (const [i, l] of labels.entries()) members[index.get(l)!]!.push(i);
  const counts = members.map((m) => m.length);
  const smallest = Math.min(...counts);
  if (smallest < 2) {
    throw new ValidationError(
      `${owner}: the least populated class in y has only ${smallest} member, which is too few to stratify: every class needs at least 2.`,
    );
  }
  if (nTrain < classes.length) {
    throw new ValidationError(
      `${owner}: the train size ${nTrain} should be at least the number of classes ${classes.length}.`,
    );
  }
  if (nTest < classes.length) {
    throw new ValidationError(
      `${owner}: the test size ${nTest} should be at least the number of classes ${classes.length}.`,
    );
  }
  const rng = new Rng(o.randomState ?? undefined);
  for (let s = 0; s < o.nSplits; s++) {
    const nI = approximateMode(counts, nTrain, rng);
    const tI = approximateMode(
      counts.map((c, i) => c - nI[i]!),
      nTest,
      rng,
    );
    const train: number[] = [];
    const test: number[] = [];
    members.forEach((m, c) => {
      const p = rng.permutation(m.length);
      for (let j = 0; j < nI[c]!; j++) train.push(m[p[j]!]!);
      for (let j = nI[c]!; j < nI[c]! + tI[c]!; j++) test.push(m[p[j]!]!);
    });
    const pt = rng.permutation(train.length);
    const pe = rng.permutation(test.length);
    yield [Int32Array.from(pt, (i) => train[i]!), Int32Array.from(pe, (i) => test[i]!)];
  }
}
