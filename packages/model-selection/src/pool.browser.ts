// Browser variant of "#pool" (package.json "imports"): there are no worker threads to start. runTasks
// never gets here in a browser (it runs the tasks in this thread after one warning); this file exists so
// that bundlers leave Node's worker_threads, os, path and url out of browser bundles.
import { ValidationError } from '@layerwise/core';
import type { runInWorkers as NodeRunInWorkers } from './pool.js';

export type { PoolOutcome, WorkerJob, WorkerReply, WorkerRequest, WorkerSetup } from './pool.js';

/** Always throws: nJobs > 1 needs Node.js worker threads. @internal */
export const runInWorkers: typeof NodeRunInWorkers = async () => {
  throw new ValidationError(
    'nJobs > 1 runs tasks on worker threads, which need Node.js: use nJobs: 1 in a browser.',
  );
};

/** One worker at most in a browser. @internal */
export function workerCount(): number {
  return 1;
}

/** One thread in a browser. @internal */
export function threadBudget(): number {
  return 1;
}

/** No workers in a browser: nothing to end. @internal */
export async function disposePool(): Promise<void> {}

/** No workers in a browser. @internal */
export function setIdleTimeout(): void {}

/** No workers in a browser. @internal */
export function poolStats() {
  return {
    started: 0,
    reused: 0,
    tasksInWorkers: 0,
    tasksInCaller: 0,
    skipped: 0,
    dropped: 0,
    idle: 0,
    idleReady: 0,
  };
}

/** As in Node. @internal */
export const DEFAULT_IDLE_TIMEOUT = 300;

/** No workers in a browser: no timeline. @internal */
export function lastSearchTimeline(): null {
  return null;
}

/** No workers in a browser. @internal */
export function setDropColdWorkers(): void {}
