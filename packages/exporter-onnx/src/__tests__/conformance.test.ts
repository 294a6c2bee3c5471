import { readFileSync } from 'node:fs';
import { checkExporter } from '@layerwise/testkit';
import ort from 'onnxruntime-node';
import { onnxExporter } from '../index.js';

checkExporter(() => onnxExporter(), {
  async verify({ result, input, rows, model }) {
    const session = await ort.InferenceSession.create(readFileSync(result.files[0]!));
    const { output } = await session.run({
      input: new ort.Tensor('float32', input, [rows, model.inputSize]),
    });
    await session.release();
    return output!.data as Float32Array;
  },
});
