import { type MatrixLike, type Rng, releaseMatrix, toMatrix, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import type { PreparedData } from './fitRun.js';

/** One batch of a {@link DataSource}: rows of `x` (any kind `fit` takes) and, for supervised fits, `y`. */
export interface DataBatch {
  x: MatrixLike;
  y?: unknown;
}

/**
 * Streamed training data (like tfjs' `fitDataset`): a function returning a fresh iterable (or async iterable)
 * of batches each time it is called — once to scan the data, then once per epoch (and, for greedy
 * pretraining, per layer). Batches may have any size; they are re-batched to `batchSize`.
 *
 * An iterable object that starts afresh each time it is iterated (such as what `streamCsv` and `streamIdx`
 * return) may be passed as it is. A one-shot iterable (a generator object, whose iterator is itself) feeds a
 * fit of exactly one pass — `epochs: 1`, and for a `StackedAutoencoder` one stage (one layer, no
 * fine-tuning) — read as it trains, without a scan: the row count is then unknown until the pass ends
 * (events report `samples: 0`), and an `MLPClassifier` needs every label in `fit`'s `classes` option. Any
 * other fit refuses it with a ValidationError: wrap its making in a function.
 */
export type DataSource =
  | (() => AsyncIterable<DataBatch> | Iterable<DataBatch>)
  | AsyncIterable<DataBatch>
  | Iterable<DataBatch>;

/** Whether `X` is a {@link DataSource}: a function, or an (async) iterable object that is not an array. */
export function isDataSource(X: unknown): X is DataSource {
  if (typeof X === 'function') return true;
  if (typeof X !== 'object' || X === null || Array.isArray(X) || ArrayBuffer.isView(X)) return false;
  return (
    typeof (X as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (X as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}

/** The iterator of `it` (async first), or null when `it` is not iterable. */
function iteratorOf(it: unknown): AsyncIterator<DataBatch> | Iterator<DataBatch> | null {
  if (!it || (typeof it !== 'object' && typeof it !== 'function')) return null;
  const a = (it as AsyncIterable<DataBatch>)[Symbol.asyncIterator];
  if (typeof a === 'function') return a.call(it);
  const s = (it as Iterable<DataBatch>)[Symbol.iterator];
  if (typeof s === 'function') return s.call(it);
  return null;
}

/**
 * Whether `source` is a one-shot iterable: an (async) iterable object whose iterator is itself, such as a
 * generator object. It can be read once, so it feeds a fit of exactly one pass (`epochs: 1`).
 */
export function isOneShot(source: DataSource): boolean {
  if (typeof source === 'function') return false;
  const it = iteratorOf(source);
  return it !== null && (it as unknown) === source;
}

/**
 * Opens a one-shot iterable for its single pass: reads its first batch (for the width and, for regressors,
 * the targets' columns) and returns a source that yields that batch and then the rest, once. A second read
 * is a ValidationError (nothing is replayed: memory stays bounded by one batch).
 */
export async function openOneShot(
  owner: string,
  source: DataSource,
): Promise<{ first: DataBatch; features: number; rows: number; source: DataSource }> {
  const iter = iteratorOf(source)!;
  let r: IteratorResult<DataBatch>;
  try {
    r = await iter.next();
  } catch (e) {
    throw new ValidationError(`${owner}.fit: the data source failed at batch 0: ${String(e)}`, { cause: e });
  }
  if (r.done) throw new ValidationError(`${owner}.fit: the data source is empty (no rows).`);
  const first = r.value;
  if (typeof first !== 'object' || first === null || !('x' in first)) {
    throw new ValidationError(`${owner}.fit: batch 0 of the data source is not an object { x, y? }.`);
  }
  const m = toMatrix(first.x, { name: 'batch 0 x' });
  releaseMatrix(m);
  let read = false;
  const once = (): AsyncIterable<DataBatch> => {
    if (read) {
      throw new ValidationError(
        `${owner}.fit: the one-shot data source was already read to its end; it can feed one pass only.`,
      );
    }
    read = true;
    return {
      async *[Symbol.asyncIterator]() {
        yield first;
        for (;;) {
          const n = await iter.next();
          if (n.done) return;
          yield n.value;
        }
      },
    };
  };
  return { first, features: m.cols, rows: m.rows, source: once };
}

/** The batches of one pass over `source`, each checked to be `{ x, y? }`; errors name the batch. */
export async function* readSource(
  owner: string,
  source: DataSource,
): AsyncGenerator<DataBatch & { index: number }> {
  let it: unknown;
  try {
    it = typeof source === 'function' ? source() : source;
  } catch (e) {
    throw new ValidationError(`${owner}.fit: the data source threw when called: ${String(e)}`, { cause: e });
  }
  const iter = iteratorOf(it);
  if (!iter) {
    throw new ValidationError(
      `${owner}.fit: a data source must be a function returning an iterable or async iterable of { x, y } batches, got ${typeof it}.`,
    );
  }
  if (typeof source !== 'function' && (iter as unknown) === it) {
    throw new ValidationError(
      `${owner}.fit: the data source is a one-shot iterable (its iterator is itself, like a generator object), but this fit reads its source more than once (a scan, then once per epoch and per layer); a one-shot source feeds fits of one pass only (epochs: 1). Pass a function returning a fresh iterable instead, e.g. fit(() => batches()).`,
    );
  }
  let index = 0;
  try {
    for await (const b of { [Symbol.asyncIterator]: () => iter } as AsyncIterable<DataBatch>) {
      if (typeof b !== 'object' || b === null || !('x' in b)) {
        throw new ValidationError(
          `${owner}.fit: batch ${index} of the data source is not an object { x, y? }.`,
        );
      }
      yield { ...b, index };
      index++;
    }
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError(`${owner}.fit: the data source failed at batch ${index}: ${String(e)}`, {
      cause: e,
    });
  }
}

/** Encoded targets of one batch: flat values and their columns (0 = none, reconstruction). */
export interface EncodedBatchTargets {
  data: Int32Array | Float32Array;
  cols: number;
}

/** What re-batching needs: the width, the target encoder, and the shuffle settings. */
export interface StreamOptions {
  features: number;
  batchSize: number;
  /** Encodes a batch's `y` (throws ValidationError naming the batch); null = no targets (y = x). */
  encodeY: ((y: unknown, rows: number, batch: number) => EncodedBatchTargets) | null;
  /** Rows kept and drawn from at random (a stream cannot be permuted); 0 or 1 = in order. */
  shuffleBuffer: number;
  rng: Rng;
}

/** One pass of `source` as tensors of exactly `batchSize` rows (the last may be smaller). */
export async function* rebatch(
  owner: string,
  source: DataSource,
  o: StreamOptions,
): AsyncGenerator<{ x: tf.Tensor2D; y: tf.Tensor }> {
  const xs: Float32Array[] = [];
  const ys: (Int32Array | Float32Array)[] = [];
  let cols = 0;
  let dtype: 'int32' | 'float32' = 'float32';
  const take = (k: number) => {
    const pickX: Float32Array[] = [];
    const pickY: (Int32Array | Float32Array)[] = [];
    for (let i = 0; i < k; i++) {
      const j = o.shuffleBuffer > 1 ? o.rng.int(xs.length) : 0;
      pickX.push(xs[j]!);
      if (o.encodeY) pickY.push(ys[j]!);
      if (o.shuffleBuffer > 1) {
        xs[j] = xs[xs.length - 1]!;
        xs.pop();
        if (o.encodeY) {
          ys[j] = ys[ys.length - 1]!;
          ys.pop();
        }
      } else {
        xs.shift();
        if (o.encodeY) ys.shift();
      }
    }
    const xd = new Float32Array(k * o.features);
    pickX.forEach((r, i) => {
      xd.set(r, i * o.features);
    });
    const x = tf.tensor2d(xd, [k, o.features], 'float32');
    if (!o.encodeY) return { x, y: x };
    const w = Math.max(cols, 1);
    const yd = dtype === 'int32' ? new Int32Array(k * w) : new Float32Array(k * w);
    pickY.forEach((r, i) => {
      yd.set(r, i * w);
    });
    const y = cols === 0 ? tf.tensor1d(yd, dtype) : tf.tensor2d(yd, [k, cols], dtype);
    return { x, y };
  };
  const keep = Math.max(o.shuffleBuffer, o.batchSize);
  for await (const b of readSource(owner, source)) {
    const m = toMatrix(b.x, { name: `batch ${b.index} x`, expectedFeatures: o.features });
    const data = (await m.tensor.data()) as Float32Array;
    releaseMatrix(m);
    const rows = m.rows;
    if (o.encodeY) {
      if (b.y === undefined || b.y === null) {
        throw new ValidationError(
          `${owner}.fit: batch ${b.index} of the data source has no y; this estimator needs targets.`,
        );
      }
      const t = o.encodeY(b.y, rows, b.index);
      cols = t.cols;
      dtype = t.data instanceof Int32Array ? 'int32' : 'float32';
      const w = Math.max(cols, 1);
      for (let i = 0; i < rows; i++) ys.push(t.data.subarray(i * w, (i + 1) * w));
    }
    for (let i = 0; i < rows; i++) xs.push(data.subarray(i * o.features, (i + 1) * o.features));
    while (xs.length >= keep) yield take(o.batchSize);
  }
  while (xs.length > 0) yield take(Math.min(o.batchSize, xs.length));
}

/** A scan of the whole source: row count, width, and every batch's raw `y` values kept by `collect`. */
export async function scanSource(
  owner: string,
  source: DataSource,
  collect?: (y: unknown, rows: number, batch: number) => void,
): Promise<{ rows: number; features: number }> {
  let rows = 0;
  let features = -1;
  for await (const b of readSource(owner, source)) {
    const m = toMatrix(b.x, {
      name: `batch ${b.index} x`,
      ...(features >= 0 ? { expectedFeatures: features } : {}),
    });
    releaseMatrix(m);
    if (features < 0) features = m.cols;
    rows += m.rows;
    collect?.(b.y, m.rows, b.index);
  }
  if (rows === 0) throw new ValidationError(`${owner}.fit: the data source is empty (no rows).`);
  return { rows, features };
}

/**
 * The prepared data of a streamed fit: a 0-row placeholder for `x`/`y`, and the stream that re-batches
 * `source` for every epoch (the part every estimator's `fit(source)` shares).
 */
export function streamedData(
  owner: string,
  source: DataSource,
  scan: { rows: number; features: number },
  p: { batchSize: number; shuffle: boolean; shuffleBuffer: number },
  encodeY: StreamOptions['encodeY'],
  rest: Pick<PreparedData, 'validation' | 'owned' | 'signature'>,
): PreparedData {
  const empty = tf.zeros([0, scan.features]) as tf.Tensor2D;
  return {
    x: empty,
    y: empty,
    ...(rest.validation ? { validation: rest.validation } : {}),
    owned: [...rest.owned, empty],
    signature: rest.signature,
    stream: {
      rows: scan.rows,
      features: scan.features,
      epoch: (rng) =>
        rebatch(owner, source, {
          features: scan.features,
          batchSize: p.batchSize,
          encodeY,
          shuffleBuffer: p.shuffle ? p.shuffleBuffer : 0,
          rng,
        }),
    },
  };
}
