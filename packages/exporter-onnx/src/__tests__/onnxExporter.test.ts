import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActivationName, type ExportableModel, Registry, ValidationError } from '@layerwise/core';
import '@tensorflow/tfjs-backend-cpu';
import {
  maxAbsDiff,
  randomInput,
  randomExportableModel as randomModel,
  referenceForward,
} from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxExporter } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-onnx-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exports, runs model.onnx in onnxruntime with two batch sizes, returns the worst difference from the reference. */
async function exportAndRun(
  model: ExportableModel,
  name: string,
  options: { opset?: number; leakyReluAlpha?: number } = {},
) {
  const target = join(dir, name);
  const result = await onnxExporter(options).export(model, target);
  expect(result).toEqual({ format: 'onnx', files: [join(target, 'model.onnx')] });
  const session = await ort.InferenceSession.create(readFileSync(join(target, 'model.onnx')));
  expect(session.inputNames).toEqual(['input']);
  expect(session.outputNames).toEqual(['output']);
  let worst = 0;
  for (const rows of [1, 11]) {
    const x = randomInput(rows, model.inputSize, rows);
    const { output } = await session.run({ input: new ort.Tensor('float32', x, [rows, model.inputSize]) });
    expect(output!.dims).toEqual([rows, model.layers.at(-1)!.units]);
    worst = Math.max(
      worst,
      maxAbsDiff(output!.data as Float32Array, referenceForward(model, x, rows, options.leakyReluAlpha)),
    );
  }
  await session.release();
  return { worst, target };
}

