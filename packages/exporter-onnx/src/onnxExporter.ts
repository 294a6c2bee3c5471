import {
  type ActivationName,
  type ExportableModel,
  type ExporterPlugin,
  type FileExportOptions,
  fileExporter,
  float32Bytes,
  prepareExport,
  ValidationError,
} from '@layerwise/core';
import onnxProto, { type onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;

/** Lowest and highest ONNX opset this exporter writes. */
export const MIN_OPSET = 9;
/** Highest ONNX opset this exporter writes. */
export const MAX_OPSET = 21;
/** The opset written unless another is asked for. */
export const DEFAULT_OPSET = 13;
/** The file written in the target directory. */
export const ONNX_MODEL_FILE = 'model.onnx';
/** Name of the graph's input (shape `[batch, inputSize]`, batch dynamic). */
export const ONNX_INPUT_NAME = 'input';
/** Name of the graph's output (shape `[batch, units of the last layer]`). */
export const ONNX_OUTPUT_NAME = 'output';

/** Options of {@link onnxExporter}. */
export interface OnnxExporterOptions {
  /** ONNX opset (default domain) to target, 9–21. Default 13. */
  opset?: number;
  /**
   * Negative slope written for `leakyRelu` layers when the model's `metadata.leakyReluAlpha` does not say
   * (tfjs' `tf.leakyRelu` default). Default 0.2.
   */
  leakyReluAlpha?: number;
}

/** Options of one export (`estimator.export(dir, { format: 'onnx', ... })`). */
export interface OnnxExportOptions extends FileExportOptions {
  /** Replace `model.onnx` if it exists. Default false. */
  overwrite?: boolean;
  /** Overrides the exporter's `opset` for this export. */
  opset?: number;
  /** Overrides the model's and the exporter's `leakyReluAlpha` for this export. */
  leakyReluAlpha?: number;
}

/** The IR version that goes with an opset (the ONNX release that introduced the opset). */
export function irVersionFor(opset: number): number {
  if (opset <= 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function checkOpset(opset: unknown, where: string): void {
  if (!Number.isInteger(opset) || (opset as number) < MIN_OPSET || (opset as number) > MAX_OPSET) {
    throw new ValidationError(
      `${where}: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${JSON.stringify(opset)}.`,
    );
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

type NodeSpec = Onnx.INodeProto;

function activationNode(
  a: ActivationName,
  input: string,
  output: string,
  name: string,
  alpha: number,
): NodeSpec | null {
  const floatAttr = (n: string, f: number) => ({ name: n, type: onnx.AttributeProto.AttributeType.FLOAT, f });
  const node = (opType: string, attribute: Onnx.IAttributeProto[] = []): NodeSpec => ({
    input: [input],
    output: [output],
    name,
    opType,
    attribute,
  });
  switch (a) {
    case 'linear':
      return null;
    case 'relu':
      return node('Relu');
    case 'sigmoid':
      return node('Sigmoid');
    case 'tanh':
      return node('Tanh');
    case 'softmax':
      // axis 1 is the feature axis of a [batch, units] tensor in every opset.
      return node('Softmax', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
    case 'elu':
      return node('Elu', [floatAttr('alpha', 1)]);
    case 'softplus':
      return node('Softplus');
    case 'leakyRelu':
      return node('LeakyRelu', [floatAttr('alpha', alpha)]);
  }
}

const valueInfo = (name: string, size: number): Onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: size }] } } },
});

/**
 * Builds the ONNX `ModelProto` bytes: per layer a `Gemm` (input · kernel + bias, kernel and bias as
 * float32 initializers) followed by its activation node; input `input` `[batch, inputSize]`, output
 * `output` `[batch, units]`, the batch dimension dynamic.
 */
