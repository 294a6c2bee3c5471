// The VAE's decoder exported to tfjs-layers and ONNX generates the same rows as `inverseTransform`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@layerwise/core';
import { onnxExporter } from '@layerwise/exporter-onnx';
import { fileIO, tfjsExporter } from '@layerwise/exporter-tfjs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VariationalAutoencoder } from '../index.js';
import { useWasm } from './helpers.js';

// Made in a hook, not at import: a filtered run (-t) that skips this file's tests leaves nothing behind.
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lw-vae-export-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeAll(useWasm);

describe('VariationalAutoencoder decoder export', () => {
  it('tfjs-layers and ONNX decoders turn codes into the rows inverseTransform gives', async () => {
    const registry = new Registry().use(tfjsExporter()).use(onnxExporter());
    const X = Array.from({ length: 80 }, (_, i) =>
      Array.from({ length: 12 }, (_, j) => (Math.sin(i + j) + 1) / 2),
    );
    const vae = new VariationalAutoencoder(
      { hiddenLayerSizes: [16, 8], latentDim: 3, epochs: 3, batchSize: 20, randomState: 0 },
      { registry },
    );
    await vae.fit(X);
    const Z = [
      [0, 0, 0],
      [1, -0.5, 2],
      [-1.5, 0.3, 0.1],
    ];
    const want = (await vae.inverseTransform(Z)) as number[][];
    await vae.export(join(tmp, 'tfjs'), { format: 'tfjs-layers' });
    const model = await tfl.loadLayersModel(fileIO(join(tmp, 'tfjs', 'model.json')));
    const zt = tf.tensor2d(Z);
    const out = model.predict(zt) as tf.Tensor;
    const got = (await out.array()) as number[][];
    out.dispose();
    zt.dispose();
    model.dispose();
    await vae.export(join(tmp, 'onnx'), { format: 'onnx' });
    const session = await ort.InferenceSession.create(readFileSync(join(tmp, 'onnx', 'model.onnx')));
    const input = new ort.Tensor('float32', Float32Array.from(Z.flat()), [3, 3]);
    const res = await session.run({ [session.inputNames[0]!]: input });
    const onnx = Array.from(res[session.outputNames[0]!]!.data as Float32Array);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 12; c++) {
        expect(got[r]![c]).toBeCloseTo(want[r]![c]!, 4);
        expect(onnx[r * 12 + c]).toBeCloseTo(want[r]![c]!, 4);
      }
    }
    // The encoder exports too (input → μ).
    const enc = vae.toExportable('encoder');
    expect(enc.inputSize).toBe(12);
    expect(enc.layers.at(-1)!.units).toBe(3);
    vae.dispose();
  });
});
