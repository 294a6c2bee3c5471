import { nodeBuiltin, ValidationError } from '@layerwise/core';
import { DatasetNotFoundError, IdxFormatError } from './errors.js';
import { collectIdx, DEFAULT_MAX_IDX_BYTES, fileChunks, gunzipBytes, isGzip } from './idxChunks.js';

/** The element types the IDX format defines (third byte of the magic number). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A typed array of one of the IDX element types. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: an n-dimensional array in row-major order. */
export interface IdxArray {
  dtype: IdxDtype;
  /** Dimensions as stored (the first one possibly cut by `limit`). */
  shape: number[];
  data: IdxData;
}

/** Options of {@link readIdx} and {@link parseIdx}. */
export interface ReadIdxOptions {
  /** Keep only the first `limit` entries along the first dimension (the whole file is still validated). */
  limit?: number;
  /** Name used in error messages (defaults to the path, or `IDX data`). */
  name?: string;
  /**
   * Largest (decompressed) file accepted, in bytes; default 1 GiB. Whatever this says, a `.gz` file is
   * never inflated past the size its header's dimensions imply (a decompression bomb stops there).
   */
  maxBytes?: number;
}

const DTYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  8: { dtype: 'uint8', size: 1 },
  9: { dtype: 'int8', size: 1 },
  11: { dtype: 'int16', size: 2 },
  12: { dtype: 'int32', size: 4 },
  13: { dtype: 'float32', size: 4 },
  14: { dtype: 'float64', size: 8 },
};

/** Largest number of dimensions accepted (the format allows 255; real files use 1–4). */
const MAX_DIMS = 16;

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new ValidationError(`limit must be a positive integer, got ${String(limit)}.`);
  }
}

/** What an IDX header says: element type, shape, header size, element count and total file size. */
export interface IdxHeader {
  type: { dtype: IdxDtype; size: number };
  shape: number[];
  headerSize: number;
  /** Number of elements (product of the dimensions). */
  count: number;
  /** Bytes the whole file must have: header + data. */
  totalBytes: number;
}

/**
 * Parses the IDX header at the start of `bytes`. Returns null when more bytes are needed (unless
 * `complete`, when a short header is a truncation error).
 * @throws IdxFormatError for a bad magic number, dtype or dimension count.
 */
