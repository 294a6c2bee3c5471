// Bombs and limits in the data readers: a gzip bomb, a header announcing gigabytes, a 100 MB CSV line, and
// the CSV shapes that must parse (BOM, CRLF, quoted line breaks) or fail with the line (invalid UTF-8).
// Each is a named error or a correct parse — never a hang or an out-of-memory crash.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CsvFormatError, IdxFormatError, loadCsv, readIdx, streamCsv, streamIdx } from '@layerwise/datasets';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'lw-bombs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX file: magic with dtype code and ndims, big-endian dims, then `body`. */
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

async function drain(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

describe('reliability: bombs and limits', () => {
  it('a gzip bomb (92 KB → 90 MB) is cut off at the size its header implies: IdxFormatError, memory flat', async () => {
    const bomb = gzipSync(idx(0x08, [10, 28, 28], new Uint8Array(90 * 1024 * 1024)));
    const path = join(dir, 'bomb-images.gz');
    writeFileSync(path, bomb);
    const rss = process.memoryUsage().rss;
    await expect(readIdx(path)).rejects.toThrowError(/holds more than the 7856 bytes its header announces/);
    await expect(readIdx(new Uint8Array(bomb))).rejects.toBeInstanceOf(IdxFormatError);
    await expect(drain(streamIdx(path, { batchSize: 4 }))).rejects.toBeInstanceOf(IdxFormatError);
    // Nothing near the 90 MB the file inflates to was ever held.
    expect(process.memoryUsage().rss - rss).toBeLessThan(40 * 1024 * 1024);
  });

  it('a header announcing 16 GB is refused before anything is allocated (and maxBytes lowers the cap)', async () => {
    const path = join(dir, 'huge.gz');
    writeFileSync(path, gzipSync(idx(0x0d, [1 << 16, 1 << 16], new Uint8Array(16))));
    await expect(readIdx(path)).rejects.toThrowError(/more than maxBytes \(1073741824\)/);
    await expect(drain(streamIdx(path))).rejects.toThrowError(/more than maxBytes/);
    const plain = join(dir, 'plain.idx');
    writeFileSync(plain, idx(0x08, [100, 100], new Uint8Array(10_000)));
    await expect(readIdx(plain, { maxBytes: 5000 })).rejects.toThrowError(/more than maxBytes \(5000\)/);
  });

  it('a CSV with a 100 MB line is a CsvFormatError naming line 3, for loadCsv and streamCsv', async () => {
    const path = join(dir, 'long.csv');
    const fd = openSync(path, 'w');
    writeSync(fd, 'a,b\n1,2\n');
    const block = Buffer.alloc(1 << 20, '9');
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    writeSync(fd, ',3\n4,5\n');
    closeSync(fd);
    await expect(drain(streamCsv(path))).rejects.toThrowError(
      /long\.csv, line 3: the record is longer than maxLineBytes/,
    );
    const e = await loadCsv(path).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CsvFormatError);
    expect((e as Error).message).toMatch(/long\.csv, line 3: the record is longer than maxLineBytes/);
  });

  it('BOM, CRLF and quoted line breaks parse correctly; invalid UTF-8 is a CsvFormatError with the line', async () => {
    const path = join(dir, 'shapes.csv');
    writeFileSync(path, '\ufeffx,y,label\r\n1,2,"two\r\nlines"\r\n3,4,plain\r\n');
    const t = await loadCsv(path, { labelColumn: 'label' });
    expect(t.columns).toEqual(['x', 'y']);
    expect(Array.from(t.X.data)).toEqual([1, 2, 3, 4]);
    expect(t.y).toEqual(['two\r\nlines', 'plain']);
    const batches = [];
    for await (const b of streamCsv(path, { labelColumn: 'label', chunkBytes: 3 })) batches.push(b);
    expect(batches).toHaveLength(1);
    expect(Array.from(batches[0]!.x.data)).toEqual([1, 2, 3, 4]);
    expect(batches[0]!.y).toEqual(['two\r\nlines', 'plain']);
    const bad = join(dir, 'latin1.csv');
    writeFileSync(
      bad,
      Buffer.concat([Buffer.from('x,name\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    await expect(loadCsv(bad)).rejects.toThrowError(/latin1\.csv, line 3: invalid UTF-8 \(byte 0xe9\)/);
    await expect(drain(streamCsv(bad))).rejects.toThrowError(/latin1\.csv, line 3: invalid UTF-8/);
  });
});
