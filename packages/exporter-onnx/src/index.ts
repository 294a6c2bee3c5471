/**
 * `@layerwise/exporter-onnx` — writes layerwise models as ONNX (`model.onnx`) that onnxruntime runs.
 * @packageDocumentation
 */

import { type ExportableModel, validateExportableModel } from '@layerwise/core';

export type { OnnxExporterOptions, OnnxExportOptions } from './onnxExporter.js';
export {
  DEFAULT_OPSET,
  irVersionFor,
  MAX_OPSET,
  MIN_OPSET,
  ONNX_INPUT_NAME,
  ONNX_MODEL_FILE,
  ONNX_OUTPUT_NAME,
  onnxExporter,
  toOnnx,
} from './onnxExporter.js';

/** `validateExportableModel` of `@layerwise/core` (kept for compatibility); messages start with `exporter`. */
export const validateModel = (model: ExportableModel, exporter: string): void =>
  validateExportableModel(model, { exporter });