export function parseIdxHeader(bytes: Uint8Array, name: string, complete = false): IdxHeader | null {
  if (bytes.length < 4) {
    if (!complete) return null;
    throw new IdxFormatError(
      `${name} is truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic number.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(
      `${name} is not an IDX file: bad magic number 0x${magic.toString(16).padStart(8, '0')} (an IDX file starts with two zero bytes, e.g. 0x00000803 for uint8 images).`,
    );
  }
  const type = DTYPES[bytes[2]!];
  if (!type) {
    throw new IdxFormatError(
      `${name} has an unknown IDX dtype code 0x${bytes[2]!.toString(16).padStart(2, '0')} in magic number 0x${magic.toString(16).padStart(8, '0')} (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64).`,
    );
  }
  const ndims = bytes[3]!;
  if (ndims === 0 || ndims > MAX_DIMS) {
    throw new IdxFormatError(
      `${name} declares ${ndims} dimensions: an IDX array needs between 1 and ${MAX_DIMS}.`,
    );
  }
  const headerSize = 4 + 4 * ndims;
  if (bytes.length < headerSize) {
    if (!complete) return null;
    throw new IdxFormatError(
      `${name} is truncated: its header needs ${headerSize} bytes for ${ndims} dimensions but the file has ${bytes.length}.`,
    );
  }
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
  }
  return { type, shape, headerSize, count, totalBytes: headerSize + count * type.size };
}

/**
 * Parses uncompressed IDX bytes (the format of MNIST's `*-idx3-ubyte` files). Validates the magic number,
 * dtype, dimensions and that the file holds exactly the bytes its header announces.
 * @throws IdxFormatError for a malformed file.
 */
export function parseIdx(bytes: Uint8Array, options: ReadIdxOptions = {}): IdxArray {
  const name = options.name ?? 'IDX data';
  checkLimit(options.limit);
  if (isGzip(bytes)) {
    throw new IdxFormatError(`${name} is gzip-compressed: use readIdx(), which decompresses .gz files.`);
  }
  const head = parseIdxHeader(bytes, name, true)!;
  const { type, shape, headerSize, count } = head;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expected = headerSize + count * type.size;
  if (bytes.length < expected) {
    throw new IdxFormatError(
      `${name} is truncated: its header announces shape [${shape.join(', ')}] of ${type.dtype} (${expected} bytes in all) but the file has ${bytes.length} bytes.`,
    );
  }
  if (bytes.length > expected) {
    throw new IdxFormatError(
      `${name} has ${bytes.length - expected} bytes after the data its header announces (shape [${shape.join(', ')}] of ${type.dtype}): the dimensions are wrong or the file is corrupt.`,
    );
  }
  const rows = options.limit === undefined ? shape[0]! : Math.min(shape[0]!, options.limit);
  const rowSize = shape[0] === 0 ? 0 : count / shape[0]!;
  const n = rows * rowSize;
  const outShape = [rows, ...shape.slice(1)];
  let data: IdxData;
  switch (type.dtype) {
    case 'uint8':
      data = new Uint8Array(bytes.subarray(headerSize, headerSize + n));
      break;
    case 'int8':
      data = Int8Array.from(new Int8Array(bytes.buffer, bytes.byteOffset + headerSize, n));
      break;
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(headerSize + 2 * i, false);
      data = out;
      break;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(headerSize + 4 * i, false);
      data = out;
      break;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(headerSize + 4 * i, false);
      data = out;
      break;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(headerSize + 8 * i, false);
      data = out;
      break;
    }
  }
  return { dtype: type.dtype, shape: outShape, data };
}

/**
 * Reads an IDX file (`.idx`, `*-ubyte`, or gzip-compressed `.gz`, detected by content) from a path, or parses
 * bytes already in memory.
 * @throws DatasetNotFoundError when the path does not exist; IdxFormatError for a malformed file.
 */
export async function readIdx(source: Uint8Array | string, options: ReadIdxOptions = {}): Promise<IdxArray> {
  checkLimit(options.limit);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new ValidationError(
      `readIdx(): maxBytes must be a positive integer, got ${String(options.maxBytes)}.`,
    );
  }
  let bytes: Uint8Array;
  let name = options.name;
  if (typeof source === 'string') {
    const path = source;
    const label = name ?? path;
    name = label;
    try {
      const fs = nodeBuiltin<typeof import('node:fs/promises')>(
        'node:fs/promises',
        'readIdx(path)',
        'In a browser, fetch the file and pass its bytes (a Uint8Array).',
      );
      const handle = await fs.open(path, 'r');
      let gz: boolean;
      try {
        const { size } = await handle.stat();
        const magic = new Uint8Array(2);
        await handle.read(magic, 0, 2, 0);
        gz = isGzip(magic);
        if (!gz && size > maxBytes) {
          throw new IdxFormatError(
            `${label} has ${size} bytes, more than maxBytes (${maxBytes}). Pass a larger maxBytes if the file is genuine.`,
          );
        }
        bytes = gz ? new Uint8Array(0) : await handle.readFile();
      } finally {
        await handle.close();
      }
      if (gz) bytes = await collectIdx(fileChunks(path, 64 * 1024, 'readIdx(path)'), label, maxBytes);
    } catch (err) {
      if (err instanceof IdxFormatError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DatasetNotFoundError(`IDX file not found: ${path}.`, { cause: err });
      if (typeof code === 'string' && !code.startsWith('Z_')) {
        throw new IdxFormatError(`Cannot read IDX file ${path}: ${(err as Error).message}`, { cause: err });
      }
      throw new IdxFormatError(
        `${label} looks gzip-compressed but does not decompress: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return parseIdx(bytes, { ...options, name: label });
  }
  if (!(source instanceof Uint8Array)) {
    throw new ValidationError(`readIdx() takes a path or a Uint8Array, got ${typeof source}.`);
  }
  name ??= 'IDX data';
  bytes = source;
  if (isGzip(bytes)) {
    try {
      bytes = await collectIdx(gunzipBytes(bytes), name, maxBytes);
    } catch (err) {
      if (err instanceof IdxFormatError) throw err;
      throw new IdxFormatError(
        `${name} looks gzip-compressed but does not decompress: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  } else if (bytes.length > maxBytes) {
    throw new IdxFormatError(`${name} has ${bytes.length} bytes, more than maxBytes (${maxBytes}).`);
  }
  return parseIdx(bytes, { ...options, name });
}
