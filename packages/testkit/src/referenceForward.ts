import {
  type ActivationName,
  type DenseLayerSpec,
  type ExportableModel,
  Rng,
  ValidationError,
} from '@layerwise/core';

function act(v: number[], a: ActivationName, alpha: number): number[] {
  switch (a) {
    case 'relu':
      return v.map((x) => Math.max(0, x));
    case 'sigmoid':
      return v.map((x) => 1 / (1 + Math.exp(-x)));
    case 'tanh':
      return v.map(Math.tanh);
    case 'linear':
      return v;
    case 'elu':
      return v.map((x) => (x > 0 ? x : Math.expm1(x)));
    case 'softplus':
      return v.map((x) => Math.log1p(Math.exp(x)));
    case 'leakyRelu':
      return v.map((x) => (x > 0 ? x : alpha * x));
    case 'softmax': {
      const m = Math.max(...v);
      const e = v.map((x) => Math.exp(x - m));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((x) => x / s);
    }
  }
}

/**
 * The reference forward pass of an {@link ExportableModel} in float64: the `inputTransform` when there is one
 * (`(x − offset) / scale`, clipped), then `activation(x · kernel + bias)` layer after layer, for `rows` rows of `input` (row-major `[rows, model.inputSize]`). Returns the outputs,
 * row-major `[rows, units of the last layer]`. No tfjs, no tensor.
 *
 * @param leakyReluAlpha slope of `leakyRelu` for negative inputs. Default: the model's
 *   `metadata.leakyReluAlpha` when it is a number, else `0.2`.
 */
export function referenceForward(
  model: ExportableModel,
  input: Float32Array,
  rows: number,
  leakyReluAlpha?: number,
): Float64Array {
  const alpha =
    leakyReluAlpha ??
    (typeof model.metadata?.leakyReluAlpha === 'number' ? model.metadata.leakyReluAlpha : 0.2);
  const outUnits = model.layers.at(-1)!.units;
  const out = new Float64Array(rows * outUnits);
  for (let r = 0; r < rows; r++) {
    let h = Array.from(input.subarray(r * model.inputSize, (r + 1) * model.inputSize));
    const t = model.inputTransform;
    if (t) {
      h = h.map((x, i) => {
        const z = (x - t.offset[i]!) / t.scale[i]!;
        return t.clip ? Math.min(t.clip[1], Math.max(t.clip[0], z)) : z;
      });
    }
    for (const l of model.layers) {
      const z = new Array<number>(l.units).fill(0);
      for (let j = 0; j < l.units; j++) {
        let s = l.bias[j]!;
        for (let i = 0; i < l.inputSize; i++) s += h[i]! * l.kernel[i * l.units + j]!;
        z[j] = s;
      }
      h = act(z, l.activation, alpha);
    }
    out.set(h, r * outUnits);
  }
  return out;
}

/**
 * A model of dense layers `sizes[0] → sizes[1] → …` with `activations[i]` on layer `i` (named `dense_i`),
 * weights seeded (uniform, scaled by `2 / √inputSize`), estimator `'MLPRegressor'`.
 */
export function randomExportableModel(
  sizes: readonly number[],
  activations: readonly ActivationName[],
  seed = 1,
  part = 'model',
): ExportableModel {
  const rng = new Rng(seed);
  const layers: DenseLayerSpec[] = activations.map((activation, i) => {
    const inputSize = sizes[i]!;
    const units = sizes[i + 1]!;
    const scale = 2 / Math.sqrt(inputSize);
    return {
      name: `dense_${i}`,
      inputSize,
      units,
      kernel: Float32Array.from({ length: inputSize * units }, () => (rng.next() - 0.5) * 2 * scale),
      bias: Float32Array.from({ length: units }, () => (rng.next() - 0.5) * 0.5),
      activation,
    };
  });
  return { estimator: 'MLPRegressor', part, inputSize: sizes[0]!, layers, metadata: { note: 'test' } };
}

/** Seeded inputs, row-major `[rows, cols]`, uniform in [-2, 2). */
export function randomInput(rows: number, cols: number, seed = 7): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * cols }, () => (rng.next() - 0.5) * 4);
}

/** Largest absolute difference of two arrays of the same length (throws when the lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new ValidationError(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
