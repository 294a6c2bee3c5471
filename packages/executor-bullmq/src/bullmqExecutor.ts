import { randomUUID } from 'node:crypto';
import {
  ExecutorAbortedError,
  type ExecutorJob,
  type ExecutorOutcome,
  type ExecutorPlugin,
  ExecutorUnavailableError,
  ValidationError,
} from '@layerwise/core';
import { type ConnectionOptions, FlowProducer, Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectOrFail, type RedisConnection, redisOptions } from './connection.js';
import { putData } from './dataStore.js';
import { decodePayload, encodePayload } from './payload.js';
import { TaskPriorities } from './priorities.js';

/** The BullMQ job names layerwise uses. */
export const JOB_NAMES = { search: 'layerwise:search', task: 'layerwise:task' } as const;

/** Options of {@link bullmqExecutor}. */
export interface BullmqExecutorOptions {
  /**
   * Where Redis is: `redis://[:password@]host:6379[/db]` (`rediss://` for TLS), or ioredis options passed
   * through as they are — `{ host, port, password, username, db, tls: { ca, … } }`.
   */
  connection: RedisConnection;
  /** The BullMQ queue name; workers started with the same name serve it. */
  queue: string;
  /** BullMQ's key prefix. Default `'bull'`. */
  prefix?: string;
  /** Refuse a search whose encoded data exceed this many bytes (ValidationError). Default 512 MiB. */
  maxDataBytes?: number;
  /**
   * A folder every worker can read at the path it was started with (`--data-dir`; e.g. a network mount):
   * the search's data are written there once as `layerwise-data-<sha256>.bin` instead of into Redis (no
   * `maxDataBytes` limit then; Redis holds only a small key saying so). Files are reused by later searches on
   * the same data and are yours to delete.
   */
  dataDir?: string;
  /** The data are stored in Redis in chunks of this many bytes. Default 8 MiB. */
  chunkBytes?: number;
  /** Seconds the data stay in Redis after the last search that used them. Default 86 400 (a day). */
  dataTtlSeconds?: number;
  /** Give up with ExecutorUnavailableError when Redis does not answer within this many ms. Default 3000. */
  connectTimeoutMs?: number;
  /** A name for `registry.use()` and the `executor` option. Default `'bullmq'`. */
  name?: string;
}

interface TaskReturn {
  /** base64 of the encoded result. */
  r?: string;
  /** A task error (the caller applies errorScore). */
  e?: { name: string; message: string };
  /** How long the task took in the worker (ms), for running the costliest tasks first. */
  ms?: number;
}

/** The job's cost groups, when it has one valid group per task. */
function costGroups(job: ExecutorJob): readonly number[] | undefined {
  const g = job.costGroups;
  return Array.isArray(g) && g.length === job.tasks.length && g.every(Number.isSafeInteger) ? g : undefined;
}

function positive(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ValidationError(`bullmqExecutor: ${name} must be a positive number, got ${String(v)}.`);
  }
  return v;
}

/**
 * The estimator kinds a job's shared part names (`{ module, exportName, package?, payload }`, nested ones
 * included) that carry no `package`: other machines import kinds by package name only, so such a search
 * cannot run there.
 */
export function kindsWithoutPackage(shared: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || seen.has(v)) return;
    seen.add(v);
    const e = v as { module?: unknown; exportName?: unknown; package?: unknown; payload?: unknown };
    if (typeof e.module === 'string' && typeof e.exportName === 'string' && 'payload' in e) {
      if (typeof e.package !== 'string') out.push(e.exportName);
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  walk((shared as { spec?: unknown } | null)?.spec);
  return out;
}

/** The `Name: message` of a failed job, back as name and message. */
function parseFailure(reason: string | undefined): { name: string; message: string } {
  const message = reason ?? 'the task failed';
  return {
    name: message.startsWith('Malformed layerwise job') ? 'TaskPayloadError' : 'LayerwiseError',
    message,
  };
}

