import * as tf from '@tensorflow/tfjs-core';

/**
 * Names of the fused optimizer-update kernels a backend plugin may register (`@layerwise/backend-wasm` does,
 * for `wasm`). Each returns a variable's new value as a new tensor and updates its slots in place, in one
 * pass. Contract: see `FUSED_OPTIMIZER_KERNELS` in `@layerwise/backend-wasm` (inputs and attrs there).
 */
export const FUSED_UPDATE_KERNELS = {
  adam: 'LayerwiseAdamUpdate',
  sgd: 'LayerwiseSgdUpdate',
  momentum: 'LayerwiseMomentumUpdate',
} as const;

type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** The kernel `name` for the active backend, if a plugin registered one. */
function fusedKernel(name: string): tf.KernelConfig | undefined {
  return tf.getKernel(name, tf.getBackend());
}

/** The named variables and gradients of an `applyGradients` call, in tfjs's order (null gradient = skip). */
function pairs(variableGradients: VariableGradients): { name: string; gradient: tf.Tensor | undefined }[] {
  return Array.isArray(variableGradients)
    ? variableGradients.map((v) => ({ name: v.name, gradient: v.tensor }))
    : Object.keys(variableGradients).map((name) => ({ name, gradient: variableGradients[name] }));
}

/** Every tensor is float32 (the fused kernels' only dtype). */
function allFloat32(variableGradients: VariableGradients): boolean {
  return pairs(variableGradients).every(
    ({ name, gradient }) =>
      tf.engine().registeredVariables[name]?.dtype === 'float32' &&
      (gradient === undefined || gradient === null || gradient.dtype === 'float32'),
  );
}

/**
 * Makes sure no other tensor shares slot `v`'s data before a kernel writes into it in place (a variable made
 * with `tf.variable(t)` shares `t`'s data, and `assign(t)` shares `t`'s): gives `v` a copy of its own if needed.
 */
function ownData(v: tf.Variable): void {
  if (tf.engine().backend.refCount(v.dataId) <= 1) return;
  const copy = tf.tidy(() => tf.add(v, tf.scalar(0, 'float32')));
  v.assign(copy);
  copy.dispose();
}

/** Gives `variable` the kernel's output as its new value (a new tensor, as tfjs's optimizers assign). */
function assignNew(variable: tf.Variable, out: tf.Tensor | tf.Tensor[]): void {
  const t = out as tf.Tensor;
  variable.assign(t);
  t.dispose();
}

interface OptimizerVariable {
  originalName: string;
  variable: tf.Variable;
}

/** Optimizer steps between two {@link flushTinySlots} passes. */
export const SLOT_FLUSH_EVERY = 100;
/** Slot values below this magnitude are set to 0 by {@link flushTinySlots}. */
export const SLOT_FLUSH_BELOW = 1e-30;

/**
 * Sets slot values with |x| < 1e-30 to 0 (in place of the slot's data), every {@link SLOT_FLUSH_EVERY} steps.
 *
 * Why: a weight whose gradient is exactly 0 (a dead ReLU unit's) has its moment decay by β₁ each step into
 * float32's subnormal range (|x| < 1.2e-38) — and there it gets stuck: `0.9 · k·2⁻¹⁴⁹` rounds back to
 * `k·2⁻¹⁴⁹` for small k, so it never reaches 0. Arithmetic on subnormals takes a slow microcode path on x86
 * and WebAssembly has no flush-to-zero mode: with half of a layer's first moments subnormal, the optimizer's
 * Multiply and RealDiv kernels ran 7–12× slower and each epoch of the stage was slower than the one before.
 * Between two passes a value below 1e-30 needs more than 170 steps at β = 0.9 to become subnormal, so none
 * do. The weights do not change: such a moment moves a weight by less than `lr · 1e-30 / ε` (≈ 1e-26).
 */
function flushTinySlots(iterations: number, slots: readonly (OptimizerVariable | undefined)[]): void {
  if (iterations % SLOT_FLUSH_EVERY !== 0) return;
  for (const slot of slots) {
    const v = slot?.variable;
    if (v?.dtype !== 'float32') continue;
    const flushed = tf.tidy(() => tf.where(tf.less(tf.abs(v), SLOT_FLUSH_BELOW), tf.zerosLike(v), v));
    v.assign(flushed);
    flushed.dispose();
  }
}

/** The state tfjs's `AdamOptimizer` keeps (private in its types); the subclass keeps it the same way. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: OptimizerVariable[];
  accumulatedSecondMoment: OptimizerVariable[];
}

/** Adam's running β powers of one variable, β₁ᵏ and β₂ᵏ after its k updates, kept in float32 as tfjs keeps them. */
interface BetaPowers {
  b1: number;
  b2: number;
}

