import {
  type DenseLayerSpec,
  type ExportableModel,
  type ExporterPlugin,
  type FileExportOptions,
  fileExporter,
  float32Bytes,
  prepareExport,
} from '@layerwise/core';

/** Options of {@link tfjsExporter}. */
export interface TfjsExporterOptions {
  /**
   * Negative slope written for `leakyRelu` layers when the model's `metadata.leakyReluAlpha` does not say
   * (tfjs' `tf.leakyRelu` default). Default 0.2.
   */
  leakyReluAlpha?: number;
}

/** Options of one export (`estimator.export(dir, { format: 'tfjs-layers', ... })`). */
export interface TfjsExportOptions extends FileExportOptions {
  /** Replace `model.json` / `weights.bin` if they exist. Default false. */
  overwrite?: boolean;
  /** Overrides the model's and the exporter's `leakyReluAlpha` for this export. */
  leakyReluAlpha?: number;
}

/** The manifest file name. */
export const TFJS_MODEL_FILE = 'model.json';
/** The weights file name (one shard). */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

/** A Keras layer config as tfjs-layers serializes it. */
interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
}

/** What `model.json` holds (the TensorFlow.js "layers-model" format). */
export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: KerasLayer[] };
    keras_version: string;
    backend: string;
  };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
  userDefinedMetadata: Record<string, unknown>;
}

/** Layer names tfjs accepts (`[A-Za-z0-9][-A-Za-z0-9._/]*` without `/`), unique within the model. */
function layerNames(model: ExportableModel): string[] {
  const used = new Set<string>();
  return model.layers.map((l, i) => {
    let base = l.name.replace(/[^A-Za-z0-9._-]/g, '_');
    if (!/^[A-Za-z0-9]/.test(base)) base = `dense_${i}${base ? `_${base}` : ''}`;
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
}

/**
 * The model with its `inputTransform` folded into the layers: without clipping, into the first layer's
 * kernel and bias (`K'[i,j] = K[i,j] / s[i]`, `b'[j] = b[j] − Σᵢ oᵢ / sᵢ · K[i,j]`, exact up to float32
 * rounding). With clipping to `[lo, hi]`, a clip is no linear map: a diagonal `Dense` (`(x − o) / s − lo`)
 * and a `ReLU` layer with `max_value` `hi − lo` go first, and `lo` is added back through the first layer's
 * bias. Sums in float64.
 */
function foldInputTransform(model: ExportableModel): {
  diagonal?: DenseLayerSpec;
  clipHigh?: number;
  layers: DenseLayerSpec[];
} {
  const t = model.inputTransform;
  if (!t) return { layers: model.layers };
  const n = model.inputSize;
  const [first, ...rest] = model.layers as [DenseLayerSpec, ...DenseLayerSpec[]];
  const units = first.units;
  const kernel = new Float32Array(first.kernel.length);
  const bias = Float64Array.from(first.bias);
  if (!t.clip) {
    for (let i = 0; i < n; i++) {
      const inv = 1 / t.scale[i]!;
      const shift = t.offset[i]! * inv;
      for (let j = 0; j < units; j++) {
        const k = first.kernel[i * units + j]!;
        kernel[i * units + j] = k * inv;
        bias[j] = bias[j]! - shift * k;
      }
    }
    return { layers: [{ ...first, kernel, bias: Float32Array.from(bias) }, ...rest] };
  }
  const [lo, hi] = t.clip;
  const diag = new Float32Array(n * n);
  const diagBias = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    diag[i * n + i] = 1 / t.scale[i]!;
    diagBias[i] = -t.offset[i]! / t.scale[i]! - lo;
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < units; j++) bias[j] = bias[j]! + lo * first.kernel[i * units + j]!;
  return {
    diagonal: {
      name: 'input_transform',
      inputSize: n,
      units: n,
      kernel: diag,
      bias: diagBias,
      activation: 'linear',
    },
    clipHigh: hi - lo,
    layers: [{ ...first, bias: Float32Array.from(bias) }, ...rest],
  };
}

function denseConfig(name: string, units: number, activation: string, inputSize?: number): KerasLayer {
  return {
    class_name: 'Dense',
    config: {
      name,
      trainable: true,
      dtype: 'float32',
      ...(inputSize !== undefined ? { batch_input_shape: [null, inputSize] } : {}),
      units,
      activation,
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    },
  };
}

/**
 * Builds the `model.json` content and the weights bytes: a Keras `Sequential` of `Dense` layers (a
 * `leakyRelu` layer becomes a linear `Dense` followed by a `LeakyReLU` layer whose alpha is
 * `leakyReluAlpha`, else the model's `metadata.leakyReluAlpha`, else 0.2). A model's `inputTransform`
 * (a fitted scaler) is carried in: folded into the first layer, or — when it clips — a diagonal `Dense`
 * plus a `ReLU` with `max_value` before it; the exported model takes the raw features.
 */
export function toTfjsLayers(
  model: ExportableModel,
  leakyReluAlpha?: number,
): { json: TfjsModelJson; weights: Uint8Array } {
  const { leakyReluAlpha: alpha } = prepareExport(model, { exporter: 'tfjsExporter', leakyReluAlpha });
  const names = layerNames(model);
  const folded = foldInputTransform(model);
  const layers: KerasLayer[] = [];
  const specs: TfjsModelJson['weightsManifest'][number]['weights'] = [];
  const arrays: Float32Array[] = [];
  if (folded.diagonal) {
    let name = 'input_transform';
    while (names.includes(name)) name = `${name}_`;
    layers.push(denseConfig(name, model.inputSize, 'linear', model.inputSize));
    layers.push({
      class_name: 'ReLU',
      config: { name: `${name}_clip`, trainable: true, dtype: 'float32', max_value: folded.clipHigh },
    });
    specs.push(
      { name: `${name}/kernel`, shape: [model.inputSize, model.inputSize], dtype: 'float32' },
      { name: `${name}/bias`, shape: [model.inputSize], dtype: 'float32' },
    );
    arrays.push(folded.diagonal.kernel, folded.diagonal.bias);
  }
  folded.layers.forEach((l, i) => {
    const name = names[i]!;
    const leaky = l.activation === 'leakyRelu';
    layers.push(
      denseConfig(
        name,
        l.units,
        leaky ? 'linear' : l.activation,
        i === 0 && !folded.diagonal ? model.inputSize : undefined,
      ),
    );
    if (leaky) {
      layers.push({
        class_name: 'LeakyReLU',
        config: { name: `${name}_leaky_relu`, trainable: true, dtype: 'float32', alpha },
      });
    }
    specs.push(
      { name: `${name}/kernel`, shape: [l.inputSize, l.units], dtype: 'float32' },
      { name: `${name}/bias`, shape: [l.units], dtype: 'float32' },
    );
    arrays.push(l.kernel, l.bias);
  });
  const json: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'layerwise',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: `${model.estimator}_${model.part}`.replace(/[^A-Za-z0-9._-]/g, '_'), layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
    userDefinedMetadata: {
      layerwise: {
        estimator: model.estimator,
        part: model.part,
        ...(model.metadata ? { metadata: model.metadata } : {}),
        ...(model.inputTransform ? { inputTransform: model.inputTransform.source } : {}),
      },
    },
  };
  const weights = float32Bytes(arrays);
  return { json, weights };
}