/**
 * An executor that runs model selection on a BullMQ queue in Redis, served by `layerwise worker` (or
 * {@link startWorker}) on any number of machines. Per search: the data go to Redis once (content-addressed
 * by SHA-256, chunked), then one flow — a parent job for the search, one child job per fit. Results come
 * back as BullMQ events; a worker killed mid-fit has its task retried elsewhere by BullMQ's stalled-job
 * check, and each task is recorded once.
 *
 * ```ts
 * const executor = bullmqExecutor({ connection: 'redis://10.0.0.5:6379', queue: 'cv' });
 * await new GridSearchCV(clf, grid, { cv: 3, executor }).fit(X, y);
 * ```
 */
export function bullmqExecutor(options: BullmqExecutorOptions): ExecutorPlugin {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('bullmqExecutor: pass { connection, queue }.');
  }
  const { queue } = options;
  if (typeof queue !== 'string' || !/^[\w.-]{1,100}$/.test(queue)) {
    throw new ValidationError(
      `bullmqExecutor: queue must be a name of letters, digits, '.', '_' or '-', got ${JSON.stringify(queue)}.`,
    );
  }
  if (
    typeof options.connection !== 'string' &&
    (typeof options.connection !== 'object' || !options.connection)
  ) {
    throw new ValidationError('bullmqExecutor: connection must be a redis:// URL or ioredis options.');
  }
  const prefix = options.prefix ?? 'bull';
  const maxBytes = positive(options.maxDataBytes, 'maxDataBytes', 512 * 2 ** 20);
  const chunkBytes = Math.floor(positive(options.chunkBytes, 'chunkBytes', 8 * 2 ** 20));
  const ttlSeconds = Math.ceil(positive(options.dataTtlSeconds, 'dataTtlSeconds', 86_400));
  const timeoutMs = positive(options.connectTimeoutMs, 'connectTimeoutMs', 3000);
  const connection = redisOptions(options.connection);
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir === '')) {
    throw new ValidationError('bullmqExecutor: dataDir must be a folder path.');
  }

  async function run(job: ExecutorJob, onOutcome: (o: ExecutorOutcome) => void): Promise<void> {
    const owner = `bullmqExecutor (queue ${queue})`;
    if (job.signal?.aborted)
      throw new ExecutorAbortedError(`${owner}: the search was cancelled before it started.`);
    const local = kindsWithoutPackage(job.shared);
    if (local.length > 0) {
      throw new ValidationError(
        `${owner}: the estimator kind${local.length > 1 ? 's' : ''} ${local.join(', ')} name${local.length > 1 ? '' : 's'} no npm package, and workers on other machines import estimator kinds by package name only: give the kind a \`package\` (the package exporting it under its exportName) and start the workers with --plugin <package>.`,
      );
    }
    const bytes = encodePayload({ handler: job.handler, shared: job.shared, plugins: job.plugins });
    const taskData = job.tasks.map((t) => encodePayload(t).toString('base64'));
    const redis: Redis = await connectOrFail(connection, timeoutMs, owner);
    const closers: (() => Promise<unknown>)[] = [async () => redis.quit().catch(() => redis.disconnect())];
    const bull = { connection: { ...connection, maxRetriesPerRequest: null } as ConnectionOptions, prefix };
    try {
      const hash = await putData(
        redis,
        {
          prefix,
          queue,
          chunkBytes,
          maxBytes,
          ttlSeconds,
          ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        },
        bytes,
      );
      // Listen from the stream's current end, so no event of this search can be missed.
      const last =
        (await redis.xrevrange(`${prefix}:${queue}:events`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      const events = new QueueEvents(queue, { ...bull, lastEventId: last });
      closers.unshift(() => events.close());
      const flows = new FlowProducer(bull);
      closers.unshift(() => flows.close());
      const q = new Queue(queue, bull);
      closers.unshift(() => q.close());
      for (const c of [events, flows, q]) (c as { on(e: string, f: () => void): void }).on('error', () => {});
      // Read from `last` on, whenever it is up: the flow goes out meanwhile.
      const eventsReady = events.waitUntilReady();
      eventsReady.catch(() => {});

      const searchId = `lw-${randomUUID()}`;
      const byJobId = new Map<string, number>();
      for (let i = 0; i < taskData.length; i++) byJobId.set(`${searchId}-${i}`, i);
      let pending = job.tasks.length;
      let settle!: (e?: Error) => void;
      const done = new Promise<void>((resolve, reject) => {
        settle = (e) => (e ? reject(e) : resolve());
      });
      const report = (o: ExecutorOutcome) => {
        try {
          onOutcome(o);
        } catch (e) {
          settle(e as Error);
          return;
        }
        if (--pending === 0) settle();
      };
      const seen = new Set<string>();
      // Longest first: one task of each candidate, then the costliest candidates' other tasks.
      const groups = costGroups(job);
      const priorities = groups ? new TaskPriorities(groups) : undefined;
      const reprioritizing: Promise<unknown>[] = [];
      closers.unshift(() => Promise.allSettled(reprioritizing));
      const ended = (index: number, ms: number | undefined) => {
        for (const [t, priority] of priorities?.ended(index, ms) ?? []) {
          // A task already running (or done) keeps its place: BullMQ then only records the number.
          const waiting = new Job(q, JOB_NAMES.task, {}, {}, `${searchId}-${t}`);
          reprioritizing.push(waiting.changePriority({ priority }).catch(() => {}));
        }
      };
      events.on('completed', ({ jobId, returnvalue }) => {
        const index = byJobId.get(jobId);
        if (index === undefined || seen.has(jobId)) return;
        seen.add(jobId);
        let ret: TaskReturn;
        try {
          ret = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as TaskReturn;
        } catch {
          ret = { e: { name: 'TaskPayloadError', message: 'a worker returned an unreadable result' } };
        }
        ended(index, typeof ret?.ms === 'number' ? ret.ms : undefined);
        if (ret?.r) report({ index, ok: true, value: decodePayload(Buffer.from(ret.r, 'base64')) });
        else report({ index, ok: false, error: ret?.e ?? { name: 'LayerwiseError', message: 'no result' } });
      });
      events.on('failed', ({ jobId, failedReason }) => {
        const index = byJobId.get(jobId);
        if (index === undefined || seen.has(jobId)) return;
        seen.add(jobId);
        ended(index, undefined);
        report({ index, ok: false, error: parseFailure(failedReason) });
      });
      const onAbort = () =>
        settle(
          new ExecutorAbortedError(
            `${owner}: the search was cancelled (its AbortSignal fired); its queued tasks were removed.`,
          ),
        );
      job.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await flows.add({
          name: JOB_NAMES.search,
          queueName: queue,
          data: { v: 1, tasks: taskData.length },
          opts: { jobId: searchId, removeOnComplete: true, removeOnFail: true },
          children: taskData.map((task, index) => ({
            name: JOB_NAMES.task,
            queueName: queue,
            data: { v: 1, handler: job.handler, data: hash, index, task },
            opts: {
              jobId: `${searchId}-${index}`,
              attempts: 1,
              removeOnComplete: true,
              removeOnFail: true,
              ignoreDependencyOnFailure: true,
              ...(priorities ? { priority: priorities.initial(index) } : {}),
            },
          })),
        });
        await eventsReady;
        if (job.tasks.length === 0) settle();
        await done;
      } catch (e) {
        // Cancelled or failed: take the search's queued tasks off the queue (running ones finish unheard).
        await Promise.all(
          [...byJobId.keys()].filter((id) => !seen.has(id)).map((id) => q.remove(id).catch(() => 0)),
        );
        // The parent goes once no child of it is running (a running one is locked): a few seconds at most.
        for (let end = Date.now() + 10_000; Date.now() < end; ) {
          if ((await q.remove(searchId, { removeChildren: true }).catch(() => 0)) === 1) break;
          if ((await q.getJobState(searchId).catch(() => 'unknown')) === 'unknown') break;
          await new Promise((r) => setTimeout(r, 200));
        }
        throw e;
      } finally {
        job.signal?.removeEventListener('abort', onAbort);
      }
    } catch (e) {
      if ((e as { name?: string }).name === 'ValidationError' || e instanceof ExecutorAbortedError) throw e;
      if (e instanceof Error && /ECONNREFUSED|Connection is closed|ETIMEDOUT/.test(e.message)) {
        throw new ExecutorUnavailableError(`${owner}: lost Redis during the search: ${e.message}`, {
          cause: e,
        });
      }
      throw e;
    } finally {
      for (const close of closers) await close().catch(() => {});
    }
  }

  return { kind: 'executor', name: options.name ?? 'bullmq', run };
}