/** Key of variable `i`'s β power `n` (1 or 2) in a checkpoint's optimizer `extra` scalars. */
const powerKey = (n: 1 | 2, i: number): string => `accBeta${n}.${i}`;

/**
 * tfjs's Adam, with two changes.
 *
 * **Fused** where the active backend registered `LayerwiseAdamUpdate` (the wasm plugin does): `m`, `v` and the
 * variable are updated in place in one kernel call per variable instead of ~12 element-wise kernels with as
 * many temporaries.
 *
 * **Bias correction per variable**: each variable's β powers count its own updates, so a variable skipped
 * (null gradient: a frozen layer) does not advance them, and a layer unfrozen after n epochs starts as under a
 * fresh Adam — PyTorch's behaviour. tfjs's (and Keras's) Adam count every step of the optimizer: an
 * unfrozen layer's zero moments then meet a bias correction of ~1, and its first few hundred updates are 1.3–3×
 * larger than a fresh Adam's. A variable updated at every step gets exactly tfjs's values (the same float32
 * powers), so a fit without freezing is unchanged.
 *
 * Otherwise the state is tfjs `AdamOptimizer`'s — same slots (`<name>/m`, `<name>/v`), the running β powers
 * of the optimizer (`accBeta1`, `accBeta2`), `getWeights`/`setWeights` inherited; the per-variable powers travel
 * in checkpoints as extra scalars (see `readOptimizer`), and state without them resumes with the optimizer's.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** Per variable, in tfjs's slot order: the β powers of its next update (undefined before its first). */
  #powers: (BetaPowers | undefined)[] = [];

  override applyGradients(variableGradients: VariableGradients): void {
    this.#update(variableGradients);
    const s = this as unknown as AdamState;
    flushTinySlots(this.iterations, [...s.accumulatedFirstMoment, ...s.accumulatedSecondMoment]);
  }

  /** tfjs's `setWeights`; every variable's β powers then start from the optimizer's restored `accBeta1/2`. */
  override async setWeights(weightValues: Parameters<tf.AdamOptimizer['setWeights']>[0]): Promise<void> {
    await super.setWeights(weightValues);
    this.setBetaPowers({}, (this as unknown as AdamState).accumulatedFirstMoment.length);
  }

  /** The per-variable β powers as checkpoint scalars (`accBeta1.<i>`, `accBeta2.<i>`). */
  betaPowers(): Record<string, number> {
    const out: Record<string, number> = {};
    this.#powers.forEach((p, i) => {
      if (!p) return;
      out[powerKey(1, i)] = p.b1;
      out[powerKey(2, i)] = p.b2;
    });
    return out;
  }

  /**
   * Restores per-variable β powers written by {@link betaPowers} for the `count` variables; a variable missing
   * there (state from before per-variable powers, or never updated) takes the optimizer's `accBeta1/2`.
   */
  setBetaPowers(extra: Record<string, number>, count: number): void {
    const s = this as unknown as AdamState;
    const b1 = s.accBeta1.dataSync()[0]!;
    const b2 = s.accBeta2.dataSync()[0]!;
    this.#powers = Array.from({ length: count }, (_, i) => ({
      b1: extra[powerKey(1, i)] ?? b1,
      b2: extra[powerKey(2, i)] ?? b2,
    }));
  }

  /** Variable `i`'s β powers for its update now; advanced for the next one. */
  #nextPowers(i: number): BetaPowers {
    const s = this as unknown as AdamState;
    const p = this.#powers[i] ?? { b1: Math.fround(s.beta1), b2: Math.fround(s.beta2) };
    // float32 products, as tfjs's `accBeta.assign(mul(accBeta, beta))` computes them
    this.#powers[i] = {
      b1: Math.fround(p.b1 * Math.fround(s.beta1)),
      b2: Math.fround(p.b2 * Math.fround(s.beta2)),
    };
    return p;
  }

  /** The slots of variable `i` (`value`), made on first sight as tfjs makes them. */
  #slots(i: number, name: string, value: tf.Variable): { m: tf.Variable; v: tf.Variable } {
    const s = this as unknown as AdamState;
    s.accumulatedFirstMoment[i] ??= {
      originalName: `${name}/m`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
    s.accumulatedSecondMoment[i] ??= {
      originalName: `${name}/v`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
    return { m: s.accumulatedFirstMoment[i]!.variable, v: s.accumulatedSecondMoment[i]!.variable };
  }

  #update(variableGradients: VariableGradients): void {
    const s = this as unknown as AdamState;
    const fused = fusedKernel(FUSED_UPDATE_KERNELS.adam) !== undefined && allFloat32(variableGradients);
    tf.tidy(() => {
      pairs(variableGradients).forEach(({ name, gradient }, i) => {
        const value = tf.engine().registeredVariables[name]!;
        const { m, v } = this.#slots(i, name, value);
        if (gradient === undefined || gradient === null) return;
        const { b1, b2 } = this.#nextPowers(i);
        if (fused) {
          ownData(m);
          ownData(v);
          const attrs = {
            learningRate: s.learningRate,
            beta1: s.beta1,
            beta2: s.beta2,
            epsilon: s.epsilon,
            accBeta1: b1,
            accBeta2: b2,
          };
          assignNew(
            value,
            tf.engine().runKernel(FUSED_UPDATE_KERNELS.adam, { variable: value, m, v, gradient }, attrs),
          );
          return;
        }
        // tfjs's AdamOptimizer.applyGradients, op for op, with this variable's β powers
        const newM = tf.add(tf.mul(m, s.beta1), tf.mul(gradient, 1 - s.beta1));
        const newV = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(gradient), 1 - s.beta2));
        // 1 − β^k in float32, as tfjs's `sub(1, accBeta)` gives it (exact in float64, then rounded once)
        const mHat = tf.div(newM, Math.fround(1 - b1));
        const vHat = tf.div(newV, Math.fround(1 - b2));
        m.assign(newM);
        v.assign(newV);
        value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), s.epsilon)), -s.learningRate), value));
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}

