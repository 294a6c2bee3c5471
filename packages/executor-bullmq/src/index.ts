/**
 * `@layerwise/executor-bullmq` — model selection across machines: `bullmqExecutor()` sends a search's fits
 * to a BullMQ queue in Redis and `startWorker()` (or `layerwise worker`) serves it on each machine.
 * @packageDocumentation
 */

export { type BullmqExecutorOptions, bullmqExecutor, JOB_NAMES } from './bullmqExecutor.js';
export type { RedisConnection } from './connection.js';
export { decodePayload, encodePayload } from './payload.js';
export {
  type LayerwiseWorker,
  type StartWorkerOptions,
  startWorker,
  type WorkerEvent,
} from './startWorker.js';
