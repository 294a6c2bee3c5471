import { readFileSync, writeFileSync } from 'node:fs';
import { loadMnist } from '@layerwise/datasets';

/** A matrix of float32 rows, the form every contender reads. */
export interface Matrix {
  data: Float32Array;
  shape: [number, number];
}

/** The first `limit` MNIST digits of a subset, pixels in [0, 1]. */
export async function loadDigits(subset: 'train' | 'test', limit: number): Promise<Matrix> {
  const { X } = await loadMnist({ subset, limit });
  return { data: X.data as Float32Array, shape: [X.shape[0], X.shape[1]] };
}

/**
 * Writes a matrix as raw little-endian float32 (what `numpy.fromfile` reads), so that every contender —
 * Node workers and Python alike — trains on the very same digits.
 */
export function writeMatrix(path: string, m: Matrix): void {
  writeFileSync(path, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
}

/** Reads a matrix written by {@link writeMatrix}. */
export function readMatrix(path: string, cols: number): Matrix {
  const buf = readFileSync(path);
  // a view on the Buffer's memory (no second copy: 188 MB for full MNIST) unless it is misaligned
  const data =
    buf.byteOffset % 4 === 0
      ? new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)
      : new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { data, shape: [data.length / cols, cols] };
}

/** The first `rows` rows of a matrix (a view, no copy). */
export function headRows(m: Matrix, rows: number): Matrix {
  const r = Math.min(rows, m.shape[0]);
  return { data: m.data.subarray(0, r * m.shape[1]), shape: [r, m.shape[1]] };
}