/**
 * Whether `o` keeps per-variable β powers (a {@link FusedAdamOptimizer}). Not `instanceof`: tfjs's `Optimizer`
 * answers `instanceof` for any optimizer (its `Symbol.hasInstance` checks the methods only).
 */
export function hasBetaPowers(
  o: tf.Optimizer,
): o is tf.Optimizer & Pick<FusedAdamOptimizer, 'betaPowers' | 'setBetaPowers'> {
  const f = o as Partial<Pick<FusedAdamOptimizer, 'betaPowers' | 'setBetaPowers'>>;
  return typeof f.betaPowers === 'function' && typeof f.setBetaPowers === 'function';
}

/** tfjs's SGD, fused into one in-place kernel call per variable where `LayerwiseSgdUpdate` exists. */
export class FusedSGDOptimizer extends tf.SGDOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (!fusedKernel(FUSED_UPDATE_KERNELS.sgd) || !allFloat32(variableGradients)) {
      super.applyGradients(variableGradients);
      return;
    }
    const attrs = { learningRate: this.learningRate };
    for (const { name, gradient } of pairs(variableGradients)) {
      if (gradient === undefined || gradient === null) continue;
      const value = tf.engine().registeredVariables[name]!;
      assignNew(value, tf.engine().runKernel(FUSED_UPDATE_KERNELS.sgd, { variable: value, gradient }, attrs));
    }
    this.incrementIterations();
  }
}

/**
 * tfjs's momentum optimizer (optionally Nesterov), fused into one in-place kernel call per variable where
 * `LayerwiseMomentumUpdate` exists; same `<name>/momentum` slots as tfjs's.
 */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    this.#update(variableGradients);
    const s = this as unknown as { accumulations: OptimizerVariable[] };
    flushTinySlots(this.iterations, s.accumulations);
  }

  #update(variableGradients: VariableGradients): void {
    if (!fusedKernel(FUSED_UPDATE_KERNELS.momentum) || !allFloat32(variableGradients)) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as {
      learningRate: number;
      momentum: number;
      useNesterov: boolean;
      accumulations: OptimizerVariable[];
    };
    const attrs = { learningRate: s.learningRate, momentum: s.momentum, useNesterov: s.useNesterov };
    pairs(variableGradients).forEach(({ name, gradient }, i) => {
      const value = tf.engine().registeredVariables[name]!;
      s.accumulations[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      if (gradient === undefined || gradient === null) return;
      const accumulation = s.accumulations[i]!.variable;
      ownData(accumulation);
      assignNew(
        value,
        tf
          .engine()
          .runKernel(FUSED_UPDATE_KERNELS.momentum, { variable: value, accumulation, gradient }, attrs),
      );
    });
    this.incrementIterations();
  }
}

/** `tf.train.adam(learningRate, beta1, beta2, epsilon)`, fused where the backend allows (see {@link FusedAdamOptimizer}). */
export function fusedAdam(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tf.Optimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
