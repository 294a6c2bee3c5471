// The engine guard with real tfjs work on two real backends: tfjs's CPU backend registered under two names
// ('cpu' and 'wasm' here, two engines' worth of separate tensor storage), so switching moves data exactly as
// switching cpu ↔ wasm does, without needing the wasm package in core.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendPlugin,
  BackendUnavailableError,
  BaseEstimator,
  ConcurrentFitError,
  EngineGuard,
  engineGuard,
  type ParamSpec,
  Registry,
} from '../index.js';

beforeAll(() => {
  if (!tf.findBackend('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  if (!tf.findBackend('wasm')) {
    tf.registerBackend('wasm', () => new MathBackendCPU(), 0);
    for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'wasm' });
  }
});

/** Activations running at this moment, over every plugin, and the most seen at once. */
const activating = { now: 0, max: 0 };

interface Probe extends BackendPlugin {
  activations: number;
  concurrentActivations: number;
  maxConcurrentActivations: number;
}

/** A backend plugin over a real tfjs backend; counts activations and how many ran at once. */
function plugin(name: string, opts: { failFirst?: number } = {}): Probe {
  let failures = opts.failFirst ?? 0;
  return {
    kind: 'backend',
    name,
    priority: name === 'wasm' ? 2 : 1,
    activations: 0,
    concurrentActivations: 0,
    maxConcurrentActivations: 0,
    isAvailable: () => true,
    async activate() {
      activating.now++;
      activating.max = Math.max(activating.max, activating.now);
      this.concurrentActivations++;
      this.maxConcurrentActivations = Math.max(this.maxConcurrentActivations, this.concurrentActivations);
      try {
        await new Promise((r) => setTimeout(r, 2)); // an activation takes time (wasm: instantiation)
        if (failures > 0) {
          failures--;
          throw new BackendUnavailableError(`${name} failed to initialise (simulated)`);
        }
        this.activations++;
        if (!(await tf.setBackend(name))) throw new BackendUnavailableError(`${name} did not activate`);
      } finally {
        activating.now--;
        this.concurrentActivations--;
      }
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 1));

interface Span {
  backend: string;
  id: number;
  start: number;
  end: number;
}

/** Fake training: a few steps with awaits between them, each checking that the engine is on `backend`. */
async function fakeFit(backend: string, id: number, spans: Span[], clock: { t: number }, steps = 4) {
  const span: Span = { backend, id, start: clock.t++, end: -1 };
  spans.push(span);
  const init = tf.fill([8, 8], id);
  let w = tf.variable(init);
  init.dispose();
  for (let s = 0; s < steps; s++) {
    expect(tf.getBackend()).toBe(backend);
    const next = tf.tidy(() => tf.add(tf.matMul(w, tf.eye(8)), 1));
    w.dispose();
    w = tf.variable(next);
    next.dispose();
    await tick();
  }
  expect(tf.getBackend()).toBe(backend);
  const out = (await w.data())[0]!;
  w.dispose();
  span.end = clock.t++;
  return out;
}

function overlaps(spans: Span[]): string[] {
  const bad: string[] = [];
  for (const a of spans)
    for (const b of spans)
      if (a.backend !== b.backend && a.start < b.end && b.start < a.end) bad.push(`${a.id}/${b.id}`);
  return bad;
}

describe('engine guard', () => {
  it('runs work on cpu and wasm concurrently without overlap: each call entirely on its own backend, same results as alone', async () => {
    const cpu = plugin('cpu');
    const wasm = plugin('wasm');
    const r = new Registry().use(cpu).use(wasm);
    const before = tf.memory().numTensors;
    const spans: Span[] = [];
    const clock = { t: 0 };
    const order = ['cpu', 'wasm', 'cpu', 'wasm', 'wasm', 'cpu', 'cpu', 'wasm'];
    const results = await Promise.all(
      order.map((b, id) => r.withBackend(b, (name) => fakeFit(name, id, spans, clock))),
    );
    expect(results).toEqual(order.map((_, id) => id + 4));
    expect(overlaps(spans)).toEqual([]);
    // Served in call order: every call starts after the calls before it that needed another backend.
    const byId = [...spans].sort((a, b) => a.id - b.id);
    for (let i = 1; i < byId.length; i++) {
      if (byId[i]!.backend !== byId[i - 1]!.backend)
        expect(byId[i]!.start).toBeGreaterThan(byId[i - 1]!.start);
    }
    expect(cpu.maxConcurrentActivations + wasm.maxConcurrentActivations).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    expect(engineGuard().state.running).toBe(0);
  });

  it('lets work on one backend interleave, and activates a backend once for many waiting calls', async () => {
    const cpu = plugin('cpu');
    const wasm = plugin('wasm');
    const r = new Registry().use(cpu).use(wasm);
    await r.activateBackend('cpu');
    const guard = engineGuard();
    let maxRunning = 0;
    const work = async () => {
      for (let i = 0; i < 3; i++) {
        maxRunning = Math.max(maxRunning, guard.state.running);
        expect(tf.getBackend()).toBe('wasm');
        await tick();
      }
      return tf.getBackend();
    };
    const before = wasm.activations;
    const names = await Promise.all(Array.from({ length: 10 }, () => r.withBackend('wasm', work)));
    expect(names).toEqual(Array(10).fill('wasm'));
    expect(maxRunning).toBe(10);
    expect(wasm.activations - before).toBe(1);
    expect(wasm.maxConcurrentActivations).toBe(1);
  });

  it('queues later calls on the running backend behind a waiting call (no starvation)', async () => {
    const r = new Registry().use(plugin('cpu')).use(plugin('wasm'));
    const log: string[] = [];
    const step = (name: string, ms: number) => async () => {
      log.push(`${name}+`);
      await new Promise((res) => setTimeout(res, ms));
      log.push(`${name}-`);
    };
    const a = r.withBackend('cpu', step('cpu1', 20));
    await tick(); // cpu1 is running
    const b = r.withBackend('wasm', step('wasm1', 1));
    await tick();
    const c = r.withBackend('cpu', step('cpu2', 1)); // must not jump over wasm1
    await Promise.all([a, b, c]);
    expect(log).toEqual(['cpu1+', 'cpu1-', 'wasm1+', 'wasm1-', 'cpu2+', 'cpu2-']);
  });

  it('an activation that fails rejects only its own call; later calls still run; errors of work pass through', async () => {
    const wasm = plugin('wasm', { failFirst: 1 });
    const r = new Registry().use(plugin('cpu')).use(wasm);
    const results = await Promise.allSettled([
      r.withBackend('wasm', async () => 'first'),
      r.withBackend('cpu', async () => {
        throw new RangeError('work failed');
      }),
      r.withBackend('wasm', async () => 'third'),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(BackendUnavailableError) });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(RangeError) });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 'third' });
    expect(engineGuard().state).toMatchObject({ running: 0, queued: [], switching: false });
  });

  it('a call from inside running work runs there (no deadlock behind waiters); one needing another backend is a named error', async () => {
    const r = new Registry().use(plugin('cpu')).use(plugin('wasm'));
    let release!: () => void;
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const outer = r.withBackend('cpu', async () => {
      await gate; // a wasm call is waiting now
      expect(engineGuard().state.queued).toEqual(['wasm']);
      const inner = await r.withBackend('cpu', async (b) => `inner on ${b}`);
      await expect(r.withBackend('wasm', async () => 'never')).rejects.toThrowError(
        /from inside work running on "cpu"/,
      );
      return inner;
    });
    await tick();
    const waiter = r.withBackend('wasm', async () => 'waited');
    await tick();
    release();
    expect(await outer).toBe('inner on cpu');
    expect(await waiter).toBe('waited');
  });

  it('serialises concurrent activations of one backend (they raced before)', async () => {
    const r1 = new Registry().use(plugin('cpu')).use(plugin('wasm'));
    activating.max = 0;
    const r2 = new Registry().use(plugin('cpu')).use(plugin('wasm'));
    await Promise.all([
      r1.activateBackend('wasm'),
      r2.activateBackend('cpu'),
      r1.activateBackend('cpu'),
      r2.activateBackend('wasm'),
      r1.activateBackend('auto'),
    ]);
    expect(activating.max).toBe(1);
  });

  it('is one object per process, kept on globalThis', () => {
    expect(engineGuard()).toBe(engineGuard());
    expect(engineGuard()).toBeInstanceOf(EngineGuard);
  });
});

