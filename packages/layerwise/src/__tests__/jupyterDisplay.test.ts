// Notebook display: estimators (fitted or not), training histories and pipelines implement
// `Symbol.for('Jupyter.display')`, the protocol of Deno's Jupyter kernel. Checked three ways:
//   1. in this process: the MIME bundles, and the Vega-Lite chart compiles and renders (@layerwise/report);
//   2. under Deno (from scripts/install-runtimes.sh), with the built package: a fit on scikit-learn's iris data;
//   3. in a real `deno jupyter --kernel`, driven as JupyterLab drives it (Debian's python3-jupyter-client): a cell
//      ending in the fitted classifier shows its HTML summary and loss chart, a cell ending in its history too.
// CI installs deno, iris.csv (python3-sklearn) and python3-jupyter-client; a missing one fails the test.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { cpuBackend } from '@layerwise/backend-cpu';
import { JUPYTER_DISPLAY, type MimeBundle, Registry, VEGA_LITE_MIME } from '@layerwise/core';
import { renderSvg } from '@layerwise/report';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, makePipeline, StackedAutoencoder, StandardScaler } from '../index.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const PKG = resolve(HERE, '..', '..');
const ROOT = resolve(PKG, '..', '..');
const DIST = join(PKG, 'dist', 'index.js');
const IRIS = '/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv';
const RUNTIMES = resolve(ROOT, process.env.LAYERWISE_RUNTIMES ?? '.runtimes');
const DENO = join(RUNTIMES, 'node_modules', '.bin', 'deno');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const HTML = 'text/html';

function need(path: string, what: string): void {
  if (!existsSync(path)) throw new Error(`${what} is missing at ${path}`);
}

