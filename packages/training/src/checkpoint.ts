import {
  type CallbackCheckpoint,
  loadModelDir,
  MANIFEST_FILE,
  type ModelData,
  ModelFormatError,
  type NamedTensor,
  nodeBuiltin,
  type ParamRule,
  saveModelDir,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { hasBetaPowers } from './fusedAdam.js';
import type { EpochRecord, StageHistory } from './history.js';

/** The `checkpoint` hyper-parameter: where and how often `fit` saves a resumable state. */
export interface CheckpointOptions {
  /** Directory of the checkpoint (created if needed; each save replaces the previous one atomically). */
  dir: string;
  /** Epochs between checkpoints (counted within each stage). Default 1. */
  every?: number;
}

/** Validation rule of the `checkpoint` parameter (checked in full by {@link checkCheckpointParam}). */
export const CHECKPOINT_RULE: ParamRule = { type: 'any' };

/** The version of the checkpoint state this build writes and reads. */
export const CHECKPOINT_VERSION = 1;

/** Validates the `checkpoint` parameter; returns it with `every` resolved, or null. */
export function checkCheckpointParam(owner: string, value: unknown): Required<CheckpointOptions> | null {
  if (value === null || value === undefined) return null;
  const fail = (why: string): never => {
    let shown: string;
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
    throw new ValidationError(
      `${owner}: checkpoint must be null or { dir: string, every?: integer ≥ 1 }: ${why}, got ${shown}.`,
    );
  };
  if (typeof value !== 'object' || Array.isArray(value)) fail('not an object');
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (k !== 'dir' && k !== 'every') fail(`unknown key "${k}"`);
  if (typeof v.dir !== 'string' || v.dir.length === 0) fail('dir must be a non-empty string');
  const every = v.every ?? 1;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1)
    fail('every must be an integer ≥ 1');
  return { dir: v.dir as string, every: every as number };
}

/** Optimizer state as kept in a checkpoint: the iteration count, extra scalars, the slot tensors. */
export interface SavedOptimizer {
  iterations: number;
  /** Scalars tfjs does not give through `getWeights` (Adam's running β powers), for an exact resume. */
  extra: Record<string, number>;
  /** Slot values (moments, accumulators), in tfjs' `getWeights` order. */
  slots: Float32Array[];
}

const EXTRA_SCALARS = ['accBeta1', 'accBeta2'] as const;

/** Reads the state of a tfjs optimizer (values copied out). */
export async function readOptimizer(optimizer: tf.Optimizer): Promise<SavedOptimizer> {
  const weights = await optimizer.getWeights();
  const [iter, ...slots] = weights;
  const iterations = iter ? ((await iter.tensor.data())[0] ?? 0) : 0;
  iter?.tensor.dispose();
  const extra: Record<string, number> = {};
  const o = optimizer as unknown as Record<string, unknown>;
  for (const k of EXTRA_SCALARS) {
    const t = o[k];
    if (t instanceof tf.Variable && t.size === 1) extra[k] = (await t.data())[0]!;
  }
  if (hasBetaPowers(optimizer)) Object.assign(extra, optimizer.betaPowers());
  return {
    iterations,
    extra,
    slots: await Promise.all(
      slots.map(async (s) => new Float32Array((await s.tensor.data()) as Float32Array)),
    ),
  };
}

/** Puts saved state into a fresh tfjs optimizer of the same kind, for the variables of `shapes`. */
export async function restoreOptimizer(
  optimizer: tf.Optimizer,
  saved: SavedOptimizer,
  shapes: readonly number[][],
): Promise<void> {
  const tensors = saved.slots.map((d, i) => tf.tensor(d, shapes[i % shapes.length]!, 'float32'));
  const iter = tf.scalar(saved.iterations, 'int32');
  try {
    await optimizer.setWeights([
      { name: 'iter', tensor: iter },
      ...tensors.map((tensor, i) => ({ name: `slot.${i}`, tensor })),
    ]);
    const o = optimizer as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(saved.extra)) {
      const t = o[k];
      if (t instanceof tf.Variable && t.size === 1) {
        const s = tf.scalar(v, 'float32');
        t.assign(s);
        s.dispose();
      }
    }
    // per-variable β powers (FusedAdamOptimizer); state saved without them takes the optimizer's accBeta1/2
    if (hasBetaPowers(optimizer)) optimizer.setBetaPowers(saved.extra, saved.slots.length / 2);
  } finally {
    iter.dispose();
    for (const t of tensors) t.dispose();
  }
}

