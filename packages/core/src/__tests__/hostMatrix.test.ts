// HostMatrix / toFitMatrix: host data validated like toMatrix but kept on the host, read one batch at a time.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { HostMatrix, takeRows, toFitMatrix, ValidationError } from '../index.js';

// The wasm backend's scratch-buffer path is covered in @layerwise/nn's tests (this package has no wasm).
const backends = ['cpu'] as const;

describe.each(backends)('HostMatrix on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });
  const data = Float32Array.from({ length: 5 * 3 }, (_, i) => i);

  it('take, range and view give the right rows and leave the caller data untouched', () => {
    const copy = data.slice();
    const m = new HostMatrix(data, 3);
    expect(m.shape).toEqual([5, 3]);
    const t0 = tf.memory().numTensors;
    const a = m.take(Int32Array.from([4, 0, 2]));
    expect(a.shape).toEqual([3, 3]);
    expect(Array.from(a.dataSync())).toEqual([12, 13, 14, 0, 1, 2, 6, 7, 8]);
    const b = m.take(Int32Array.from([1, 2]));
    expect(Array.from(b.dataSync())).toEqual([3, 4, 5, 6, 7, 8]);
    // A second batch through the same scratch buffer (wasm) does not change the first one.
    expect(Array.from(a.dataSync())).toEqual([12, 13, 14, 0, 1, 2, 6, 7, 8]);
    const r = m.range(3, 5);
    expect(Array.from(r.dataSync())).toEqual([9, 10, 11, 12, 13, 14]);
    const v = m.view(Int32Array.from([4, 1, 3]));
    expect(v.shape).toEqual([3, 3]);
    const vr = v.range(1, 3);
    expect(Array.from(vr.dataSync())).toEqual([3, 4, 5, 9, 10, 11]);
    const vt = takeRows(v.view(Int32Array.from([2, 0])), Int32Array.from([1]));
    expect(Array.from(vt.dataSync())).toEqual([12, 13, 14]);
    for (const t of [a, b, r, vr, vt]) t.dispose();
    expect(tf.memory().numTensors).toBe(t0);
    expect(data).toEqual(copy);
  });
});

describe('toFitMatrix', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('keeps a float32 typed matrix on the host without a copy, and makes no tensor', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t0 = tf.memory().numTensors;
    const m = toFitMatrix({ data, shape: [3, 2] });
    expect(tf.memory().numTensors).toBe(t0);
    expect(m.kind).toBe('typed');
    expect(m.owned).toBe(false);
    expect(m.x).toBeInstanceOf(HostMatrix);
    expect((m.x as HostMatrix).data).toBe(data);
    expect([m.rows, m.cols]).toEqual([3, 2]);
  });

  it('converts number[][] and Float64Array once, to float32', () => {
    const a = toFitMatrix([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from((a.x as HostMatrix).data)).toEqual([1, 2, 3, 4]);
    const b = toFitMatrix({ data: new Float64Array([0.5, 1.5]), shape: [1, 2] });
    expect((b.x as HostMatrix).data).toBeInstanceOf(Float32Array);
    expect(b.kind).toBe('typed');
  });

  it('returns a caller tensor as it is', () => {
    const t = tf.tensor2d([[1, 2]]);
    const m = toFitMatrix(t);
    expect(m.x).toBe(t);
    expect(m.owned).toBe(false);
    t.dispose();
  });

  it('names a non-finite value by row and column, for typed and Float64 data beyond float32', () => {
    const data = new Float32Array([1, 2, 3, Number.NaN, 5, 6]);
    expect(() => toFitMatrix({ data, shape: [3, 2] }, { name: 'X' })).toThrow(ValidationError);
    expect(() => toFitMatrix({ data, shape: [3, 2] })).toThrow(/X contains NaN at row 1, column 1/);
    expect(() => toFitMatrix({ data: new Float64Array([1, 1e300]), shape: [1, 2] })).toThrow(
      /contains Infinity at row 0, column 1/,
    );
    expect(() => toFitMatrix({ data: new Float32Array(4), shape: [3, 2] })).toThrow(/needs 6/);
    expect(() => toFitMatrix([[1], [2, 3]])).toThrow(/ragged/);
  });
});
