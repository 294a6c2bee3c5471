/**
 * BullMQ priorities that run a search's tasks longest first, as the in-process pool hands them out: one task of
 * each cost group first (so every group's cost is measured early), then the costliest groups' other tasks
 * before the cheap ones, so that the workers end together instead of one idling while the other runs the last
 * long fit.
 *
 * BullMQ runs prioritized jobs lowest number first (FIFO within one number). A task's first priority is its
 * place in that opening order (1…n). Once its group has been measured, its priority is above every opening
 * one and falls as the group's mean cost grows, on a log scale (64 steps per doubling). So a group's
 * priority moves only when its own mean moves by more than ~1 %, and a search sends at most one change per
 * task still waiting when a task of its group ends.
 */

/** BullMQ's largest priority. */
export const MAX_PRIORITY = 2_097_151;
/** Steps per doubling of the cost. */
const STEPS = 64;
/** Cost levels below the opening priorities: covers 1 ms to 2^31 ms. */
const LEVELS = 31 * STEPS;

export class TaskPriorities {
  readonly #groups: readonly number[];
  /** Each group's tasks. */
  readonly #members = new Map<number, number[]>();
  /** Each task's priority as last sent. */
  readonly #sent: number[];
  readonly #finished: Uint8Array;
  readonly #cost = new Map<number, { sum: number; n: number }>();

  /** `groups[i]`: task i's cost group (tasks of one group cost about the same). */
  constructor(groups: readonly number[]) {
    this.#groups = groups;
    // Opening order: the k-th task of every group before the (k+1)-th of any, ties by index.
    const occurrence = groups.map((g, i) => {
      const m = this.#members.get(g);
      if (!m) this.#members.set(g, [i]);
      else m.push(i);
      return m ? m.length - 1 : 0;
    });
    const order = groups.map((_, i) => i).sort((a, b) => occurrence[a]! - occurrence[b]! || a - b);
    this.#sent = new Array<number>(groups.length);
    for (const [rank, i] of order.entries()) this.#sent[i] = Math.min(rank + 1, MAX_PRIORITY);
    this.#finished = new Uint8Array(groups.length);
  }

  /** Task i's priority when it is queued. */
  initial(i: number): number {
    return this.#sent[i]!;
  }

  /**
   * Records that task i ended, after `ms` of work (unknown: undefined). Returns the changes to send — [task,
   * priority] for the waiting (or running) tasks of its group whose priority moved.
   */
  ended(i: number, ms: number | undefined): [number, number][] {
    if (this.#finished[i]) return [];
    this.#finished[i] = 1;
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) return [];
    const g = this.#groups[i]!;
    const c = this.#cost.get(g) ?? { sum: 0, n: 0 };
    c.sum += ms;
    c.n++;
    this.#cost.set(g, c);
    const level = Math.min(LEVELS, Math.max(0, Math.round(STEPS * Math.log2(Math.max(1, c.sum / c.n)))));
    const priority = Math.min(this.#groups.length + 1 + (LEVELS - level), MAX_PRIORITY);
    const changes: [number, number][] = [];
    for (const t of this.#members.get(g)!) {
      if (this.#finished[t] || this.#sent[t] === priority) continue;
      this.#sent[t] = priority;
      changes.push([t, priority]);
    }
    return changes;
  }
}
