import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { balancedIndices, runSemiSupervised } from '../src/semiSupervised.js';

describe('examples/semi-supervised (small sizes)', () => {
  it('draws a class-balanced labelled subset, reproducibly', () => {
    const y = Array.from({ length: 500 }, (_, i) => i % 10);
    const idx = balancedIndices(y, 50, 3);
    expect(idx).toHaveLength(50);
    expect(new Set(idx).size).toBe(50);
    for (let c = 0; c < 10; c++) expect(idx.filter((i) => y[i] === c)).toHaveLength(5);
    expect(balancedIndices(y, 50, 3)).toEqual(idx);
    expect(balancedIndices(y, 50, 4)).not.toEqual(idx);
  });

  it('pretrains without labels, trains both classifiers on the labelled few and scores above chance', async () => {
    const r = await runSemiSupervised({
      unlabelled: 2000,
      labels: 200,
      epochs: 30,
      pretrainEpochs: 1,
      hiddenLayerSizes: [64, 32],
      testSubset: 500,
      print: () => {},
    });
    expect([r.unlabelled, r.labels, r.testSamples]).toEqual([2000, 200, 500]);
    expect(r.rows.map((x) => x.init)).toEqual(['pretrained', 'random']);
    for (const row of r.rows) expect(row.accuracy).toBeGreaterThan(0.5);
    expect(r.table.split('\n')).toHaveLength(4);
    expect(tf.memory().numTensors).toBe(0);
  });
});
