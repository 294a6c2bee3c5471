import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type ExportableModel, Registry, ValidationError } from '@layerwise/core';
import '@tensorflow/tfjs-backend-cpu';
import {
  maxAbsDiff,
  randomInput,
  randomExportableModel as randomModel,
  referenceForward,
} from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TfjsModelJson, tfjsExporter } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-tfjs-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A file IO handler for tfjs: reads model.json, then every weights file its manifest names (plain file
 * names in the same folder), like `file://` in tfjs-node.
 */
function fileHandler(modelPath: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(modelPath, 'utf8')) as TfjsModelJson;
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        for (const p of group.paths) {
          expect(p).not.toMatch(/[/\\]/);
          buffers.push(new Uint8Array(await readFile(join(dirname(modelPath), p))));
        }
      }
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const weightData = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        weightData.set(b, off);
        off += b.byteLength;
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: weightData.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        userDefinedMetadata: json.userDefinedMetadata,
      } as tf.io.ModelArtifacts;
    },
  };
}

async function exportAndCompare(model: ExportableModel, name: string, alpha = 0.2) {
  const target = join(dir, name);
  const result = await tfjsExporter(alpha === 0.2 ? {} : { leakyReluAlpha: alpha }).export(model, target);
  expect(result).toEqual({
    format: 'tfjs-layers',
    files: [join(target, 'model.json'), join(target, 'weights.bin')],
  });
  const loaded = await tfl.loadLayersModel(fileHandler(join(target, 'model.json')));
  const rows = 9;
  const x = randomInput(rows, model.inputSize);
  const before = tf.memory().numTensors;
  const reference = referenceForward(model, x, rows, alpha);
  expect(tf.memory().numTensors).toBe(before);
  const input = tf.tensor2d(x, [rows, model.inputSize]);
  const out = loaded.predict(input) as tf.Tensor;
  const last = model.layers.at(-1)!;
  expect(out.shape).toEqual([rows, last.units]);
  const diff = maxAbsDiff(out.dataSync(), reference);
  tf.dispose([input, out]);
  loaded.dispose();
  return { diff, loaded, target };
}

