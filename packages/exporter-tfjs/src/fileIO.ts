import { checkSafeFileName, ModelFormatError, nodeBuiltin, ValidationError } from '@layerwise/core';
import type { io } from '@tensorflow/tfjs-core';
import { TFJS_MODEL_FILE } from './tfjsExporter.js';

const WHAT = 'fileIO';
const HINT =
  'In a browser, serve the export folder and pass its URL to tf.loadLayersModel("/path/model.json").';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * A `tf.io.IOHandler` that loads a TensorFlow.js Layers model (`model.json` + its weight files) from the
 * file system in Node.js — what `tf.loadLayersModel('file://…')` does only with `@tensorflow/tfjs-node`
 * installed. `path` is the export folder or its `model.json`:
 *
 * ```ts
 * const m = await tf.loadLayersModel(fileIO('tfjs-model')); // @tensorflow/tfjs-layers + any backend
 * ```
 *
 * Weight file names in the manifest must be plain file names beside `model.json` (paths and `..` are
 * refused with a `ModelFormatError`); a missing file is a `ValidationError`. Node.js only: in a browser,
 * `load()` throws a `ValidationError` (serve the folder and load it by URL instead).
 */
export function fileIO(path: string): io.IOHandler {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ValidationError(
      'fileIO(path): path must be the export folder or its model.json, as a non-empty string.',
    );
  }
  return {
    async load(): Promise<io.ModelArtifacts> {
      const fs = nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises', WHAT, HINT);
      const p = nodeBuiltin<typeof import('node:path')>('node:path', WHAT, HINT);
      const stat = await fs.stat(path).catch(() => undefined);
      if (!stat) {
        throw new ValidationError(
          `fileIO: "${path}" does not exist; pass the folder a tfjs-layers export wrote, or its ${TFJS_MODEL_FILE}.`,
        );
      }
      const modelFile = stat.isDirectory() ? p.join(path, TFJS_MODEL_FILE) : path;
      const text = await fs.readFile(modelFile, 'utf8').catch(() => {
        throw new ValidationError(`fileIO: cannot read "${modelFile}" (no ${TFJS_MODEL_FILE} there).`);
      });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new ModelFormatError(`fileIO: "${modelFile}" is not valid JSON (${(e as Error).message}).`);
      }
      if (
        !isPlainObject(json) ||
        !isPlainObject(json.modelTopology) ||
        !Array.isArray(json.weightsManifest)
      ) {
        throw new ModelFormatError(
          `fileIO: "${modelFile}" is not a TensorFlow.js Layers model.json (needs modelTopology and weightsManifest).`,
        );
      }
      const dir = p.dirname(modelFile);
      const weightSpecs: io.WeightsManifestEntry[] = [];
      const chunks: Uint8Array[] = [];
      for (const [g, group] of (json.weightsManifest as unknown[]).entries()) {
        if (!isPlainObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
          throw new ModelFormatError(`fileIO: weightsManifest[${g}] needs "paths" and "weights" arrays.`);
        }
        weightSpecs.push(...(group.weights as io.WeightsManifestEntry[]));
        for (const [k, name] of (group.paths as unknown[]).entries()) {
          const file = p.join(dir, checkSafeFileName(name, `weightsManifest[${g}].paths[${k}]`));
          const bytes = await fs.readFile(file).catch(() => {
            throw new ValidationError(
              `fileIO: weights file "${file}" named by ${TFJS_MODEL_FILE} is missing.`,
            );
          });
          chunks.push(bytes);
        }
      }
      const total = chunks.reduce((n, c) => n + c.byteLength, 0);
      const weightData = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) {
        weightData.set(c, off);
        off += c.byteLength;
      }
      return {
        modelTopology: json.modelTopology as io.ModelArtifacts['modelTopology'],
        weightSpecs,
        weightData: weightData.buffer,
        ...(typeof json.format === 'string' ? { format: json.format } : {}),
        ...(typeof json.generatedBy === 'string' ? { generatedBy: json.generatedBy } : {}),
        ...(typeof json.convertedBy === 'string' ? { convertedBy: json.convertedBy } : {}),
        ...(isPlainObject(json.userDefinedMetadata)
          ? { userDefinedMetadata: json.userDefinedMetadata as Record<string, {}> }
          : {}),
        ...(isPlainObject(json.trainingConfig)
          ? { trainingConfig: json.trainingConfig as unknown as io.TrainingConfig }
          : {}),
      };
    },
  };
}
