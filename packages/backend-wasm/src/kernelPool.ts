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
// parity): function index, parts, memory id.
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
 * How long (µs) a worker keeps spinning for the next job before it sleeps on `Atomics.wait`: a training step's
 * GEMMs come every few tens of µs, a sleeping worker takes 13–100 µs to wake.
 */
const WORKER_SPIN_MICROS = 300;

/** How long the caller waits for a worker's claimed part without progress before it gives the pool up. */
const STALL_MS = 30_000;

/** The worker's script (CommonJS, run with `eval`): claims parts and runs them on its own instance. */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { wasmModule, control, args: argsBuffer, names, port, spinMicros } = workerData;
const ctrl = new Int32Array(control);
const args = new Float64Array(argsBuffer);
const bound = new Map();
let mail = 0;
function drain() {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const d = m.message;
    if (d.memory) {
      const ex = new WebAssembly.Instance(wasmModule, { env: { memory: d.memory } }).exports;
      bound.set(d.id, names.map((n) => ex[n]));
    } else if (d.release !== undefined) bound.delete(d.release);
  }
}
let seq = Atomics.load(ctrl, ${SEQ});
for (;;) {
  if (Atomics.load(ctrl, ${STOP}) !== 0) break;
  const m = Atomics.load(ctrl, ${MAIL});
  if (m !== mail) { mail = m; drain(); }
  for (;;) {
    const cur = Atomics.load(ctrl, ${NEXT});
    const slot = ${SLOTS} + ((cur >>> 8) & 1) * 4;
    const part = cur & 255;
    if (part >= Atomics.load(ctrl, slot + 1)) break;
    if (Atomics.compareExchange(ctrl, ${NEXT}, cur, cur + 1) !== cur) continue;
    try {
      const id = ctrl[slot + 2];
      let fns = bound.get(id);
      if (fns === undefined) { drain(); fns = bound.get(id); }
      const f = fns[ctrl[slot]];
      const o = ((((cur >>> 8) & 1) * ${MAX_PARTS}) + part) * ${PART_ARGS};
      f(args[o], args[o + 1], args[o + 2], args[o + 3], args[o + 4], args[o + 5], args[o + 6], args[o + 7],
        args[o + 8], args[o + 9], args[o + 10], args[o + 11], args[o + 12], args[o + 13], args[o + 14], args[o + 15]);
    } catch {
      Atomics.add(ctrl, ${FAULT}, 1);
    }
    Atomics.add(ctrl, ${WORKER_PARTS}, 1);
    Atomics.add(ctrl, ${DONE}, 1);
  }
  const t0 = performance.now();
  let n = 0;
  while (Atomics.load(ctrl, ${SEQ}) === seq && Atomics.load(ctrl, ${STOP}) === 0) {
    if ((++n & 1023) === 0 && performance.now() - t0 > spinMicros / 1000) Atomics.wait(ctrl, ${SEQ}, seq);
  }
  seq = Atomics.load(ctrl, ${SEQ});
}
`;

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
  readonly #workers: import('node:worker_threads').Worker[] = [];
  readonly #ports: import('node:worker_threads').MessagePort[] = [];
  #gen = 0;
  #busy = false;
  #disposed = false;

  /** Workers beside the calling thread. */
  readonly size: number;

  private constructor(module: WebAssembly.Module, workers: number) {
    this.#ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
    this.#args = new Float64Array(new SharedArrayBuffer(2 * MAX_PARTS * PART_ARGS * 8));
    const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads', 'the wasm kernel thread pool');
    try {
      for (let i = 0; i < workers; i++) {
        const { port1, port2 } = new wt.MessageChannel();
        const worker = new wt.Worker(WORKER_SOURCE, {
          eval: true,
          workerData: {
            wasmModule: module,
            control: this.#ctrl.buffer,
            args: this.#args.buffer,
            names: [...POOL_FUNCTIONS],
            port: port2,
            spinMicros: WORKER_SPIN_MICROS,
          },
          transferList: [port2],
        });
        worker.unref();
        port1.unref();
        // A worker that fails to start leaves its parts to the caller; nothing to report.
        worker.on('error', () => {});
        this.#workers.push(worker);
        this.#ports.push(port1);
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.size = this.#workers.length;
  }

  /** A pool of `workers` threads for `module` (the `-mt` kernel build), or null where threads are not available. */
  static create(module: WebAssembly.Module, workers: number): KernelPool | null {
    if (workers < 1 || !isNode() || typeof SharedArrayBuffer !== 'function') return null;
    try {
      return new KernelPool(module, workers);
    } catch {
      return null;
    }
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
    for (const p of this.#ports) p.postMessage({ release: binding.id });
    Atomics.add(this.#ctrl, MAIL, 1);
  }

  /**
   * Runs `parts` parts (at most {@link MAX_PARTS}) of function `fn` on `binding`; part p's arguments are
   * `argBlock[argBase + p * PART_ARGS …]`, filled by the caller first. Returns when every part is done.
   */
  run(binding: PoolBinding, fn: number, parts: number): void {
    const ctrl = this.#ctrl;
    if (this.#busy) throw new LayerwiseError('KernelPool.run: called while a job is running.');
    if (!binding.posted) {
      for (const p of this.#ports) p.postMessage({ id: binding.id, memory: binding.memory });
      Atomics.add(ctrl, MAIL, 1);
      binding.posted = true;
    }
    this.#busy = true;
    const gen = (this.#gen + 1) & GEN_MASK;
    this.#gen = gen;
    const slot = SLOTS + (gen & 1) * 4;
    ctrl[slot] = fn;
    ctrl[slot + 1] = parts;
    ctrl[slot + 2] = binding.id;
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
    for (const p of this.#ports) p.close();
    for (const w of this.#workers) void w.terminate();
  }

  /** Parts the workers (not the calling thread) have run so far. */
  get workerParts(): number {
    return Atomics.load(this.#ctrl, WORKER_PARTS);
  }

  get disposed(): boolean {
    return this.#disposed;
  }
}
