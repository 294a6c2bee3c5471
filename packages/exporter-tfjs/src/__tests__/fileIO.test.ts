import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFormatError, Registry, ValidationError } from '@layerwise/core';
import '@tensorflow/tfjs-backend-cpu';
import { maxAbsDiff, randomExportableModel, randomInput, referenceForward } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileIO, tfjsExporter } from '../index.js';

describe('fileIO (load a tfjs-layers export from disk without tfjs-node)', () => {
  let root: string;
  let dir: string;
  const model = randomExportableModel([5, 4, 3], ['leakyRelu', 'softmax'], 3);
  const input = randomInput(6, 5, 11);

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'lw-fileio-'));
    dir = join(root, 'export');
    await new Registry().use(tfjsExporter()).exporter('tfjs-layers').export(model, dir);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  async function predict(handler: tf.io.IOHandler): Promise<Float32Array> {
    const before = tf.memory().numTensors;
    const m = await tfl.loadLayersModel(handler);
    const x = tf.tensor2d(input, [6, 5]);
    const y = m.predict(x) as tf.Tensor;
    const out = y.dataSync() as Float32Array;
    tf.dispose([x, y]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    return out;
  }

  it('loads the folder or its model.json and predicts what the model computes', async () => {
    const expected = referenceForward(model, input, 6);
    const fromDir = await predict(fileIO(dir));
    const fromFile = await predict(fileIO(join(dir, 'model.json')));
    expect(maxAbsDiff(fromDir, expected)).toBeLessThan(1e-5);
    expect(Array.from(fromFile)).toEqual(Array.from(fromDir));
    // softmax rows sum to 1: the LeakyReLU + Dense(softmax) topology came back whole
    for (let r = 0; r < 6; r++)
      expect(fromDir[3 * r]! + fromDir[3 * r + 1]! + fromDir[3 * r + 2]!).toBeCloseTo(1, 5);
  });

  it('keeps the layerwise metadata', async () => {
    const artifacts = await fileIO(dir).load!();
    expect((artifacts.userDefinedMetadata as { layerwise?: { part?: string } }).layerwise?.part).toBe(
      'model',
    );
    expect(artifacts.weightSpecs!.map((w) => w.name).length).toBe(4);
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe((5 * 4 + 4 + 4 * 3 + 3) * 4);
  });

  it('refuses a bad path, a hostile manifest and a missing weights file with named errors', async () => {
    expect(() => fileIO('')).toThrow(ValidationError);
    await expect(fileIO(join(root, 'nope')).load!()).rejects.toThrow(ValidationError);
    await expect(fileIO(join(root, 'nope')).load!()).rejects.toThrow(/does not exist/);

    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const bad = join(root, 'bad');
    await new Registry().use(tfjsExporter()).exporter('tfjs-layers').export(model, bad);
    json.weightsManifest[0].paths = ['../export/weights.bin'];
    await writeFile(join(bad, 'model.json'), JSON.stringify(json));
    await expect(fileIO(bad).load!()).rejects.toThrow(ModelFormatError);
    await expect(fileIO(bad).load!()).rejects.toThrow(/not a plain file name/);

    json.weightsManifest[0].paths = ['gone.bin'];
    await writeFile(join(bad, 'model.json'), JSON.stringify(json));
    await expect(fileIO(bad).load!()).rejects.toThrow(/weights file .*gone\.bin.* is missing/);

    await writeFile(join(bad, 'model.json'), '{"modelTopology": ');
    await expect(fileIO(bad).load!()).rejects.toThrow(ModelFormatError);
    await writeFile(join(bad, 'model.json'), '{"weights": []}');
    await expect(fileIO(bad).load!()).rejects.toThrow(/not a TensorFlow\.js Layers model\.json/);
  });

  it('says what to do instead where there is no file system (a browser)', async () => {
    const saved = globalThis.process;
    vi.stubGlobal('process', undefined);
    try {
      await expect(fileIO(dir).load!()).rejects.toThrow(ValidationError);
      await expect(fileIO(dir).load!()).rejects.toThrow(/In a browser, serve the export folder/);
    } finally {
      vi.stubGlobal('process', saved);
      vi.unstubAllGlobals();
    }
  });
});
