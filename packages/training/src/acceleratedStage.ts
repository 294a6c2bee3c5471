import {
  type ActivationName,
  DEFAULT_LEAKY_RELU_ALPHA,
  type DenseStackData,
  type DenseStackLayer,
  type DenseStackSpec,
  type DenseStackTrainer,
  HostMatrix,
  type TrainingAccelerator,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import type { SavedOptimizer } from './checkpoint.js';
import type { OptimizerName, OptimizerSettings } from './engine.js';

/**
 * A stage's model described as a dense stack, for a backend's training accelerator: layers in order (each
 * `activation(h · kernel + bias)`, the kernel used transposed for a tied decoder), dropout after a layer's
 * output, masking noise on the input, and the loss. The stage's `loss` function must compute exactly this.
 */
export interface DenseStage {
  layers: readonly {
    kernel: tf.Variable;
    /** The kernel is used transposed (a tied decoder). */
    kernelTransposed?: boolean;
    bias: tf.Variable;
    activation: ActivationName;
    /** Dropout rate after this layer while training (hidden layers only). */
    dropout?: number;
  }[];
  loss: DenseStackSpec['loss'];
  target: DenseStackSpec['target'];
  /** Masking noise on the input while training. */
  inputNoise?: number;
}

/** What {@link startAcceleratedStage} needs from the stage. */
export interface AcceleratedStageConfig {
  accelerator: TrainingAccelerator;
  dense: DenseStage;
  variables: readonly tf.Variable[];
  kernels: readonly tf.Variable[];
  optimizer: OptimizerName;
  optimizerSettings: OptimizerSettings;
  learningRate: number;
  alpha: number;
  clipNorm: number | null;
  clipValue: number | null;
  batchSize: number;
  x: tf.Tensor | HostMatrix;
  y: tf.Tensor | HostMatrix;
  sampleWeight?: tf.Tensor1D;
  /** Validation data the trainer evaluates at epoch ends (its loss is the stage's loss without dropout). */
  validation?: { x: tf.Tensor; y: tf.Tensor };
}

/** A stage trained by an accelerator: its trainer, the data it reads, and the way back to tfjs. */
export interface AcceleratedStage {
  trainer: DenseStackTrainer;
  /** The stack has masking noise or dropout (its steps need seeds). */
  random: boolean;
  /** Writes the trainer's weights into the stage's tfjs variables. */
  toVariables(): void;
  /** Reads the tfjs variables into the trainer (after a callback may have changed them). */
  fromVariables(): void;
  /** Freezes exactly the given variables. */
  freeze(variables: ReadonlySet<tf.Variable>): void;
  /**
   * The mean loss (and accuracy) of the validation data on the trainer's weights, or `null` when the
   * trainer cannot compute it (the run then evaluates the tfjs model).
   */
  evaluate(): { loss: number; acc?: number } | null;
  /** Whether the trainer can take an optimizer state (a checkpoint's or a warm start's). */
  readonly takesOptimizerState: boolean;
  /** Continues from a saved optimizer state (tfjs's layout). */
  writeOptimizerState(state: SavedOptimizer): void;
  dispose(): void;
}

function hostData(t: tf.Tensor | HostMatrix): { data: Float32Array | Int32Array; index?: Int32Array } {
  if (t instanceof HostMatrix) return t.index ? { data: t.data, index: t.index } : { data: t.data };
  return { data: t.dataSync() as Float32Array | Int32Array };
}

/** The rows of a host matrix view, contiguous (a copy when it is a view). */
function viewRows(m: HostMatrix): Float32Array {
  const ix = m.index;
  if (!ix) return m.data;
  const c = m.cols;
  const out = new Float32Array(ix.length * c);
  ix.forEach((r, i) => {
    out.set(m.data.subarray(r * c, r * c + c), i * c);
  });
  return out;
}

/** Inputs and targets of a dense stage in host memory, as a trainer reads them (no copy where possible). */
function stackData(
  dense: DenseStage,
  xs: tf.Tensor | HostMatrix,
  ys: tf.Tensor | HostMatrix,
): DenseStackData {
  const x = hostData(xs);
  const data: DenseStackData = {
    x: x.data instanceof Float32Array ? x.data : Float32Array.from(x.data),
    rows: xs.shape[0]!,
    ...(x.index ? { index: x.index } : {}),
  };
  if (dense.target === 'labels' || dense.target === 'values') {
    const y = ys instanceof HostMatrix ? { data: viewRows(ys) } : hostData(ys);
    if (dense.target === 'labels')
      data.labels = y.data instanceof Int32Array ? y.data : Int32Array.from(y.data);
    else data.targets = y.data instanceof Float32Array ? y.data : Float32Array.from(y.data);
  }
  return data;
}

/**
 * A trainer from `cfg.accelerator` for the stage, with its weights and data loaded, or `null` when the
 * accelerator declines (the stage then trains on tfjs as always).
 */
export async function startAcceleratedStage(cfg: AcceleratedStageConfig): Promise<AcceleratedStage | null> {
  const { dense, variables } = cfg;
  if (!['adam', 'sgd', 'momentum'].includes(cfg.optimizer)) return null;
  const at = (v: tf.Variable) => variables.indexOf(v);
  if (dense.layers.some((l) => at(l.kernel) < 0 || at(l.bias) < 0 || l.activation === 'softmax')) return null;
  if (variables.some((v) => v.dtype !== 'float32')) return null;
  const layers: DenseStackLayer[] = dense.layers.map((l) => {
    const [a, b] = l.kernel.shape as [number, number];
    return {
      inputSize: l.kernelTransposed ? b : a,
      units: l.kernelTransposed ? a : b,
      activation: l.activation as DenseStackLayer['activation'],
      kernel: at(l.kernel),
      ...(l.kernelTransposed ? { kernelTransposed: true } : {}),
      bias: at(l.bias),
      ...((l.dropout ?? 0) > 0 ? { dropout: l.dropout } : {}),
    };
  });
  const s = cfg.optimizerSettings;
  const spec: DenseStackSpec = {
    params: variables.map((v) => ({ shape: [...v.shape], penalised: cfg.kernels.includes(v) })),
    layers,
    loss: dense.loss,
    target: dense.target,
    ...((dense.inputNoise ?? 0) > 0 ? { inputNoise: dense.inputNoise } : {}),
    leakyReluAlpha: DEFAULT_LEAKY_RELU_ALPHA,
    optimizer: cfg.optimizer as DenseStackSpec['optimizer'],
    learningRate: cfg.learningRate,
    beta1: s.beta1 ?? 0.9,
    beta2: s.beta2 ?? 0.999,
    epsilon: s.epsilon ?? tf.backend().epsilon(),
    momentum: s.momentum ?? 0.9,
    nesterov: s.nesterov ?? false,
    alpha: cfg.alpha,
    clipNorm: cfg.clipNorm,
    clipValue: cfg.clipValue,
    maxBatch: cfg.batchSize,
  };
  const trainer = await cfg.accelerator.createTrainer(spec);
  if (!trainer) return null;
  let validation: DenseStackData | undefined;
  try {
    const data = stackData(dense, cfg.x, cfg.y);
    if (cfg.sampleWeight) data.weights = cfg.sampleWeight.dataSync() as Float32Array;
    trainer.setData(data);
    trainer.writeWeights(variables.map((v) => v.dataSync() as Float32Array));
    if (cfg.validation) validation = stackData(dense, cfg.validation.x, cfg.validation.y);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return {
    evaluate() {
      return validation ? trainer.evaluate(validation) : null;
    },
    takesOptimizerState: typeof trainer.writeOptimizerState === 'function',
    writeOptimizerState(state) {
      trainer.writeOptimizerState?.(state);
    },
    trainer,
    random: (dense.inputNoise ?? 0) > 0 || dense.layers.some((l) => (l.dropout ?? 0) > 0),
    toVariables() {
      const values = trainer.readWeights();
      variables.forEach((v, i) => {
        const t = tf.tensor(values[i]!, v.shape, 'float32');
        v.assign(t);
        t.dispose();
      });
    },
    fromVariables() {
      trainer.writeWeights(variables.map((v) => v.dataSync() as Float32Array));
    },
    freeze(frozen) {
      trainer.setFrozen(variables.flatMap((v, i) => (frozen.has(v) ? [i] : [])));
    },
    dispose() {
      trainer.dispose();
    },
  };
}
