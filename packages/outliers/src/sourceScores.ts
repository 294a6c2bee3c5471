import { type MatrixLike, ValidationError } from '@layerwise/core';
import type { DataBatch, DataSource } from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';

/** Per-row scores of one batch as an estimator returns them. */
type BatchScores = number[] | Float32Array | tf.Tensor1D;

/** Copies `s` to the host (disposing a tensor) as float32. */
export async function hostScores(s: BatchScores): Promise<Float32Array> {
  if (s instanceof tf.Tensor) {
    try {
      return new Float32Array((await s.data()) as Float32Array);
    } finally {
      s.dispose();
    }
  }
  return s instanceof Float32Array ? s : Float32Array.from(s);
}

/**
 * Scores a data source batch by batch (one pass; only one batch and the growing `Float32Array` of scores
 * are in memory): `score` is called on each batch's `x`; the scores are concatenated in order. A source
 * that is not iterable, a batch that is not `{ x }`, or a source that throws → ValidationError naming the
 * batch. Returns the scores and the batches' width.
 */
export async function scoreSource(
  owner: string,
  source: DataSource,
  score: (x: MatrixLike, batch: number) => Promise<BatchScores>,
): Promise<{ scores: Float32Array; rows: number }> {
  let it: unknown;
  try {
    it = typeof source === 'function' ? source() : source;
  } catch (e) {
    throw new ValidationError(`${owner}: the data source threw when called: ${String(e)}`, { cause: e });
  }
  const asyncIt = (it as AsyncIterable<DataBatch> | null)?.[Symbol.asyncIterator];
  const syncIt = (it as Iterable<DataBatch> | null)?.[Symbol.iterator];
  if (typeof asyncIt !== 'function' && typeof syncIt !== 'function') {
    throw new ValidationError(
      `${owner}: a data source must be a function returning an iterable or async iterable of { x } batches, got ${typeof it}.`,
    );
  }
  const iter: AsyncIterator<DataBatch> | Iterator<DataBatch> =
    typeof asyncIt === 'function' ? asyncIt.call(it) : syncIt!.call(it);
  let out = new Float32Array(1024);
  let rows = 0;
  let finished = false;
  try {
    for (let index = 0; ; index++) {
      let r: IteratorResult<DataBatch>;
      try {
        r = await iter.next();
      } catch (e) {
        throw new ValidationError(`${owner}: the data source failed at batch ${index}: ${String(e)}`, {
          cause: e,
        });
      }
      if (r.done) {
        finished = true;
        break;
      }
      const b = r.value;
      if (typeof b !== 'object' || b === null || !('x' in b)) {
        throw new ValidationError(`${owner}: batch ${index} of the data source is not an object { x }.`);
      }
      let s: Float32Array;
      try {
        s = await hostScores(await score(b.x, index));
      } catch (e) {
        if (e instanceof ValidationError) {
          throw new ValidationError(`${owner}: batch ${index} of the data source: ${e.message}`, {
            cause: e,
          });
        }
        throw e;
      }
      if (rows + s.length > out.length) {
        const grown = new Float32Array(Math.max(out.length * 2, rows + s.length));
        grown.set(out.subarray(0, rows));
        out = grown;
      }
      out.set(s, rows);
      rows += s.length;
    }
  } finally {
    // Stopped early (a bad batch, a failed score): close the source (a generator's finally blocks run).
    if (!finished) await Promise.resolve(iter.return?.()).catch(() => undefined);
  }
  return { scores: out.slice(0, rows), rows };
}
