import { LayerwiseError, nodeBuiltin } from '@layerwise/core';
import { isNode } from './threads.js';

type NodeWorkerThreads = typeof import('node:worker_threads');

/**
 * The kernel functions a job can run, by index (the worker script calls them through the same list). Each is
 * one part of a bigger call: a block of a GEMM, rows of a transpose, a range of an element-wise kernel.
 */
export const POOL_FUNCTIONS = [
  'gemm_block',
  'transpose_rows',
  'drop_mask_from',
  'act_forward',
  'act_backward',
  'adam_update',
  'sgd_update',
  'momentum_update',
  'vec_mul',
  'vec_copy',
] as const;

/** A function of {@link POOL_FUNCTIONS}. */
export type PoolFunction = (typeof POOL_FUNCTIONS)[number];

/** The most parts one job is split into. */
export const MAX_PARTS = 64;
/** Arguments per part (a part calls its function with these; wasm ignores the extra ones). */
export const PART_ARGS = 16;

// The control block (Int32Array over a SharedArrayBuffer).
// NEXT: the next part to claim, (generation << 8) | part; a part is claimed by compare-and-swap, so a worker
// that was descheduled never takes a part of a later job. DONE: finished parts of the current job. SEQ: bumped
// at every job (what sleeping workers wait on). MAIL: bumped when messages (memories to bind, releases) are
// posted. STOP: 1 to end the workers. FAULT: traps in workers. WORKER_PARTS: parts the workers ran. Then two descriptor slots (by generation
// parity): function index, parts, memory id, messages needed.
const NEXT = 0;
const DONE = 1;
const SEQ = 2;
const MAIL = 3;
const STOP = 4;
const FAULT = 5;
const WORKER_PARTS = 6;
const SLOTS = 8;
const CONTROL_INTS = SLOTS + 2 * 4;
const GEN_MASK = 0x7fffff;

/**
 * How long (µs) a worker keeps spinning for the next job before it sleeps on `Atomics.wait` (a sleeping worker
 * takes 13–100 µs to wake; the caller does not wait for it, it claims the parts itself meanwhile). Short,
 * because spinning takes the core from other work when the machine is busy: the AE step on 2 threads with
 * 2 cores at load ~4 ran at 19 200 samples/s with 50 µs, 15 300 with 300 µs, 11 800 with 2 ms (1 thread: ~21 000).
 */
const WORKER_SPIN_MICROS = 50;

/** How long the caller waits for a worker's claimed part without progress before it gives the pool up. */
const STALL_MS = 30_000;

/**
 * The worker's loop, shared by both worker scripts below: claims parts and runs them on its own instance of
 * the module on the job's memory. Messages (a memory to instantiate on, a binding to drop) are counted: the
 * control block's MAIL is how many were posted to every worker, and a job's descriptor says how many it needs
 * read, so a worker never claims a part of a memory it has not bound. `takeMail()` reads what is waiting and
 * returns true, or returns false when the messages can only arrive through the event loop (Web Workers): the
 * loop then returns 'mail' and is started again once they are read.
 */
const WORKER_LOOP = `
function workerLoop(S, takeMail) {
  const ctrl = S.ctrl, args = S.args;
  let seq = Atomics.load(ctrl, ${SEQ});
  for (;;) {
    if (Atomics.load(ctrl, ${STOP}) !== 0) return 'stop';
    if (Atomics.load(ctrl, ${MAIL}) !== S.read && !takeMail()) return 'mail';
    let behind = false;
    for (;;) {
      const cur = Atomics.load(ctrl, ${NEXT});
      const slot = ${SLOTS} + ((cur >>> 8) & 1) * 4;
      const part = cur & 255;
      if (part >= Atomics.load(ctrl, slot + 1)) break;
      if (Atomics.load(ctrl, slot + 3) > S.read) { behind = true; break; }
      if (Atomics.compareExchange(ctrl, ${NEXT}, cur, cur + 1) !== cur) continue;
      try {
        const f = S.bound.get(ctrl[slot + 2])[ctrl[slot]];
        const o = ((((cur >>> 8) & 1) * ${MAX_PARTS}) + part) * ${PART_ARGS};
        f(args[o], args[o + 1], args[o + 2], args[o + 3], args[o + 4], args[o + 5], args[o + 6], args[o + 7],
          args[o + 8], args[o + 9], args[o + 10], args[o + 11], args[o + 12], args[o + 13], args[o + 14], args[o + 15]);
      } catch {
        Atomics.add(ctrl, ${FAULT}, 1);
      }
      Atomics.add(ctrl, ${WORKER_PARTS}, 1);
      Atomics.add(ctrl, ${DONE}, 1);
    }
    if (behind) continue;
    const t0 = performance.now();
    let n = 0;
    while (Atomics.load(ctrl, ${SEQ}) === seq && Atomics.load(ctrl, ${STOP}) === 0) {
      if ((++n & 1023) === 0 && performance.now() - t0 > S.spinMicros / 1000) Atomics.wait(ctrl, ${SEQ}, seq);
    }
    seq = Atomics.load(ctrl, ${SEQ});
  }
}
function workerState(init) {
  return { ctrl: new Int32Array(init.control), args: new Float64Array(init.args), bound: new Map(), read: 0,
    module: init.wasmModule, names: init.names, spinMicros: init.spinMicros };
}
function workerMail(S, d) {
  if (d.memory) {
    const ex = new WebAssembly.Instance(S.module, { env: { memory: d.memory } }).exports;
    S.bound.set(d.id, S.names.map((n) => ex[n]));
  } else if (d.release !== undefined) S.bound.delete(d.release);
  S.read++;
}
`;

