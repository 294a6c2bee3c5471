import { describe, expect, it } from 'vitest';
import { MAX_PRIORITY, TaskPriorities } from '../priorities.js';

/** The order a queue runs tasks in: lowest priority first, ties first-queued. */
const queueOrder = (p: number[]) =>
  p
    .map((v, i) => [v, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, i]) => i);

describe('TaskPriorities', () => {
  it('opens with one task of each group (candidate-major tasks run split by split)', () => {
    // 3 candidates × 2 folds, candidate-major as model-selection lists them.
    const p = new TaskPriorities([0, 0, 1, 1, 2, 2]);
    const initial = [0, 1, 2, 3, 4, 5].map((i) => p.initial(i));
    expect(initial).toEqual([1, 4, 2, 5, 3, 6]);
    expect(queueOrder(initial)).toEqual([0, 2, 4, 1, 3, 5]);
  });

  it('a measured group goes after every unmeasured one, the costliest first; only its own tasks change', () => {
    const p = new TaskPriorities([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const prio = [...Array(9).keys()].map((i) => p.initial(i));
    const apply = (changes: [number, number][]) => {
      for (const [t, v] of changes) prio[t] = v;
      return changes.map(([t]) => t);
    };
    expect(apply(p.ended(0, 20))).toEqual([1, 2]); // group 0 measured: its waiting tasks move
    // The unmeasured groups' tasks first, in the opening order; group 0's last.
    expect(queueOrder(prio).filter((i) => i !== 0)).toEqual([3, 6, 4, 7, 5, 8, 1, 2]);
    expect(apply(p.ended(3, 400))).toEqual([4, 5]); // costly group 1
    expect(apply(p.ended(6, 100))).toEqual([7, 8]);
    // Waiting: 1, 2 (20 ms), 4, 5 (400 ms), 7, 8 (100 ms) → costliest first.
    expect(queueOrder(prio).filter((i) => ![0, 3, 6].includes(i))).toEqual([4, 5, 7, 8, 1, 2]);
    // A second measurement within ~1 % of the mean sends nothing; a finished task is never changed.
    expect(p.ended(1, 20.1)).toEqual([]);
    expect(apply(p.ended(4, 1600))).toEqual([5]);
    expect(p.ended(4, 5)).toEqual([]); // ended twice (a retried task): counted once
  });

  it('unknown times change nothing; priorities stay within BullMQ’s range', () => {
    const p = new TaskPriorities([7, 7, 9]);
    expect(p.ended(0, undefined)).toEqual([]);
    expect(p.ended(2, Number.NaN)).toEqual([]);
    const q = new TaskPriorities([1, 1]);
    const [[, v]] = q.ended(0, 1e15) as [[number, number]];
    expect(v).toBeGreaterThanOrEqual(3);
    expect(v).toBeLessThanOrEqual(MAX_PRIORITY);
    const [[, w]] = new TaskPriorities([1, 1]).ended(0, 0.001) as [[number, number]];
    expect(w).toBeGreaterThan(v);
    expect(w).toBeLessThanOrEqual(MAX_PRIORITY);
  });
});