/** Training state of a stage in progress, handed to `onEpochEnd` after each epoch that does not end it. */
export interface StageProgress {
  /** The epochs run so far in this stage. */
  records: EpochRecord[];
  /** Early stopping: best monitored loss so far (null before any), its epoch, epochs without improvement. */
  best: number | null;
  bestEpoch?: number;
  wait: number;
  /** Early stopping's copy of the best weights (one per variable), if any. */
  snapshot: tf.Tensor[] | null;
  optimizer: tf.Optimizer;
  /** The learning rate in use (callbacks may have changed it). */
  learningRate: number;
  /** The stateful callbacks' states (their `checkpointState()`), in order. */
  callbacks?: CallbackCheckpoint[];
}

/** What `trainStage` needs to continue a stage from a checkpoint. */
export interface StageResume {
  records: EpochRecord[];
  best: number | null;
  bestEpoch?: number;
  wait: number;
  snapshot: Float32Array[] | null;
  optimizer: SavedOptimizer;
  /** The learning rate to continue with (absent in 0.1.0 checkpoints: the `learningRate` param). */
  learningRate?: number;
  /** The stateful callbacks' states (absent in checkpoints written before callbacks could keep state). */
  callbacks?: CallbackCheckpoint[];
}

/** Copies of the values of `tensors` (kept weights going into a checkpoint). */
export function tensorValues(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(tensors.map(async (t) => new Float32Array((await t.data()) as Float32Array)));
}

/** A stage in progress as JSON state plus named tensors (`opt.i`, `best.i`) for a checkpoint. */
export async function progressToData(
  p: StageProgress,
): Promise<{ json: Record<string, unknown>; tensors: NamedTensor[] }> {
  const opt = await readOptimizer(p.optimizer);
  const tensors: NamedTensor[] = opt.slots.map((data, i) => ({
    name: `opt.${i}`,
    shape: [data.length],
    data,
  }));
  const snapshot = p.snapshot ? await tensorValues(p.snapshot) : null;
  snapshot?.forEach((data, i) => {
    tensors.push({ name: `best.${i}`, shape: [data.length], data });
  });
  const callbacks = p.callbacks?.map((c, i) => {
    (c.arrays ?? []).forEach((data, k) => {
      tensors.push({ name: `callback.${i}.${k}`, shape: [data.length], data });
    });
    return { kind: c.kind, values: c.values, arrays: c.arrays?.length ?? 0 };
  });
  return {
    json: {
      records: p.records,
      best: p.best,
      ...(p.bestEpoch === undefined ? {} : { bestEpoch: p.bestEpoch }),
      wait: p.wait,
      snapshot: snapshot !== null,
      optimizer: { iterations: opt.iterations, extra: opt.extra, slots: opt.slots.length },
      learningRate: p.learningRate,
      ...(callbacks && callbacks.length > 0 ? { callbacks } : {}),
    },
    tensors,
  };
}

/** The callbacks' states of a checkpoint's progress JSON and tensors (`callback.i.k`), checked. */
function callbacksFromData(
  bad: (m: string) => never,
  json: unknown,
  tensors: ReadonlyMap<string, NamedTensor>,
): CallbackCheckpoint[] {
  if (!Array.isArray(json) || json.length > 1000)
    bad('progress.callbacks must be a list of callback states.');
  return (json as unknown[]).map((c, i) => {
    const at = `progress.callbacks[${i}]`;
    if (!isObject(c) || typeof c.kind !== 'string' || !isObject(c.values)) {
      bad(`${at} must be { kind, values, arrays }.`);
    }
    const o = c as { kind: string; values: Record<string, unknown>; arrays?: unknown };
    const values: CallbackCheckpoint['values'] = {};
    for (const [k, v] of Object.entries(o.values)) {
      const ok =
        v === null ||
        typeof v === 'string' ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v));
      if (!ok) bad(`${at}.values.${k} must be a finite number, a string, a boolean or null.`);
      values[k] = v as CallbackCheckpoint['values'][string];
    }
    const n = o.arrays ?? 0;
    if (!Number.isSafeInteger(n) || (n as number) < 0 || (n as number) > 100_000) {
      bad(`${at}.arrays must be a count.`);
    }
    const arrays = Array.from({ length: n as number }, (_, k) => {
      const t = tensors.get(`callback.${i}.${k}`);
      if (!t) bad(`tensor "callback.${i}.${k}" is missing.`);
      return t!.data;
    });
    return { kind: o.kind, values, ...(arrays.length > 0 ? { arrays } : {}) };
  });
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isRecord(x: unknown): x is EpochRecord {
  return (
    isObject(x) && typeof x.stage === 'string' && Number.isSafeInteger(x.epoch) && typeof x.loss === 'number'
  );
}