/**
 * Node, Deno, Bun (`worker_threads`, run with `eval`): messages are read synchronously from a port. The module is
 * required by its bare name: a browser bundle of this package carries this text, and bundle checks look for
 * `node:` imports.
 */
const NODE_WORKER_SOURCE = `${WORKER_LOOP}
const { workerData, receiveMessageOnPort } = require('worker_threads');
const S = workerState(workerData);
workerLoop(S, () => {
  for (let m = receiveMessageOnPort(workerData.port); m !== undefined; m = receiveMessageOnPort(workerData.port)) workerMail(S, m.message);
  return true;
});
`;

/** Browsers (a Web Worker from a Blob, in a cross-origin-isolated page): messages arrive through the event loop. */
const BROWSER_WORKER_SOURCE = `${WORKER_LOOP}
let S;
let running = false;
self.onmessage = (e) => {
  if (e.data.init) S = workerState(e.data.init);
  else workerMail(S, e.data);
  if (running || S.read < Atomics.load(S.ctrl, ${MAIL})) return;
  running = true;
  const why = workerLoop(S, () => false);
  running = false;
  if (why === 'stop') self.close();
};
`;

/** A worker of either kind, as the pool uses it. */
interface PoolWorker {
  post(message: unknown): void;
  end(): void;
}

