import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BackendUnavailableError,
  createDefaultRegistry,
  getDefaultRegistry,
  load,
  MLPClassifier,
  MLPRegressor,
  ModelFormatError,
  NotFittedError,
  StackedAutoencoder,
  UnknownFormatError,
  ValidationError,
} from '../index.js';

let X: { data: Float32Array; shape: [number, number] };
let y: Int32Array;

beforeAll(async () => {
  const train = await loadMnist({ subset: 'train', limit: 1000 });
  X = train.X as typeof X;
  y = train.y;
});

describe('layerwise (umbrella)', () => {
  it('the default registry has every first-party plugin and auto picks wasm here, warning once about node', async () => {
    const registry = createDefaultRegistry();
    expect(registry.backends().map((b) => b.name)).toEqual(['node', 'wasm', 'cpu']);
    expect(
      registry
        .exporters()
        .map((e) => e.format)
        .sort(),
    ).toEqual(['onnx', 'tfjs-layers']);
    const warn = vi.fn();
    const name = await registry.activateBackend('auto', { warn });
    // tfjs-node cannot be built on these machines; where it can, node wins
    expect(['wasm', 'node']).toContain(name);
    if (name === 'wasm') expect(warn).toHaveBeenCalledTimes(1);
    expect(getDefaultRegistry().backends().length).toBe(3);
  });

  it('the seed promise: four statements give a trained AE, a CSV log and a model file that loads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-umbrella-'));
    const ae = new StackedAutoencoder({
      hiddenLayerSizes: [64, 32],
      epochs: 2,
      fineTuneEpochs: 1,
      batchSize: 100,
      randomState: 0,
      logPath: join(dir, 'ae.csv'),
      exportPath: join(dir, 'ae-model'),
    });
    await ae.fit(X);
    const csv = readFileSync(join(dir, 'ae.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'timestamp,stage,layer,epoch,train_loss,val_loss,train_acc,val_acc,seconds,samples_per_s,lr',
    );
    expect(csv.length).toBe(1 + 2 + 2 + 1); // header + 2 epochs × 2 layers + 1 fine-tune epoch
    const again = await load(join(dir, 'ae-model'));
    expect(again).toBeInstanceOf(StackedAutoencoder);
    const before = tf.memory().numTensors; // both fitted models hold their weights; nothing else may stay
    const a = (await ae.transform(X)) as { data: Float32Array };
    const b = (await (again as StackedAutoencoder).transform(X)) as { data: Float32Array };
    expect(b.data).toEqual(a.data);
    const exported = await ae.export(join(dir, 'encoder-onnx'), { format: 'onnx', part: 'encoder' });
    expect(readdirSync(join(dir, 'encoder-onnx'))).toContain('model.onnx');
    expect(exported.format).toBe('onnx');
    await expect(ae.export(join(dir, 'x'), { format: 'tflite' })).rejects.toThrowError(UnknownFormatError);
    expect(tf.memory().numTensors).toBe(before);

    // A fresh process that only imports layerwise and loads the model gets the same codes.
    const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const scriptDir = mkdtempSync(join(pkgDir, '.gradtest-'));
    try {
      const script = join(scriptDir, 'load.mts');
      writeFileSync(
        script,
        `import { load } from 'layerwise';
const m = await load(${JSON.stringify(join(dir, 'ae-model'))});
const z = await m.transform({ data: new Float32Array(784).fill(0.5), shape: [1, 784] });
console.log(JSON.stringify(Array.from(z.data)));`,
      );
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=source', script], {
        cwd: pkgDir,
        encoding: 'utf8',
      });
      const child = JSON.parse(out.trim().split('\n').pop()!);
      const here = (await ae.transform({ data: new Float32Array(784).fill(0.5), shape: [1, 784] })) as {
        data: Float32Array;
      };
      expect(child).toHaveLength(32);
      for (const [i, v] of (child as number[]).entries()) expect(v).toBeCloseTo(here.data[i]!, 4);
    } finally {
      rmSync(scriptDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('load() rejects a directory without a model and a model of unknown kind', async () => {
    await expect(load(join(tmpdir(), 'no-such-model-dir'))).rejects.toThrowError(ModelFormatError);
  });

  it('re-exports the estimators and the error classes', async () => {
    expect(() => new MLPRegressor({ learningRate: -1 })).toThrowError(ValidationError);
    await expect(new MLPClassifier().predict([[1]])).rejects.toThrowError(NotFittedError);
    expect(new BackendUnavailableError('x')).toBeInstanceOf(Error);
    expect(y.length).toBe(1000);
  });
});
