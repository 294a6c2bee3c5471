import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LayerwiseError, ValidationError } from '@layerwise/core';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError, DatasetNotFoundError, IdxFormatError, parseIdx, readIdx } from '../index.js';

/** Builds an IDX file: magic (dtype code, ndims), big-endian dims, then `body`. */
function idx(code: number, dims: number[], body: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head[2] = code;
  head[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'lw-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readIdx', () => {
  it('reads uint8 arrays with their shape, and keeps the first `limit` rows', async () => {
    const bytes = idx(
      0x08,
      [3, 2, 2],
      Uint8Array.from({ length: 12 }, (_, i) => i * 10),
    );
    const a = await readIdx(bytes);
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([3, 2, 2]);
    expect(Array.from(a.data)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    const b = parseIdx(bytes, { limit: 2 });
    expect(b.shape).toEqual([2, 2, 2]);
    expect(b.data.length).toBe(8);
  });

  it('reads big-endian int16, int32, float32, float64 and int8', () => {
    const body = new Uint8Array(8);
    const v = new DataView(body.buffer);
    v.setInt32(0, -123456, false);
    v.setInt32(4, 7, false);
    expect(Array.from(parseIdx(idx(0x0c, [2], body)).data)).toEqual([-123456, 7]);
    v.setFloat32(0, 1.5, false);
    v.setFloat32(4, -2.25, false);
    expect(Array.from(parseIdx(idx(0x0d, [2], body)).data)).toEqual([1.5, -2.25]);
    v.setFloat64(0, Math.PI, false);
    expect(Array.from(parseIdx(idx(0x0e, [1], body)).data)).toEqual([Math.PI]);
    v.setInt16(0, -300, false);
    v.setInt16(2, 300, false);
    expect(Array.from(parseIdx(idx(0x0b, [2], body.subarray(0, 4))).data)).toEqual([-300, 300]);
    expect(Array.from(parseIdx(idx(0x09, [2], Uint8Array.of(255, 1))).data)).toEqual([-1, 1]);
  });

  it('reads .idx and .idx.gz files from disk', async () => {
    const bytes = idx(0x08, [2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6));
    writeFileSync(join(dir, 'a.idx'), bytes);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(bytes));
    const plain = await readIdx(join(dir, 'a.idx'));
    const gz = await readIdx(join(dir, 'a.idx.gz'));
    expect(gz).toEqual(plain);
    expect(plain.shape).toEqual([2, 3]);
  });

  describe('hostile files are named errors', () => {
    const good = idx(0x08, [2, 2], Uint8Array.of(1, 2, 3, 4));
    it('bad magic number', async () => {
      const bad = good.slice();
      bad[0] = 0x50;
      bad[1] = 0x4b; // a zip file, say
      await expect(readIdx(bad)).rejects.toThrow(IdxFormatError);
      await expect(readIdx(bad)).rejects.toThrow(/bad magic number 0x504b/);
    });
    it('unknown dtype', () => {
      const bad = good.slice();
      bad[2] = 0x07;
      expect(() => parseIdx(bad)).toThrow(/unknown IDX dtype code 0x07/);
    });
    it('zero or absurd dimension counts', () => {
      expect(() => parseIdx(idx(0x08, [], new Uint8Array(0)))).toThrow(/declares 0 dimensions/);
      const many = good.slice();
      many[3] = 200;
      expect(() => parseIdx(many)).toThrow(IdxFormatError);
    });
    it('truncated header and truncated data', () => {
      expect(() => parseIdx(Uint8Array.of(0, 0))).toThrow(/truncated/);
      expect(() => parseIdx(good.subarray(0, 9))).toThrow(/header needs 12 bytes/);
      expect(() => parseIdx(good.subarray(0, good.length - 1))).toThrow(/truncated.*shape \[2, 2\]/);
    });
    it('wrong dimensions (data left over, or sizes that would overflow)', () => {
      const wrong = idx(0x08, [2, 1], Uint8Array.of(1, 2, 3, 4));
      expect(() => parseIdx(wrong)).toThrow(/2 bytes after the data/);
      const huge = idx(0x08, [0xffffffff, 0xffffffff, 0xffffffff], Uint8Array.of(1));
      expect(() => parseIdx(huge)).toThrow(IdxFormatError);
    });
    it('corrupt gzip, missing files, bad arguments', async () => {
      await expect(readIdx(Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3))).rejects.toThrow(/does not decompress/);
      await expect(readIdx(join(dir, 'nope.idx'))).rejects.toThrow(DatasetNotFoundError);
      await expect(readIdx(good, { limit: 0 })).rejects.toThrow(ValidationError);
      expect(() => parseIdx(gzipSync(good))).toThrow(/use readIdx/);
    });
    it('errors are layerwise errors', () => {
      const err = new IdxFormatError('x');
      expect(err).toBeInstanceOf(DatasetError);
      expect(err).toBeInstanceOf(LayerwiseError);
      expect(err.name).toBe('IdxFormatError');
    });
  });
});