describe('tfjsExporter', () => {
  it('writes a Layers model that loadLayersModel reads and that matches the reference forward pass', async () => {
    const model = randomModel([5, 8, 6, 3], ['relu', 'tanh', 'softmax'], 3);
    const { diff, target } = await exportAndCompare(model, 'mlp');
    expect(diff).toBeLessThan(1e-5);
    const json = JSON.parse(readFileSync(join(target, 'model.json'), 'utf8')) as TfjsModelJson;
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.modelTopology.config.layers.map((l) => l.class_name)).toEqual(['Dense', 'Dense', 'Dense']);
    expect(json.modelTopology.config.layers[0]!.config.batch_input_shape).toEqual([null, 5]);
    expect(json.weightsManifest[0]!.weights.map((w) => w.name)).toEqual([
      'dense_0/kernel',
      'dense_0/bias',
      'dense_1/kernel',
      'dense_1/bias',
      'dense_2/kernel',
      'dense_2/bias',
    ]);
    expect(statSync(join(target, 'weights.bin')).size).toBe(4 * (5 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3));
    expect(json.userDefinedMetadata).toEqual({
      layerwise: { estimator: 'MLPRegressor', part: 'model', metadata: { note: 'test' } },
    });
    // no temporary files left behind
    expect(readdirSync(target).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('carries an input transform (a fitted scaler): folded into the first layer, or a diagonal Dense + ReLU(max_value) when it clips', async () => {
    for (const clip of [undefined, [0, 1] as [number, number], [-1, 2] as [number, number]]) {
      const model: ExportableModel = {
        ...randomModel([5, 8, 3], ['leakyRelu', 'softmax'], 4),
        inputTransform: {
          source: clip ? 'MinMaxScaler' : 'StandardScaler',
          offset: Float32Array.of(0.5, -1, 0, 2, -0.25),
          scale: Float32Array.of(0.2, 3, 1, 0.5, 0.1),
          ...(clip ? { clip } : {}),
        },
      };
      const name = `transform-${clip ? clip.join('_') : 'plain'}`;
      const { diff, target } = await exportAndCompare(model, name);
      expect(diff).toBeLessThan(1e-5);
      const json = JSON.parse(readFileSync(join(target, 'model.json'), 'utf8')) as TfjsModelJson;
      const classes = json.modelTopology.config.layers.map((l) => l.class_name);
      expect(classes).toEqual(
        clip ? ['Dense', 'ReLU', 'Dense', 'LeakyReLU', 'Dense'] : ['Dense', 'LeakyReLU', 'Dense'],
      );
      expect(json.userDefinedMetadata.layerwise).toMatchObject({
        inputTransform: model.inputTransform!.source,
      });
    }
  });

  it('maps every activation (leakyRelu through a LeakyReLU layer with the right alpha)', async () => {
    const model = randomModel(
      [4, 7, 7, 6, 6, 5, 5, 3],
      ['leakyRelu', 'elu', 'softplus', 'sigmoid', 'linear', 'relu', 'tanh'],
      5,
    );
    const { diff, target } = await exportAndCompare(model, 'all-activations');
    expect(diff).toBeLessThan(1e-5);
    const layers = (JSON.parse(readFileSync(join(target, 'model.json'), 'utf8')) as TfjsModelJson)
      .modelTopology.config.layers;
    expect(layers[1]).toMatchObject({ class_name: 'LeakyReLU', config: { alpha: 0.2 } });
    const custom = await exportAndCompare(
      randomModel([3, 4, 2], ['leakyRelu', 'leakyRelu'], 6),
      'leaky-0.05',
      0.05,
    );
    expect(custom.diff).toBeLessThan(1e-5);
    // the slope the model was trained with (metadata.leakyReluAlpha, as @layerwise/nn records it) wins
    const trained = randomModel([3, 4, 2], ['leakyRelu', 'linear'], 8);
    trained.metadata = { leakyReluAlpha: 0.1 };
    const trainedDir = join(dir, 'leaky-metadata');
    await tfjsExporter().export(trained, trainedDir);
    const loaded = await tfl.loadLayersModel(fileHandler(join(trainedDir, 'model.json')));
    const x = randomInput(5, 3);
    const out = tf.tidy(() => (loaded.predict(tf.tensor2d(x, [5, 3])) as tf.Tensor).dataSync());
    expect(maxAbsDiff(out, referenceForward(trained, x, 5, 0.1))).toBeLessThan(1e-5);
    loaded.dispose();
  });

  it('exports an encoder / decoder / whole autoencoder as separate parts', async () => {
    const ae = randomModel([6, 4, 2, 4, 6], ['sigmoid', 'sigmoid', 'sigmoid', 'sigmoid'], 9, 'autoencoder');
    const encoder = { ...ae, part: 'encoder', layers: ae.layers.slice(0, 2) };
    const decoder = { ...ae, part: 'decoder', inputSize: 2, layers: ae.layers.slice(2) };
    for (const m of [ae, encoder, decoder])
      expect((await exportAndCompare(m, `ae-${m.part}`)).diff).toBeLessThan(1e-5);
  });

  it('makes layer names tfjs accepts, unique', async () => {
    const model = randomModel([3, 3, 2], ['relu', 'linear'], 2);
    model.layers[0]!.name = 'encoder/0';
    model.layers[1]!.name = 'encoder_0';
    const { diff, target } = await exportAndCompare(model, 'names');
    expect(diff).toBeLessThan(1e-5);
    const layers = (JSON.parse(readFileSync(join(target, 'model.json'), 'utf8')) as TfjsModelJson)
      .modelTopology.config.layers;
    expect(layers.map((l) => l.config.name)).toEqual(['encoder_0', 'encoder_0_1']);
  });

  it('refuses to overwrite existing files unless overwrite: true', async () => {
    const target = join(dir, 'twice');
    const exporter = tfjsExporter();
    await exporter.export(randomModel([3, 2], ['relu'], 1), target);
    const before = readFileSync(join(target, 'weights.bin'));
    await expect(exporter.export(randomModel([3, 2], ['relu'], 2), target)).rejects.toThrow(
      /already exists.*overwrite: true/,
    );
    expect(readFileSync(join(target, 'weights.bin'))).toEqual(before);
    await exporter.export(randomModel([3, 2], ['relu'], 2), target, { overwrite: true });
    expect(readFileSync(join(target, 'weights.bin'))).not.toEqual(before);
  });

  it('refuses a bad model with a ValidationError before writing anything', async () => {
    const exporter = tfjsExporter();
    const cases: [string, (m: ExportableModel) => void, RegExp][] = [
      [
        'shapes',
        (m) => {
          m.layers[1]!.inputSize = 5;
        },
        /layer 1 .* takes 5 inputs but .* gives 4/,
      ],
      [
        'kernel',
        (m) => {
          m.layers[0]!.kernel = new Float32Array(3);
        },
        /kernel must be a Float32Array of 3×4 = 12/,
      ],
      [
        'bias',
        (m) => {
          m.layers[0]!.bias = new Float32Array(1);
        },
        /bias must be a Float32Array of 4/,
      ],
      [
        'activation',
        (m) => {
          m.layers[0]!.activation = 'gelu' as 'relu';
        },
        /unknown activation "gelu"/,
      ],
      [
        'nan',
        (m) => {
          m.layers[1]!.bias[0] = Number.NaN;
        },
        /NaN or Infinity/,
      ],
      [
        'empty',
        (m) => {
          m.layers = [];
        },
        /no layers/,
      ],
    ];
    for (const [name, spoil, message] of cases) {
      const model = randomModel([3, 4, 2], ['relu', 'softmax'], 1);
      spoil(model);
      const target = join(dir, `bad-${name}`);
      const err = await exporter.export(model, target).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(message);
      expect(() => statSync(target)).toThrow(/ENOENT/);
    }
  });

  it('is found in a registry by its format', () => {
    const registry = new Registry().use(tfjsExporter());
    expect(registry.exporter('tfjs-layers').name).toBe('tfjs');
  });
});
