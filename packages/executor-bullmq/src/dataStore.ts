import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskPayloadError, ValidationError } from '@layerwise/core';
import type { Redis } from 'ioredis';
import { sha256 } from './payload.js';

/** The Redis keys of a search's data: content-addressed by SHA-256. */
export function dataKey(prefix: string, queue: string, hash: string): string {
  return `${prefix}:${queue}:layerwise:data:${hash}`;
}

/** The file of a search's data in a shared data folder (`dataDir`): named by its SHA-256 only. */
export function dataFile(dir: string, hash: string): string {
  return join(dir, `layerwise-data-${hash}.bin`);
}

/**
 * Stores `bytes` once under their SHA-256 (chunks of `chunkBytes`, then a meta key written last, all
 * expiring after `ttlSeconds`); a second search with the same data only refreshes the expiry.
 * ValidationError above `maxBytes`, before anything is written.
 */
export async function putData(
  redis: Redis,
  o: {
    prefix: string;
    queue: string;
    chunkBytes: number;
    maxBytes: number;
    ttlSeconds: number;
    dataDir?: string;
  },
  bytes: Buffer,
): Promise<string> {
  if (o.dataDir !== undefined) return putDataFile(redis, { ...o, dataDir: o.dataDir }, bytes);
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

/**
 * `dataDir` mode: the bytes go to `<dataDir>/layerwise-data-<sha256>.bin` (written to a temporary name, then
 * renamed: never half-written; kept when already there) and Redis holds only a meta key saying so. The
 * folder must be readable by every worker at its own `dataDir`; its files are reused by later searches on
 * the same data and are the caller's to delete.
 */
async function putDataFile(
  redis: Redis,
  o: { prefix: string; queue: string; ttlSeconds: number; dataDir: string },
  bytes: Buffer,
): Promise<string> {
  const hash = sha256(bytes);
  const file = dataFile(o.dataDir, hash);
  const have = await stat(file).then(
    (s) => s.size === bytes.length,
    () => false,
  );
  if (!have) {
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new ValidationError(
        `bullmqExecutor: cannot write the search's data into dataDir ${o.dataDir}: ${(e as Error).message}.`,
        { cause: e },
      );
    }
  }
  await redis.set(
    dataKey(o.prefix, o.queue, hash),
    JSON.stringify({ bytes: bytes.length, file: true }),
    'EX',
    o.ttlSeconds,
  );
  return hash;
}

/**
 * Reads a search's data back and checks its SHA-256; TaskPayloadError when missing, expired or altered.
 * Data the executor put in a shared folder are read from this worker's `dataDir` (the path is built here
 * from the hash, never taken from a payload).
 */
export async function getData(
  redis: Redis,
  prefix: string,
  queue: string,
  hash: string,
  dataDir?: string,
): Promise<Buffer> {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new TaskPayloadError('Malformed job: data is not a SHA-256 hash.');
  const key = dataKey(prefix, queue, hash);
  const meta = await redis.get(key);
  if (meta === null) {
    throw new TaskPayloadError(
      `The search's data ${hash.slice(0, 12)}… are not in Redis (expired or never stored).`,
    );
  }
  let m: { bytes: number; chunks: number; file?: unknown };
  try {
    m = JSON.parse(meta);
  } catch {
    throw new TaskPayloadError('Malformed search data: unreadable meta key.');
  }
  if (m?.file === true) {
    if (dataDir === undefined) {
      throw new TaskPayloadError(
        `The search's data ${hash.slice(0, 12)}… are in a shared folder (the executor's dataDir): start this worker with --data-dir <that folder>.`,
      );
    }
    const bytes = await readFile(dataFile(dataDir, hash)).catch(() => null);
    if (bytes === null) {
      throw new TaskPayloadError(
        `The search's data ${hash.slice(0, 12)}… are not in this worker's data folder ${dataDir}.`,
      );
    }
    if (bytes.length !== m.bytes || sha256(bytes) !== hash) {
      throw new TaskPayloadError(`The search's data ${hash.slice(0, 12)}… do not match their SHA-256.`);
    }
    return bytes;
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
