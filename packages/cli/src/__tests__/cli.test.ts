// The real `layerwise` bin in child processes (tsx on the sources, as `pnpm start` runs examples/mnist), on
// CSVs written from real MNIST digits, a small regression table, and bad input.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = join(PKG, 'node_modules', '.bin', 'tsx');
const BIN = join(PKG, 'src', 'bin.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `layerwise ...args` and resolves with its exit code and output (never rejects). */
function layerwise(args: string[], cwd: string): Promise<Result> {
  return new Promise((ok) => {
    execFile(
      TSX,
      ['--conditions=source', BIN, ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        ok({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the command in this process, through the same `run()` the bin calls, capturing its output. */
async function inProcess(args: string[]): Promise<Result> {
  const out: string[] = [];
  let stderr = '';
  const code = await run(args, {
    out: (t) => out.push(t),
    err: { write: (c: string) => (stderr += c), isTTY: false },
  });
  return { code, stdout: out.length ? `${out.join('\n')}\n` : '', stderr };
}

/** The stderr of a failed command: exactly one line, `layerwise: ...`, no stack trace. */
function oneLineError(r: Result): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^layerwise: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

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

describe.concurrent('layerwise (the bin) on real data', () => {
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
      'scaler/model.json',
      'onnx/model.onnx',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
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
    const before = tf.memory().numTensors;
    const proba = await inProcess(['predict', dir, test, '--proba']);
    expect(tf.memory().numTensors).toBe(before);
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
    // 784·64 + 64 + 64·10 + 10
    expect(info.stdout).toMatch(/^parameters\s+50,890$/m);
    expect(info.stdout).toMatch(/784→64, .*64→10/);
    expect(info.stdout).toMatch(
      /^weights\s+weights-[0-9a-f]{16}\.bin, 203,560 bytes, sha256 [0-9a-f]{16}… verified$/m,
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

  it('fit --model regressor --scale standard learns y = 2x² − 1 (R² > 0.8)', async () => {
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
        '150',
        '--batch-size',
        '32',
        '--learning-rate',
        '0.01',
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
    expect(r2).toBeGreaterThan(0.8);
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

describe.concurrent('layerwise on bad input: exit codes and one-line errors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lw-cli-bad-'));
  const csv = join(tmp, 'ok.csv');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  beforeAll(() => {
    writeFileSync(csv, 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n');
    writeFileSync(join(tmp, 'nolabel.csv'), 'a,b\n1,2\n3,4\n');
    writeFileSync(join(tmp, 'ragged.csv'), 'a,b,label\n1,2,0\n3,4\n');
    writeFileSync(join(tmp, 'text.csv'), 'a,b,label\n1,x,0\n3,4,1\n');
    mkdirSync(join(tmp, 'garbage'));
    writeFileSync(join(tmp, 'garbage', 'model.json'), '{"format": "layerwise-model", "kind": ');
    mkdirSync(join(tmp, 'proto'));
    writeFileSync(
      join(tmp, 'proto', 'model.json'),
      JSON.stringify({
        format: 'layerwise-model',
        formatVersion: 1,
        kind: '__proto__',
        params: {},
        state: {},
        weights: { file: '../../etc/passwd', byteLength: 0, sha256: '0'.repeat(64), entries: [] },
      }),
    );
    mkdirSync(join(tmp, 'empty'));
  });

  // [name, args, exit code, message, where]: 'bin' runs the real bin in a child process, 'run' the same
  // run() in this process (cheaper: no process start, no tfjs load).
  const cases: [string, string[], number, RegExp, 'bin' | 'run'][] = [
    [
      'missing data file',
      ['fit', 'nope.csv', '--model', 'classifier'],
      1,
      /data file not found: .*nope\.csv$/,
      'bin',
    ],
    [
      'wrong label column',
      ['fit', 'ok.csv', '--model', 'classifier', '--label-column', 'digit'],
      2,
      /--label-column "digit" is not a column of .*ok\.csv \(its 3 columns: "a", "b", "label"\)/,
      'bin',
    ],
    [
      'ragged CSV',
      ['fit', 'ragged.csv', '--model', 'classifier'],
      1,
      /CsvFormatError: .*ragged\.csv, line 3: 2 cells but the header has 3/,
      'bin',
    ],
    [
      'garbage model.json',
      ['predict', 'garbage', 'ok.csv'],
      1,
      /ModelFormatError: .*garbage: .*manifest is not valid JSON/,
      'bin',
    ],
    [
      'hostile model dir',
      ['info', 'proto'],
      1,
      /ModelFormatError: .*proto: .*(weights\.file|__proto__)/,
      'bin',
    ],
    [
      'unknown --model',
      ['fit', 'ok.csv', '--model', 'forest'],
      2,
      /'--model <kind>' argument 'forest' is invalid\. Allowed choices are sae, classifier, regressor/,
      'bin',
    ],
    [
      'text in a feature cell',
      ['fit', 'text.csv', '--model', 'classifier'],
      1,
      /text\.csv, line 2, column 2 \("b"\): "x" is not a finite number/,
      'run',
    ],
    [
      'no labels for a classifier',
      ['fit', 'nolabel.csv', '--model', 'classifier'],
      2,
      /--model classifier needs labels: name the label column of .*nolabel\.csv with --label-column \(columns: a, b\)/,
      'run',
    ],
    ['missing --model', ['fit', 'ok.csv'], 2, /required option '--model <kind>' not specified/, 'run'],
    [
      'bad --hidden',
      ['fit', 'ok.csv', '--model', 'sae', '--hidden', '64,x'],
      2,
      /--hidden must be comma-separated positive integers/,
      'run',
    ],
    [
      'bad --epochs',
      ['fit', 'ok.csv', '--model', 'sae', '--epochs', '0'],
      2,
      /--epochs must be a positive integer/,
      'run',
    ],
    ['unknown command', ['frobnicate'], 2, /unknown command 'frobnicate'/, 'run'],
    [
      'folder without a model',
      ['score', 'empty', 'ok.csv'],
      1,
      /ModelFormatError: .*empty: .*model\.json not found/,
      'run',
    ],
    [
      'missing model folder',
      ['transform', 'nowhere', 'ok.csv'],
      1,
      /model folder not found: .*nowhere$/,
      'run',
    ],
    [
      'export without --format',
      ['export', 'garbage'],
      2,
      /required option '--format <format>' not specified/,
      'run',
    ],
  ];

  it.each(cases)('%s', async (_name, args, code, message, where) => {
    const r =
      where === 'bin'
        ? await layerwise(args, tmp)
        : await inProcess(
            args.map((a) => (/\.csv$|^(garbage|proto|empty|nowhere)$/.test(a) ? join(tmp, a) : a)),
          );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(code);
    expect(oneLineError(r)).toMatch(message);
  });

  it('--debug adds the stack trace; --help works per command; no command is a usage error', async () => {
    const fitHelp = await layerwise(['fit', '--help'], tmp);
    const debug = await inProcess(['predict', join(tmp, 'garbage'), join(tmp, 'ok.csv'), '--debug']);
    const help = await inProcess(['--help']);
    const none = await inProcess([]);
    const version = await inProcess(['--version']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^layerwise: ModelFormatError: .*garbage: /);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(help.code).toBe(0);
    for (const c of ['fit', 'predict', 'score', 'transform', 'export', 'info'])
      expect(help.stdout).toContain(c);
    expect(fitHelp.code).toBe(0);
    for (const o of [
      '--model <kind>',
      '--hidden <sizes>',
      '--label-column',
      '--scale',
      '--export',
      '--backend',
      '--seed',
    ]) {
      expect(fitHelp.stdout).toContain(o);
    }
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: layerwise');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