/**
 * An exporter for format `'tfjs-layers'`: writes `model.json` + `weights.bin` in the TensorFlow.js Layers
 * format, which `tf.loadLayersModel('file://…/model.json')` (or `http://…` in a browser) reads. Each file
 * is written atomically; existing files are replaced only with `overwrite: true`. A bad model is refused
 * with a `ValidationError` before anything is written.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { tfjsExporter } from '@layerwise/exporter-tfjs';
 * const registry = new Registry().use(tfjsExporter());
 * await registry.exporter('tfjs-layers').export(exportableModel, 'my-model');
 * ```
 */
export function tfjsExporter(options: TfjsExporterOptions = {}): ExporterPlugin {
  return fileExporter<TfjsExportOptions>({
    name: 'tfjs',
    format: 'tfjs-layers',
    exporter: 'tfjsExporter',
    browserHint: 'In a browser, use toTfjsLayers(model) and keep the JSON and bytes.',
    leakyReluAlpha: options.leakyReluAlpha,
    files: (model, _opts, leakyReluAlpha) => {
      const { json, weights } = toTfjsLayers(model, leakyReluAlpha);
      // Weights first: model.json never names a weights file that is not complete.
      return [
        { name: TFJS_WEIGHTS_FILE, contents: weights },
        { name: TFJS_MODEL_FILE, contents: `${JSON.stringify(json, null, 2)}\n` },
      ];
    },
  });
}