/** Checks a stage history read from a checkpoint. */
export function isStageHistory(x: unknown): x is StageHistory {
  return (
    isObject(x) &&
    typeof x.stage === 'string' &&
    Array.isArray(x.epochs) &&
    x.epochs.every(isRecord) &&
    typeof x.stoppedEarly === 'boolean'
  );
}

/**
 * Rebuilds a {@link StageResume} from checkpoint JSON and tensors, checking every size against the shapes
 * of the stage's variables. Throws ModelFormatError naming what is wrong.
 */
export function progressFromData(
  owner: string,
  json: unknown,
  tensors: ReadonlyMap<string, NamedTensor>,
  shapes: readonly number[][],
): StageResume {
  const bad = (m: string): never => {
    throw new ModelFormatError(`Invalid ${owner} checkpoint: ${m}`);
  };
  if (!isObject(json)) bad('progress must be an object.');
  const j = json as Record<string, unknown>;
  if (!Array.isArray(j.records) || !j.records.every(isRecord)) bad('progress.records must be epoch records.');
  if (j.best !== null && typeof j.best !== 'number') bad('progress.best must be a number or null.');
  if (j.bestEpoch !== undefined && !Number.isSafeInteger(j.bestEpoch))
    bad('progress.bestEpoch must be an integer.');
  if (!Number.isSafeInteger(j.wait) || (j.wait as number) < 0) bad('progress.wait must be an integer ≥ 0.');
  if (
    j.learningRate !== undefined &&
    (typeof j.learningRate !== 'number' || !Number.isFinite(j.learningRate) || j.learningRate <= 0)
  )
    bad('progress.learningRate must be a number > 0.');
  const opt = j.optimizer;
  if (!isObject(opt) || !Number.isSafeInteger(opt.iterations) || !Number.isSafeInteger(opt.slots))
    bad('progress.optimizer must give iterations and slots.');
  const o = opt as { iterations: number; slots: number; extra?: unknown };
  if (o.slots % shapes.length !== 0) {
    bad(
      `the optimizer state has ${o.slots} slots, not a multiple of the ${shapes.length} trained variables.`,
    );
  }
  const extra: Record<string, number> = {};
  if (isObject(o.extra)) {
    for (const [k, v] of Object.entries(o.extra)) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        bad(`progress.optimizer.extra.${k} must be a number.`);
      extra[k] = v as number;
    }
  }
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) bad(`tensor "${name}" is missing.`);
    if (t!.data.length !== size(shape)) {
      bad(`tensor "${name}" has ${t!.data.length} values, the model needs [${shape}] (${size(shape)}).`);
    }
    return t!.data;
  };
  const slots = Array.from({ length: o.slots }, (_, i) => get(`opt.${i}`, shapes[i % shapes.length]!));
  const snapshot = j.snapshot === true ? shapes.map((s, i) => get(`best.${i}`, s)) : null;
  return {
    records: j.records as EpochRecord[],
    best: j.best as number | null,
    ...(j.bestEpoch === undefined ? {} : { bestEpoch: j.bestEpoch as number }),
    wait: j.wait as number,
    snapshot,
    optimizer: { iterations: o.iterations, extra, slots },
    ...(j.learningRate === undefined ? {} : { learningRate: j.learningRate as number }),
    ...(j.callbacks === undefined ? {} : { callbacks: callbacksFromData(bad, j.callbacks, tensors) }),
  };
}

