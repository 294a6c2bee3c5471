import { hasNodeBuiltins, nodeBuiltin, ValidationError } from '@layerwise/core';
import { DatasetNotFoundError, IdxFormatError } from './errors.js';

/** Gunzips with node:zlib in Node.js, with the web's DecompressionStream elsewhere (a browser). */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (hasNodeBuiltins()) {
    const zlib = nodeBuiltin<typeof import('node:zlib')>('node:zlib', 'readIdx');
    return new Promise((resolve, reject) =>
      zlib.gunzip(bytes, (err, out) =>
        err ? reject(err) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)),
      ),
    );
  }
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

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

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new ValidationError(`limit must be a positive integer, got ${String(limit)}.`);
  }
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
  if (bytes.length < 4) {
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
  let bytes: Uint8Array;
  let name = options.name;
  if (typeof source === 'string') {
    name ??= source;
    try {
      const { readFile } = nodeBuiltin<typeof import('node:fs/promises')>(
        'node:fs/promises',
        'readIdx(path)',
        'In a browser, fetch the file and pass its bytes (a Uint8Array).',
      );
      bytes = await readFile(source);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DatasetNotFoundError(`IDX file not found: ${source}.`, { cause: err });
      throw new IdxFormatError(`Cannot read IDX file ${source}: ${(err as Error).message}`, { cause: err });
    }
  } else if (source instanceof Uint8Array) {
    bytes = source;
  } else {
    throw new ValidationError(`readIdx() takes a path or a Uint8Array, got ${typeof source}.`);
  }
  name ??= 'IDX data';
  if (isGzip(bytes)) {
    try {
      bytes = await gunzip(bytes);
    } catch (err) {
      throw new IdxFormatError(
        `${name} looks gzip-compressed but does not decompress: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  return parseIdx(bytes, { ...options, name });
}