/** iris.csv: a header line (150,4,names…), then 4 features and the class per row. */
async function iris(): Promise<{ X: number[][]; y: number[] }> {
  need(IRIS, "scikit-learn's iris.csv (apt-get install python3-sklearn)");
  const { readFileSync } = await import('node:fs');
  const rows = readFileSync(IRIS, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
  return { X: rows.map((r) => r.slice(0, 4)), y: rows.map((r) => r[4]!) };
}

/** The checks every fitted-classifier bundle must pass, wherever it was made. */
function expectFittedClassifier(b: MimeBundle, epochs: number): void {
  expect(Object.keys(b).sort()).toEqual([VEGA_LITE_MIME, 'text/html', 'text/plain'].sort());
  expect(b['text/plain']).toMatch(/^MLPClassifier\(.*hiddenLayerSizes=\[16\].*\) \[fitted\]$/);
  const html = b[HTML] as string;
  expect(html).toContain('<strong>MLPClassifier</strong>');
  expect(html).toContain('<tr><th>fitted</th><td>yes</td></tr>');
  expect(html).toContain('<tr><th>layers</th><td>4 → 16 (relu) → 3 (linear)</td></tr>');
  expect(html).toContain('<tr><th>classes</th><td>[0, 1, 2]</td></tr>');
  expect(html).toContain(`<tr><th>epochs</th><td>${epochs}</td></tr>`);
  const spec = b[VEGA_LITE_MIME] as { $schema: string; data: { values: { epoch: number; loss: number }[] } };
  expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
  const values = spec.data.values;
  expect(values.map((v) => v.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
  // a real fit: the loss falls
  expect(values.at(-1)!.loss).toBeLessThan(values[0]!.loss * 0.7);
}

describe('Jupyter display, in this process', () => {
  const registry = new Registry().use(cpuBackend());
  let data: { X: number[][]; y: number[] };
  beforeAll(async () => {
    data = await iris();
  });

  it('an unfitted estimator shows its kind, state and changed parameters, no chart', () => {
    const clf = new MLPClassifier({ hiddenLayerSizes: [16], epochs: 40 }, { registry });
    const b = clf[JUPYTER_DISPLAY]();
    expect(JUPYTER_DISPLAY).toBe(Symbol.for('Jupyter.display'));
    expect(b['text/plain']).toBe('MLPClassifier(hiddenLayerSizes=[16], epochs=40)');
    expect(b[HTML]).toContain('<tr><th>fitted</th><td>no</td></tr>');
    expect(b[HTML]).toContain('<tr><th>layers</th><td>16</td></tr>');
    expect(b[HTML]).toContain(
      '<tr><th><strong>epochs</strong></th><td><code><strong>40</strong></code></td></tr>',
    );
    expect(b[VEGA_LITE_MIME]).toBeUndefined();
  });

  it('a fitted classifier shows layers, classes, backend and a loss chart that renders; its history too', async () => {
    await registry.activateBackend('cpu');
    const before = tf.memory().numTensors;
    const clf = new MLPClassifier(
      { hiddenLayerSizes: [16], epochs: 30, batchSize: 16, learningRate: 0.01, randomState: 0 },
      { registry },
    );
    await clf.fit(data.X, data.y);
    const b = clf[JUPYTER_DISPLAY]();
    expectFittedClassifier(b, 30);
    expect(b[HTML]).toContain('<tr><th>backend</th><td>cpu</td></tr>');
    const h = (clf.history as unknown as Record<symbol, () => MimeBundle>)[JUPYTER_DISPLAY]!();
    expect(h['text/plain']).toMatch(/^TrainingHistory: 30 epochs \(train\), final loss [0-9.]+$/);
    expect(h[VEGA_LITE_MIME]).toEqual(b[VEGA_LITE_MIME]);
    // the chart is valid Vega-Lite: it compiles and renders (vega tags the rows it reads, so render a copy)
    const svg = await renderSvg(structuredClone(b[VEGA_LITE_MIME]) as never);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('training loss');
    // the display method is invisible to JSON and structured clones
    expect(JSON.parse(JSON.stringify(clf.history)).epochs).toHaveLength(30);
    expect(Object.keys(clf.history!)).toEqual(['backend', 'stages', 'epochs']);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a stacked autoencoder shows one chart panel per pretrained layer and fine-tuning; a pipeline its steps', async () => {
    const ae = new StackedAutoencoder(
      { hiddenLayerSizes: [3, 2], epochs: 2, fineTuneEpochs: 2, randomState: 0 },
      { registry },
    );
    await ae.fit(data.X);
    const b = ae[JUPYTER_DISPLAY]();
    expect(b[HTML]).toContain('<tr><th>layers</th><td>4 → 3 → 2</td></tr>');
    const panels = new Set(
      (b[VEGA_LITE_MIME] as { data: { values: { panel: string }[] } }).data.values.map((v) => v.panel),
    );
    expect([...panels]).toEqual(['pretrain layer 1', 'pretrain layer 2', 'finetune']);
    ae.dispose();
    const pipe = makePipeline(
      new StandardScaler(),
      new MLPClassifier({ hiddenLayerSizes: [4] }, { registry }),
    );
    const p = pipe[JUPYTER_DISPLAY]();
    expect(p['text/plain']).toMatch(
      /^Pipeline\(steps=\[\["standardscaler", StandardScaler\], \["mlpclassifier", MLPClassifier\]\]/,
    );
    expect(p[HTML]).toContain('<tr><th>fitted</th><td>no</td></tr>');
    expect(p[HTML]).not.toContain('mlpclassifier__');
  });
});

describe('Deno notebook display (the built package)', () => {
  let work: string;
  beforeAll(() => {
    need(DIST, 'the built layerwise package (pnpm build)');
    need(DENO, 'deno (scripts/install-runtimes.sh)');
    work = mkdtempSync(join(tmpdir(), 'layerwise-jupyter-test-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('under Deno: fitted and unfitted classifier, history and pipeline bundles', async () => {
    need(IRIS, "scikit-learn's iris.csv (apt-get install python3-sklearn)");
    const { stdout } = await run(
      DENO,
      ['run', '-A', join(HERE, 'fixtures', 'jupyterDisplay.mjs'), DIST, IRIS],
      {
        cwd: PKG,
        env: { ...process.env, LAYERWISE_QUIET: '1', NO_COLOR: '1' },
        maxBuffer: 64 << 20,
      },
    );
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(r.runtime).toMatch(/^deno 2\./);
    expect(r.accuracy).toBeGreaterThan(0.9);
    expect(r.before['text/plain']).toMatch(/^MLPClassifier\(.*\)$/);
    expect(r.before[HTML]).toContain('<tr><th>fitted</th><td>no</td></tr>');
    expectFittedClassifier(r.after, 60);
    expect(r.history[VEGA_LITE_MIME]).toEqual(r.after[VEGA_LITE_MIME]);
    expect(r.pipeline[HTML]).toContain('<strong>Pipeline</strong>');
  }, 120_000);

  it('in a real `deno jupyter` kernel: a cell ending in the fitted classifier shows its summary and loss chart', async () => {
    need(IRIS, "scikit-learn's iris.csv (apt-get install python3-sklearn)");
    const check = await run(PYTHON, ['-c', 'import jupyter_client']).catch((e) => e as Error);
    if (check instanceof Error) {
      throw new Error(
        `jupyter_client is missing for ${PYTHON} (apt-get install python3-jupyter-client): ${check.message}`,
      );
    }
    const cells = [
      `const { MLPClassifier } = await import(${JSON.stringify(pathToFileURL(DIST).href)});
const rows = Deno.readTextFileSync(${JSON.stringify(IRIS)}).trim().split('\\n').slice(1).map((l) => l.split(',').map(Number));
const clf = new MLPClassifier({ hiddenLayerSizes: [16], epochs: 25, batchSize: 16, learningRate: 0.01, randomState: 0 });
await clf.fit(rows.map((r) => r.slice(0, 4)), rows.map((r) => r[4]));
clf`,
      'clf.history',
      'new MLPClassifier({ hiddenLayerSizes: [8] })',
    ].map((code, i) => {
      const file = join(work, `cell${i + 1}.ts`);
      writeFileSync(file, code);
      return file;
    });
    const { stdout } = await run(PYTHON, [join(HERE, 'fixtures', 'jupyterKernel.py'), DENO, PKG, ...cells], {
      env: { ...process.env, LAYERWISE_QUIET: '1', NO_COLOR: '1' },
      maxBuffer: 64 << 20,
      timeout: 240_000,
    });
    const results = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      cell: string;
      status: string;
      outputs: MimeBundle[];
      error: string | null;
    }[];
    expect(
      results.map((r) => [r.status, r.error]),
      stdout.slice(0, 4000),
    ).toEqual([
      ['ok', null],
      ['ok', null],
      ['ok', null],
    ]);
    expect(
      results.map((r) => r.outputs.length),
      stdout.slice(0, 4000),
    ).toEqual([1, 1, 1]);
    const [fitted, history, fresh] = results.map((r) => r.outputs[0]!);
    expectFittedClassifier(fitted!, 25);
    expect(history!['text/plain']).toMatch(/^TrainingHistory: 25 epochs/);
    expect(history![VEGA_LITE_MIME]).toEqual(fitted![VEGA_LITE_MIME]);
    expect(fresh!['text/plain']).toBe('MLPClassifier(hiddenLayerSizes=[8])');
  }, 300_000);
});
