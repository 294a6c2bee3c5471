/**
 * The worker-thread side of nJobs: rebuilds the caller's backend from its plugin descriptor (with this
 * worker's thread budget) and the estimator through its worker kind once, then fits and scores tasks.
 * Imports no backend package itself.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { LayerwiseError, type PluginDescriptor } from '@layerwise/core';
import type { TaskResult } from './fitAndScore.js';
import type { WorkerInit, WorkerReply } from './pool.js';
import { createFitAndScoreRunner, type ModuleResolver, rebuildRegistry } from './taskRunner.js';
import type { EncodedEstimator } from './workerKinds.js';

const port = parentPort!;
type Runner = Awaited<ReturnType<typeof createFitAndScoreRunner>>;
let state: { init: WorkerInit; run: Runner } | null = null;

const reply = (m: WorkerReply) => port.postMessage(m);
const fail = (id: number | null, e: unknown) => {
  const err = e instanceof Error ? e : new LayerwiseError(String(e));
  reply({ type: 'error', id, name: err.name, message: err.message });
};

/** The main thread names modules by URL and maps sources to their built JavaScript (`moduleMap`). */
function resolver(init: WorkerInit): ModuleResolver {
  const url = (u: string) => init.moduleMap[u] ?? u;
  return {
    plugin: (d: PluginDescriptor) => import(d.module ? url(d.module) : d.package),
    kind: (e: EncodedEstimator) => import(url(e.module)),
  };
}

port.on(
  'message',
  async (m: { type: 'init'; init: WorkerInit } | { type: 'task'; id: number; task: unknown }) => {
    if (m.type === 'init') {
      try {
        const resolve = resolver(m.init);
        const { registry } = await rebuildRegistry(m.init.plugins, m.init.threads, resolve);
        const run = await createFitAndScoreRunner(m.init.shared, registry, resolve);
        state = { init: m.init, run };
        reply({ type: 'ready' });
      } catch (e) {
        fail(null, e);
      }
      return;
    }
    const { id, task } = m;
    try {
      const { init, run } = state!;
      const { result, estimator } = await run(task);
      if (init.returnEstimator) {
        const dir = join(init.saveRoot, `task-${id}`);
        await mkdir(init.saveRoot, { recursive: true });
        await (estimator as unknown as { save(dir: string): Promise<void> }).save(dir);
        reply({ type: 'result', id, result, savedDir: dir });
      } else reply({ type: 'result', id, result: result satisfies TaskResult });
    } catch (e) {
      fail(id, e);
    }
  },
);
