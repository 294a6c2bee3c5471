import { hasNodeBuiltins, nodeBuiltin } from '@layerwise/core';
import { IdxFormatError } from './errors.js';
import { type IdxHeader, parseIdxHeader } from './readIdx.js';

/** Default cap on an IDX file's (decompressed) size: 1 GiB. */
export const DEFAULT_MAX_IDX_BYTES = 1024 * 1024 * 1024;

/** True for the gzip magic bytes. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompressed chunks of gzip `bytes`: node:zlib in Node.js, the web's DecompressionStream elsewhere. */
export async function* gunzipBytes(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (hasNodeBuiltins()) {
    const zlib = nodeBuiltin<typeof import('node:zlib')>('node:zlib', 'readIdx');
    const gz = zlib.createGunzip();
    gz.end(bytes);
    try {
      for await (const c of gz as AsyncIterable<Buffer>) yield c;
    } finally {
      gz.destroy();
    }
    return;
  }
  const reader = new Blob([bytes as BlobPart])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'))
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Chunks of a file, gunzipped when it is gzip-compressed (detected by content). Node.js only. */
export async function* fileChunks(
  path: string,
  chunkBytes: number,
  what: string,
): AsyncGenerator<Uint8Array> {
  const fs = nodeBuiltin<typeof import('node:fs')>(
    'node:fs',
    what,
    'In a browser, fetch the file and pass its bytes.',
  );
  const fd = await new Promise<number>((res, rej) => fs.open(path, 'r', (e, f) => (e ? rej(e) : res(f))));
  const magic = Buffer.alloc(2);
  let got: number;
  try {
    got = await new Promise<number>((res, rej) =>
      fs.read(fd, magic, 0, 2, 0, (e, n) => (e ? rej(e) : res(n))),
    );
  } catch (e) {
    fs.close(fd, () => {});
    throw e;
  }
  const src = fs.createReadStream(path, { fd, start: 0, highWaterMark: chunkBytes });
  let stream: AsyncIterable<Buffer> & { destroy(): void } = src;
  if (isGzip(magic.subarray(0, got))) {
    const zlib = nodeBuiltin<typeof import('node:zlib')>('node:zlib', what);
    const gz = zlib.createGunzip({ chunkSize: chunkBytes });
    src.on('error', (e) => gz.destroy(e));
    src.pipe(gz);
    stream = gz;
  }
  try {
    for await (const c of stream) yield c;
  } finally {
    stream.destroy();
    src.destroy();
  }
}

/**
 * Reads an IDX array's bytes from decompressed chunks, allocating only what the header announces and
 * stopping as soon as the data would exceed it or `maxBytes` (a decompression bomb is cut off at the
 * first chunk past the size its header implies). Returns the bytes read (the caller validates the rest).
 */
export async function collectIdx(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  maxBytes: number,
): Promise<Uint8Array> {
  let head = new Uint8Array(0);
  let out: Uint8Array | null = null;
  let filled = 0;
  for await (const c of chunks) {
    let part = c;
    if (!out) {
      const joined = new Uint8Array(head.length + c.length);
      joined.set(head);
      joined.set(c, head.length);
      head = joined;
      const h = parseIdxHeader(head, name);
      if (!h) continue;
      checkSize(h, name, maxBytes);
      out = new Uint8Array(h.totalBytes);
      part = head;
    }
    if (filled + part.length > out.length) throw tooLong(name, out.length);
    out.set(part, filled);
    filled += part.length;
  }
  return out ? out.subarray(0, filled) : head;
}

/** Throws when the header announces more than `maxBytes`. */
export function checkSize(h: IdxHeader, name: string, maxBytes: number): void {
  if (h.totalBytes > maxBytes) {
    throw new IdxFormatError(
      `${name} announces shape [${h.shape.join(', ')}] of ${h.type.dtype}: ${h.totalBytes} bytes, more than maxBytes (${maxBytes}). Pass a larger maxBytes if the file is genuine.`,
    );
  }
}

/** The error for data past what the header announces. */
export function tooLong(name: string, announced: number): IdxFormatError {
  return new IdxFormatError(
    `${name} holds more than the ${announced} bytes its header announces (corrupt, or a decompression bomb): reading stopped there.`,
  );
}
