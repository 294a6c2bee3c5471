import {
  type ExportableModel,
  type ExporterPlugin,
  type ExportOptions,
  type ExportResult,
  float32Bytes,
  leakyReluAlphaFor,
  ValidationError,
  validateExportableModel,
  writeExportFiles,
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
export interface TfjsExportOptions extends ExportOptions {
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
 * Builds the `model.json` content and the weights bytes: a Keras `Sequential` of `Dense` layers (a
 * `leakyRelu` layer becomes a linear `Dense` followed by a `LeakyReLU` layer whose alpha is
 * `leakyReluAlpha`, else the model's `metadata.leakyReluAlpha`, else 0.2).
 */
export function toTfjsLayers(
  model: ExportableModel,
  leakyReluAlpha?: number,
): { json: TfjsModelJson; weights: Uint8Array } {
  validateExportableModel(model, { exporter: 'tfjsExporter' });
  const alpha = leakyReluAlphaFor(model, leakyReluAlpha);
  if (!Number.isFinite(alpha))
    throw new ValidationError(`tfjsExporter: leakyReluAlpha must be a finite number, got ${alpha}.`);
  const names = layerNames(model);
  const layers: KerasLayer[] = [];
  const specs: TfjsModelJson['weightsManifest'][number]['weights'] = [];
  model.layers.forEach((l, i) => {
    const name = names[i]!;
    const leaky = l.activation === 'leakyRelu';
    layers.push({
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: 'float32',
        ...(i === 0 ? { batch_input_shape: [null, model.inputSize] } : {}),
        units: l.units,
        activation: leaky ? 'linear' : l.activation,
        use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
    });
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
      },
    },
  };
  const weights = float32Bytes(model.layers.flatMap((l) => [l.kernel, l.bias]));
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
  return {
    kind: 'exporter',
    name: 'tfjs',
    format: 'tfjs-layers',
    async export(
      model: ExportableModel,
      target: string,
      opts: TfjsExportOptions = {},
    ): Promise<ExportResult> {
      const { json, weights } = toTfjsLayers(
        model,
        leakyReluAlphaFor(model, opts.leakyReluAlpha, options.leakyReluAlpha),
      );
      // Weights first: model.json never names a weights file that is not complete.
      const [weightsFile, modelFile] = await writeExportFiles(
        target,
        [
          { name: TFJS_WEIGHTS_FILE, contents: weights },
          { name: TFJS_MODEL_FILE, contents: `${JSON.stringify(json, null, 2)}\n` },
        ],
        {
          overwrite: opts.overwrite,
          exporter: 'tfjsExporter',
          browserHint: 'In a browser, use toTfjsLayers(model) and keep the JSON and bytes.',
        },
      );
      return { format: 'tfjs-layers', files: [modelFile!, weightsFile!] };
    },
  };
}
