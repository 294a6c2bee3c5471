/**
 * The Node flags of this process that a worker thread running plain JavaScript should take: the process's own
 * flags without export conditions (the worker resolves packages to their built `dist`), without an `-e` /
 * `-p` script and without loaders (`--import`, `--require`, `--loader`: tsx, for instance). A worker started
 * with the default (every flag of the process) loads the parent's loaders again — under tsx that is ~0.2 s of
 * CPU per worker before its first line runs.
 *
 * Flags a worker start rejected before (Node refuses V8 and per-process flags such as `--max-old-space-size` or
 * `--expose-gc` in a worker's `execArgv`; see {@link rejectedWorkerFlags}) are left out too: V8's flags hold for
 * every thread of the process anyway.
 *
 * Used by the model-selection and BullMQ task workers and by the wasm backend's pthread workers. Returns `[]`
 * outside Node (Deno, Bun and browsers ignore or lack `execArgv`).
 *
 * @param execArgv - the flags to filter; default: `process.execArgv`.
 */
export function workerExecArgv(execArgv?: readonly string[]): string[] {
  const argv =
    execArgv ?? (globalThis as { process?: { execArgv?: readonly string[] } }).process?.execArgv ?? [];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // Each of these flags takes the next argument as its value; both stay with this thread.
    if (SEPARATE_VALUE.has(a)) i++;
    else if (!INLINE_VALUE.test(a) && !rejected.has(a)) out.push(a);
  }
  return out;
}

/** Flags a worker start in this process rejected. */
const rejected = new Set<string>();

/**
 * Learns from a failed worker start: when `error` is Node's `ERR_WORKER_INVALID_EXEC_ARGV` ("Initiated Worker
 * with invalid execArgv flags: a, b"), records those flags so that {@link workerExecArgv} leaves them out, and
 * returns true — start the worker again without them. Returns false for any other error (rethrow it).
 * {@link startWithWorkerFlags} does both.
 */
export function rejectedWorkerFlags(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || typeof e.message !== 'string') return false;
  const list = /flags: (.*)$/s.exec(e.message)?.[1];
  let added = false;
  for (const flag of list?.split(/,\s*/) ?? []) {
    if (flag && !rejected.has(flag)) {
      rejected.add(flag);
      added = true;
    }
  }
  return added;
}

/**
 * Starts a worker thread with `start(execArgv)`, `execArgv` being `flags` (default: {@link workerExecArgv}).
 * When Node refuses some of them (V8's flags such as `--max-old-space-size` or `--expose-gc`), learns them
 * ({@link rejectedWorkerFlags}) and starts it once more without them; any other error is thrown as it is.
 *
 * @example
 * ```ts
 * const worker = startWithWorkerFlags((execArgv) => new Worker(url, { execArgv }));
 * ```
 */
export function startWithWorkerFlags<W>(
  start: (execArgv: string[]) => W,
  flags: readonly string[] = workerExecArgv(),
): W {
  try {
    return start([...flags]);
  } catch (e) {
    if (!rejectedWorkerFlags(e)) throw e;
    return start(flags.filter((f) => !rejected.has(f)));
  }
}

const SEPARATE_VALUE = new Set([
  '--conditions',
  '-C',
  '-e',
  '--eval',
  '-p',
  '--print',
  '--input-type',
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
]);
const INLINE_VALUE =
  /^(--conditions|-C|--input-type|--eval|--print|--import|--require|--loader|--experimental-loader)=/;
