import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { checkExporter } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type TfjsModelJson, tfjsExporter } from '../index.js';

/** Reads model.json and the weights files it names, as tfjs-node's file:// handler would. */
function fileHandler(modelPath: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(modelPath, 'utf8')) as TfjsModelJson;
      const parts: Uint8Array[] = [];
      for (const g of json.weightsManifest) {
        for (const p of g.paths) parts.push(new Uint8Array(await readFile(join(dirname(modelPath), p))));
      }
      const data = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
      let off = 0;
      for (const b of parts) {
        data.set(b, off);
        off += b.byteLength;
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: data.buffer,
      } as tf.io.ModelArtifacts;
    },
  };
}

checkExporter(() => tfjsExporter(), {
  async verify({ target, input, rows, model }) {
    await tf.setBackend('cpu');
    const loaded = await tfl.loadLayersModel(fileHandler(join(target, 'model.json')));
    const x = tf.tensor2d(input, [rows, model.inputSize]);
    const out = loaded.predict(x) as tf.Tensor;
    const values = out.dataSync().slice();
    tf.dispose([x, out]);
    loaded.dispose();
    return values;
  },
});
