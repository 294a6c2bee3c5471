// The report on real training histories: a stacked autoencoder and a classifier fitted on 600 MNIST digits.
// Renders loss.png and report.html, checks the pixels and the page, opens the page in Debian's Chromium
// (offline: every request is refused) and saves screenshots to test-artifacts/.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry, type TypedMatrix, ValidationError } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { MLPClassifier } from '@layerwise/nn';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOSS_DATA,
  type LossSeries,
  lossChartRows,
  lossChartSpec,
  reconstructionGrid,
  renderPng,
  renderSvg,
  reportHtml,
  SERIES_COLORS,
  TRAINING_SERIES,
  VALIDATION_SERIES,
  writeReport,
} from '../node.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

/** Pixels of `png` within `tol` of the colour `hex`. */
function countColour(png: PNG, hex: string, tol = 40): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const d = Math.abs(png.data[i]! - r!) + Math.abs(png.data[i + 1]! - g!) + Math.abs(png.data[i + 2]! - b!);
    if (d <= tol) n++;
  }
  return n;
}

/** Dark (text, axes) pixels in a box of the image. */
function darkPixels(png: PNG, x0: number, y0: number, w: number, h: number): number {
  let n = 0;
  for (let y = y0; y < Math.min(png.height, y0 + h); y++) {
    for (let x = x0; x < Math.min(png.width, x0 + w); x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i]! < 90 && png.data[i + 1]! < 90 && png.data[i + 2]! < 90) n++;
    }
  }
  return n;
}

