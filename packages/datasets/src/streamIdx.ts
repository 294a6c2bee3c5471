import { ValidationError } from '@layerwise/core';
import { DatasetNotFoundError, IdxFormatError } from './errors.js';
import { checkSize, DEFAULT_MAX_IDX_BYTES, fileChunks, tooLong } from './idxChunks.js';
import { type IdxHeader, parseIdxHeader } from './readIdx.js';
import type { StreamBatch } from './streamCsv.js';

/** Options of {@link streamIdx}. */
export interface StreamIdxOptions {
  /** Rows (images) per batch; the last batch may be smaller. Default 1000. */
  batchSize?: number;
  /** Stop after the first `limit` rows. */
  limit?: number;
  /**
   * Factor applied to every value of `x`. Default `1 / 255` for uint8 files (pixels in [0, 1], as
   * `loadMnist` gives them), else 1.
   */
  scale?: number;
  /** Largest decompressed size accepted per file, in bytes; default 1 GiB. Never inflated past what the header implies. */
  maxBytes?: number;
  /** Bytes read at a time. Default 64 KiB. */
  chunkBytes?: number;
}

/** Reads rows of an IDX file from its (decompressed) chunks, holding one chunk and one batch at most. */
class IdxRowReader {
  #chunks: AsyncGenerator<Uint8Array>;
  /** Unread chunks (the first from offset #off) and how many unread bytes they hold. */
  #queue: Uint8Array[] = [];
  #off = 0;
  #available = 0;
  #seen = 0;
  header!: IdxHeader;
  rowBytes = 0;

  constructor(
    readonly path: string,
    readonly maxBytes: number,
    chunkBytes: number,
  ) {
    this.#chunks = fileChunks(path, chunkBytes, 'streamIdx(path)');
  }

