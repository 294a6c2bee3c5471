import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type LoggerPlugin,
  loadModelDir,
  Registry,
  type TrainingEvent,
  ValidationError,
} from '@layerwise/core';
import { bundleChild, killChildWhen } from '@layerwise/testkit';
import { earlyStopping, reduceLROnPlateau } from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder, type StackedAutoencoderParams } from '../index.js';
import { loadMnist } from './helpers.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'lw-ae-ckpt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every weight of the whole autoencoder, as exported. */
const weights = (ae: StackedAutoencoder) =>
  ae.toExportable('autoencoder').layers.flatMap((l) => [...l.kernel, ...l.bias]);

const stagesOf = (ae: StackedAutoencoder) =>
  ae.history!.stages.map((s) => `${s.stage}${s.layer ?? ''}:${s.epochs.length}`);

describe('StackedAutoencoder checkpoint and resume', () => {
  const params: Partial<StackedAutoencoderParams> = {
    hiddenLayerSizes: [32, 8],
    epochs: 4,
    fineTuneEpochs: 2,
    batchSize: 50,
    learningRate: 0.005,
    randomState: 11,
  };

  it('SIGKILL during layer-2 pretraining, then resume: same stages, epochs and weights as an uninterrupted fit', async () => {
    const bundle = await bundleChild(
      new URL('./checkpointChild.ts', import.meta.url),
      join(root, 'child.mjs'),
    );
    const dir = join(root, 'ae');
    // Kill once the checkpoint says layer 2 (index 1) is being pretrained and has at least one epoch.
    await killChildWhen(
      bundle,
      [dir, JSON.stringify(params)],
      pkgDir,
      dir,
      (m) => m.state.stageIndex === 1 && m.state.progress !== null,
    );
    const files = await readdir(dir);
    for (const f of files) {
      expect([/^model\.json$/, /^weights-[0-9a-f]{16}\.bin$/, /^\..+\.tmp$/].some((r) => r.test(f))).toBe(
        true,
      );
    }
    const ck = await loadModelDir(dir);
    expect(ck.kind).toBe('Checkpoint:StackedAutoencoder');
    expect(ck.state.stage).toBe('pretrain layer 1');
    console.log(
      `StackedAutoencoder child killed in ${ck.state.stage} after epoch ${(ck.state.progress as { records: unknown[] }).records.length}; files: ${files.join(', ')}`,
    );

    const { X } = await loadMnist('train', 500);
    const before = tf.memory().numTensors;
    const resumed = await new StackedAutoencoder({ ...params, checkpoint: { dir } }).fit(X, { resume: dir });
    // Only the weights remain: 2 × (encoder kernel + bias + decoder kernel + bias).
    expect(tf.memory().numTensors).toBe(before + 8);
    expect(stagesOf(resumed)).toEqual(['pretrain0:4', 'pretrain1:4', 'finetune:2']);
    expect(resumed.history!.epochs).toHaveLength(10);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await loadModelDir(dir)).state.stage).toBe('done');

    const ref = await new StackedAutoencoder(params).fit(X);
    expect(resumed.history!.epochs.map((e) => e.loss)).toEqual(ref.history!.epochs.map((e) => e.loss));
    expect(weights(resumed)).toEqual(weights(ref));
    resumed.dispose();
    ref.dispose();
  });

  it('in process: stateful callbacks (reduceLROnPlateau, earlyStopping) resumed mid-pretraining go on as uninterrupted', async () => {
    const { X } = await loadMnist('train', 200);
    // Per stage: the rate halves on a plateau that only a large minDelta sees; the stopper ends the stage
    // and puts back its best epoch's weights. The crash comes in layer 1's pretraining after a reduction.
    const callbacks = () => [
      reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 1 }),
      earlyStopping({ monitor: 'loss', patience: 2, minDelta: 0.01, restoreBestWeights: true }),
    ];
    const p: Partial<StackedAutoencoderParams> = {
      ...params,
      hiddenLayerSizes: [16, 4],
      epochs: 12,
      fineTuneEpochs: 3,
      learningRate: 0.02,
    };
    const ref = await new StackedAutoencoder({ ...p, callbacks: callbacks() }).fit(X);
    const layer1 = ref.history!.stages.find((s) => s.stage === 'pretrain' && s.layer === 1)!;
    const lrs = layer1.epochs.map((e) => e.lr);
    const at = lrs.findIndex((lr) => lr! < lrs[0]!) + 1; // the first epoch run at a lowered rate
    expect(at).toBeGreaterThan(1);
    expect(layer1.epochs.length).toBeGreaterThan(at);
    const crash: LoggerPlugin = {
      kind: 'logger',
      name: 'crash',
      handle(e: TrainingEvent) {
        if (e.type === 'epochEnd' && e.stage === 'pretrain' && e.layer === 1 && e.epoch === at) {
          throw new Error('crash');
        }
      },
    };
    const dir = join(root, 'callbacks');
    const withCkpt = { ...p, checkpoint: { dir }, callbacks: callbacks() };
    await expect(
      new StackedAutoencoder(withCkpt, { registry: new Registry().use(crash) }).fit(X),
    ).rejects.toThrow('crash');
    const resumed = await new StackedAutoencoder({ ...withCkpt, callbacks: callbacks() }).fit(X, {
      resume: dir,
    });
    expect(stagesOf(resumed)).toEqual(stagesOf(ref));
    expect(resumed.history!.epochs.map((e) => e.lr)).toEqual(ref.history!.epochs.map((e) => e.lr));
    expect(resumed.history!.epochs.map((e) => e.loss)).toEqual(ref.history!.epochs.map((e) => e.loss));
    expect(weights(resumed)).toEqual(weights(ref));
    resumed.dispose();
    ref.dispose();
  });

  it('in process: crash during fine-tuning with tied weights, noise and dropout; resume is exact', async () => {
    const { X } = await loadMnist('train', 200);
    const p: Partial<StackedAutoencoderParams> = {
      ...params,
      hiddenLayerSizes: [16, 4],
      epochs: 2,
      fineTuneEpochs: 3,
      tiedWeights: true,
      noise: 0.2,
      dropout: 0.1,
      optimizer: 'rmsprop',
      earlyStopping: true,
    };
    const crash: LoggerPlugin = {
      kind: 'logger',
      name: 'crash',
      handle(e: TrainingEvent) {
        if (e.type === 'epochEnd' && e.stage === 'finetune' && e.epoch === 3) throw new Error('crash');
      },
    };
    const dir = join(root, 'tied');
    const ae = new StackedAutoencoder({ ...p, checkpoint: { dir } }, { registry: new Registry().use(crash) });
    await expect(ae.fit(X)).rejects.toThrow('crash');
    expect(ae.isFitted).toBe(false);
    expect((await loadModelDir(dir)).state.stage).toBe('finetune');
    const resumed = await new StackedAutoencoder(p).fit(X, { resume: dir });
    const ref = await new StackedAutoencoder(p).fit(X);
    expect(stagesOf(resumed)).toEqual(stagesOf(ref));
    expect(weights(resumed)).toEqual(weights(ref));

    // A different architecture is refused, naming what differs.
    await expect(
      new StackedAutoencoder({ ...p, tiedWeights: false }).fit(X, { resume: dir }),
    ).rejects.toThrow(/tiedWeights: checkpoint true, now false/);
    await expect(new StackedAutoencoder(p).fit(X, { resume: join(root, 'missing') })).rejects.toThrow(
      ValidationError,
    );
    expect(() => new StackedAutoencoder({ checkpoint: { dir: 'x', every: -1 } })).toThrow(ValidationError);
    resumed.dispose();
    ref.dispose();
  });
});
