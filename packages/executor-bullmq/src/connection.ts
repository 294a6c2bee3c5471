import { ExecutorUnavailableError } from '@layerwise/core';
import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: a `redis://` / `rediss://` URL, or ioredis options (host, port, password, tls, db…). */
export type RedisConnection = string | RedisOptions;

/** ioredis options for `connection`, with BullMQ's required `maxRetriesPerRequest: null` for blocking clients. */
export function redisOptions(connection: RedisConnection, extra: RedisOptions = {}): RedisOptions {
  const base: RedisOptions =
    typeof connection === 'string' ? parseRedisUrl(connection) : { ...(connection as RedisOptions) };
  return { ...base, ...extra };
}

function parseRedisUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ExecutorUnavailableError(
      `Not a Redis URL: ${JSON.stringify(url)} (expected redis://host:6379).`,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ExecutorUnavailableError(
      `Not a Redis URL: ${JSON.stringify(url)} (expected redis:// or rediss://).`,
    );
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Where the options point, for messages (never the password). */
export function describe(o: RedisOptions): string {
  return o.path ? String(o.path) : `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
}

/**
 * A connected client, or ExecutorUnavailableError within `timeoutMs` when Redis cannot be reached (refused,
 * no route, wrong password). No retries are left running behind.
 */
export async function connectOrFail(options: RedisOptions, timeoutMs: number, what: string): Promise<Redis> {
  const client = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // reported below
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new ExecutorUnavailableError(`no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return client;
  } catch (e) {
    client.disconnect();
    throw new ExecutorUnavailableError(
      `${what}: Redis at ${describe(options)} is unreachable (${(e as Error).message}). Start redis-server there, or check the connection options (host, port, password, tls).`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
  }
}
