import type { ColumnsObject, TypedMatrix } from '@layerwise/core';
import type { Scorer } from '@layerwise/metrics';
import type { SearchEstimator } from './estimator.js';
import { disposeIfTensor, type RowScratch, type TargetStore, takeRows } from './indexing.js';

/** The data every fold is cut from (read once; the same numbers in every worker). */
export interface FoldData {
  /** The features read once: a typed matrix, or a table as a columns object (its names and text columns kept). */
  X: TypedMatrix | ColumnsObject;
  y: TargetStore | undefined;
}

/** One fit: a candidate's params on one split. */
export interface Task {
  candidate: number;
  split: number;
  params: Record<string, unknown>;
  train: Int32Array;
  test: Int32Array;
}

/** What one fit reports (times in seconds). */
export interface TaskResult {
  testScore: number;
  trainScore?: number;
  fitTime: number;
  scoreTime: number;
}

const now = () => performance.now();

/**
 * Fits `est` (fresh, params already set) on the task's training rows and scores it. With `scratch`, the rows
 * of a `{ data, shape }` X are taken into its buffers and given back at the end: only when `est` is dropped
 * after this (see {@link RowScratch}).
 */
export async function fitAndScore(
  est: SearchEstimator,
  data: FoldData,
  task: Task,
  scorer: Scorer,
  returnTrainScore: boolean,
  scratch?: RowScratch,
): Promise<TaskResult> {
  const Xtr = takeRows(data.X, task.train, scratch);
  const Xte = takeRows(data.X, task.test, scratch);
  const ytr = data.y === undefined ? undefined : takeRows(data.y, task.train);
  const yte = data.y === undefined ? undefined : takeRows(data.y, task.test);
  try {
    const t0 = now();
    if (ytr === undefined) await est.fit(Xtr);
    else await est.fit(Xtr, ytr);
    const t1 = now();
    const testScore = await scorer(est as never, Xte, yte);
    const t2 = now();
    const out: TaskResult = { testScore, fitTime: (t1 - t0) / 1000, scoreTime: (t2 - t1) / 1000 };
    if (returnTrainScore) out.trainScore = await scorer(est as never, Xtr, ytr);
    return out;
  } finally {
    for (const a of [Xtr, Xte, ytr, yte]) disposeIfTensor(a);
    if (scratch) {
      for (const m of [Xtr, Xte]) {
        const d = (m as { data?: unknown }).data;
        if (d instanceof Float32Array || d instanceof Float64Array) scratch.give(d);
      }
    }
  }
}
