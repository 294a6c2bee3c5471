import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runAnomaly, transactions } from '../src/main.js';

const out = mkdtempSync(join(tmpdir(), 'lw-anomaly-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('examples/anomaly (quick mode: one digit, short training)', () => {
  it('writes the ROC chart, the transactions CSV, the VAE grid and interpolation; the detectors rank anomalies', async () => {
    const r = await runAnomaly({ out, quick: true, digits: [1], log: () => {} });
    expect(r.aucs[1]).toBeGreaterThan(0.95);
    expect(r.tabular.auc).toBeGreaterThan(0.9);
    expect(r.vae.testElbo).toBeLessThan(0);
    for (const f of ['roc.png', 'vae-samples.png', 'vae-interpolation.png']) {
      const png = PNG.sync.read(readFileSync(join(out, f)));
      expect(png.width).toBeGreaterThan(100);
    }
    const grid = PNG.sync.read(readFileSync(join(out, 'vae-samples.png')));
    expect(grid.width).toBe(8 * 58 + 2);
    expect(readFileSync(join(out, 'transactions.csv'), 'utf8').split('\n')[0]).toBe(
      'amount,hour,merchant_risk,distance_km,tx_today,fraud',
    );
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).meanAuc).toBe(r.meanAuc);
  }, 900_000);

  it('the transactions table is seeded and has ~1 % frauds', () => {
    const a = transactions(5000, 3);
    expect(transactions(5000, 3).csv).toBe(a.csv);
    const rate = a.fraud.filter(Boolean).length / 5000;
    expect(rate).toBeGreaterThan(0.005);
    expect(rate).toBeLessThan(0.02);
  });
});
