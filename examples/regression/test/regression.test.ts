import { describe, expect, it } from 'vitest';
import { makeData, runRegression, target } from '../src/regression.js';

describe('examples/regression', () => {
  it('makes the seed data: y = 2x² − 1 on [-1, 1], split 80/20', () => {
    const d = makeData(100, 1);
    expect(d.Xtrain).toHaveLength(80);
    expect(d.Xtest).toHaveLength(20);
    for (let i = 0; i < 80; i++) {
      const x = d.Xtrain[i]![0]!;
      expect(Math.abs(x)).toBeLessThanOrEqual(1);
      expect(d.yTrain[i]).toBeCloseTo(target(x), 12);
    }
  });

  it('fits it with R² > 0.9 on held-out points (reduced run)', async () => {
    const result = await runRegression({ samples: 500, epochs: 60, hiddenLayerSizes: [32] });
    expect(result.r2Test).toBeGreaterThan(0.9);
    expect(result.samples).toHaveLength(5);
  });
});
