import { describe, expect, it } from 'vitest';
import { GRID, meanStd, runEncoderCV, runGridSearch } from '../src/modelSelection.js';

describe('examples/model-selection (tiny sizes)', () => {
  it('grid-searches the pipeline in 2 workers and prints the cvResults table', async () => {
    const r = await runGridSearch({ samples: 200, epochs: 2, cv: 2, nJobs: 2 });
    const lines = r.table.split('\n');
    expect(lines[0]).toMatch(
      /clf__hiddenLayerSizes\s+clf__learningRate\s+meanTestScore\s+stdTestScore\s+rankTestScore/,
    );
    expect(lines).toHaveLength(1 + 4);
    expect(r.cvResults.params).toHaveLength(4);
    expect(Object.keys(GRID).every((k) => k in r.bestParams)).toBe(true);
    expect(r.bestScore).toBe(Math.max(...r.cvResults.meanTestScore));
    expect(r.testScore).toBeGreaterThan(0.5);
    expect([r.trainSamples, r.testSamples]).toEqual([160, 40]);
  });

  it('cross-validates a fromEncoder classifier and the same net from scratch', async () => {
    const r = await runEncoderCV({
      samples: 300,
      epochs: 3,
      cv: 2,
      nJobs: 2,
      pretrainEpochs: 1,
      learningRate: 1e-2,
    });
    expect(r.pretrained).toHaveLength(2);
    expect(r.scratch).toHaveLength(2);
    for (const s of [...r.pretrained, ...r.scratch]) expect(s).toBeGreaterThan(0.4);
    expect(r.pretrained).not.toEqual(r.scratch);
    expect(meanStd([0.5, 0.7])).toBe('0.6000 ± 0.1000');
  });
});
