import {
  type ActivationName,
  DEFAULT_LEAKY_RELU_ALPHA,
  type DenseLayerSpec,
  type NamedTensor,
  type Rng,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/** Hidden-layer activations the estimators accept (`softmax` is reserved for a classifier's output). */
export const HIDDEN_ACTIVATIONS = [
  'relu',
  'sigmoid',
  'tanh',
  'linear',
  'elu',
  'softplus',
  'leakyRelu',
] as const;
/** A hidden-layer activation name. */
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

/**
 * Largest kernel (inputSize × units weights) a layer may have: 2^26 float32 values (256 MiB, e.g. 8192 × 8192).
 * Larger layers are refused before anything is allocated instead of exhausting the machine's memory.
 */
export const MAX_LAYER_WEIGHTS = 2 ** 26;

/** Negative slope used by the `leakyRelu` activation (tfjs' default). */
export const LEAKY_RELU_ALPHA = DEFAULT_LEAKY_RELU_ALPHA;

/** Applies an activation by name. */
export function activate(z: tf.Tensor2D, activation: ActivationName): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'tanh':
      return tf.tanh(z);
    case 'linear':
      return z;
    case 'softmax':
      return tf.softmax(z);
    case 'elu':
      return tf.elu(z);
    case 'softplus':
      return tf.softplus(z);
    case 'leakyRelu':
      return tf.leakyRelu(z, LEAKY_RELU_ALPHA);
  }
}

/**
 * `x · w + b` with a hand-written gradient whose matrix products are all plain (untransposed) `matMul`s
 * on explicitly transposed operands: on the WASM backend the transposed matMul kernels are several times
 * slower, and the backward pass of a dense layer is made of them.
 */
const affineOp = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy), tf.sum(dy, 0)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * The same for an input that needs no gradient (the data fed to the first layer): skips the
 * `dy · wᵀ` product, a third of the first layer's backward cost (a custom gradient computes every input's
 * gradient eagerly).
 */