describe('onnxExporter', () => {
  it('writes a model.onnx that onnxruntime runs, matching the reference forward pass (dynamic batch)', async () => {
    const model = randomModel([5, 8, 6, 3], ['relu', 'tanh', 'softmax'], 3);
    const { worst, target } = await exportAndRun(model, 'mlp');
    expect(worst).toBeLessThan(1e-5);
    expect(readdirSync(target)).toEqual(['model.onnx']);
    const decoded = onnxProto.onnx.ModelProto.decode(readFileSync(join(target, 'model.onnx')));
    expect(Number(decoded.opsetImport[0]!.version)).toBe(13);
    expect(Number(decoded.irVersion)).toBe(7);
    expect(decoded.graph!.node!.map((n) => n.opType)).toEqual([
      'Gemm',
      'Relu',
      'Gemm',
      'Tanh',
      'Gemm',
      'Softmax',
    ]);
    expect(
      decoded.graph!.input![0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)),
    ).toEqual(['batch', 5]);
    expect(JSON.parse(decoded.metadataProps.find((p) => p.key === 'layerwise')!.value!)).toEqual({
      estimator: 'MLPRegressor',
      part: 'model',
      metadata: { note: 'test' },
    });
  });

  it('carries an input transform (a fitted scaler) as Sub/Div nodes, and Clip when it clips (opset 9 and 13)', async () => {
    for (const opset of [9, 13]) {
      for (const clip of [undefined, [0, 1] as [number, number]]) {
        const model: ExportableModel = {
          ...randomModel([5, 8, 3], ['relu', 'softmax'], 4),
          inputTransform: {
            source: clip ? 'MinMaxScaler' : 'StandardScaler',
            offset: Float32Array.of(0.5, -1, 0, 2, -0.25),
            scale: Float32Array.of(0.2, 3, 1, 0.5, 4),
            ...(clip ? { clip } : {}),
          },
        };
        const { worst, target } = await exportAndRun(model, `transform-${opset}-${clip ? 'clip' : 'plain'}`, {
          opset,
        });
        expect(worst).toBeLessThan(1e-5);
        const decoded = onnxProto.onnx.ModelProto.decode(readFileSync(join(target, 'model.onnx')));
        expect(decoded.graph!.node!.map((n) => n.opType).slice(0, clip ? 4 : 3)).toEqual(
          clip ? ['Sub', 'Div', 'Clip', 'Gemm'] : ['Sub', 'Div', 'Gemm'],
        );
      }
    }
    const bad = {
      ...randomModel([2, 1], ['linear']),
      inputTransform: { source: 'x', offset: Float32Array.of(0, 0), scale: Float32Array.of(1, 0) },
    };
    await expect(onnxExporter().export(bad, join(dir, 'bad'))).rejects.toThrow(/scales finite and non-zero/);
  });

  it('maps every activation, a linear last layer included', async () => {
    const acts: ActivationName[] = [
      'leakyRelu',
      'elu',
      'softplus',
      'sigmoid',
      'relu',
      'tanh',
      'softmax',
      'linear',
    ];
    const model = randomModel([4, 7, 7, 6, 6, 5, 5, 4, 3], acts, 5);
    expect((await exportAndRun(model, 'all')).worst).toBeLessThan(1e-5);
    expect(
      (
        await exportAndRun(randomModel([3, 4, 2], ['leakyRelu', 'leakyRelu'], 6), 'leaky', {
          leakyReluAlpha: 0.05,
        })
      ).worst,
    ).toBeLessThan(1e-5);
  });

  it("uses the model's own leakyRelu slope (metadata.leakyReluAlpha) unless the export overrides it", async () => {
    const model = randomModel([3, 4, 2], ['leakyRelu', 'linear'], 8);
    model.metadata = { leakyReluAlpha: 0.1 };
    const target = join(dir, 'leaky-metadata');
    await onnxExporter({ leakyReluAlpha: 0.3 }).export(model, target);
    const session = await ort.InferenceSession.create(readFileSync(join(target, 'model.onnx')));
    const x = randomInput(5, 3);
    const { output } = await session.run({ input: new ort.Tensor('float32', x, [5, 3]) });
    expect(maxAbsDiff(output!.data as Float32Array, referenceForward(model, x, 5, 0.1))).toBeLessThan(1e-5);
    await session.release();
    // an export option wins over the metadata (exportAndRun compares with alpha 0.05)
    const onnxOverride = await onnxExporter().export(model, join(dir, 'leaky-override'), {
      leakyReluAlpha: 0.05,
    });
    const s2 = await ort.InferenceSession.create(readFileSync(onnxOverride.files[0]!));
    const r2 = await s2.run({ input: new ort.Tensor('float32', x, [5, 3]) });
    expect(maxAbsDiff(r2.output!.data as Float32Array, referenceForward(model, x, 5, 0.05))).toBeLessThan(
      1e-5,
    );
    await s2.release();
  });

  it('writes the opset asked for', async () => {
    const model = randomModel([6, 4, 2, 4, 6], ['sigmoid', 'relu', 'elu', 'sigmoid'], 9, 'autoencoder');
    for (const opset of [9, 11, 17, 21]) {
      const { worst, target } = await exportAndRun(model, `opset-${opset}`, { opset });
      expect(worst).toBeLessThan(1e-5);
      expect(
        Number(
          onnxProto.onnx.ModelProto.decode(readFileSync(join(target, 'model.onnx'))).opsetImport[0]!.version,
        ),
      ).toBe(opset);
    }
    expect(() => onnxExporter({ opset: 5 })).toThrow(ValidationError);
    await expect(onnxExporter().export(model, join(dir, 'opset-99'), { opset: 99 })).rejects.toThrow(
      /opset must be an integer from 9 to 21/,
    );
  });

  it('refuses to overwrite unless overwrite: true', async () => {
    const target = join(dir, 'twice');
    const exporter = onnxExporter();
    await exporter.export(randomModel([3, 2], ['relu'], 1), target);
    const before = readFileSync(join(target, 'model.onnx'));
    await expect(exporter.export(randomModel([3, 2], ['relu'], 2), target)).rejects.toThrow(
      /already exists.*overwrite: true/,
    );
    expect(readFileSync(join(target, 'model.onnx'))).toEqual(before);
    await exporter.export(randomModel([3, 2], ['relu'], 2), target, { overwrite: true });
    expect(readFileSync(join(target, 'model.onnx'))).not.toEqual(before);
  });

  it('refuses a bad model with a ValidationError before writing anything', async () => {
    const cases: [string, (m: ExportableModel) => void, RegExp][] = [
      [
        'shapes',
        (m) => {
          m.inputSize = 4;
        },
        /layer 0 .* takes 3 inputs but .* gives 4/,
      ],
      [
        'activation',
        (m) => {
          m.layers[1]!.activation = 'swish' as 'relu';
        },
        /unknown activation "swish"/,
      ],
      [
        'kernel',
        (m) => {
          m.layers[1]!.kernel = new Float32Array(9);
        },
        /kernel must be a Float32Array of 4×2 = 8/,
      ],
    ];
    for (const [name, spoil, message] of cases) {
      const model = randomModel([3, 4, 2], ['relu', 'softmax'], 1);
      spoil(model);
      const target = join(dir, `bad-${name}`);
      const err = await onnxExporter()
        .export(model, target)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(message);
      expect(() => statSync(target)).toThrow(/ENOENT/);
    }
  });

  it('is found in a registry by its format', () => {
    expect(new Registry().use(onnxExporter()).exporter('onnx').name).toBe('onnx');
  });
});