export function toOnnx(
  model: ExportableModel,
  options: { opset?: number; leakyReluAlpha?: number } = {},
): Uint8Array {
  const { leakyReluAlpha: alpha } = prepareExport(model, {
    exporter: 'onnxExporter',
    leakyReluAlpha: options.leakyReluAlpha,
  });
  const opset = options.opset ?? DEFAULT_OPSET;
  checkOpset(opset, 'onnxExporter');
  const nodes: NodeSpec[] = [];
  const initializer: Onnx.ITensorProto[] = [];
  let current = ONNX_INPUT_NAME;
  const t = model.inputTransform;
  if (t) {
    // The fitted scaler, as nodes: (input − offset) / scale, clipped when it clips.
    const n = model.inputSize;
    initializer.push(
      { name: 'input_transform.offset', dims: [n], dataType: FLOAT, rawData: float32Bytes([t.offset]) },
      { name: 'input_transform.scale', dims: [n], dataType: FLOAT, rawData: float32Bytes([t.scale]) },
    );
    nodes.push(
      {
        input: [current, 'input_transform.offset'],
        output: ['input_transform.centered'],
        name: 'input_transform.sub',
        opType: 'Sub',
        attribute: [],
      },
      {
        input: ['input_transform.centered', 'input_transform.scale'],
        output: ['input_transform.scaled'],
        name: 'input_transform.div',
        opType: 'Div',
        attribute: [],
      },
    );
    current = 'input_transform.scaled';
    if (t.clip) {
      const [lo, hi] = t.clip;
      const float = onnx.AttributeProto.AttributeType.FLOAT;
      if (opset >= 11) {
        initializer.push(
          {
            name: 'input_transform.min',
            dims: [],
            dataType: FLOAT,
            rawData: float32Bytes([Float32Array.of(lo)]),
          },
          {
            name: 'input_transform.max',
            dims: [],
            dataType: FLOAT,
            rawData: float32Bytes([Float32Array.of(hi)]),
          },
        );
      }
      nodes.push({
        input: opset >= 11 ? [current, 'input_transform.min', 'input_transform.max'] : [current],
        output: ['input_transform.output'],
        name: 'input_transform.clip',
        opType: 'Clip',
        attribute:
          opset >= 11
            ? []
            : [
                { name: 'min', type: float, f: lo },
                { name: 'max', type: float, f: hi },
              ],
      });
      current = 'input_transform.output';
    }
  }
  const last = model.layers.length - 1;
  model.layers.forEach((l, i) => {
    const w = `layer${i}.kernel`;
    const b = `layer${i}.bias`;
    initializer.push(
      { name: w, dims: [l.inputSize, l.units], dataType: FLOAT, rawData: float32Bytes([l.kernel]) },
      { name: b, dims: [l.units], dataType: FLOAT, rawData: float32Bytes([l.bias]) },
    );
    const linear = l.activation === 'linear';
    const gemmOut = i === last && linear ? ONNX_OUTPUT_NAME : `layer${i}.linear`;
    nodes.push({
      input: [current, w, b],
      output: [gemmOut],
      name: `layer${i}.gemm`,
      opType: 'Gemm',
      attribute: [],
    });
    const actOut = i === last ? ONNX_OUTPUT_NAME : `layer${i}.output`;
    const act = activationNode(l.activation, gemmOut, actOut, `layer${i}.${l.activation}`, alpha);
    if (act) nodes.push(act);
    current = act ? actOut : gemmOut;
  });
  const proto: Onnx.IModelProto = {
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'layerwise',
    producerVersion: '0.1.0',
    docString: `${model.estimator} (${model.part}) exported by @layerwise/exporter-onnx`,
    metadataProps: [
      {
        key: 'layerwise',
        value: JSON.stringify({
          estimator: model.estimator,
          part: model.part,
          ...(model.metadata ? { metadata: model.metadata } : {}),
        }),
      },
      { key: 'layer_names', value: JSON.stringify(model.layers.map((l) => l.name)) },
      ...(t ? [{ key: 'input_transform', value: t.source }] : []),
    ],
    graph: {
      name: `${model.estimator}_${model.part}`,
      node: nodes,
      initializer,
      input: [valueInfo(ONNX_INPUT_NAME, model.inputSize)],
      output: [valueInfo(ONNX_OUTPUT_NAME, model.layers[last]!.units)],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(proto)).finish();
}

/**
 * An exporter for format `'onnx'`: writes `model.onnx` (Gemm + activation nodes, the opset stated, input
 * `input` with a dynamic batch dimension, output `output`), which onnxruntime and other ONNX tools run.
 * The file is written atomically and replaced only with `overwrite: true`. A bad model is refused with a
 * `ValidationError` before anything is written.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { onnxExporter } from '@layerwise/exporter-onnx';
 * const registry = new Registry().use(onnxExporter({ opset: 13 }));
 * await registry.exporter('onnx').export(exportableModel, 'onnx-model');
 * ```
 */
export function onnxExporter(options: OnnxExporterOptions = {}): ExporterPlugin {
  if (options.opset !== undefined) checkOpset(options.opset, 'onnxExporter({ opset })');
  return fileExporter<OnnxExportOptions>({
    name: 'onnx',
    format: 'onnx',
    exporter: 'onnxExporter',
    browserHint: 'In a browser, use toOnnx(model) and keep the bytes.',
    leakyReluAlpha: options.leakyReluAlpha,
    files: (model, opts, leakyReluAlpha) => [
      {
        name: ONNX_MODEL_FILE,
        contents: toOnnx(model, { opset: opts.opset ?? options.opset ?? DEFAULT_OPSET, leakyReluAlpha }),
      },
    ],
  });
}
