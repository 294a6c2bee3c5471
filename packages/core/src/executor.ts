/**
 * The executor plugin kind: where a batch of independent tasks runs (fit + score of one candidate on one
 * fold, one `crossValidate` fold…). model-selection's default executor is in-process `worker_threads`;
 * `@layerwise/executor-bullmq` runs the same tasks on a BullMQ queue served by any number of machines.
 * @packageDocumentation
 */

import { LayerwiseError } from './errors.js';
import type { PluginBase } from './plugins.js';
import { token } from './registry.js';

/**
 * How to rebuild a plugin in another thread, process or machine: the npm package that exports the factory,
 * the factory's export name and its (JSON-able) options. Backend factories set it (`cpuBackend()` →
 * `{ package: '@layerwise/backend-cpu', factory: 'cpuBackend' }`), so workers rebuild the caller's registry
 * from descriptors instead of importing a fixed list of backend packages.
 */
export interface PluginDescriptor {
  /** The npm package name that exports {@link factory}. */
  readonly package: string;
  /** The name of the exported factory function. */
  readonly factory: string;
  /** Its options (plain JSON values only). */
  readonly options?: Readonly<Record<string, unknown>>;
  /**
   * The URL (`import.meta.url`) of the module that exports the factory, for workers on the same machine
   * (which import it directly; another machine imports {@link package} instead).
   */
  readonly module?: string;
}

/** One task's outcome, as an executor reports it. */
export type ExecutorOutcome =
  | { readonly index: number; readonly ok: true; readonly value: unknown }
  | { readonly index: number; readonly ok: false; readonly error: { name: string; message: string } };

/** A batch of independent tasks for an {@link ExecutorPlugin}. */
export interface ExecutorJob {
  /**
   * What the workers do with each task, by name (`'layerwise/fit-and-score'`). Workers run only handlers
   * they were built with; a job never carries code.
   */
  readonly handler: string;
  /** Sent to the workers once per job (structured-cloneable: plain values and typed arrays). */
  readonly shared: unknown;
  /** The tasks (structured-cloneable), each sent once. */
  readonly tasks: readonly unknown[];
  /**
   * Optional, one per task: tasks with the same number cost about the same (a search's fits of one candidate).
   * An executor may then run one task of each group first, measure them, and run the costliest groups' other
   * tasks before the cheap ones, so that its workers end together (longest first).
   */
  readonly costGroups?: readonly number[];
  /** How many tasks to run at once where the executor decides that itself (`nJobs`; −1 = every core). */
  readonly concurrency: number;
  /** Plugins the workers rebuild before the first task (the backend the caller trains on…). */
  readonly plugins: readonly PluginDescriptor[];
  /** Cancels the job: queued tasks are removed, running ones abandoned; `run` rejects with ExecutorAbortedError. */
  readonly signal?: AbortSignal;
}

/**
 * Runs an {@link ExecutorJob}'s tasks somewhere and reports each outcome once, in any order. A task that
 * throws is an outcome with `ok: false` (the caller decides — scikit-learn's `errorScore`); `run` itself
 * rejects only when the executor cannot do the job (ExecutorUnavailableError) or is cancelled
 * (ExecutorAbortedError).
 *
 * ```ts
 * const search = new GridSearchCV(est, grid, { executor: bullmqExecutor({ connection, queue: 'cv' }) });
 * // or registered once: registry.use(bullmqExecutor(…)); new GridSearchCV(est, grid, { executor: 'bullmq' })
 * ```
 */
export interface ExecutorPlugin extends PluginBase {
  readonly kind: 'executor';
  run(job: ExecutorJob, onOutcome: (outcome: ExecutorOutcome) => void): Promise<void>;
  /** Releases connections. Called by `Registry.dispose()`. */
  close?(): void | Promise<void>;
}

/** Registry token of executors (`registry.use(bullmqExecutor(…))` binds here). */
export const EXECUTOR = token<ExecutorPlugin>('executor');

/** An executor cannot reach what it runs on (Redis down, wrong password…). Thrown within seconds. */
export class ExecutorUnavailableError extends LayerwiseError {}

/** A job was cancelled through its AbortSignal. */
export class ExecutorAbortedError extends LayerwiseError {}

/** A task or job payload a worker received is malformed or not allowed (never evaluated as code). */
export class TaskPayloadError extends LayerwiseError {}

/** Whether `value` looks like an {@link ExecutorPlugin}. */
export function isExecutorPlugin(value: unknown): value is ExecutorPlugin {
  const v = value as Partial<ExecutorPlugin> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.kind === 'executor' &&
    typeof v.name === 'string' &&
    typeof v.run === 'function'
  );
}
