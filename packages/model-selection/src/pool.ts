/** Node only: a pool of worker threads running fit-and-score tasks. Imported lazily by runTasks. */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as coreErrors from '@layerwise/core';
import type { FoldData, Task, TaskResult } from './fitAndScore.js';
import { reviveError } from './runTasks.js';
import type { EncodedEstimator } from './workerKinds.js';

/** Everything a worker needs once. */
export interface WorkerInit {
  spec: EncodedEstimator;
  backend: string;
  data: FoldData;
  scoring: string | null;
  returnTrainScore: boolean;
  returnEstimator: boolean;
  /** Where fitted estimators are saved for `returnEstimator`. */
  saveRoot: string;
}

/** Messages from a worker. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: TaskResult; savedDir?: string }
  | { type: 'error'; id: number | null; name: string; message: string };

/** The number of workers for `nJobs` (−1 = every core). */
export function workerCount(nJobs: number, tasks: number): number {
  const cores = availableParallelism();
  const n = nJobs < 0 ? Math.max(1, cores + 1 + nJobs) : nJobs;
  return Math.max(1, Math.min(n, tasks));
}

/** Starts one worker: the built worker.js, or worker.ts through tsx when running from sources. */
function startWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return new Worker(new URL('./worker.js', import.meta.url));
  let tsxApi: string;
  try {
    // require.resolve gives the CommonJS entry; the worker imports the ESM one beside it.
    const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
    const esm = cjs.replace(/\.cjs$/, '.mjs');
    tsxApi = pathToFileURL(existsSync(esm) ? esm : cjs).href;
  } catch {
    throw new coreErrors.ValidationError(
      'nJobs from TypeScript sources needs the tsx package (npm i -D tsx), or run the built package.',
    );
  }
  const target = new URL('./worker.ts', import.meta.url).href;
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(target)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), {
    execArgv: ['--conditions=source'],
  });
}

/** Runs `tasks` on a pool of workers; results in task order. */
export async function runInWorkers(job: {
  spec: EncodedEstimator;
  backend: string;
  data: FoldData;
  tasks: readonly Task[];
  scoring: string | null;
  returnTrainScore: boolean;
  returnEstimator: boolean;
  nJobs: number;
}): Promise<(TaskResult & { savedDir?: string })[]> {
  const n = workerCount(job.nJobs, job.tasks.length);
  const results: (TaskResult & { savedDir?: string })[] = new Array(job.tasks.length);
  const init: WorkerInit = {
    spec: job.spec,
    backend: job.backend,
    data: job.data,
    scoring: job.scoring,
    returnTrainScore: job.returnTrainScore,
    returnEstimator: job.returnEstimator,
    saveRoot: join(tmpdir(), `layerwise-cv-${process.pid}-${Date.now()}`),
  };
  const workers: Worker[] = [];
  let next = 0;
  let failed: Error | null = null;
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const w = startWorker();
        workers.push(w);
        await new Promise<void>((resolve, reject) => {
          const send = () => {
            if (failed || next >= job.tasks.length) return resolve();
            const id = next++;
            const t = job.tasks[id]!;
            w.postMessage({ type: 'task', id, task: t });
          };
          w.on('message', (m: WorkerReply) => {
            if (m.type === 'ready') send();
            else if (m.type === 'result') {
              results[m.id] = m.savedDir ? { ...m.result, savedDir: m.savedDir } : m.result;
              send();
            } else {
              failed ??= reviveError(m.name, m.message, coreErrors as unknown as Record<string, unknown>);
              reject(failed);
            }
          });
          w.on('error', (e) => {
            failed ??= e;
            reject(e);
          });
          w.on('exit', (code) => {
            if (code !== 0)
              reject(
                failed ?? new coreErrors.LayerwiseError(`A model-selection worker exited with code ${code}.`),
              );
          });
          w.postMessage({ type: 'init', init });
        });
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
