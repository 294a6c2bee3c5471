/** Turns a {@link ContenderSpec} into something that runs tasks, inside a worker. */
import type { Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { headRows, type Matrix } from './data.js';
import { layerwiseRegistry } from './layerwiseBackends.js';
import { type ContenderSpec, STACK, STEP, type Task, type TaskResult, threadsOf } from './spec.js';
import {
  activateStock,
  type Encoder,
  layersAeEpoch,
  layersEncoder,
  rawAeEpoch,
  rawEncoder,
  rawPretrain,
} from './tfjsContenders.js';

/** A contender ready to run tasks. */
export interface ContenderImpl {
  /** The tfjs backend actually active. */
  backend: string;
  /** Threads the backend computes with (wasm: tfjs-backend-wasm's `getThreadsCount()`; others 1). */
  threads: number;
  run(task: Task, m: Matrix, now: () => number): Promise<TaskResult>;
}

/** The layerwise estimators' side, loaded lazily (it needs the estimator packages). */
export interface LayerwiseSide {
  aeEpoch(x: Matrix, hidden: number, seed: number): Promise<number>;
  encoder(fitOn: Matrix, layers: readonly number[], seed: number): Promise<Encoder>;
  pretrain(
    x: Matrix,
    layers: readonly number[],
    seed: number,
    now: () => number,
  ): Promise<{ loss: number; detail: Record<string, number> }>;
  /** The same pretraining on the first `rows` images of an IDX file, streamed (`fit(streamIdx(...))`). */
  pretrainStream(
    idx: string,
    rows: number,
    layers: readonly number[],
    seed: number,
  ): Promise<{ loss: number; detail: Record<string, number> }>;
}

async function layerwiseSide(registry: Registry): Promise<LayerwiseSide> {
  const mod = await import('./layerwiseContender.js');
  return mod.layerwiseSide(registry);
}

/** Loads the contender's backend and returns its task runner. Throws (with the reason) when it cannot run. */
export async function loadTfjsContender(spec: ContenderSpec): Promise<ContenderImpl> {
  let registry: Registry | undefined;
  try {
    if (spec.impl === 'layerwise' || spec.plugin)
      registry = await layerwiseRegistry(spec.backend, threadsOf(spec));
    else await activateStock(spec.backend);
  } catch (e) {
    throw Object.assign(new Error(`the ${spec.backend} backend did not load: ${(e as Error).message}`), {
      backendFailed: true,
    });
  }
  const lw = spec.impl === 'layerwise' ? await layerwiseSide(registry!) : undefined;
  let encoder: Encoder | undefined;
  let threads = 1;
  if (tf.getBackend() === 'wasm') {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
    threads =
      (wasm as { default?: typeof wasm }).default?.getThreadsCount?.() ?? wasm.getThreadsCount?.() ?? 1;
  }
  return {
    backend: tf.getBackend(),
    threads,
    async run(task, m, now) {
      if (task.kind === 'step') {
        const x = headRows(m, task.samples);
        const t0 = now();
        const loss =
          spec.impl === 'layerwise'
            ? await lw!.aeEpoch(x, STEP.hidden, task.seed)
            : spec.impl === 'tfjs-layers'
              ? await layersAeEpoch(x, STEP.hidden, task.seed)
              : await rawAeEpoch(x, STEP.hidden, task.seed);
        return { seconds: (now() - t0) / 1000, samples: x.shape[0], loss };
      }
      if (task.kind === 'infer') {
        if (!encoder) {
          encoder =
            spec.impl === 'layerwise'
              ? await lw!.encoder(headRows(m, 1000), STACK, task.seed)
              : spec.impl === 'tfjs-layers'
                ? layersEncoder(STEP.inputs, STACK, task.seed)
                : rawEncoder(STEP.inputs, STACK, task.seed);
          await encoder.forward(headRows(m, 200)); // warm the kernels
        }
        const x = headRows(m, task.rows);
        const t0 = now();
        const out = await encoder.forward(x);
        const seconds = (now() - t0) / 1000;
        return { seconds, samples: out.length / STACK[STACK.length - 1]! };
      }
      if (task.idx) {
        const t0 = now();
        const r = await lw!.pretrainStream(task.idx, task.rows, task.layers, task.seed);
        return { seconds: (now() - t0) / 1000, samples: task.rows, loss: r.loss, detail: r.detail };
      }
      const x = headRows(m, task.rows);
      const t0 = now();
      const r =
        spec.impl === 'layerwise'
          ? await lw!.pretrain(x, task.layers, task.seed, now)
          : await rawPretrain(x, task.layers, task.seed, now);
      return { seconds: (now() - t0) / 1000, samples: x.shape[0], loss: r.loss, detail: r.detail };
    },
  };
}
