import { type BackendPlugin, PluginError, Rng } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';

/** Options of {@link checkBackend}. */
export interface CheckBackendOptions {
  /**
   * Skip the whole suite, giving the reason (it appears in the suite's name, so the test report says why),
   * e.g. `'@tensorflow/tfjs-node is not installed here'`. A falsy value runs the suite.
   */
  skip?: string | false | undefined;
  /** Relative tolerance of the fit's losses against the cpu backend's. Default `1e-3` (×100 on 16-bit backends). */
  lossTolerance?: number;
  /** Absolute + relative tolerance of matMul results against the cpu backend's. Default `1e-4`. */
  matMulTolerance?: number;
  /** Absolute + relative tolerance of analytic gradients against central finite differences. Default `2e-3`. */
  gradientTolerance?: number;
}

type Combo = { transposeA: boolean; transposeB: boolean };
const COMBOS: Combo[] = [
  { transposeA: false, transposeB: false },
  { transposeA: true, transposeB: false },
  { transposeA: false, transposeB: true },
  { transposeA: true, transposeB: true },
];
const comboName = (c: Combo) => `transposeA=${c.transposeA}, transposeB=${c.transposeB}`;

/** Seeded values in [-1, 1). */
function uniform(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/** Row-major transpose of an `rows × cols` matrix. */
function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  return out;
}

/** The matMul cases compared against the cpu backend: plain, batched, and fused with bias + relu. */
interface MatMulCase {
  name: string;
  aShape: number[];
  bShape: number[];
  a: Float32Array;
  b: Float32Array;
  combo: Combo;
  fused: boolean;
  bias?: Float32Array;
}

function matMulCases(): MatMulCase[] {
  const rng = new Rng(7);
  const cases: MatMulCase[] = [];
  // [m, k, n] sizes: tiny, odd (not SIMD multiples), and a dense-layer-like one.
  const sizes: [number, number, number][] = [
    [3, 4, 5],
    [7, 13, 9],
    [32, 100, 48],
  ];
  for (const combo of COMBOS) {
    for (const [m, k, n] of sizes) {
      const aShape = combo.transposeA ? [k, m] : [m, k];
      const bShape = combo.transposeB ? [n, k] : [k, n];
      const a = uniform(rng, m * k);
      const b = uniform(rng, k * n);
      cases.push({
        name: `matMul ${m}x${k}·${k}x${n}, ${comboName(combo)}`,
        aShape,
        bShape,
        a,
        b,
        combo,
        fused: false,
      });
      if (m === 7) {
        cases.push({
          name: `fused matMul + bias + relu ${m}x${k}·${k}x${n}, ${comboName(combo)}`,
          aShape,
          bShape,
          a,
          b,
          combo,
          fused: true,
          bias: uniform(rng, n),
        });
      }
    }
    // Batched (rank 3): two independent products.
    const [bt, m, k, n] = [2, 5, 6, 4];
    cases.push({
      name: `batched matMul ${bt}x${m}x${k}·${bt}x${k}x${n}, ${comboName(combo)}`,
      aShape: combo.transposeA ? [bt, k, m] : [bt, m, k],
      bShape: combo.transposeB ? [bt, n, k] : [bt, k, n],
      a: uniform(rng, bt * m * k),
      b: uniform(rng, bt * k * n),
      combo,
      fused: false,
    });
  }
  return cases;
}

function runMatMulCase(c: MatMulCase): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor(c.a, c.aShape as [number, number]);
    const b = tf.tensor(c.b, c.bShape as [number, number]);
    const out = c.fused
      ? tf.fused.matMul({ a, b, ...c.combo, bias: tf.tensor1d(c.bias!), activation: 'relu' })
      : tf.matMul(a, b, c.combo.transposeA, c.combo.transposeB);
    return out.dataSync() as Float32Array;
  });
}

/** A tiny dense network (8 → 6 → 8: relu, then fused linear + sigmoid), fixed initial weights, Adam, MSE. */
function tinyFitLosses(steps = 8): number[] {
  const rng = new Rng(42);
  const x = tf.tensor2d(uniform(rng, 16 * 8), [16, 8]);
  const y = tf.tensor2d(
    uniform(rng, 16 * 8).map((v) => (v + 1) / 2),
    [16, 8],
  );
  // tf.variable keeps its initial tensor alive as a separate tensor: dispose it.
  const variable = (t: tf.Tensor) => {
    const v = tf.variable(t);
    t.dispose();
    return v;
  };
  const w1 = variable(
    tf.tensor2d(
      uniform(rng, 8 * 6).map((v) => v * 0.6),
      [8, 6],
    ),
  );
  const b1 = variable(tf.tensor1d(uniform(rng, 6).map((v) => v * 0.1)));
  const w2 = variable(
    tf.tensor2d(
      uniform(rng, 6 * 8).map((v) => v * 0.6),
      [6, 8],
    ),
  );
  const b2 = variable(tf.tensor1d(uniform(rng, 8).map((v) => v * 0.1)));
  const optimizer = tf.train.adam(0.05);
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const loss = optimizer.minimize(
        () => {
          const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
          const out = tf.sigmoid(tf.fused.matMul({ a: h, b: w2, bias: b2 }));
          return tf.mean(tf.square(tf.sub(out, y))) as tf.Scalar;
        },
        true,
        [w1, b1, w2, b2],
      );
      losses.push(loss!.dataSync()[0]!);
      loss!.dispose();
    }
  } finally {
    optimizer.dispose();
    tf.dispose([x, y, w1, b1, w2, b2]);
  }
  return losses;
}