interface ToyParams {
  backend: string;
  steps: number;
}
const spec: ParamSpec<ToyParams> = {
  backend: { type: 'string' },
  steps: { type: 'int', min: 1 },
};

/** A minimal estimator: fit learns a constant over a few awaited steps; predict returns it. */
class Toy extends BaseEstimator<ToyParams> {
  value: number | null = null;
  constructor(params: Partial<ToyParams>, registry: Registry) {
    super({ backend: 'auto', steps: 3 }, spec, params, { registry });
  }
  get isFitted() {
    return this.value !== null;
  }
  fit(target: number): Promise<this> {
    return this.runFit('fit', async () => {
      let v = 0;
      for (let i = 0; i < this.params.steps; i++) {
        v += target / this.params.steps;
        await tick();
      }
      this.value = v;
      return this;
    });
  }
  predict(): Promise<number> {
    return this.withEngine('predict', async () => this.value!);
  }
}

describe('estimators on the engine guard', () => {
  it('a second fit on a fitting estimator rejects at once with ConcurrentFitError; the first completes; predict sees the previous model', async () => {
    const r = new Registry().use(plugin('cpu')).use(plugin('wasm'));
    const toy = new Toy({ backend: 'cpu', steps: 5 }, r);
    await expect(toy.predict()).rejects.toThrowError(/not fitted yet/);
    await toy.fit(1);
    const refit = toy.fit(10);
    expect(toy.isFitting).toBe(true);
    let settled = false;
    const second = toy.fit(20).finally(() => {
      settled = true;
    });
    await expect(second).rejects.toThrowError(ConcurrentFitError);
    expect(settled).toBe(true);
    await expect(toy.fit(20)).rejects.toThrowError(/fit\(\) was called while its fit\(\) is still running/);
    // Queued behind a waiting wasm call, predict still joins its own running fit and sees the old model.
    const other = r.withBackend('wasm', async () => 'other');
    expect(await toy.predict()).toBeCloseTo(1);
    await refit;
    await other;
    expect(toy.isFitting).toBe(false);
    expect(await toy.predict()).toBeCloseTo(10);
    // A later fit works again.
    await toy.fit(3);
    expect(await toy.predict()).toBeCloseTo(3);
  });
});
