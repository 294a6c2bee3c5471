import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { checkExporter } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileIO, tfjsExporter } from '../index.js';

checkExporter(() => tfjsExporter(), {
  async verify({ target, input, rows, model }) {
    await tf.setBackend('cpu');
    const loaded = await tfl.loadLayersModel(fileIO(join(target, 'model.json')));
    const x = tf.tensor2d(input, [rows, model.inputSize]);
    const out = loaded.predict(x) as tf.Tensor;
    const values = out.dataSync().slice();
    tf.dispose([x, out]);
    loaded.dispose();
    return values;
  },
});
