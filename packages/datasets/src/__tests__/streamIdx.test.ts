import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ValidationError } from '@layerwise/core';
import { afterAll, describe, expect, it } from 'vitest';
import { IdxFormatError, loadMnist, mnistDataDir, readIdx, streamIdx } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-stream-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX header (magic with dtype code and ndims, big-endian dims) followed by `body`. */
function idx(code: number, dims: number[], body: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head[2] = code;
  head[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('streamIdx', () => {
  it('streams the MNIST test set (plain and .gz) exactly as loadMnist loads it, afresh on every iteration', async () => {
    const mnist = await loadMnist({ subset: 'test' });
    const images = join(mnistDataDir(), 't10k-images-idx3-ubyte');
    const labels = join(mnistDataDir(), 't10k-labels-idx1-ubyte');
    const gzImages = join(dir, 'images.gz');
    const gzLabels = join(dir, 'labels.gz');
    writeFileSync(gzImages, gzipSync(readFileSync(images)));
    writeFileSync(gzLabels, gzipSync(readFileSync(labels)));
    for (const [im, lb] of [
      [images, labels],
      [gzImages, gzLabels],
    ] as const) {
      const source = streamIdx(im, lb, { batchSize: 3000, chunkBytes: 10_000 });
      for (let pass = 0; pass < 2; pass++) {
        const batches = await all(source);
        expect(batches.map((b) => b.x.shape)).toEqual([
          [3000, 784],
          [3000, 784],
          [3000, 784],
          [1000, 784],
        ]);
        const x = new Float32Array(10_000 * 784);
        const y = new Int32Array(10_000);
        batches.forEach((b, i) => {
          x.set(b.x.data, i * 3000 * 784);
          y.set(b.y!, i * 3000);
        });
        // Byte-wise comparison (a deep toEqual over 7.8 M floats is slow).
        expect(Buffer.compare(Buffer.from(x.buffer), Buffer.from(mnist.X.data.buffer))).toBe(0);
        expect(Array.from(y)).toEqual(Array.from(mnist.y));
      }
    }
    // Without labels, with a limit.
    const first = await all(streamIdx(gzImages, { batchSize: 64, limit: 100 }));
    expect(first.map((b) => b.x.shape[0])).toEqual([64, 36]);
    expect(first[0]!.y).toBeUndefined();
    expect(Array.from(first[1]!.x.data)).toEqual(Array.from(mnist.X.data.subarray(64 * 784, 100 * 784)));
  });

  it('a gzip bomb stops at the size its header implies (readIdx and streamIdx), and maxBytes caps what a header may announce', async () => {
    // 4 announced bytes ([2, 2] uint8) that inflate to 64 MB.
    const bomb = gzipSync(idx(0x08, [2, 2], new Uint8Array(64 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(100_000);
    const path = join(dir, 'bomb.gz');
    writeFileSync(path, bomb);
    await expect(readIdx(path)).rejects.toThrowError(/holds more than the 16 bytes its header announces/);
    await expect(readIdx(new Uint8Array(bomb))).rejects.toThrowError(IdxFormatError);
    await expect(all(streamIdx(path))).rejects.toThrowError(
      /holds more than the 16 bytes its header announces/,
    );
    // A header announcing 4 GB: refused before anything is allocated.
    const huge = join(dir, 'huge.gz');
    writeFileSync(huge, gzipSync(idx(0x08, [65536, 65536], new Uint8Array(10))));
    await expect(readIdx(huge)).rejects.toThrowError(
      /announces shape \[65536, 65536\] of uint8: 4294967308 bytes, more than maxBytes \(1073741824\)/,
    );
    await expect(all(streamIdx(huge))).rejects.toThrowError(/more than maxBytes/);
    const small = join(dir, 'small.idx');
    writeFileSync(small, idx(0x08, [10, 10], new Uint8Array(100)));
    await expect(readIdx(small, { maxBytes: 50 })).rejects.toThrowError(
      /has 112 bytes, more than maxBytes \(50\)/,
    );
    await expect(all(streamIdx(small, { maxBytes: 50 }))).rejects.toThrowError(/more than maxBytes \(50\)/);
    expect((await readIdx(small, { maxBytes: 112 })).shape).toEqual([10, 10]);
  });

  it('truncated, overlong and mismatched files are IdxFormatErrors; options are checked at the call', async () => {
    const images = join(dir, 'im.idx');
    writeFileSync(
      images,
      idx(
        0x08,
        [5, 2],
        Uint8Array.from({ length: 10 }, (_, i) => i * 25),
      ),
    );
    const labels = join(dir, 'lb.idx');
    writeFileSync(labels, idx(0x08, [4], Uint8Array.from([1, 2, 3, 4])));
    await expect(all(streamIdx(images, labels))).rejects.toThrowError(/holds 5 rows but .* holds 4 labels/);
    const truncated = join(dir, 'trunc.idx');
    writeFileSync(truncated, idx(0x08, [5, 2], new Uint8Array(7)));
    await expect(all(streamIdx(truncated, { batchSize: 2 }))).rejects.toThrowError(
      /is truncated: .* 19 bytes/,
    );
    const long = join(dir, 'long.idx');
    writeFileSync(long, idx(0x08, [5, 2], new Uint8Array(11)));
    await expect(all(streamIdx(long))).rejects.toThrowError(/holds more than the 22 bytes/);
    const floatLabels = join(dir, 'fl.idx');
    writeFileSync(floatLabels, idx(0x0d, [5], new Uint8Array(20)));
    await expect(all(streamIdx(images, floatLabels))).rejects.toThrowError(/is not an IDX label file/);
    const [b] = await all(streamIdx(images, { scale: 1 }));
    expect(Array.from(b!.x.data)).toEqual([0, 25, 50, 75, 100, 125, 150, 175, 200, 225]);
    expect(() => streamIdx(images, { batchSize: 1.5 })).toThrowError(ValidationError);
    expect(() => streamIdx('')).toThrowError(ValidationError);
    await expect(all(streamIdx(join(dir, 'none.idx')))).rejects.toThrowError(/IDX file not found/);
  });
});