const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

async function removeTempFiles(dir: string): Promise<void> {
  const fs = nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises', 'checkpoint');
  const path = nodeBuiltin<typeof import('node:path')>('node:path', 'checkpoint');
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const f of names) if (TEMP_FILE.test(f)) await fs.rm(path.join(dir, f), { force: true });
}

/**
 * Writes a checkpoint with core's model format (weights then manifest, each atomically: a crash leaves
 * the previous checkpoint loadable). Temporary files a killed process left behind are removed first.
 */
export async function saveCheckpoint(dir: string, data: ModelData): Promise<void> {
  await removeTempFiles(dir);
  await saveModelDir(dir, data);
}

/**
 * Loads and checks a checkpoint for `kind` (e.g. `Checkpoint:MLPClassifier`). A missing directory or
 * manifest is a ValidationError (resume never silently starts over); a malformed one a ModelFormatError.
 */
export async function loadCheckpoint(owner: string, dir: unknown, kind: string): Promise<ModelData> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new ValidationError(`${owner}.fit: resume must be a checkpoint directory (non-empty string).`);
  }
  const fs = nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises', 'checkpoint');
  const path = nodeBuiltin<typeof import('node:path')>('node:path', 'checkpoint');
  try {
    await fs.stat(path.join(dir, MANIFEST_FILE));
  } catch {
    throw new ValidationError(
      `${owner}.fit: no checkpoint to resume from at "${dir}" (${MANIFEST_FILE} not found). Fit with checkpoint: { dir } first, or leave out resume to start over.`,
    );
  }
  const data = await loadModelDir(dir);
  if (data.kind !== kind) {
    throw new ModelFormatError(
      `${owner}.fit: "${dir}" holds a ${JSON.stringify(data.kind)}, not a ${kind}; resume needs a checkpoint written by ${owner} with checkpoint: { dir }.`,
    );
  }
  const st = data.state;
  if (st.checkpointVersion !== CHECKPOINT_VERSION) {
    throw new ModelFormatError(
      `Invalid ${owner} checkpoint: checkpointVersion ${JSON.stringify(st.checkpointVersion)}, this version reads ${CHECKPOINT_VERSION}.`,
    );
  }
  for (const k of ['fitRngState', 'rngState'] as const) {
    if (!Number.isSafeInteger(st[k]) || (st[k] as number) < 0 || (st[k] as number) > 0xffffffff)
      throw new ModelFormatError(
        `Invalid ${owner} checkpoint: state.${k} must be a 32-bit unsigned integer.`,
      );
  }
  if (!Array.isArray(st.completedStages) || !st.completedStages.every(isStageHistory))
    throw new ModelFormatError(`Invalid ${owner} checkpoint: state.completedStages must be stage histories.`);
  if (!Number.isSafeInteger(st.stageIndex) || (st.stageIndex as number) < 0)
    throw new ModelFormatError(`Invalid ${owner} checkpoint: state.stageIndex must be an integer ≥ 0.`);
  await removeTempFiles(dir);
  return data;
}

/**
 * Throws a ValidationError listing every entry of `expected` that differs from the checkpoint's `saved`
 * (compared as JSON), e.g. `hiddenLayerSizes: checkpoint [32], now [64]`.
 */
export function assertSame(
  owner: string,
  dir: string,
  saved: Record<string, unknown>,
  expected: Record<string, unknown>,
): void {
  const diffs: string[] = [];
  for (const [k, v] of Object.entries(expected)) {
    const a = JSON.stringify(saved[k] ?? null);
    const b = JSON.stringify(v ?? null);
    if (a !== b) diffs.push(`${k}: checkpoint ${a}, now ${b}`);
  }
  if (diffs.length > 0) {
    throw new ValidationError(
      `${owner}.fit: cannot resume from "${dir}", the checkpoint does not match this fit (${diffs.join('; ')}).`,
    );
  }
}

/** Shapes of tfjs variables. */
export function shapesOf(variables: readonly tf.Variable[]): number[][] {
  return variables.map((v) => [...v.shape]);
}
