/**
 * A worker thread of a BullMQ worker process: rebuilds a search's backend and estimator once per search
 * (cached by the data's SHA-256) and runs its tasks, so that the process's event loop stays free for
 * BullMQ's lock renewal while a fit runs. Imports only the built-in packages and the `--plugin` ones.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { LayerwiseError, type PluginDescriptor, type Registry, TaskPayloadError } from '@layerwise/core';
import {
  createFitAndScoreRunner,
  type EncodedEstimator,
  FIT_AND_SCORE,
  type ModuleResolver,
  rebuildRegistry,
} from '@layerwise/model-selection';
import { decodePayload } from './payload.js';

/** Backend packages every worker may import. */
export const BUILTIN_PLUGIN_PACKAGES = [
  '@layerwise/backend-cpu',
  '@layerwise/backend-wasm',
  '@layerwise/backend-node',
];
/** Packages whose worker kinds every worker may import. */
export const BUILTIN_KIND_PACKAGES = [
  '@layerwise/nn',
  '@layerwise/autoencoder',
  '@layerwise/model-selection',
  '@layerwise/pipeline',
  '@layerwise/preprocessing',
];

/** Messages to a task thread. */
export type ThreadRequest =
  | { type: 'load'; id: number; hash: string; bytes: Uint8Array }
  | { type: 'task'; id: number; hash: string; task: Uint8Array };

/** Replies of a task thread. */
export type ThreadReply =
  | { id: number; type: 'ok'; value?: unknown }
  | { id: number; type: 'taskError'; name: string; message: string }
  | { id: number; type: 'payloadError'; name: string; message: string };

const { plugins, threads } = workerData as { plugins: string[]; threads: number };
const allowedPlugins = new Set([...BUILTIN_PLUGIN_PACKAGES, ...plugins]);
const allowedKinds = new Set([...BUILTIN_KIND_PACKAGES, ...plugins]);

const resolver: ModuleResolver = {
  async plugin(d: PluginDescriptor) {
    if (!allowedPlugins.has(d.package)) {
      throw new TaskPayloadError(
        `The job asks for plugin package ${JSON.stringify(d.package)}, which this worker was not started with (start it with --plugin ${d.package}).`,
      );
    }
    return import(d.package);
  },
  async kind(e: EncodedEstimator) {
    if (typeof e.package !== 'string' || !allowedKinds.has(e.package)) {
      throw new TaskPayloadError(
        `The job's estimator kind ${JSON.stringify(e.exportName)} comes from ${JSON.stringify(e.package ?? e.module)}, which this worker was not started with (--plugin <package>; a kind needs a package name to run on other machines).`,
      );
    }
    return import(e.package);
  },
};

type Runner = Awaited<ReturnType<typeof createFitAndScoreRunner>>;
const runners = new Map<string, Runner>();
const registries = new Map<string, Registry>();

async function load(hash: string, bytes: Uint8Array): Promise<void> {
  if (runners.has(hash)) return;
  const payload = decodePayload(bytes) as { handler?: unknown; shared?: unknown; plugins?: unknown };
  if (typeof payload !== 'object' || payload === null)
    throw new TaskPayloadError('Malformed job payload: not an object.');
  if (payload.handler !== FIT_AND_SCORE) {
    throw new TaskPayloadError(`Malformed job payload: unknown handler ${JSON.stringify(payload.handler)}.`);
  }
  const key = JSON.stringify(payload.plugins);
  let registry = registries.get(key);
  if (!registry) {
    registry = (await rebuildRegistry(payload.plugins as PluginDescriptor[], threads, resolver)).registry;
    registries.set(key, registry);
  }
  const runner = await createFitAndScoreRunner(payload.shared, registry, resolver);
  // Two searches at most stay cached.
  if (runners.size >= 2) runners.delete(runners.keys().next().value!);
  runners.set(hash, runner);
}

const port = parentPort!;
port.on('message', async (m: ThreadRequest) => {
  try {
    if (m.type === 'load') {
      await load(m.hash, m.bytes);
      port.postMessage({ id: m.id, type: 'ok' } satisfies ThreadReply);
      return;
    }
    const run = runners.get(m.hash);
    if (!run) throw new TaskPayloadError(`Malformed job: search data ${m.hash} was not loaded.`);
    const task = decodePayload(m.task);
    try {
      const { result } = await run(task);
      port.postMessage({ id: m.id, type: 'ok', value: result } satisfies ThreadReply);
    } catch (e) {
      if (e instanceof TaskPayloadError) throw e;
      const err = e instanceof Error ? e : new LayerwiseError(String(e));
      port.postMessage({
        id: m.id,
        type: 'taskError',
        name: err.name,
        message: err.message,
      } satisfies ThreadReply);
    }
  } catch (e) {
    const err = e instanceof Error ? e : new LayerwiseError(String(e));
    port.postMessage({
      id: m.id,
      type: 'payloadError',
      name: err.name,
      message: err.message,
    } satisfies ThreadReply);
  }
});
