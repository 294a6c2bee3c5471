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

/**
 * tfjs's Adam, with its update fused into one kernel call per variable where the active backend registered
 * `LayerwiseAdamUpdate` (the wasm plugin does): `m`, `v` and the variable are updated in place in one pass
 * instead of ~12 element-wise kernels with as many temporaries. Elsewhere it *is* `tf.train.adam`.
 *
 * The state is tfjs `AdamOptimizer`'s — same slots (`<name>/m`, `<name>/v`), the same running β powers
 * (`accBeta1`, `accBeta2`), `getWeights`/`setWeights` inherited — so checkpoints written with either
 * resume with the other. Results equal tfjs's within float32 rounding.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    this.#update(variableGradients);
    const s = this as unknown as AdamState;
    flushTinySlots(this.iterations, [...s.accumulatedFirstMoment, ...s.accumulatedSecondMoment]);
  }

  #update(variableGradients: VariableGradients): void {
    if (!fusedKernel(FUSED_UPDATE_KERNELS.adam) || !allFloat32(variableGradients)) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    const accBeta1 = s.accBeta1.dataSync()[0]!;
    const accBeta2 = s.accBeta2.dataSync()[0]!;
    const attrs = {
      learningRate: s.learningRate,
      beta1: s.beta1,
      beta2: s.beta2,
      epsilon: s.epsilon,
      accBeta1,
      accBeta2,
    };
    pairs(variableGradients).forEach(({ name, gradient }, i) => {
      const value = tf.engine().registeredVariables[name]!;
      s.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      s.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      if (gradient === undefined || gradient === null) return;
      const m = s.accumulatedFirstMoment[i]!.variable;
      const v = s.accumulatedSecondMoment[i]!.variable;
      ownData(m);
      ownData(v);
      assignNew(
        value,
        tf.engine().runKernel(FUSED_UPDATE_KERNELS.adam, { variable: value, m, v, gradient }, attrs),
      );
    });
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
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
