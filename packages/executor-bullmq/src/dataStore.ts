import { TaskPayloadError, ValidationError } from '@layerwise/core';
import type { Redis } from 'ioredis';
import { sha256 } from './payload.js';

/** The Redis keys of a search's data: content-addressed by SHA-256. */
export function dataKey(prefix: string, queue: string, hash: string): string {
  return `${prefix}:${queue}:layerwise:data:${hash}`;
}

/**
 * Stores `bytes` once under their SHA-256 (chunks of `chunkBytes`, then a meta key written last, all
 * expiring after `ttlSeconds`); a second search with the same data only refreshes the expiry.
 * ValidationError above `maxBytes`, before anything is written.
 */
export async function putData(
  redis: Redis,
  o: { prefix: string; queue: string; chunkBytes: number; maxBytes: number; ttlSeconds: number },
  bytes: Buffer,
): Promise<string> {
  if (bytes.length > o.maxBytes) {
    throw new ValidationError(
      `The search's data take ${bytes.length} bytes once encoded, over the executor's maxDataBytes ${o.maxBytes}: raise maxDataBytes (and Redis' maxmemory), or search on a sample.`,
    );
  }
  const hash = sha256(bytes);
  const key = dataKey(o.prefix, o.queue, hash);
  const chunks = Math.max(1, Math.ceil(bytes.length / o.chunkBytes));
  const meta = await redis.get(key);
  if (meta !== null) {
    const m = redis.multi().expire(key, o.ttlSeconds);
    for (let i = 0; i < chunks; i++) m.expire(`${key}:${i}`, o.ttlSeconds);
    await m.exec();
    return hash;
  }
  for (let i = 0; i < chunks; i++) {
    await redis.set(
      `${key}:${i}`,
      bytes.subarray(i * o.chunkBytes, (i + 1) * o.chunkBytes),
      'EX',
      o.ttlSeconds,
    );
  }
  await redis.set(key, JSON.stringify({ bytes: bytes.length, chunks }), 'EX', o.ttlSeconds);
  return hash;
}

/** Reads a search's data back and checks its SHA-256; TaskPayloadError when missing, expired or altered. */
export async function getData(redis: Redis, prefix: string, queue: string, hash: string): Promise<Buffer> {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new TaskPayloadError('Malformed job: data is not a SHA-256 hash.');
  const key = dataKey(prefix, queue, hash);
  const meta = await redis.get(key);
  if (meta === null) {
    throw new TaskPayloadError(
      `The search's data ${hash.slice(0, 12)}… are not in Redis (expired or never stored).`,
    );
  }
  let m: { bytes: number; chunks: number };
  try {
    m = JSON.parse(meta);
  } catch {
    throw new TaskPayloadError('Malformed search data: unreadable meta key.');
  }
  if (
    !Number.isSafeInteger(m.chunks) ||
    m.chunks < 1 ||
    m.chunks > 1_000_000 ||
    !Number.isSafeInteger(m.bytes)
  ) {
    throw new TaskPayloadError('Malformed search data: bad chunk count.');
  }
  const parts: Buffer[] = [];
  for (let i = 0; i < m.chunks; i++) {
    const part = await redis.getBuffer(`${key}:${i}`);
    if (part === null) throw new TaskPayloadError(`The search's data ${hash.slice(0, 12)}… lost chunk ${i}.`);
    parts.push(part);
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length !== m.bytes || sha256(bytes) !== hash) {
    throw new TaskPayloadError(`The search's data ${hash.slice(0, 12)}… do not match their SHA-256.`);
  }
  return bytes;
}
