import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { CSV_HEADER } from '@layerwise/logger-csv';
import { MLPClassifier } from '@layerwise/nn';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(pkg, 'node_modules', '.bin', 'tsx');

describe('examples/mnist (the main job) on a small slice', () => {
  const out = mkdtempSync(join(tmpdir(), 'lw-mnist-'));
  let stdout = '';
  let dir = '';

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  beforeAll(async () => {
    // The same command `pnpm start` runs, on 1000 training / 500 test images, one epoch per stage, with the
    // flags of the autoencoder's rate, the classifier's batch size and the seed.
    const run = await promisify(execFile)(
      tsx,
      [
        '--conditions=source',
        'src/main.ts',
        '--',
        '--subset',
        '1000',
        '--test-subset',
        '500',
        '--epochs',
        '1',
        '--finetune',
        '1',
        '--clf-epochs',
        '1',
        '--lr',
        '0.0015',
        '--clf-batch-size',
        '50',
        '--seed',
        '3',
        '--out',
        out,
      ],
      { cwd: pkg, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
    );
    stdout = run.stdout;
    const runs = readdirSync(out);
    expect(runs).toHaveLength(1);
    dir = join(out, runs[0]!);
  });

  it('prints progress, the test accuracy and where everything was written', () => {
    expect(stdout).toMatch(/pretrain/);
    expect(stdout).toMatch(/Test accuracy: \d+\.\d\d % on 500 test images \(trained on 1000/);
    expect(stdout).toContain(`Written to ${dir}`);
  });

  it('writes a CSV log with one row per epoch of every stage', () => {
    const lines = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    const cols = CSV_HEADER.split(',');
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    // 3 pretrained layers + autoencoder fine-tuning + classifier, one epoch each.
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.stage === 'pretrain').map((r) => r.layer)).toEqual(['0', '1', '2']);
    for (const r of rows) expect(Number.isFinite(Number(r.train_loss))).toBe(true);
    // One short epoch from the pretrained encoder: well above chance (0.1), far from converged.
    expect(Number(rows.at(-1)!.val_acc)).toBeGreaterThan(0.25);
  });

  it('draws reconstructions.png, loss.png (Vega-Lite, one panel per stage) and a self-contained report.html', () => {
    const recon = PNG.sync.read(readFileSync(join(dir, 'reconstructions.png')));
    expect(recon.width).toBe(10 * 58 + 2);
    expect(recon.height).toBe(2 * (2 * 58 + 8) - 8 + 2);
    const loss = PNG.sync.read(readFileSync(join(dir, 'loss.png')));
    // Five panels (pretrain layer 1–3, finetune, classifier), three per row, at 2× scale.
    expect(loss.width).toBeGreaterThan(1800);
    expect(loss.height).toBeGreaterThan(900);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const panel of [
      'pretrain layer 1',
      'pretrain layer 3',
      'autoencoder · finetune (MSE)',
      'classifier · train (cross-entropy)',
    ]) {
      expect(html).toContain(panel);
    }
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toMatch(/<script|src="http/);
  });

  it('saves models that load and score as printed, and a tfjs-layers export', async () => {
    const registry = new Registry().use(wasmBackend()).use(cpuBackend());
    // load() builds tensors right away: have a backend ready (a fresh process has none registered).
    await registry.activateBackend('auto');
    const clf = await MLPClassifier.load(join(dir, 'classifier'), { registry });
    const test = await loadMnist({ subset: 'test', limit: 500 });
    const printed = Number(/Test accuracy: (\d+\.\d\d) %/.exec(stdout)![1]);
    expect((await clf.score(test.X, test.y)) * 100).toBeCloseTo(printed, 1);
    const ae = await StackedAutoencoder.load(join(dir, 'autoencoder'), { registry });
    const codes = (await ae.transform({ data: test.X.data.subarray(0, 784 * 2), shape: [2, 784] })) as {
      shape: number[];
    };
    expect(codes.shape).toEqual([2, 64]);
    const model = JSON.parse(readFileSync(join(dir, 'classifier-tfjs', 'model.json'), 'utf8'));
    expect(model.format).toBe('layers-model');
    expect(existsSync(join(dir, 'classifier-tfjs', 'weights.bin'))).toBe(true);
    const summaryFile = join(dir, 'summary.json');
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    expect(summary.accuracy * 100).toBeCloseTo(printed, 1);
    // The flags reached the estimators; the summary names the encoder's weights instead of listing them.
    expect(summary.params.autoencoder).toMatchObject({
      learningRate: 0.0015,
      batchSize: 200,
      randomState: 3,
    });
    expect(summary.params.classifier).toMatchObject({ learningRate: 0.003, batchSize: 50, randomState: 3 });
    expect(summary.params.classifier.encoderWeights).toBe("the fitted autoencoder's 3 encoder layers");
    expect(summary.params.classifier.schedule).toBe('cosine decay to 0 over 1 epoch');
    expect(statSync(summaryFile).size).toBeLessThan(20_000);
    await registry.dispose();
  });
});