  async #more(): Promise<boolean> {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await this.#chunks.next();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new DatasetNotFoundError(`IDX file not found: ${this.path}.`, { cause: e });
      throw new IdxFormatError(
        `${this.path}: ${typeof code === 'string' && code.startsWith('Z_') ? 'does not decompress' : 'cannot be read'} (${(e as Error).message}).`,
        { cause: e },
      );
    }
    if (r.done) return false;
    this.#seen += r.value.length;
    if (this.header && this.#seen > this.header.totalBytes) throw tooLong(this.path, this.header.totalBytes);
    this.#queue.push(r.value);
    this.#available += r.value.length;
    return true;
  }

  /** Takes `n` unread bytes (n ≤ available) into one array. */
  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let k = 0;
    while (k < n) {
      const c = this.#queue[0]!;
      const m = Math.min(n - k, c.length - this.#off);
      out.set(c.subarray(this.#off, this.#off + m), k);
      k += m;
      this.#off += m;
      if (this.#off === c.length) {
        this.#queue.shift();
        this.#off = 0;
      }
    }
    this.#available -= n;
    return out;
  }

  async open(): Promise<IdxHeader> {
    for (;;) {
      // Peek at the unread bytes (at most the 68-byte header matters).
      const peek = this.#peek(4 + 4 * 16);
      const h = parseIdxHeader(peek, this.path);
      if (h) {
        checkSize(h, this.path, this.maxBytes);
        this.header = h;
        if (this.#seen > h.totalBytes) throw tooLong(this.path, h.totalBytes);
        this.#take(h.headerSize);
        this.rowBytes = h.shape[0] === 0 ? 0 : (h.count / h.shape[0]!) * h.type.size;
        return h;
      }
      if (!(await this.#more())) parseIdxHeader(peek, this.path, true);
    }
  }

  /** Up to `n` unread bytes, without consuming them. */
  #peek(n: number): Uint8Array {
    const m = Math.min(n, this.#available);
    const out = new Uint8Array(m);
    let k = 0;
    let off = this.#off;
    for (const c of this.#queue) {
      if (k >= m) break;
      const part = c.subarray(off, off + (m - k));
      out.set(part, k);
      k += part.length;
      off = 0;
    }
    return out;
  }

  /** The bytes of the next `rows` rows (fewer at the end of the file). */
  async read(rows: number): Promise<Uint8Array> {
    const want = rows * this.rowBytes;
    while (this.#available < want) {
      if (!(await this.#more())) break;
    }
    const have = Math.min(want, this.#available);
    return this.#take(have - (have % Math.max(this.rowBytes, 1)));
  }

  /** Checks the file ended exactly where its header said. */
  async finish(): Promise<void> {
    while (await this.#more()) {
      /* reads to the end; #more throws past the announced size */
    }
    if (this.#seen < this.header.totalBytes) {
      throw new IdxFormatError(
        `${this.path} is truncated: its header announces shape [${this.header.shape.join(', ')}] of ${this.header.type.dtype} (${this.header.totalBytes} bytes in all) but the file has ${this.#seen} bytes.`,
      );
    }
  }

  async close(): Promise<void> {
    await this.#chunks.return(undefined);
  }
}

/** Big-endian IDX values of `bytes` as float32, times `scale`. */
function toFloat32(bytes: Uint8Array, h: IdxHeader, scale: number): Float32Array {
  const n = bytes.length / h.type.size;
  const out = new Float32Array(n);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (h.type.dtype) {
    case 'uint8':
      for (let i = 0; i < n; i++) out[i] = bytes[i]! * scale;
      break;
    case 'int8':
      for (let i = 0; i < n; i++) out[i] = v.getInt8(i) * scale;
      break;
    case 'int16':
      for (let i = 0; i < n; i++) out[i] = v.getInt16(2 * i, false) * scale;
      break;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = v.getInt32(4 * i, false) * scale;
      break;
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(4 * i, false) * scale;
      break;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(8 * i, false) * scale;
      break;
  }
  return out;
}

/** Integer IDX labels as Int32Array. */
function toLabels(bytes: Uint8Array, h: IdxHeader): Int32Array {
  const n = bytes.length / h.type.size;
  const out = new Int32Array(n);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    out[i] =
      h.type.size === 1
        ? h.type.dtype === 'uint8'
          ? bytes[i]!
          : v.getInt8(i)
        : h.type.size === 2
          ? v.getInt16(2 * i, false)
          : v.getInt32(4 * i, false);
  }
  return out;
}

/**
 * Streams an IDX file (plain or `.gz`, detected by content) in batches of rows — images flattened to
 * `[rows, height·width]` float32 (uint8 pixels scaled to [0, 1]) — with the matching labels of
 * `labelsPath` as `y` (an Int32Array), never holding more than a batch and a read chunk (Node streams +
 * zlib). Returns an async iterable that reads the files afresh each time it is iterated, so
 * `() => streamIdx(images, labels)` — or the iterable itself — serves one pass per epoch.
 *
 * The headers are validated first (the label file must hold one integer label per image), a `.gz` file is
 * never inflated past the size its header implies nor `maxBytes`, and a file that ends early or goes on
 * past its announced size is an IdxFormatError.
 *
 * ```ts
 * const source = () => streamIdx('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', { batchSize: 256 });
 * for await (const { x, y } of source()) { … }   // x.shape = [256, 784], y: Int32Array(256)
 * ```
 */
export function streamIdx(
  imagesPath: string,
  labelsPath?: string | StreamIdxOptions,
  options: StreamIdxOptions = {},
): AsyncIterable<StreamBatch<Int32Array>> {
  if (typeof labelsPath === 'object' && labelsPath !== null) {
    options = labelsPath;
    labelsPath = undefined;
  }
  if (typeof imagesPath !== 'string' || imagesPath.length === 0) {
    throw new ValidationError(
      'streamIdx() takes the path of an IDX file (and optionally of its label file).',
    );
  }
  if (labelsPath !== undefined && (typeof labelsPath !== 'string' || labelsPath.length === 0)) {
    throw new ValidationError('streamIdx(): labelsPath must be a file path or left out.');
  }
  if (options === null || typeof options !== 'object') {
    throw new ValidationError('streamIdx() options must be an object like { batchSize: 1000 }.');
  }
  for (const k of ['batchSize', 'limit', 'maxBytes', 'chunkBytes'] as const) {
    const v = options[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) {
      throw new ValidationError(`streamIdx(): ${k} must be a positive integer, got ${String(v)}.`);
    }
  }
  if (options.scale !== undefined && !Number.isFinite(options.scale)) {
    throw new ValidationError(`streamIdx(): scale must be a finite number, got ${String(options.scale)}.`);
  }
  const batchSize = options.batchSize ?? 1000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const labels = labelsPath;

  async function* batches(): AsyncGenerator<StreamBatch<Int32Array>> {
    const images = new IdxRowReader(imagesPath, maxBytes, chunkBytes);
    const lab = labels === undefined ? undefined : new IdxRowReader(labels, maxBytes, chunkBytes);
    try {
      const h = await images.open();
      const lh = lab ? await lab.open() : undefined;
      if (lh) {
        if (lh.shape.length !== 1 || !['uint8', 'int8', 'int16', 'int32'].includes(lh.type.dtype)) {
          throw new IdxFormatError(
            `${labels} is not an IDX label file: expected integers of shape [n], got ${lh.type.dtype} of shape [${lh.shape.join(', ')}].`,
          );
        }
        if (lh.shape[0] !== h.shape[0]) {
          throw new IdxFormatError(
            `${imagesPath} holds ${h.shape[0]} rows but ${labels} holds ${lh.shape[0]} labels: the files do not belong together.`,
          );
        }
      }
      const total = Math.min(h.shape[0]!, options.limit ?? Number.POSITIVE_INFINITY);
      const features = h.shape[0] === 0 ? 0 : h.count / h.shape[0]!;
      const scale = options.scale ?? (h.type.dtype === 'uint8' ? 1 / 255 : 1);
      let done = 0;
      while (done < total) {
        const rows = Math.min(batchSize, total - done);
        const xb = await images.read(rows);
        const got = images.rowBytes === 0 ? rows : xb.length / images.rowBytes;
        if (got < rows) await images.finish(); // throws: the file is truncated
        const x = { data: toFloat32(xb, h, scale), shape: [rows, features] as [number, number] };
        if (lab && lh) {
          const yb = await lab.read(rows);
          if (yb.length / lab.rowBytes < rows) await lab.finish();
          yield { x, y: toLabels(yb, lh) };
        } else {
          yield { x };
        }
        done += rows;
      }
      if (options.limit === undefined || options.limit >= h.shape[0]!) {
        await images.finish();
        await lab?.finish();
      }
    } finally {
      await images.close();
      await lab?.close();
    }
  }

  return { [Symbol.asyncIterator]: () => batches() };
}
