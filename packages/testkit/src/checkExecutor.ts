import {
  EXECUTOR,
  ExecutorAbortedError,
  type ExecutorJob,
  type ExecutorOutcome,
  type ExecutorPlugin,
  isExecutorPlugin,
  Registry,
  validatePlugin,
} from '@layerwise/core';
import { describe, expect, it } from 'vitest';

/** Options of {@link checkExecutor}. */
export interface CheckExecutorOptions {
  /** Suite name. Default: `'executor'` and the plugin's `name`. */
  name?: string;
  /** Skip the whole suite with this reason (shown in the report). */
  skip?: string | false | undefined;
  /** Time allowed to each case that runs a job, in ms. Default 60 000. */
  timeout?: number;
}

/** A handler no worker is built with: workers must refuse it (a job never carries code). */
const UNKNOWN_HANDLER = 'layerwise-testkit/no-such-handler';

const job = (tasks: readonly unknown[], signal?: AbortSignal): ExecutorJob => ({
  handler: UNKNOWN_HANDLER,
  shared: { testkit: true },
  tasks,
  concurrency: 2,
  plugins: [],
  ...(signal ? { signal } : {}),
});

/**
 * Declares vitest cases every {@link ExecutorPlugin} must pass: it is a valid plugin the registry binds; a
 * job cancelled before it starts rejects with `ExecutorAbortedError` and reports nothing; a job without tasks
 * resolves with no outcome; a task whose handler the workers were not built with is reported once, as a
 * failed outcome (`ok: false`, with the error's name and message), without failing the job; `close()` may be
 * called twice. `create` makes a fresh executor per case (its workers, queue or server must be running).
 *
 * ```ts
 * checkExecutor(() => bullmqExecutor({ connection: 'redis://127.0.0.1:6379', queue: 'check' }));
 * ```
 */
export function checkExecutor(
  create: () => ExecutorPlugin | Promise<ExecutorPlugin>,
  options: CheckExecutorOptions = {},
): void {
  const timeout = options.timeout ?? 60_000;
  const suite = options.skip ? describe.skip : describe;
  /** Runs `body` with a fresh executor, closing it afterwards. */
  const using = async (body: (e: ExecutorPlugin) => Promise<void>): Promise<void> => {
    const e = await create();
    try {
      await body(e);
    } finally {
      await e.close?.();
    }
  };
  suite(options.name ?? 'executor conformance', () => {
    it('is a valid executor plugin that the registry binds', async () => {
      await using(async (e) => {
        expect(isExecutorPlugin(e)).toBe(true);
        expect(e.kind).toBe('executor');
        expect(typeof e.name).toBe('string');
        expect(e.name.length).toBeGreaterThan(0);
        expect(() => validatePlugin(e)).not.toThrow();
        const registry = new Registry().use(e);
        expect(registry.getAll(EXECUTOR)).toContain(e);
      });
    });

    it(
      'a job cancelled before it starts rejects with ExecutorAbortedError and reports nothing',
      async () => {
        await using(async (e) => {
          const controller = new AbortController();
          controller.abort();
          const outcomes: ExecutorOutcome[] = [];
          await expect(e.run(job([1, 2], controller.signal), (o) => outcomes.push(o))).rejects.toThrow(
            ExecutorAbortedError,
          );
          expect(outcomes).toEqual([]);
        });
      },
      timeout,
    );

    it(
      'a job without tasks resolves with no outcome',
      async () => {
        await using(async (e) => {
          const outcomes: ExecutorOutcome[] = [];
          await e.run(job([]), (o) => outcomes.push(o));
          expect(outcomes).toEqual([]);
        });
      },
      timeout,
    );

    it(
      'a task for a handler the workers do not have is reported once as a failed outcome, not run',
      async () => {
        await using(async (e) => {
          const outcomes: ExecutorOutcome[] = [];
          await e.run(job([{ a: 1 }, { a: 2 }]), (o) => outcomes.push(o));
          expect(outcomes.map((o) => o.index).sort()).toEqual([0, 1]);
          for (const o of outcomes) {
            expect(o.ok).toBe(false);
            if (o.ok) continue;
            expect(typeof o.error.name).toBe('string');
            expect(o.error.message).toMatch(/handler/);
          }
        });
      },
      timeout,
    );

    it('close() may be called twice', async () => {
      const e = await create();
      await e.close?.();
      await expect(Promise.resolve(e.close?.())).resolves.toBeUndefined();
    });
  });
}