const affineDataOp = tf.customGrad(((
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  save: tf.GradSaveFunc,
) => {
  save([x]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx] = saved as [tf.Tensor2D];
      return [tf.zeros(sx.shape), tf.matMul(tf.transpose(sx), dy), tf.sum(dy, 0)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** Options of {@link affine} and the layer methods. */
export interface AffineOptions {
  /**
   * Whether a gradient must flow back into `x`. Pass `false` only when `x` is data (not computed from
   * trainable weights): its gradient is then reported as zeros and not computed. Default true.
   */
  inputGrad?: boolean;
}

/** `x · w + b` (differentiable, fast backward on every backend). */
export function affine(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  options: AffineOptions = {},
): tf.Tensor2D {
  return (options.inputGrad === false ? affineDataOp(x, w, b) : affineOp(x, w, b)) as tf.Tensor2D;
}

/** Weight initialisation schemes. */
export type InitScheme = 'glorotUniform' | 'heUniform';

/** He-uniform for the ReLU family, Glorot-uniform otherwise (what Keras/PyTorch users expect). */
export function defaultInit(activation: ActivationName): InitScheme {
  return activation === 'relu' || activation === 'elu' || activation === 'leakyRelu'
    ? 'heUniform'
    : 'glorotUniform';
}

/**
 * A `[fanIn, fanOut]` kernel drawn in JavaScript from `rng`, so one seed gives the same weights on every
 * backend. Glorot: U(±√(6/(fanIn+fanOut))); He: U(±√(6/fanIn)).
 */
export function initKernel(fanIn: number, fanOut: number, scheme: InitScheme, rng: Rng): Float32Array {
  const limit = scheme === 'heUniform' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/** Weights to build a layer from (copied). */
export interface DenseWeights {
  kernel: Float32Array;
  bias: Float32Array;
}

/**
 * One dense layer `activation(x · kernel + bias)` with its weights as trainable `tf.Variable`s
 * (kernel `[inputSize, units]`, bias `[units]`). Custom `forward` functions receive these.
 */
export class DenseLayer {
  /** Trainable kernel `[inputSize, units]`. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** Trainable bias `[units]`. */
  readonly bias: tf.Variable<tf.Rank.R1>;

  /**
   * @param name a name for export and save files (`layers.0`…)
   * @param init `{ weights }`: initial weights; else `{ rng, scheme }`: drawn from `rng` with {@link defaultInit}
   */
  constructor(
    readonly name: string,
    readonly inputSize: number,
    readonly units: number,
    readonly activation: ActivationName,
    init: { rng: Rng; scheme?: InitScheme } | { weights: DenseWeights },
  ) {
    if (inputSize * units > MAX_LAYER_WEIGHTS) {
      throw new ValidationError(
        `Layer ${name} would have ${inputSize} × ${units} = ${inputSize * units} weights, more than the ${MAX_LAYER_WEIGHTS} a layer may have (${(MAX_LAYER_WEIGHTS * 4) / 2 ** 20} MiB): use smaller hiddenLayerSizes (or fewer input features).`,
      );
    }
    let kernel: Float32Array;
    let bias: Float32Array;
    if ('weights' in init) {
      kernel = init.weights.kernel;
      bias = init.weights.bias;
      if (kernel.length !== inputSize * units || bias.length !== units) {
        throw new ValidationError(
          `Layer ${name}: weights have ${kernel.length}/${bias.length} values, expected ${inputSize * units}/${units}.`,
        );
      }
    } else {
      kernel = initKernel(inputSize, units, init.scheme ?? defaultInit(activation), init.rng);
      bias = new Float32Array(units);
    }
    const k = tf.tensor2d(kernel, [inputSize, units], 'float32');
    const b = tf.tensor1d(bias, 'float32');
    this.kernel = tf.variable(k, true) as tf.Variable<tf.Rank.R2>;
    this.bias = tf.variable(b, true) as tf.Variable<tf.Rank.R1>;
    k.dispose();
    b.dispose();
  }

  /** `x · kernel + bias` (pre-activation); `{ inputGrad: false }` when `x` is data (faster backward). */
  affine(x: tf.Tensor2D, options: AffineOptions = {}): tf.Tensor2D {
    return affine(x, this.kernel, this.bias, options);
  }

  /** This layer's activation applied to `z`. */
  activate(z: tf.Tensor2D): tf.Tensor2D {
    return activate(z, this.activation);
  }

  /** `activation(x · kernel + bias)`; `{ inputGrad: false }` when `x` is data (faster backward). */
  apply(x: tf.Tensor2D, options: AffineOptions = {}): tf.Tensor2D {
    return this.activate(this.affine(x, options));
  }

  /** The trainable variables (kernel, bias). */
  get variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  /** Weights copied out of tfjs. */
  read(): DenseWeights {
    return {
      kernel: new Float32Array(this.kernel.dataSync() as Float32Array),
      bias: new Float32Array(this.bias.dataSync() as Float32Array),
    };
  }

  /** As an exporter's layer spec (optionally with another activation, e.g. `softmax` for logits). */
  toSpec(activation: ActivationName = this.activation): DenseLayerSpec {
    const w = this.read();
    return {
      name: this.name,
      inputSize: this.inputSize,
      units: this.units,
      kernel: w.kernel,
      bias: w.bias,
      activation,
    };
  }

  /** Releases the variables. */
  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

/** Weights of dense layers as named tensors (`<name>.kernel`, `<name>.bias`), copied out of tfjs. */
export function layerTensors(layers: readonly DenseLayer[]): NamedTensor[] {
  return layers.flatMap((l) => {
    const w = l.read();
    return [
      { name: `${l.name}.kernel`, shape: [l.inputSize, l.units], data: w.kernel },
      { name: `${l.name}.bias`, shape: [l.units], data: w.bias },
    ];
  });
}

/**
 * Reads tensors by name, checking each one's shape: a missing tensor or another shape is `bad(message)` (a
 * function that throws the caller's error, e.g. a ModelFormatError naming the file).
 */
export function namedTensorReader(
  tensors: ReadonlyMap<string, NamedTensor> | readonly NamedTensor[],
  bad: (message: string) => never,
): (name: string, shape: readonly number[]) => Float32Array {
  const byName =
    tensors instanceof Map ? tensors : new Map((tensors as readonly NamedTensor[]).map((t) => [t.name, t]));
  return (name, shape) => {
    const t = byName.get(name);
    if (!t) return bad(`tensor "${name}" is missing.`);
    if (t.shape.join() !== shape.join())
      bad(`tensor "${name}" has shape [${t.shape}], the params need [${shape}].`);
    return t.data;
  };
}
