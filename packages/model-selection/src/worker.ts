/** The worker-thread side of nJobs: rebuilds the estimator once, then fits and scores tasks. */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { cpuBackend } from '@layerwise/backend-cpu';
import { type BackendPlugin, Registry, setDefaultRegistryFactory } from '@layerwise/core';
import { resolveScorer, type SearchEstimator } from './estimator.js';
import { fitAndScore, type Task } from './fitAndScore.js';
import type { WorkerInit, WorkerReply } from './pool.js';
import { decodeEstimator } from './workerKinds.js';

async function backendPlugin(name: string): Promise<BackendPlugin> {
  if (name === 'wasm') return (await import('@layerwise/backend-wasm')).wasmBackend();
  if (name === 'node') return (await import('@layerwise/backend-node')).nodeBackend();
  return cpuBackend();
}

const port = parentPort!;
let state: { init: WorkerInit; registry: Registry } | null = null;

const reply = (m: WorkerReply) => port.postMessage(m);
const fail = (id: number | null, e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  reply({ type: 'error', id, name: err.name, message: err.message });
};

port.on(
  'message',
  async (m: { type: 'init'; init: WorkerInit } | { type: 'task'; id: number; task: Task }) => {
    if (m.type === 'init') {
      try {
        const registry = new Registry().use(await backendPlugin(m.init.backend));
        setDefaultRegistryFactory(() => registry);
        await registry.activateBackend(m.init.backend);
        // Decoded once up front so a kind that cannot be rebuilt fails before any task runs.
        await decodeEstimator(m.init.spec, registry);
        state = { init: m.init, registry };
        reply({ type: 'ready' });
      } catch (e) {
        fail(null, e);
      }
      return;
    }
    const { id, task } = m;
    try {
      const { init, registry } = state!;
      // A fresh decode per task: the same unfitted estimator (initial weights included) every time.
      const est = (await decodeEstimator(init.spec, registry)) as SearchEstimator;
      if (Object.keys(task.params).length > 0) est.setParams(task.params);
      const result = await fitAndScore(
        est,
        init.data,
        task,
        resolveScorer(init.scoring, 'worker'),
        init.returnTrainScore,
      );
      if (init.returnEstimator) {
        const dir = join(init.saveRoot, `task-${id}`);
        await mkdir(init.saveRoot, { recursive: true });
        await (est as unknown as { save(dir: string): Promise<void> }).save(dir);
        reply({ type: 'result', id, result, savedDir: dir });
      } else reply({ type: 'result', id, result });
    } catch (e) {
      fail(id, e);
    }
  },
);