/** One dense layer `relu(x·W + b)` with every transpose combination, with data kept away from relu's kink. */
interface DenseGradCase {
  name: string;
  combo: Combo;
  fused: boolean;
  xShape: number[];
  wShape: number[];
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  r: Float32Array;
}

const FD_EPS = 1e-2;

function denseGradCases(): DenseGradCase[] {
  const [batch, inSize, units] = [3, 4, 5];
  // Search seeds (deterministically) for data whose pre-activations are all far from 0 compared with the
  // finite-difference step, so relu's kink cannot spoil the differences.
  let seed = 1;
  for (;;) {
    const rng = new Rng(seed++);
    const x = uniform(rng, batch * inSize);
    const w = uniform(rng, inSize * units);
    const b = uniform(rng, units);
    const r = uniform(rng, batch * units);
    let minAbs = Number.POSITIVE_INFINITY;
    let active = 0;
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < units; j++) {
        let z = b[j]!;
        for (let k = 0; k < inSize; k++) z += x[i * inSize + k]! * w[k * units + j]!;
        minAbs = Math.min(minAbs, Math.abs(z));
        if (z > 0) active++;
      }
    }
    if (minAbs < 0.1 || active < 5 || active > batch * units - 3) continue;
    const cases: DenseGradCase[] = [];
    for (const fused of [false, true]) {
      for (const combo of COMBOS) {
        cases.push({
          name: `${fused ? 'fused ' : ''}dense layer gradients, ${comboName(combo)}`,
          combo,
          fused,
          xShape: combo.transposeA ? [inSize, batch] : [batch, inSize],
          wShape: combo.transposeB ? [units, inSize] : [inSize, units],
          x: combo.transposeA ? transposed(x, batch, inSize) : x,
          w: combo.transposeB ? transposed(w, inSize, units) : w,
          b,
          r,
        });
      }
    }
    return cases;
  }
}

function denseLoss(c: DenseGradCase, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, r: tf.Tensor): tf.Scalar {
  const y = c.fused
    ? tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: 'relu', ...c.combo })
    : tf.relu(
        tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D, c.combo.transposeA, c.combo.transposeB), b),
      );
  return tf.sum(tf.mul(y, r));
}

function checkDenseGradients(c: DenseGradCase, tol: number): void {
  const inputs = [c.x, c.w, c.b];
  const shapes = [c.xShape, c.wShape, [c.b.length]];
  const r = tf.tensor2d(c.r, [c.xShape[c.combo.transposeA ? 1 : 0]!, c.b.length]);
  try {
    const analytic = tf.tidy(() => {
      const ts = inputs.map((v, i) => tf.tensor(v, shapes[i]!));
      const g = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => denseLoss(c, x, w, b, r));
      return g(ts).map((t) => t.dataSync() as Float32Array);
    });
    const f = (vals: Float32Array[]) =>
      tf.tidy(() => {
        const [x, w, b] = vals.map((v, i) => tf.tensor(v, shapes[i]!));
        return denseLoss(c, x!, w!, b!, r).dataSync()[0]!;
      });
    inputs.forEach((v, which) => {
      const numeric = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const plus = inputs.map((u) => u.slice());
        const minus = inputs.map((u) => u.slice());
        plus[which]![i]! += FD_EPS;
        minus[which]![i]! -= FD_EPS;
        numeric[i] = (f(plus) - f(minus)) / (2 * FD_EPS);
      }
      const got = analytic[which]!;
      for (let i = 0; i < v.length; i++) {
        const err = Math.abs(got[i]! - numeric[i]!);
        if (err > tol * (1 + Math.abs(numeric[i]!))) {
          throw new PluginError(
            `${c.name}: d loss / d ${['x', 'W', 'b'][which]}[${i}] is ${got[i]} but finite differences give ${numeric[i]}.`,
          );
        }
      }
    });
  } finally {
    r.dispose();
  }
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= tol * (1 + Math.abs(want[i]!)))) {
      expect.fail(`${what}: element ${i} is ${got[i]}, the cpu backend gives ${want[i]} (tolerance ${tol}).`);
    }
  }
}

