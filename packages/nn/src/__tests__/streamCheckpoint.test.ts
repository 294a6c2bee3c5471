// Checkpoints of a streamed fit: a child process fitting on a DataSource with `checkpoint: { dir, every }`
// is SIGKILLed mid-fit; `fit(source, { resume })` re-reads the source from the start of the interrupted
// epoch and ends with the losses and weights of the uninterrupted streamed fit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelDir, ValidationError } from '@layerwise/core';
import { bundleChild, killChildWhen } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataBatch, MLPClassifier, type MLPParams } from '../index.js';
import { loadMnist, type Mnist } from './helpers.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;
let train: Mnist;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'lw-stream-ckpt-'));
  train = await loadMnist('train', 500);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The same batches as the child's. */
function* batches(): Generator<DataBatch> {
  for (let s = 0; s < 500; s += 37) {
    const e = Math.min(500, s + 37);
    yield {
      x: { data: train.X.data.subarray(s * 784, e * 784), shape: [e - s, 784] },
      y: train.y.subarray(s, e),
    };
  }
}

const weights = (est: MLPClassifier) =>
  est.layers.flatMap((l) => {
    const w = l.read();
    return [...w.kernel, ...w.bias];
  });

describe('checkpoint of a streamed fit survives SIGKILL', () => {
  it('kill a child mid-fit(source), resume from the checkpoint: the uninterrupted losses and weights', async () => {
    const params: Partial<MLPParams> = {
      hiddenLayerSizes: [32],
      epochs: 8,
      batchSize: 50,
      learningRate: 0.005,
      shuffleBuffer: 200,
      randomState: 7,
    };
    const bundle = await bundleChild(
      new URL('./streamCheckpointChild.ts', import.meta.url),
      join(root, 'child.mjs'),
    );
    const dir = join(root, 'clf');
    await killChildWhen(bundle, [dir, JSON.stringify(params)], pkgDir, dir, () => true);
    const ck = await loadModelDir(dir);
    expect(ck.kind).toBe('Checkpoint:MLPClassifier');
    const done = (ck.state.progress as { records: unknown[] }).records.length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(8);
    expect((ck.state.targets as { classes: number[] }).classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    console.log(`streamed MLPClassifier child killed after checkpointing epoch ${done} of 8`);

    const n = tf.memory().numTensors;
    // A checkpoint does not fit another source (other rows) or in-memory data of another shape.
    await expect(
      new MLPClassifier({ ...params, checkpoint: { dir } }).fit(
        function* () {
          yield* batches();
          yield { x: train.X.data.subarray(0, 784), y: [1] } as unknown as DataBatch;
        },
        { resume: dir },
      ),
    ).rejects.toThrow(ValidationError);
    expect(tf.memory().numTensors).toBe(n);
    let reads = 0;
    const source = () => {
      reads++;
      return batches();
    };
    const resumed = await new MLPClassifier({ ...params, checkpoint: { dir } }).fit(source, { resume: dir });
    // One scan, then only the epochs not yet checkpointed.
    expect(reads).toBe(1 + 8 - done);
    expect(resumed.history!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await loadModelDir(dir)).state.stageIndex).toBe(1);

    const ref = await new MLPClassifier(params).fit(batches);
    expect(resumed.history!.epochs.map((e) => e.loss)).toEqual(ref.history!.epochs.map((e) => e.loss));
    expect(weights(resumed)).toEqual(weights(ref));
    expect(await resumed.score(train.X, train.y)).toBeGreaterThan(0.8);
    resumed.dispose();
    ref.dispose();
    expect(tf.memory().numTensors).toBe(n);
  }, 60_000);
});
