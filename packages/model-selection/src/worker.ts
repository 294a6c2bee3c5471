/**
 * The worker-thread side of nJobs: rebuilds the caller's backend from its plugin descriptor (with this
 * worker's thread budget) once, then, per search, the estimator through its worker kind, and fits and scores
 * that search's tasks. The worker is kept across searches (pool.ts). Messages are handled one after the
 * other, in order, so the caller sends a search and its first tasks without waiting. Imports no backend
 * package itself.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { LayerwiseError, type PluginDescriptor, type Registry } from '@layerwise/core';
import type { WorkerJob, WorkerReply, WorkerRequest } from './pool.js';
import { createFitAndScoreRunner, type ModuleResolver, rebuildRegistry } from './taskRunner.js';
import { clock, threadSchedule } from './threadClock.js';
import type { EncodedEstimator } from './workerKinds.js';

const port = parentPort!;
type Runner = Awaited<ReturnType<typeof createFitAndScoreRunner>>;
/** Module URLs → built URLs, from the setup and every search. */
const moduleMap: Record<string, string> = {};
let registry: Registry | null = null;
/** The current search; `run: null` when its set-up failed (its tasks are then not answered). */
let current: { job: number; init: WorkerJob; run: Runner | null } | null = null;

const reply = (m: WorkerReply) => port.postMessage(m);
const fail = (job: number | null, id: number | null, e: unknown) => {
  const err = e instanceof Error ? e : new LayerwiseError(String(e));
  reply({ type: 'error', job, id, name: err.name, message: err.message });
};

/** The main thread names modules by URL and maps sources to their built JavaScript (`moduleMap`). */
const url = (u: string) => moduleMap[u] ?? u;
const resolve: ModuleResolver = {
  plugin: (d: PluginDescriptor) => import(d.module ? url(d.module) : d.package),
  kind: (e: EncodedEstimator) => import(url(e.module)),
};

async function handle(m: WorkerRequest): Promise<void> {
  switch (m.type) {
    case 'setup':
      try {
        Object.assign(moduleMap, m.setup.moduleMap);
        registry = (await rebuildRegistry(m.setup.plugins, m.setup.threads, resolve)).registry;
        reply({ type: 'ready', at: clock() });
      } catch (e) {
        fail(null, null, e);
      }
      return;
    case 'job':
      current = { job: m.job, init: m.init, run: null };
      try {
        Object.assign(moduleMap, m.init.moduleMap);
        current.run = await createFitAndScoreRunner(m.init.shared, registry!, resolve, {
          keepsEstimators: m.init.returnEstimator,
        });
      } catch (e) {
        fail(m.job, null, e);
      }
      return;
    case 'release':
      if (current?.job === m.job) current = null; // drops the search's data
      return;
    case 'task': {
      if (current?.job !== m.job || !current.run) return; // its search failed or ended
      const { init, run } = current;
      // Claimed first: the caller's thread took it back (or the search ended) when it is taken.
      if (Atomics.compareExchange(init.claims, m.id, 0, 1) !== 0) {
        reply({ type: 'skipped', job: m.job, id: m.id });
        return;
      }
      try {
        const start = clock();
        const before = threadSchedule();
        const { result, estimator } = await run(m.task);
        const span: [number, number] = [start, clock()];
        const after = threadSchedule();
        const schedule: [number, number] | undefined =
          before && after ? [after[0] - before[0], after[1] - before[1]] : undefined;
        if (init.returnEstimator) {
          const dir = join(init.saveRoot, `task-${m.id}`);
          await mkdir(init.saveRoot, { recursive: true });
          await (estimator as unknown as { save(dir: string): Promise<void> }).save(dir);
          reply({
            type: 'result',
            job: m.job,
            id: m.id,
            result,
            savedDir: dir,
            span,
            ...(schedule ? { schedule } : {}),
          });
        } else
          reply({ type: 'result', job: m.job, id: m.id, result, span, ...(schedule ? { schedule } : {}) });
      } catch (e) {
        fail(m.job, m.id, e);
      }
    }
  }
}

let chain = Promise.resolve();
port.on('message', (m: WorkerRequest) => {
  chain = chain.then(() => handle(m));
});
