// The four ways the CLI used to answer wrong with exit code 0 (issue 26): a side scaler/ left from an
// earlier fit, an export without the scaler, columns matched by position, and an internal message for a bad
// --label-column. Each test here failed before the fix.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCsv } from '@layerwise/datasets';
import { fileIO } from '@layerwise/exporter-tfjs';
import { MLPRegressor } from '@layerwise/nn';
import { StandardScaler } from '@layerwise/preprocessing';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, oneLineError } from './harness.js';

const r2Of = (out: string) => Number(/R² (\S+) on/.exec(out)?.[1] ?? `no R² in: ${out}`);

describe('the CLI cannot mislead', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lw-cli-trust-'));
  const reg = join(tmp, 'regression.csv');
  const swapped = join(tmp, 'swapped.csv');
  const wide = join(tmp, 'wide.csv');
  const narrow = join(tmp, 'narrow.csv');
  const fitArgs = (out: string, ...more: string[]) => [
    'fit',
    reg,
    '--model',
    'regressor',
    '--label-column',
    'y',
    '--hidden',
    '16',
    '--epochs',
    '30',
    '--batch-size',
    '32',
    '--learning-rate',
    '0.02',
    '--validation-fraction',
    '0',
    '--backend',
    'cpu',
    '--out',
    out,
    '-q',
    ...more,
  ];

  beforeAll(() => {
    // y = 2x² − 1 with a second column on a much larger scale: scaling matters.
    const rows = ['x,noise,y'];
    const sw = ['noise,y,x'];
    const w = ['x,noise,y,id'];
    const nr = ['x,y'];
    for (let i = 0; i < 300; i++) {
      const x = -1 + (2 * i) / 299;
      const noise = ((i * 7919) % 300) * 10;
      const y = 2 * x * x - 1;
      rows.push(`${x},${noise},${y}`);
      sw.push(`${noise},${y},${x}`);
      w.push(`${x},${noise},${y},${i}`);
      nr.push(`${x},${y}`);
    }
    writeFileSync(reg, `${rows.join('\n')}\n`);
    writeFileSync(swapped, `${sw.join('\n')}\n`);
    writeFileSync(wide, `${w.join('\n')}\n`);
    writeFileSync(narrow, `${nr.join('\n')}\n`);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('1. a refit needs --overwrite and replaces the folder: no stale scaler is applied', async () => {
    const out = join(tmp, 'bc');
    const first = await inProcess(fitArgs(out, '--scale', 'standard'));
    expect(first.code, first.stderr).toBe(0);
    const again = await inProcess(fitArgs(out));
    expect(again.code).toBe(2);
    expect(oneLineError(again)).toMatch(/--out .*bc already holds files .*--overwrite/);
    const second = await inProcess(fitArgs(out, '--overwrite'));
    expect(second.code, second.stderr).toBe(0);
    expect(readdirSync(out).filter((f) => f === 'scaler' || f.startsWith('.'))).toEqual([]);
    expect(readdirSync(tmp).filter((f) => f.startsWith('.bc.'))).toEqual([]); // no staging folder left
    const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(manifest.params.steps.map((s: { kind: string }) => s.kind)).toEqual(['MLPRegressor']);
    // The score of the folder is the score fit reported for the model it just trained (no scaler).
    const fitR2 = Number(/R² on all 300 rows: ([-\d.]+)/.exec(second.stdout)![1]);
    const s = await inProcess(['score', out, reg, '--backend', 'cpu']);
    expect(s.code, s.stderr).toBe(0);
    expect(r2Of(s.stdout).toFixed(4)).toBe(fitR2.toFixed(4));
  });

  it('1b. an old folder (bare model + side scaler/) predicts right or refuses; never applies a stale scaler', async () => {
    const { X, y } = await loadCsv(reg, { labelColumn: 'y' });
    await tf.setBackend('cpu');
    const est = new MLPRegressor({ hiddenLayerSizes: [8], epochs: 5, randomState: 1, backend: 'cpu' });
    await est.fit(X, y as number[]);
    const expected = await est.score(X, y);
    const old = join(tmp, 'old');
    await est.save(old);
    est.dispose();
    await new StandardScaler().fit(X).save(join(old, 'scaler')); // left by an earlier fit --scale standard
    const summary = (scale: string) =>
      JSON.stringify({ scale, data: { labelColumn: 'y', columns: ['x', 'noise'] } });
    writeFileSync(join(old, 'summary.json'), summary('none'));
    const s = await inProcess(['score', old, reg, '--backend', 'cpu']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^R² /);
    // (the score prints 4 decimals, or 4 significant digits for large values)
    expect(Math.abs(r2Of(s.stdout) - expected)).toBeLessThan(Math.max(1e-4, Math.abs(expected) * 1e-3));
    expect(s.stderr).toMatch(/note: .*scaler\/ is left from an earlier fit .*not applied/);
    // Without summary.json nobody can tell whether the scaler belongs to the model: refused, exit 1.
    const unsure = join(tmp, 'unsure');
    cpSync(old, unsure, { recursive: true });
    rmSync(join(unsure, 'summary.json'));
    const u = await inProcess(['predict', unsure, reg, '--label-column', 'y', '--backend', 'cpu']);
    expect(u.code).toBe(1);
    expect(oneLineError(u)).toMatch(/ModelFormatError: .*side scaler\/.*refusing to guess/);
  });

  it('2. export carries the scaler: the tfjs-layers model fed the raw CSV agrees with layerwise predict', async () => {
    const { X } = await loadCsv(reg, { labelColumn: 'y' });
    // Raw rows beyond the training range too (the MinMaxScaler clips them to [0, 1]).
    const extra = [
      [1.5, 5000],
      [-2, -100],
    ];
    const test = join(tmp, 'beyond.csv');
    const rawRows = [
      ...Array.from({ length: 300 }, (_, i) => [X.data[2 * i]!, X.data[2 * i + 1]!]),
      ...extra,
    ];
    writeFileSync(test, `x,noise\n${rawRows.map((r) => r.join(',')).join('\n')}\n`);
    await tf.setBackend('cpu');
    for (const scale of ['standard', 'minmax']) {
      const out = join(tmp, `exp-${scale}`);
      const f = await inProcess(fitArgs(out, '--scale', scale));
      expect(f.code, f.stderr).toBe(0);
      const e = await inProcess(['export', out, '--format', 'tfjs-layers', '--backend', 'cpu']);
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toMatch(/carried in/);
      const p = await inProcess(['predict', out, test, '--backend', 'cpu']);
      expect(p.code, p.stderr).toBe(0);
      const ours = p.stdout.trim().split('\n').slice(1).map(Number);
      const model = await tfl.loadLayersModel(fileIO(join(out, 'tfjs-layers', 'model.json')));
      const input = tf.tensor2d(rawRows);
      const theirs = model.predict(input) as tf.Tensor;
      const values = Array.from(theirs.dataSync());
      tf.dispose([input, theirs]);
      model.dispose();
      expect(values).toHaveLength(302);
      // predict prints 7 significant digits; the folded weights differ by float32 rounding only.
      for (let i = 0; i < 302; i++) expect(Math.abs(values[i]! - ours[i]!)).toBeLessThan(1e-4);
    }
  });

  it('3. predict/score match CSV columns by name: reordered ok, missing or unknown → exit 2 naming it', async () => {
    const out = join(tmp, 'names');
    expect((await inProcess(fitArgs(out, '--scale', 'standard'))).code).toBe(0);
    const a = await inProcess(['score', out, reg, '--backend', 'cpu']);
    const b = await inProcess(['score', out, swapped, '--backend', 'cpu']);
    expect(b.code, b.stderr).toBe(0);
    expect(r2Of(b.stdout)).toBe(r2Of(a.stdout));
    const pa = await inProcess(['predict', out, reg, '--backend', 'cpu']);
    const pb = await inProcess(['predict', out, swapped, '--backend', 'cpu']);
    expect(pb.stdout).toBe(pa.stdout);
    const missing = await inProcess(['score', out, narrow, '--backend', 'cpu']);
    expect(missing.code).toBe(2);
    expect(oneLineError(missing)).toMatch(
      /narrow\.csv has no column "noise", which the model in .* was trained on/,
    );
    const unknown = await inProcess(['predict', out, wide, '--backend', 'cpu']);
    expect(unknown.code).toBe(2);
    expect(oneLineError(unknown)).toMatch(
      /wide\.csv has column "id" the model .* was not trained on: drop it/,
    );
  });

  it('4. --label-column out of range, or by name in a header-less CSV, is a usage error (exit 2) in flag terms', async () => {
    const r = await inProcess([
      'fit',
      reg,
      '--model',
      'regressor',
      '--label-column',
      '99',
      '--out',
      join(tmp, 'x'),
    ]);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).toBe(
      `layerwise: --label-column 99 is out of range: ${reg} has 3 columns (use 0…2, -1 for the last, or a header name).`,
    );
    const bare = join(tmp, 'bare.csv');
    writeFileSync(bare, '1,2,3\n4,5,6\n');
    const n = await inProcess([
      'fit',
      bare,
      '--model',
      'regressor',
      '--label-column',
      'y',
      '--out',
      join(tmp, 'x'),
    ]);
    expect(n.code).toBe(2);
    expect(oneLineError(n)).toMatch(/--label-column "y": .*bare\.csv has no header row .*index instead/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  });

  it('5. a semicolon-separated, gzip-compressed CSV is read (delimiter detected, gzip by its magic bytes)', async () => {
    const gz = join(tmp, 'semicolons.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(reg, 'utf8').replaceAll(',', ';')));
    const out = join(tmp, 'gz');
    const f = await inProcess([...fitArgs(out, '--scale', 'standard')].map((a) => (a === reg ? gz : a)));
    expect(f.code, f.stderr).toBe(0);
    const a = await inProcess(['score', out, gz, '--backend', 'cpu']);
    const b = await inProcess(['score', out, reg, '--backend', 'cpu']);
    expect(a.code, a.stderr).toBe(0);
    expect(r2Of(a.stdout)).toBe(r2Of(b.stdout));
  });
});
