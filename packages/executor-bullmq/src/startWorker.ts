import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { LayerwiseError, startWithWorkerFlags, TaskPayloadError, ValidationError } from '@layerwise/core';
import { FIT_AND_SCORE } from '@layerwise/model-selection';
import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import { JOB_NAMES } from './bullmqExecutor.js';
import { connectOrFail, type RedisConnection, redisOptions } from './connection.js';
import { getData } from './dataStore.js';
import { encodePayload } from './payload.js';
import type { ThreadReply, ThreadRequest } from './taskThread.js';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** Where Redis is: a `redis://` URL or ioredis options (password, tls… passed through). */
  connection: RedisConnection;
  /** The queue to serve (the executor's `queue`). */
  queue: string;
  /** Fits at once in this process, each on its own thread. Default 1. */
  concurrency?: number;
  /**
   * Packages this worker may import besides the built-ins (`@layerwise/backend-cpu`, `-wasm`, `-node` and
   * the estimator kinds of `@layerwise/nn`, `-autoencoder`, `-pipeline`, `-preprocessing` and
   * `-model-selection`): plugin packages (backends) and packages exporting estimator kinds. A job naming any other module is rejected with TaskPayloadError.
   */
  plugins?: readonly string[];
  /** BullMQ's key prefix. Default `'bull'`. */
  prefix?: string;
  /** The shared folder searches put their data in (the executor's `dataDir`), as seen from this machine. */
  dataDir?: string;
  /** Backend threads per fit. Default: cores ÷ concurrency, at least 1. */
  threads?: number;
  /** BullMQ lock duration (ms): a worker silent this long is presumed dead. Default 30 000. */
  lockDuration?: number;
  /** How often (ms) this worker looks for stalled jobs of dead workers. Default 30 000. */
  stalledInterval?: number;
  /** ExecutorUnavailableError when Redis does not answer within this many ms. Default 3000. */
  connectTimeoutMs?: number;
  /** Called on each job: for logs. */
  onEvent?: (event: WorkerEvent) => void;
}

/** What a worker reports through `onEvent`. */
export type WorkerEvent =
  | { type: 'start'; jobId: string; index: number }
  | { type: 'done'; jobId: string; index: number; ok: boolean }
  | { type: 'rejected'; jobId: string; error: string };

/** A running worker. */
export interface LayerwiseWorker {
  /** The BullMQ worker. */
  readonly worker: Worker;
  /** Stops taking jobs, waits for running ones, ends the threads and connections. */
  close(): Promise<void>;
}

/** The built `taskThread.js` (from `dist` when running from sources). */
function threadUrl(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./taskThread.js', here);
  const path = fileURLToPath(new URL('../dist/taskThread.js', here));
  if (!existsSync(path)) {
    throw new LayerwiseError('startWorker from sources needs the built package: run pnpm build first.');
  }
  return pathToFileURL(path);
}

type ThreadRequestBody =
  | Omit<Extract<ThreadRequest, { type: 'load' }>, 'id'>
  | Omit<Extract<ThreadRequest, { type: 'task' }>, 'id'>;

class TaskThread {
  readonly thread: Thread;
  readonly loaded = new Set<string>();
  dead: Error | null = null;
  #next = 0;
  readonly #calls = new Map<number, { resolve: (r: ThreadReply) => void; reject: (e: Error) => void }>();
  constructor(plugins: readonly string[], threads: number) {
    this.thread = startWithWorkerFlags(
      (execArgv) => new Thread(threadUrl(), { workerData: { plugins: [...plugins], threads }, execArgv }),
    );
    this.thread.on('message', (r: ThreadReply) => {
      this.#calls.get(r.id)?.resolve(r);
      this.#calls.delete(r.id);
    });
    const die = (e: Error) => {
      this.dead = e;
      for (const c of this.#calls.values()) c.reject(e);
      this.#calls.clear();
    };
    this.thread.on('error', die);
    this.thread.on('exit', (code) =>
      die(new LayerwiseError(`A layerwise task thread exited (code ${code}).`)),
    );
  }
  call(m: ThreadRequestBody, transfer: ArrayBuffer[] = []): Promise<ThreadReply> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(this.dead);
      this.#calls.set(id, { resolve, reject });
      this.thread.postMessage({ ...m, id }, transfer);
    });
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Serves a queue of {@link bullmqExecutor}: run it on each machine (`layerwise worker --redis … --queue …`
 * does). Jobs are checked before anything runs: a malformed or hostile payload fails that job with
 * TaskPayloadError (never evaluated as code) and the worker keeps serving.
 *
 * ```ts
 * const w = await startWorker({ connection: 'redis://10.0.0.5:6379', queue: 'cv', concurrency: 1 });
 * process.on('SIGTERM', () => w.close());
 * ```
 */
