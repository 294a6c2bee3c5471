// Checkpoints of a streamed StackedAutoencoder fit: a crash during layer-1 pretraining of fit(source), then
// fit(source, { resume }) — the source is re-read from the start of the interrupted epoch (through the
// layers below, on the fly) and the fit ends with the uninterrupted streamed fit's stages and weights.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoggerPlugin, loadModelDir, Registry, type TrainingEvent } from '@layerwise/core';
import type { DataBatch } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder, type StackedAutoencoderParams } from '../index.js';
import { loadMnist, type Mnist } from './helpers.js';

let root: string;
let train: Mnist;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'lw-ae-stream-ckpt-'));
  train = await loadMnist('train', 300);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const weights = (ae: StackedAutoencoder) =>
  ae.toExportable('autoencoder').layers.flatMap((l) => [...l.kernel, ...l.bias]);
const stagesOf = (ae: StackedAutoencoder) =>
  ae.history!.stages.map((s) => `${s.stage}${s.layer ?? ''}:${s.epochs.map((e) => e.loss).join(',')}`);

describe('StackedAutoencoder.fit(source) with checkpoints', () => {
  it('crash in layer-1 pretraining, resume from the checkpoint: the uninterrupted stages, losses and weights', async () => {
    const p: Partial<StackedAutoencoderParams> = {
      hiddenLayerSizes: [32, 8],
      epochs: 3,
      fineTuneEpochs: 2,
      batchSize: 50,
      learningRate: 0.005,
      shuffleBuffer: 120,
      noise: 0.1,
      randomState: 5,
    };
    let reads = 0;
    const source = () => {
      reads++;
      return (function* (): Generator<DataBatch> {
        for (let s = 0; s < 300; s += 70) {
          const e = Math.min(300, s + 70);
          yield { x: { data: train.X.data.subarray(s * 784, e * 784), shape: [e - s, 784] } };
        }
      })();
    };
    const crash: LoggerPlugin = {
      kind: 'logger',
      name: 'crash',
      handle(e: TrainingEvent) {
        if (e.type === 'epochEnd' && e.stage === 'pretrain' && e.layer === 1 && e.epoch === 2) {
          throw new Error('crash');
        }
      },
    };
    const dir = join(root, 'ae');
    const n = tf.memory().numTensors;
    const ae = new StackedAutoencoder({ ...p, checkpoint: { dir } }, { registry: new Registry().use(crash) });
    await expect(ae.fit(source)).rejects.toThrow('crash');
    expect(ae.isFitted).toBe(false);
    expect(tf.memory().numTensors).toBe(n);
    const ck = await loadModelDir(dir);
    expect(ck.state.stage).toBe('pretrain layer 1');
    expect((ck.state.progress as { records: unknown[] }).records.length).toBe(1); // epoch 2 crashed before its checkpoint
    reads = 0;
    const resumed = await new StackedAutoencoder(p).fit(source, { resume: dir });
    // One scan, then layer 1 from its interrupted epoch 2 (epochs 2 and 3) and the 2 fine-tuning epochs.
    expect(reads).toBe(1 + 2 + 2);
    const ref = await new StackedAutoencoder(p).fit(source);
    expect(stagesOf(resumed)).toEqual(stagesOf(ref));
    expect(weights(resumed)).toEqual(weights(ref));
    resumed.dispose();
    ref.dispose();
    expect(tf.memory().numTensors).toBe(n);
  });
});
