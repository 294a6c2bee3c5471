import type { Tensor } from '@tensorflow/tfjs-core';
import type { TrainingEvent } from './events.js';
import type { ExecutorPlugin, PluginDescriptor } from './executor.js';
import type { TrainingAccelerator } from './trainingAccelerator.js';

/** Activation functions layerwise layers use (and exporters must map). */
export type ActivationName =
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'linear'
  | 'softmax'
  | 'elu'
  | 'softplus'
  | 'leakyRelu';

/** All activation names, for validation. */
export const ACTIVATIONS: readonly ActivationName[] = [
  'relu',
  'sigmoid',
  'tanh',
  'linear',
  'softmax',
  'elu',
  'softplus',
  'leakyRelu',
];

/** One dense layer: `y = activation(x · kernel + bias)`, kernel row-major `[inputSize, units]`. */
export interface DenseLayerSpec {
  name: string;
  inputSize: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: ActivationName;
}

/** A per-feature affine input transform `z = (x − offset) / scale`, optionally clipped to `[clip[0], clip[1]]`. */
export interface InputTransformSpec {
  /** What it came from, e.g. `StandardScaler` (recorded by exporters). */
  source: string;
  offset: Float32Array;
  /** Non-zero, finite. */
  scale: Float32Array;
  clip?: [number, number];
}

/**
 * What an estimator hands to an exporter: a feed-forward stack of dense layers (weights copied out of
 * tfjs, so exporters need no tfjs at all).
 */
export interface ExportableModel {
  /** Estimator kind, e.g. `MLPClassifier`, `StackedAutoencoder`. */
  estimator: string;
  /** Which part of the estimator: `model`, `encoder`, `decoder`, `autoencoder`. */
  part: string;
  inputSize: number;
  layers: DenseLayerSpec[];
  /**
   * Preprocessing applied to the input before the first layer, per feature: `z = (x − offset) / scale`,
   * then clipped to `clip` when given (a fitted StandardScaler or MinMaxScaler, as `layerwise export` writes
   * it). Exporters must carry it into the exported model (fold it into the first layer, or add nodes) so the
   * exported model takes the raw features.
   */
  inputTransform?: InputTransformSpec;
  /** Extra facts an exporter may record (classes, params). */
  metadata?: Record<string, unknown>;
}

/** Fields every plugin has. */
export interface PluginBase {
  /** What the plugin provides. */
  readonly kind: string;
  /** A short unique name within its kind (`wasm`, `csv`, `onnx`…). */
  readonly name: string;
  /** How workers in other threads, processes or machines rebuild this plugin (package + factory + options). */
  readonly descriptor?: PluginDescriptor;
}

/** A tfjs backend made available to estimators. */
export interface BackendPlugin extends PluginBase {
  readonly kind: 'backend';
  /** Higher wins when `backend: 'auto'` (tfjs uses cpu 1, wasm 2, node 3). */
  readonly priority: number;
  /** Cheap check: can this backend load here? Must not throw. */
  isAvailable(): boolean | Promise<boolean>;
  /** Registers (once) and sets the tfjs backend, waiting until it is ready. Throws BackendUnavailableError. */
  activate(): Promise<void>;
  /**
   * Optional: when `isAvailable()` is false, why, and what to install. `backend: 'auto'` then names this in its
   * one fallback warning (backends without it are skipped silently).
   */
  unavailableReason?(): string | undefined | Promise<string | undefined>;
  /**
   * Optional: a training accelerator for dense stacks while this backend is active (see
   * {@link TrainingAccelerator}); the training run falls back to tfjs when absent or when it declines.
   */
  readonly accelerator?: TrainingAccelerator;
  /**
   * Optional: copies a float32 tensor's values straight out of this backend's memory into `out` at `offset`
   * and returns true, or returns false to decline. Core's `readInto` uses it for the active backend and
   * falls back to `dataSync` without it.
   */
  readInto?(t: Tensor, out: Float32Array, offset: number): boolean;
}

/** Receives training events. */
export interface LoggerPlugin extends PluginBase {
  readonly kind: 'logger';
  /** Called for each event in order; may be async (the engine awaits it at epoch boundaries). */
  handle(event: TrainingEvent): void | Promise<void>;
  /** Flushes and releases files or handles. Called by `Registry.dispose()` and at the end of `fit`. */
  close?(): void | Promise<void>;
}

/** A logger that writes to a file chosen by path, used by the estimators' `logPath` shortcut. */
export interface LogFilePlugin extends PluginBase {
  readonly kind: 'logFile';
  /** File extensions this plugin writes, with the dot (`.csv`). */
  readonly extensions: readonly string[];
  create(path: string): LoggerPlugin;
}

/** Options passed to an exporter. */
export interface ExportOptions {
  /** Overwrite existing files in the target directory. Default false. */
  overwrite?: boolean;
  [key: string]: unknown;
}

/** What an exporter wrote. */
export interface ExportResult {
  format: string;
  /** Files written (absolute or as given). */
  files: string[];
}

/** Writes a model in another ecosystem's format. */
export interface ExporterPlugin extends PluginBase {
  readonly kind: 'exporter';
  /** The `format` users ask for, e.g. `tfjs-layers`, `onnx`. */
  readonly format: string;
  export(model: ExportableModel, target: string, options?: ExportOptions): Promise<ExportResult>;
}

/** A plugin that configures the registry itself (binds its own typed tokens). */
export interface SetupPlugin extends PluginBase {
  readonly kind: 'setup';
  setup(registry: import('./registry.js').Registry): void;
}

/** Any plugin `registry.use` accepts. */
export type Plugin =
  | BackendPlugin
  | LoggerPlugin
  | LogFilePlugin
  | ExporterPlugin
  | SetupPlugin
  | ExecutorPlugin
  | import('./estimatorKinds.js').EstimatorKindPlugin;
