import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelDir } from '@layerwise/core';
import { bundleChild, killChildWhen } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, type MLPParams } from '../index.js';
import { loadMnist } from './helpers.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'lw-ckpt-kill-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const weights = (est: MLPClassifier) =>
  est.layers.flatMap((l) => {
    const w = l.read();
    return [...w.kernel, ...w.bias];
  });

describe('checkpoint survives SIGKILL', () => {
  it('MLPClassifier: kill a real child mid-fit, resume to the same epochs and the uninterrupted weights', async () => {
    const params: Partial<MLPParams> = {
      hiddenLayerSizes: [32],
      epochs: 8,
      batchSize: 50,
      learningRate: 0.005,
      randomState: 7,
    };
    const bundle = await bundleChild(
      new URL('./checkpointChild.ts', import.meta.url),
      join(root, 'child.mjs'),
    );
    const dir = join(root, 'clf');
    await killChildWhen(bundle, [dir, JSON.stringify(params)], pkgDir, dir, () => true);

    // What the killed process left: a loadable checkpoint, nothing else but (ignored) temporary files.
    const files = await readdir(dir);
    const ck = await loadModelDir(dir);
    expect(ck.kind).toBe('Checkpoint:MLPClassifier');
    const weightsFile = files.find((f) => /^weights-[0-9a-f]{16}\.bin$/.test(f));
    for (const f of files)
      expect([/^model\.json$/, /^weights-[0-9a-f]{16}\.bin$/, /^\..+\.tmp$/].some((r) => r.test(f))).toBe(
        true,
      );
    expect(weightsFile).toBeDefined();
    const done = (ck.state.progress as { records: unknown[] }).records.length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(8);
    console.log(
      `MLPClassifier child killed after checkpointing epoch ${done} of 8; files: ${files.join(', ')}`,
    );

    const train = await loadMnist('train', 500);
    const resumed = await new MLPClassifier({ ...params, checkpoint: { dir } }).fit(train.X, train.y, {
      resume: dir,
    });
    expect(resumed.history!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await loadModelDir(dir)).state.stageIndex).toBe(1);

    // The same fit, never interrupted, in this process: the same weights and losses.
    const ref = await new MLPClassifier(params).fit(train.X, train.y);
    expect(resumed.history!.epochs.map((e) => e.loss)).toEqual(ref.history!.epochs.map((e) => e.loss));
    expect(weights(resumed)).toEqual(weights(ref));
    expect(await resumed.score(train.X, train.y)).toBeGreaterThan(0.8);
    resumed.dispose();
    ref.dispose();
  });
});
