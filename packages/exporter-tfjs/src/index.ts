/**
 * `@layerwise/exporter-tfjs` — writes layerwise models as TensorFlow.js Layers models
 * (`model.json` + `weights.bin`) that `tf.loadLayersModel` reads.
 * @packageDocumentation
 */

export type { TfjsExporterOptions, TfjsExportOptions, TfjsModelJson } from './tfjsExporter.js';
export { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, tfjsExporter, toTfjsLayers } from './tfjsExporter.js';
export { validateModel } from './validateModel.js';
