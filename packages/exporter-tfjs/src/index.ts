/**
 * `@layerwise/exporter-tfjs` — writes layerwise models as TensorFlow.js Layers models
 * (`model.json` + `weights.bin`) that `tf.loadLayersModel` reads.
 * @packageDocumentation
 */

import { type ExportableModel, validateExportableModel } from '@layerwise/core';

export { fileIO } from './fileIO.js';
export type { TfjsExporterOptions, TfjsExportOptions, TfjsModelJson } from './tfjsExporter.js';
export { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, tfjsExporter, toTfjsLayers } from './tfjsExporter.js';

/** `validateExportableModel` of `@layerwise/core` (kept for compatibility); messages start with `exporter`. */
export const validateModel = (model: ExportableModel, exporter: string): void =>
  validateExportableModel(model, { exporter });