export async function startWorker(options: StartWorkerOptions): Promise<LayerwiseWorker> {
  if (!isObj(options)) throw new ValidationError('startWorker: pass { connection, queue }.');
  const { queue } = options;
  if (typeof queue !== 'string' || !/^[\w.-]{1,100}$/.test(queue)) {
    throw new ValidationError(
      `startWorker: queue must be a name of letters, digits, '.', '_' or '-', got ${JSON.stringify(queue)}.`,
    );
  }
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ValidationError(`startWorker: concurrency must be an integer ≥ 1, got ${String(concurrency)}.`);
  }
  const plugins = options.plugins ?? [];
  if (
    !Array.isArray(plugins) ||
    plugins.some((p) => typeof p !== 'string' || !/^(@[\w.-]+\/)?[\w.-]+$/.test(p))
  ) {
    throw new ValidationError('startWorker: plugins must be npm package names.');
  }
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir === '')) {
    throw new ValidationError('startWorker: dataDir must be a folder path.');
  }
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / concurrency));
  const prefix = options.prefix ?? 'bull';
  const connection = redisOptions(options.connection);
  const redis = await connectOrFail(
    connection,
    options.connectTimeoutMs ?? 3000,
    `layerwise worker (queue ${queue})`,
  );
  const free: TaskThread[] = Array.from({ length: concurrency }, () => new TaskThread(plugins, threads));
  const all = [...free];
  const emit = options.onEvent ?? (() => {});

  const processor = async (job: Job): Promise<unknown> => {
    if (job.name === JOB_NAMES.search) return null; // the parent: its children carry the work
    const d = job.data as Record<string, unknown>;
    const reject = (what: string): never => {
      emit({ type: 'rejected', jobId: String(job.id), error: what });
      throw new TaskPayloadError(`Malformed layerwise job ${job.id}: ${what}.`);
    };
    if (job.name !== JOB_NAMES.task) reject(`unknown job name ${JSON.stringify(job.name)}`);
    if (!isObj(d) || d.v !== 1) reject('unknown payload version');
    if (d.handler !== FIT_AND_SCORE) reject(`unknown handler ${JSON.stringify(d.handler)}`);
    if (typeof d.data !== 'string' || !/^[0-9a-f]{64}$/.test(d.data)) reject('data is not a SHA-256 hash');
    if (typeof d.task !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(d.task)) reject('task is not base64');
    if (!Number.isInteger(d.index)) reject('index is not an integer');
    const hash = d.data as string;
    const index = d.index as number;
    let thread = free.pop();
    if (!thread) throw new LayerwiseError('layerwise worker: more jobs than threads (concurrency).');
    if (thread.dead) {
      // A thread that died (out of memory…) is replaced; the job runs on the new one.
      emit({ type: 'rejected', jobId: String(job.id), error: `thread replaced: ${thread.dead.message}` });
      const fresh = new TaskThread(plugins, threads);
      all.splice(all.indexOf(thread), 1, fresh);
      thread = fresh;
    }
    try {
      emit({ type: 'start', jobId: String(job.id), index });
      if (!thread.loaded.has(hash)) {
        let bytes: Buffer;
        try {
          bytes = await getData(redis, prefix, queue, hash, options.dataDir);
        } catch (e) {
          return reject((e as Error).message);
        }
        const copy = new Uint8Array(bytes);
        const r = await thread.call({ type: 'load', hash, bytes: copy }, [copy.buffer]);
        if (r.type !== 'ok') reject(`${r.name}: ${r.message}`);
        thread.loaded.add(hash);
        if (thread.loaded.size > 2) thread.loaded.delete(thread.loaded.values().next().value!);
      }
      const task = new Uint8Array(Buffer.from(d.task as string, 'base64'));
      const began = performance.now();
      const r = await thread.call({ type: 'task', hash, task }, [task.buffer]);
      const ms = Math.round(performance.now() - began);
      if (r.type === 'payloadError') reject(`${r.name}: ${r.message}`);
      emit({ type: 'done', jobId: String(job.id), index, ok: r.type === 'ok' });
      if (r.type === 'ok') return { r: encodePayload(r.value).toString('base64'), ms };
      const err = r as { name: string; message: string };
      return { e: { name: err.name, message: err.message }, ms };
    } finally {
      free.push(thread!);
    }
  };

  const worker = new Worker(queue, processor, {
    connection: { ...connection, maxRetriesPerRequest: null } as ConnectionOptions,
    prefix,
    concurrency,
    ...(options.lockDuration ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval ? { stalledInterval: options.stalledInterval } : {}),
  });
  worker.on('error', () => {}); // connection errors: ioredis reconnects
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await worker.close();
      await Promise.all(all.map((t) => t.thread.terminate()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
