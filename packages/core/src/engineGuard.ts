import { BackendUnavailableError } from './errors.js';

/** What the engine guard is doing, for diagnostics and tests. */
export interface EngineGuardState {
  /** Backend of the work on the engine now (or of the last work that ran); null before any. */
  readonly backend: string | null;
  /** Calls running on the engine now (all on `backend`). */
  readonly running: number;
  /** Calls waiting for another backend, in call order. */
  readonly queued: readonly string[];
  /** True while a backend is being activated (nothing else runs then). */
  readonly switching: boolean;
}

interface Waiter {
  key: string | symbol;
  activate: () => Promise<void>;
  start: () => void;
  fail: (e: unknown) => void;
}

interface Lease {
  readonly key: string | symbol;
  active: boolean;
}

interface Als {
  getStore(): Lease | undefined;
  run<R>(store: Lease, fn: () => R): R;
}

/** Node's AsyncLocalStorage when available (it tells nested calls from new ones); undefined in browsers. */
function makeAls(): Als | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof p?.getBuiltinModule !== 'function') return undefined;
  try {
    const hooks = p.getBuiltinModule('node:async_hooks') as { AsyncLocalStorage?: new () => Als } | undefined;
    return hooks?.AsyncLocalStorage ? new hooks.AsyncLocalStorage() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process-wide guard around tfjs's one global engine (see {@link engineGuard}).
 *
 * - Work declares the backend it needs. Work on the backend the engine is running joins it at once and
 *   may interleave at its `await`s (tfjs ops are synchronous between them, and every fit has its own
 *   variables, optimizer and random generator, so interleaving does not change results).
 * - Work needing another backend waits until every running call has left the engine, then the backend is
 *   activated (one activation at a time, nothing running) and the work starts. Waiters are served in call
 *   order; once a call waits, later calls on the running backend queue behind it (no starvation).
 * - A call made from inside running work (a logger calling `predict`, `fit` saving its model) runs inside
 *   it, on its backend, instead of queueing behind itself. In Node this is told by `AsyncLocalStorage`;
 *   where it is missing (browsers), work on the running backend always joins at once instead.
 */
export class EngineGuard {
  #backend: string | symbol | null = null;
  #running = 0;
  #switching = false;
  readonly #queue: Waiter[] = [];
  readonly #als: Als | undefined = makeAls();

  /** A snapshot of what runs and what waits. */
  get state(): EngineGuardState {
    return {
      backend: typeof this.#backend === 'string' ? this.#backend : null,
      running: this.#running,
      queued: this.#queue.map((w) => (typeof w.key === 'string' ? w.key : '(exclusive)')),
      switching: this.#switching,
    };
  }

  /** The backend of the guarded work the caller runs inside, or undefined outside any. */
  get current(): string | undefined {
    const lease = this.#als?.getStore();
    return lease?.active && typeof lease.key === 'string' ? lease.key : undefined;
  }

  /**
   * Runs `work` with the engine on `backend`: at once if the engine runs that backend and nobody waits,
   * else after the calls before it, calling `activate` (which must make `backend` the tfjs backend) when
   * the engine was on another one. `work`'s result or error is passed through; an `activate` that throws
   * rejects this call only (the next waiter proceeds).
   */
  async run<T>(backend: string, activate: () => Promise<void>, work: () => Promise<T> | T): Promise<T> {
    const outer = this.#als?.getStore();
    if (outer?.active) {
      if (outer.key === backend) return await work();
      throw new BackendUnavailableError(
        `Cannot run work on backend "${backend}" from inside work running on ${typeof outer.key === 'string' ? `"${outer.key}"` : 'an exclusive section'}: the tfjs engine is one global and cannot switch backends under running work. Start it after the outer call has finished.`,
      );
    }
    return this.#guarded(backend, activate, work);
  }

  /**
   * Runs `work` alone on the engine (nothing else runs until it has finished), e.g. to find out which
   * backend `'auto'` gives. The next work after it activates its backend again.
   */
  async exclusive<T>(work: () => Promise<T> | T): Promise<T> {
    if (this.#als?.getStore()?.active) {
      throw new BackendUnavailableError(
        'Cannot take the tfjs engine exclusively from inside work that is running on it.',
      );
    }
    return this.#guarded(Symbol('exclusive'), async () => {}, work);
  }

  /**
   * Runs `work` as part of the running work on `backend` even when others wait (used for `predict` on
   * an estimator whose own fit holds the engine: it sees the previous model). Falls back to {@link run}
   * when the engine is not running `backend`.
   */
  async join<T>(backend: string, activate: () => Promise<void>, work: () => Promise<T> | T): Promise<T> {
    if (
      this.#als?.getStore()?.active ||
      this.#switching ||
      this.#running === 0 ||
      this.#backend !== backend
    ) {
      return this.run(backend, activate, work);
    }
    this.#running++;
    return this.#inside(backend, work);
  }

  async #guarded<T>(
    key: string | symbol,
    activate: () => Promise<void>,
    work: () => Promise<T> | T,
  ): Promise<T> {
    const joinNow =
      !this.#switching &&
      this.#running > 0 &&
      this.#backend === key &&
      (this.#queue.length === 0 || this.#als === undefined);
    if (joinNow) {
      this.#running++;
    } else {
      await new Promise<void>((start, fail) => {
        this.#queue.push({ key, activate, start, fail });
        void this.#pump();
      });
    }
    return this.#inside(key, work);
  }

  /** Runs admitted work (the running count already includes it) and leaves the engine afterwards. */
  async #inside<T>(key: string | symbol, work: () => Promise<T> | T): Promise<T> {
    const lease: Lease = { key, active: true };
    try {
      return await (this.#als ? this.#als.run(lease, work) : work());
    } finally {
      lease.active = false;
      this.#running--;
      if (this.#running === 0) void this.#pump();
    }
  }

  /** When the engine is free: activates the first waiter's backend, then admits it and the waiters right behind it on the same backend. */
  async #pump(): Promise<void> {
    if (this.#switching || this.#running > 0) return;
    const head = this.#queue[0];
    if (!head) return;
    this.#switching = true;
    try {
      await head.activate();
    } catch (e) {
      this.#queue.shift();
      this.#backend = null;
      this.#switching = false;
      head.fail(e);
      void this.#pump();
      return;
    }
    this.#backend = head.key;
    this.#switching = false;
    while (this.#queue[0]?.key === head.key) {
      const w = this.#queue.shift()!;
      this.#running++;
      w.start();
    }
  }
}

const GUARD = Symbol.for('layerwise:engineGuard');

/**
 * The one engine guard of this process. Kept on `globalThis`, so that two copies of `@layerwise/core` in
 * one application still share it (like tfjs's engine, which is one global too).
 */
export function engineGuard(): EngineGuard {
  const g = globalThis as { [GUARD]?: EngineGuard };
  g[GUARD] ??= new EngineGuard();
  return g[GUARD];
}