/** The number of data buffers the active tfjs backend holds (catches leaks inside kernels). */
function backendBuffers(): number {
  return tf.engine().backend.numDataIds();
}

/**
 * Declares the backend conformance suite (vitest cases) for a backend plugin: every layerwise backend runs it
 * in its own tests, and third-party backends can too.
 *
 * The suite checks that the plugin activates; that the same small fit (a tiny dense network, fixed initial
 * weights, a few Adam steps) gives losses within tolerance of the cpu backend; that a dense layer's gradients
 * (matMul + bias + relu, plain and fused, with every transpose combination) match central finite
 * differences; that matMul with every `transposeA`/`transposeB` combination matches the cpu backend; and that
 * nothing is left behind (tensors or backend buffers).
 *
 * ```ts
 * // packages/my-backend/src/__tests__/conformance.test.ts
 * import { checkBackend } from '@layerwise/testkit';
 * import { myBackend } from '../index.js';
 * checkBackend(() => myBackend({ threads: 1 }));
 * ```
 *
 * @param pluginFactory makes the plugin under test (called once per suite).
 * @param options tolerances, or `skip` with the reason the backend cannot run here.
 */
export function checkBackend(pluginFactory: () => BackendPlugin, options: CheckBackendOptions = {}): void {
  // Tolerances are for 32-bit floats; a 16-bit backend (tfjs `floatPrecision()`) gets them scaled up.
  let scale = 1;
  const lossTol = () => (options.lossTolerance ?? 1e-3) * scale;
  const mmTol = () => (options.matMulTolerance ?? 1e-4) * scale;
  const gradTol = () => (options.gradientTolerance ?? 2e-3) * scale;
  const skip = options.skip || undefined;
  const label = (() => {
    try {
      return pluginFactory().name;
    } catch {
      return '(factory failed)';
    }
  })();
  const title = `backend conformance: ${label}${skip ? ` — skipped: ${skip}` : ''}`;

  (skip ? describe.skip : describe)(title, () => {
    let plugin: BackendPlugin;
    let tfjsName = '';
    const cases = matMulCases();
    const gradCases = denseGradCases();
    const reference: { matMul: Float32Array[]; losses: number[] } = { matMul: [], losses: [] };

    beforeAll(async () => {
      plugin = pluginFactory();
      // References from the pure-JS cpu backend, computed before the plugin's backend is set.
      await import('@tensorflow/tfjs-backend-cpu');
      const previous = tf.getBackend();
      await tf.setBackend('cpu');
      reference.matMul = cases.map(runMatMulCase);
      reference.losses = tinyFitLosses();
      if (previous && previous !== 'cpu') await tf.setBackend(previous);
    });

    beforeEach(async () => {
      if (tfjsName) await tf.setBackend(tfjsName);
    });

    it('is available and activates (tfjs runs ops on it)', async () => {
      expect(await plugin.isAvailable()).toBe(true);
      await plugin.activate();
      tfjsName = tf.getBackend();
      expect(tfjsName).toBeTruthy();
      scale = tf.backend().floatPrecision() === 16 ? 100 : 1;
      const sum = tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30]));
      expect(Array.from(await sum.data())).toEqual([11, 22, 33]);
      tf.dispose(sum);
      // A second activation is harmless.
      await plugin.activate();
      expect(tf.getBackend()).toBe(tfjsName);
    });

    it('matMul with every transposeA/transposeB combination (plain, batched, fused) matches the cpu backend', () => {
      expect(tfjsName, 'activation failed').toBeTruthy();
      cases.forEach((c, i) => {
        expectClose(runMatMulCase(c), reference.matMul[i]!, mmTol(), c.name);
      });
    });

    it('dense layer gradients (matMul + bias + relu, plain and fused, every transpose) match finite differences', () => {
      expect(tfjsName, 'activation failed').toBeTruthy();
      for (const c of gradCases) checkDenseGradients(c, gradTol());
    });

    it('the same small fit (fixed initial weights, Adam) gives the cpu backend’s losses', () => {
      expect(tfjsName, 'activation failed').toBeTruthy();
      const losses = tinyFitLosses();
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      expectClose(losses, reference.losses, lossTol(), 'losses');
    });

    it('leaves no tensors or backend buffers behind', () => {
      expect(tfjsName, 'activation failed').toBeTruthy();
      const work = () => {
        cases.slice(0, 8).forEach(runMatMulCase);
        checkDenseGradients(gradCases[gradCases.length - 1]!, gradTol());
        tinyFitLosses(2);
      };
      work(); // warm-up: tfjs keeps a few constants on first use
      const tensors = tf.memory().numTensors;
      const buffers = backendBuffers();
      work();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backendBuffers()).toBe(buffers);
    });
  });
}