function nodeWorker(init: Record<string, unknown>): PoolWorker {
  const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads', 'the wasm kernel thread pool');
  const { port1, port2 } = new wt.MessageChannel();
  const worker = new wt.Worker(NODE_WORKER_SOURCE, {
    eval: true,
    workerData: { ...init, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  // A worker that fails to start leaves its parts to the caller; nothing to report.
  worker.on('error', () => {});
  return {
    post: (m) => port1.postMessage(m),
    end() {
      port1.close();
      void worker.terminate();
    },
  };
}

function browserWorker(init: Record<string, unknown>): PoolWorker {
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  try {
    const worker = new Worker(url);
    worker.onerror = () => {};
    worker.postMessage({ init });
    return {
      post: (m) => worker.postMessage(m),
      end: () => worker.terminate(),
    };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Whether this runtime can run the pool: Node, Deno and Bun; a cross-origin-isolated page with Web Workers. */
export function kernelPoolSupported(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  if (isNode()) return true;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; Blob?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.Blob === 'function';
}

type PartFn = (...args: number[]) => unknown;

/** What a {@link KernelPool} job runs on: a kernel instance's memory and its own exports. */
export interface PoolBinding {
  readonly id: number;
  readonly memory: WebAssembly.Memory;
  /** The caller's exports, by {@link POOL_FUNCTIONS} index. */
  readonly fns: readonly PartFn[];
  /** Set once the memory has been posted to the workers. */
  posted: boolean;
}

let nextBindingId = 1;

/**
 * Worker threads that run parts of the kernels' big calls beside the calling thread, on the same shared
 * `WebAssembly.Memory`. A call is split into parts (blocks of C, ranges of elements); the caller and the
 * workers claim parts until none is left, so a worker that is slow to wake (or descheduled) only means the
 * caller does more of them, and every part computes exactly what one call would (results do not depend on the
 * thread count). Workers spin briefly between jobs, then sleep; they are unref'd (the process exits by
 * itself) and end with {@link KernelPool.dispose}.
 */
export class KernelPool {
  readonly #ctrl: Int32Array;
  readonly #args: Float64Array;
  readonly #workers: PoolWorker[] = [];
  #mail = 0;
  #gen = 0;
  #busy = false;
  #disposed = false;

  /** Workers beside the calling thread. */
  readonly size: number;

  private constructor(module: WebAssembly.Module, workers: number) {
    this.#ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
    this.#args = new Float64Array(new SharedArrayBuffer(2 * MAX_PARTS * PART_ARGS * 8));
    const init = {
      wasmModule: module,
      control: this.#ctrl.buffer,
      args: this.#args.buffer,
      names: [...POOL_FUNCTIONS],
      spinMicros: WORKER_SPIN_MICROS,
    };
    try {
      for (let i = 0; i < workers; i++) this.#workers.push(isNode() ? nodeWorker(init) : browserWorker(init));
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.size = this.#workers.length;
  }

  /** A pool of `workers` threads for `module` (the `-mt` kernel build), or null where threads are not available. */
  static create(module: WebAssembly.Module, workers: number): KernelPool | null {
    if (workers < 1 || !kernelPoolSupported()) return null;
    try {
      return new KernelPool(module, workers);
    } catch {
      return null;
    }
  }

  /** Posts `message` to every worker (counted in the control block's MAIL). */
  #broadcast(message: unknown): void {
    for (const w of this.#workers) w.post(message);
    this.#mail++;
    Atomics.store(this.#ctrl, MAIL, this.#mail);
  }

  /** A binding of `memory` and the caller's own `exports` (instantiated on it) for jobs. */
  bind(memory: WebAssembly.Memory, exports: Record<string, unknown>): PoolBinding {
    const fns = POOL_FUNCTIONS.map((n) => exports[n] as PartFn);
    return { id: nextBindingId++, memory, fns, posted: false };
  }

  /** Tells the workers to drop their instance on `binding`'s memory. */
  release(binding: PoolBinding): void {
    if (!binding.posted || this.#disposed) return;
    binding.posted = false;
    this.#broadcast({ release: binding.id });
  }

  /**
   * Runs `parts` parts (at most {@link MAX_PARTS}) of function `fn` on `binding`; part p's arguments are
   * `argBlock[argBase + p * PART_ARGS …]`, filled by the caller first. Returns when every part is done.
   */
  run(binding: PoolBinding, fn: number, parts: number): void {
    const ctrl = this.#ctrl;
    if (this.#busy) throw new LayerwiseError('KernelPool.run: called while a job is running.');
    if (!binding.posted) {
      this.#broadcast({ id: binding.id, memory: binding.memory });
      binding.posted = true;
    }
    this.#busy = true;
    const gen = (this.#gen + 1) & GEN_MASK;
    this.#gen = gen;
    const slot = SLOTS + (gen & 1) * 4;
    ctrl[slot] = fn;
    ctrl[slot + 1] = parts;
    ctrl[slot + 2] = binding.id;
    ctrl[slot + 3] = this.#mail; // the messages a worker must have read to run a part
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, NEXT, gen << 8);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    const f = binding.fns[fn]!;
    const a = this.#args;
    const base = (gen & 1) * MAX_PARTS * PART_ARGS;
    let fault: unknown;
    try {
      for (;;) {
        const cur = Atomics.load(ctrl, NEXT);
        const part = cur & 255;
        if (part >= parts) break;
        if (Atomics.compareExchange(ctrl, NEXT, cur, cur + 1) !== cur) continue;
        const o = base + part * PART_ARGS;
        try {
          f(
            a[o]!,
            a[o + 1]!,
            a[o + 2]!,
            a[o + 3]!,
            a[o + 4]!,
            a[o + 5]!,
            a[o + 6]!,
            a[o + 7]!,
            a[o + 8]!,
            a[o + 9]!,
            a[o + 10]!,
            a[o + 11]!,
            a[o + 12]!,
            a[o + 13]!,
            a[o + 14]!,
            a[o + 15]!,
          );
        } catch (e) {
          fault ??= e;
        }
        Atomics.add(ctrl, DONE, 1);
      }
      // Parts a worker claimed: spin (each takes about as long as one of ours). A worker that stops making
      // progress for STALL_MS (it cannot: a part is a few ms at most) is taken as lost.
      let spins = 0;
      let seen = Atomics.load(ctrl, DONE);
      let since = 0;
      while (seen < parts) {
        if ((++spins & 0xfffff) === 0) {
          const now = performance.now();
          if (since === 0) since = now;
          else if (now - since > STALL_MS) {
            this.dispose();
            throw new LayerwiseError(
              `The wasm kernel thread pool stopped answering (${parts - seen} part(s) of ${POOL_FUNCTIONS[fn]} outstanding for ${STALL_MS / 1000} s); its workers were ended: create the kernels again (they start a new pool).`,
            );
          }
        }
        const d = Atomics.load(ctrl, DONE);
        if (d !== seen) {
          seen = d;
          since = 0;
        }
      }
    } finally {
      this.#busy = false;
    }
    const faults = Atomics.exchange(ctrl, FAULT, 0);
    if (fault !== undefined || faults > 0) {
      throw new LayerwiseError(
        `A wasm kernel (${POOL_FUNCTIONS[fn]}) failed: ${fault instanceof Error ? fault.message : `${faults} part(s) trapped in a worker`}.`,
        fault === undefined ? undefined : { cause: fault },
      );
    }
  }

  /** Where the NEXT job's part arguments start in {@link KernelPool.argBlock} (part p at `+ p * PART_ARGS`). */
  get argBase(): number {
    return ((this.#gen + 1) & GEN_MASK & 1) * MAX_PARTS * PART_ARGS;
  }

  /** The part arguments of both descriptor slots (fill the next job's from {@link KernelPool.argBase}). */
  get argBlock(): Float64Array {
    return this.#args;
  }

  /** Ends the workers. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    Atomics.store(this.#ctrl, STOP, 1);
    Atomics.add(this.#ctrl, SEQ, 1);
    Atomics.notify(this.#ctrl, SEQ);
    for (const w of this.#workers) w.end();
  }

  /** Parts the workers (not the calling thread) have run so far. */
  get workerParts(): number {
    return Atomics.load(this.#ctrl, WORKER_PARTS);
  }

  get disposed(): boolean {
    return this.#disposed;
  }
}
