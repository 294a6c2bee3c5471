// Training controls seen through the umbrella's default registry: the CSV log shows what reduceLROnPlateau did.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { MLPClassifier, reduceLROnPlateau } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-controls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reduceLROnPlateau in a CSV log', () => {
  it('lowers lr after a plateau, exactly where the CSV losses say (Keras rules), on MNIST digits', async () => {
    const train = await loadMnist({ subset: 'train', limit: 1500 });
    const logPath = join(dir, 'train.csv');
    const factor = 0.5;
    const minDelta = 1e-4;
    const patience = 2;
    const clf = new MLPClassifier({
      hiddenLayerSizes: [32],
      epochs: 14,
      validationFraction: 0.2,
      batchSize: 100,
      learningRate: 0.01,
      randomState: 0,
      backend: 'wasm',
      logPath,
      callbacks: [reduceLROnPlateau({ monitor: 'valLoss', factor, patience })],
    });
    await clf.registry.activateBackend('wasm');
    const before = tf.memory().numTensors;
    await clf.fit(train.X, train.y);
    expect(tf.memory().numTensors).toBe(before + 4);
    const rows = readFileSync(logPath, 'utf8').trim().split('\n');
    const header = rows[0]!.split(',');
    const col = (name: string) => rows.slice(1).map((r) => Number(r.split(',')[header.indexOf(name)]));
    const losses = col('val_loss');
    const lrs = col('lr');
    console.log(`CSV: val_loss ${losses.map((l) => l.toFixed(3)).join(' ')} / lr ${lrs.join(' ')}`);
    // Keras' rule: `patience` epochs in a row not below best − minDelta lower the rate for the next epoch.
    const expected = [0.01];
    let best = Number.POSITIVE_INFINITY;
    let wait = 0;
    for (const l of losses.slice(0, -1)) {
      let lr = expected.at(-1)!;
      if (l < best - minDelta) {
        best = l;
        wait = 0;
      } else if (++wait >= patience) {
        lr *= factor;
        wait = 0;
      }
      expected.push(lr);
    }
    expect(lrs).toEqual(expected);
    expect(lrs.at(-1)!).toBeLessThan(0.01);
    expect(clf.history!.epochs.map((e) => e.lr)).toEqual(lrs);
    clf.dispose();
  });
});
