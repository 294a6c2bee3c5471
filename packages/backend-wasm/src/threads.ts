import { nodeBuiltin, startWithWorkerFlags } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The most threads tfjs-backend-wasm 4.22's threaded binary can use: it pre-creates 8 pthread workers and
 * caps its XNNPACK thread pool at 8 (`max_num_threads` in its `backend.cc`).
 */
export const WASM_MAX_THREADS = 8;

/** The subset of `@tensorflow/tfjs-backend-wasm`'s exports the thread set-up uses. */
export interface WasmThreadsApi {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

const FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';

type NodeOs = typeof import('node:os');
type NodeFs = typeof import('node:fs');
type NodePath = typeof import('node:path');
type NodeModule = typeof import('node:module');
type NodeWorkerThreads = typeof import('node:worker_threads');

interface NodeProcess {
  versions?: { node?: string };
}

/** True in Node.js, and in Deno and Bun (which provide Node's `process`, `worker_threads` and `os`); not in a browser, even one with a `process` shim. */
export function isNode(): boolean {
  const p = (globalThis as { process?: NodeProcess }).process;
  return (
    typeof p?.versions?.node === 'string' &&
    typeof (globalThis as { window?: unknown }).window === 'undefined'
  );
}

/** The CPU cores this process may use: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` elsewhere. */
export function availableCores(): number {
  if (isNode()) {
    const os = nodeBuiltin<NodeOs>('node:os', 'counting CPU cores');
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/**
 * The default of `wasmBackend({ threads })`: every core this process may use, at most {@link WASM_MAX_THREADS};
 * in a browser page that is not cross-origin isolated (no `SharedArrayBuffer`), 1.
 */
export function defaultWasmThreads(): number {
  if (!isNode() && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) return 1;
  return Math.min(availableCores(), WASM_MAX_THREADS);
}

let loadedApi: WasmThreadsApi | undefined;

/** Remembers the tfjs-backend-wasm module, for {@link wasmThreadsCount}. */
export function rememberWasmApi(api: WasmThreadsApi): void {
  loadedApi = api;
}

/**
 * The tfjs wasm backend if it has been initialised, else null, without starting its initialisation:
 * `tf.findBackend('wasm')` starts it when it has not begun (and `setBackend('wasm')` then starts a second one,
 * which wins; the first still instantiates a whole module, with its own pthread workers, and its constructor
 * can overwrite tfjs's threads count).
 */
export function initialisedWasmBackend(): tf.KernelBackend | null {
  const { registry } = tf.engine();
  return Object.hasOwn(registry, 'wasm') ? (registry.wasm ?? null) : null;
}

/**
 * The number of threads the active wasm backend computes with (tfjs-backend-wasm's `getThreadsCount()`:
 * the size of XNNPACK's thread pool); 0 when the wasm backend has not been initialised in this process.
 */
export function wasmThreadsCount(): number {
  if (!loadedApi || initialisedWasmBackend() === null) return 0;
  try {
    return loadedApi.getThreadsCount();
  } catch {
    return 0;
  }
}

/** Sets a tfjs flag for the duration of the set-up; the returned function puts back what was there. */
function setFlagTemporarily(name: string, value: boolean): () => void {
  const flags = tf.env().getFlags() as Record<string, unknown>;
  const had = Object.hasOwn(flags, name);
  const before = flags[name];
  tf.env().set(name, value);
  return () => {
    if (had) tf.env().set(name, before as boolean);
    else delete flags[name];
  };
}

/**
 * The first line of the pthread worker script: gives the worker's global an own, writable `location` where the
 * runtime has only an inherited getter (Deno's Web Workers); does nothing where `location` is absent (Node, Bun).
 */
const WRITABLE_LOCATION =
  "if ('location' in globalThis) try { Object.defineProperty(globalThis, 'location', { value: globalThis.location, writable: true, configurable: true }); } catch {}";

/**
 * Node: tfjs-backend-wasm refuses threads (its `WASM_HAS_MULTITHREAD_SUPPORT` flag is false under Node,
 * tensorflow/tfjs#3830) and hands Emscripten's pthread workers their script as a `Blob` URL, which
 * `worker_threads` cannot load. For the duration of `setBackend('wasm')` only, this
 * - forces the flag true, so tfjs loads `tfjs-backend-wasm-threaded-simd.wasm`;
 * - answers `URL.createObjectURL` (called once, for the worker script) with the path of a temporary `.cjs`
 *   file: tfjs's own worker script (`wasm-out/*.worker.js`), preceded by two lines that make the worker's
 *   `importScripts` of the main script (a `Blob` too) load the package's `wasm-out/…-threaded-simd.js` file;
 * - makes `os.cpus()` report `2 × threads` entries: the C++ side caps the pool at
 *   `emscripten_num_logical_cores() / 2` (it assumes two hyper-threads per core), which Emscripten takes
 *   from `os.cpus().length` in Node — on a 2-core machine that cap is 1, which is why `setThreadsCount(2)`
 *   alone still gave one thread.
 * Returns the function that undoes all of it: pass whether the backend initialised; if not, the workers
 * started are terminated. The temporary file is deleted once every worker has read it.
 */
function prepareNodeThreads(threads: number): (ok: boolean) => void {
  const what = 'threads for the wasm backend';
  const os = nodeBuiltin<NodeOs>('node:os', what);
  const fs = nodeBuiltin<NodeFs>('node:fs', what);
  const path = nodeBuiltin<NodePath>('node:path', what);
  const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads', what);
  const { createRequire } = nodeBuiltin<NodeModule>('node:module', what);
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const mainScript = path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(
    path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as { wasmWorkerContents: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-wasm-'));
  const workerFile = path.join(dir, 'pthread-worker.cjs');
  // Inside each worker (its own globals): the main script, which tfjs sends as a Blob, is read from its file.
  // The string holds escaped newlines inside string literals: keep them escaped (as tfjs does for its Blob).
  // Deno runs `worker_threads` on Web Workers, whose global `location` has only a getter: the script's
  // `Object.assign(global, { location: __filename, … })` threw there, uncatchably, and took the process down.
  // An own, writable `location` on the worker's global lets that assignment through (a no-op in Node and Bun).
  fs.writeFileSync(
    workerFile,
    `${WRITABLE_LOCATION}\nURL.createObjectURL = function () { return ${JSON.stringify(mainScript)}; };\nURL.revokeObjectURL = function () {};\n${wasmWorkerContents.replace(/\n/g, '\\n')}\n`,
  );
  const undoFlag = setFlagTemporarily(FLAG, true);
  const cpus = os.cpus;
  const real = cpus.call(os);
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = () => workerFile;
  // Track the workers Emscripten starts (it takes `worker_threads.Worker` while tfjs initialises), so that a
  // failed initialisation does not leave them keeping the process alive, and the file goes once all started.
  const RealWorker = wt.Worker;
  const started: InstanceType<typeof RealWorker>[] = [];
  const notOnline = new Set<object>();
  let settled = false;
  let removed = false;
  const removeFile = () => {
    if (removed) return;
    removed = true;
    fs.rmSync(dir, { recursive: true, force: true });
    process.removeListener('exit', removeFile);
  };
  process.once('exit', removeFile);
  const maybeRemove = () => {
    if (settled && notOnline.size === 0) removeFile();
  };
  // The pthread script is plain CommonJS: it needs none of this process's loaders or export conditions. By
  // default a worker takes every flag of its process, so under tsx (`pnpm start`, the examples) each of the 8
  // workers loaded tsx again: ~1.7 s of CPU and ~0.8 s of wall time per backend start on 2 cores (now ~0.3 s
  // and ~0.17 s).
  // With no flags in this process there is nothing to leave out: the workers keep Node's default.
  const own = (process.execArgv?.length ?? 0) > 0;
  type NodeWorker = InstanceType<typeof RealWorker>;
  const startWorker = (script: ConstructorParameters<typeof RealWorker>[0], options?: object): NodeWorker =>
    startWithWorkerFlags((execArgv) => new RealWorker(script, { ...options, ...(own ? { execArgv } : {}) }));
  // Called with `new` by Emscripten; returns a real worker_threads Worker (so `instanceof Worker` holds).
  const TrackedWorker = function TrackedWorker(...args: ConstructorParameters<typeof RealWorker>) {
    const w = startWorker(args[0], args[1]);
    started.push(w);
    notOnline.add(w);
    // a worker has read its script once it is online
    const seen = () => {
      notOnline.delete(w);
      maybeRemove();
    };
    w.once('online', seen);
    w.once('exit', seen);
    return w;
  } as unknown as typeof RealWorker;
  (wt as { Worker: typeof RealWorker }).Worker = TrackedWorker;
  const g = globalThis as { Worker?: unknown };
  return (ok) => {
    (wt as { Worker: typeof RealWorker }).Worker = RealWorker;
    if (g.Worker === TrackedWorker) g.Worker = RealWorker;
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    undoFlag();
    settled = true;
    if (!ok) {
      Promise.all(started.map((w) => w.terminate())).then(removeFile, removeFile);
      return;
    }
    maybeRemove();
  };
}

/**
 * Browser: tfjs uses its threaded binary by itself when the page is cross-origin isolated; its C++ side caps
 * the pool at `navigator.hardwareConcurrency / 2`, so for the duration of `setBackend('wasm')` this makes
 * `navigator.hardwareConcurrency` read `2 × threads` (an own property shadowing the prototype's getter).
 */
function prepareBrowserThreads(threads: number): (ok: boolean) => void {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav || Object.hasOwn(nav, 'hardwareConcurrency')) return () => {};
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  } catch {
    return () => {};
  }
  return () => {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  };
}

/**
 * Prepares the next `setBackend('wasm')` for `threads` threads and returns the function that undoes the
 * preparation (call it once `setBackend` has settled, with whether it succeeded). `threads: 1` selects the single-threaded SIMD binary
 * everywhere (today's path); above 1, the threaded SIMD binary (Node: see `prepareNodeThreads`; browsers:
 * only in a cross-origin-isolated page, otherwise tfjs falls back to one thread).
 */
export function prepareWasmThreads(api: WasmThreadsApi, threads: number): (ok: boolean) => void {
  const n = Math.min(threads, WASM_MAX_THREADS);
  api.setThreadsCount(n);
  if (n === 1) return setFlagTemporarily(FLAG, false);
  return isNode() ? prepareNodeThreads(n) : prepareBrowserThreads(n);
}

interface PThreadWorker {
  unref?(): void;
}
interface WasmModuleWithPThreads {
  PThread?: { runningWorkers: PThreadWorker[]; unusedWorkers: PThreadWorker[] };
}

/**
 * Node: lets the process exit while the thread pool's workers idle (Emscripten `ref()`s a worker while it
 * runs a pthread, and XNNPACK's pool threads run for the life of the backend). The workers are terminated by
 * the backend's `dispose()` (tfjs `removeBackend('wasm')`) or when the process exits.
 */
export function unrefWasmWorkers(backend: tf.KernelBackend | null): void {
  if (!isNode() || !backend) return;
  const pthread = (backend as unknown as { wasm?: WasmModuleWithPThreads }).wasm?.PThread;
  if (!pthread) return;
  for (const w of [...pthread.runningWorkers, ...pthread.unusedWorkers]) w.unref?.();
}