describe('@layerwise/report on real training histories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-report-'));
  let series: LossSeries[] = [];
  let grid: Uint8Array;
  let accuracy = 0;

  beforeAll(async () => {
    const registry = new Registry().use(wasmBackend()).use(cpuBackend());
    const train = await loadMnist({ limit: 600 });
    const ae = new StackedAutoencoder(
      {
        hiddenLayerSizes: [64, 32],
        epochs: 3,
        fineTuneEpochs: 2,
        batchSize: 50,
        randomState: 0,
        validationFraction: 0.2,
        backend: 'auto',
      },
      { registry },
    );
    await ae.fit(train.X);
    const clf = MLPClassifier.fromEncoder(ae, {
      epochs: 4,
      batchSize: 50,
      randomState: 0,
      validationFraction: 0.2,
      backend: 'auto',
    });
    await clf.fit(train.X, train.y);
    accuracy = await clf.score(train.X, train.y);
    series = [
      { name: 'autoencoder', lossName: 'MSE', records: ae.history!.epochs },
      { name: 'classifier', lossName: 'cross-entropy', records: clf.history!.epochs },
    ];
    const sample = { data: train.X.data.subarray(0, 20 * 784), shape: [20, 784] as [number, number] };
    const recon = (await ae.reconstruct(sample)) as TypedMatrix;
    grid = reconstructionGrid(sample.data, recon.data, 20, { cols: 10 });
    ae.dispose();
    clf.dispose();
    await registry.dispose();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lossChartRows: one panel per stage in training order, training and validation points', () => {
    const rows = lossChartRows(series);
    const panels = [...new Map(rows.map((r) => [r.order, r.panel])).values()];
    expect(panels).toEqual([
      'autoencoder · pretrain layer 1 (MSE)',
      'autoencoder · pretrain layer 2 (MSE)',
      'autoencoder · finetune (MSE)',
      'classifier · train (cross-entropy)',
    ]);
    // 3 + 3 + 2 + 4 epochs, each with a training and a validation loss.
    expect(rows.filter((r) => r.series === TRAINING_SERIES)).toHaveLength(12);
    expect(rows.filter((r) => r.series === VALIDATION_SERIES)).toHaveLength(12);
    const spec = lossChartSpec(series) as { data: { name: string; values: unknown[] } };
    expect(spec.data.name).toBe(LOSS_DATA);
    expect(spec.data.values).toEqual(rows);
    // A diverged epoch leaves a gap instead of breaking the axis; bad input is a ValidationError naming the fix.
    expect(lossChartRows([{ stage: 'train', epoch: 1, loss: Number.NaN }])).toEqual([]);
    expect(() => lossChartRows([{ records: 'x' } as never])).toThrow(/records array/);
  });

  it('renderPng draws four panels with both series, axis text and a legend', async () => {
    const png = PNG.sync.read(Buffer.from(await renderPng(lossChartSpec(series))));
    // 3 panels per row → 2 rows, at scale 2.
    expect(png.width).toBeGreaterThan(1800);
    expect(png.height).toBeGreaterThan(900);
    expect(countColour(png, SERIES_COLORS[TRAINING_SERIES]!)).toBeGreaterThan(1500);
    expect(countColour(png, SERIES_COLORS[VALIDATION_SERIES]!)).toBeGreaterThan(800);
    // Text was drawn (a font was found): the legend strip at the top and the axis labels at the left.
    expect(darkPixels(png, 0, 0, png.width, 90)).toBeGreaterThan(300);
    expect(darkPixels(png, 0, 100, 120, 400)).toBeGreaterThan(300);
  });

  it('writeReport writes loss.png and a self-contained report.html that Chromium shows offline', async () => {
    const written = await writeReport(dir, {
      title: 'MNIST: stacked autoencoder, then a classifier',
      subtitle: '600 training digits',
      series,
      summary: { 'training accuracy': accuracy, digits: 600, note: '<b>escaped</b>' },
      images: [
        {
          title: 'Reconstructions',
          png: grid,
          file: 'reconstructions.png',
          caption: 'digits above their reconstructions',
        },
      ],
    });
    expect(written.lossPng).toBe(join(dir, 'loss.png'));
    expect(existsSync(join(dir, 'reconstructions.png'))).toBe(true);
    const html = readFileSync(written.html, 'utf8');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/i);
    expect(html).toContain('&lt;b&gt;escaped&lt;/b&gt;');
    expect(html.match(/<svg/g)).toHaveLength(1);
    expect(html).toContain('data:image/png;base64,');
    mkdirSync(ARTIFACTS, { recursive: true });
    copyFileSync(written.lossPng, join(ARTIFACTS, 'loss.png'));
    copyFileSync(written.html, join(ARTIFACTS, 'report.html'));
    if (!hasChromium) {
      console.warn(`[report] Chromium check skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);
      return;
    }
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await page.goto(pathToFileURL(written.html).href);
      const state = await page.evaluate(() => ({
        title: document.title,
        rows: Array.from(document.querySelectorAll('tr')).map((tr) => tr.textContent),
        svgWidth: document.querySelector('figure.chart svg')?.getBoundingClientRect().width ?? 0,
        panelTitles: Array.from(document.querySelectorAll('figure.chart svg text')).map((t) => t.textContent),
        images: Array.from(document.querySelectorAll('img')).map((i) => [i.naturalWidth, i.naturalHeight]),
      }));
      await page.screenshot({ path: join(ARTIFACTS, 'report-chromium.png'), fullPage: true });
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      expect(state.title).toBe('MNIST: stacked autoencoder, then a classifier');
      expect(state.rows).toContain(`training accuracy${String(Number(accuracy.toPrecision(6)))}`);
      expect(state.svgWidth).toBeGreaterThan(600);
      for (const t of [
        'autoencoder · pretrain layer 1 (MSE)',
        'classifier · train (cross-entropy)',
        'epoch',
        'loss',
        TRAINING_SERIES,
        VALIDATION_SERIES,
      ]) {
        expect(state.panelTitles).toContain(t);
      }
      // The reconstruction grid decoded: 10 columns of 58 px, two blocks of two rows.
      expect(state.images).toEqual([[10 * 58 + 2, 2 * (2 * 58 + 8) - 8 + 2]]);
    } finally {
      await browser.close();
    }
  });

  it('renderSvg refuses specs that load data from a URL; reportHtml refuses non-PNG bytes', async () => {
    await expect(
      renderSvg({ data: { url: 'https://example.com/data.csv' }, mark: 'point' } as never),
    ).rejects.toThrow(/pass data inline/);
    expect(() =>
      reportHtml({ title: 't', images: [{ title: 'x', png: new Uint8Array([1, 2, 3]) }] }),
    ).toThrow(/not PNG bytes/);
    expect(() => reconstructionGrid(new Float32Array(784), new Float32Array(784), 2)).toThrow(
      ValidationError,
    );
  });
});
