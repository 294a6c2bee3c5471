// End-to-end: build the page, serve dist/ on localhost with cross-origin isolation headers, train in headless
// Chromium on webgl (SwiftShader's software WebGL 2) and on wasm (threaded), check the loss fell, the loss
// chart and the reconstruction grid were drawn, and save screenshots to test-artifacts/. One browser.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumSkipReason, type LocalServer, launchChromium, serveFiles } from '@layerwise/testkit-browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageState } from '../src/main.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const skip = chromiumSkipReason();
if (skip) console.warn(`[example-browser] skipped: ${skip}`);

interface PageRun {
  state: PageState;
  problems: string[];
  ink: { width: number; height: number; originals: number; reconstructions: number };
  chart: { svgs: number; text: string };
  active: string;
}

const title = 'examples/browser in headless Chromium';
describe.skipIf(skip)(skip ? `${title} (skipped: ${skip})` : title, () => {
  let server: LocalServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    // Build the page as `pnpm build` does (unminified: quicker, same code). Asynchronously: a blocking build
    // would starve vitest's worker of its heartbeat.
    const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
    await new Promise<void>((ok, fail) =>
      execFile(
        process.execPath,
        [vite, 'build', '--logLevel', 'error', '--minify', 'false'],
        { cwd: ROOT, encoding: 'utf8' },
        (e, stdout, stderr) =>
          e ? fail(new Error(`vite build failed: ${e.message}\n${stdout}\n${stderr}`)) : ok(),
      ),
    );
    expect(existsSync(join(DIST, 'index.html'))).toBe(true);
    server = await serveFiles(DIST, { crossOriginIsolated: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens the page with `query`, waits until training ends, and reads what it shows. */
  async function runPage(query: string, screenshot: string): Promise<PageRun> {
    const page = await browser!.newPage({ viewport: { width: 900, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    try {
      await page.goto(`${server!.url}?${query}`);
      await page.waitForFunction(() => window.__layerwise?.done === true, undefined, { timeout: 100_000 });
      // The chart renders after the last epoch asynchronously: wait until it caught up.
      await page.waitForFunction(() => document.querySelector('#chart svg') !== null, undefined, {
        timeout: 20_000,
      });
      const state = (await page.evaluate(() => window.__layerwise)) as PageState;
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
      // The canvas holds digits (top rows) and reconstructions (bottom rows), not a blank rectangle.
      const ink = await page.evaluate(() => {
        const canvas = document.getElementById('grid') as HTMLCanvasElement;
        const ctx = canvas.getContext('2d')!;
        const cell = canvas.height / 4;
        const count = (y: number) => {
          const { data } = ctx.getImageData(0, y, canvas.width, cell);
          let n = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i]! > 64) n++;
          return n;
        };
        return {
          width: canvas.width,
          height: canvas.height,
          originals: count(0),
          reconstructions: count(cell),
        };
      });
      const chart = await page.evaluate(() => ({
        svgs: document.querySelectorAll('#chart svg').length,
        text: Array.from(document.querySelectorAll('#chart svg text'))
          .map((t) => t.textContent)
          .join(' | '),
      }));
      const active = (await page.textContent('#active')) ?? '';
      console.log(
        `[example-browser] ?${query}: backend ${state.backend} (active: ${active}), ${state.digits} digits, ` +
          `isolated ${state.crossOriginIsolated}, wasm threads ${state.wasmThreads ?? '-'}, ` +
          `MSE ${state.mse?.toFixed(5)} (mean digit ${state.baselineMse?.toFixed(5)}), losses: ` +
          state.losses.map((l) => `${l.stage}${l.layer ?? ''}#${l.epoch}=${l.loss.toFixed(5)}`).join(' '),
      );
      return { state, problems, ink, chart, active };
    } finally {
      await page.close();
    }
  }

  /** What every run must show, whatever the backend. */
  function expectTrainedAndDrawn(run: PageRun): void {
    const { state } = run;
    expect(state.error, run.problems.join('\n')).toBeUndefined();
    // The trained stack reconstructs the digits better than the mean digit does.
    expect(state.mse).toBeLessThan(state.baselineMse!);
    // Within each stage (each pretrained layer, fine-tuning), the last epoch's loss is below the first's.
    const stages = new Map<string, number[]>();
    for (const l of state.losses) {
      const key = `${l.stage}:${l.layer ?? ''}`;
      stages.set(key, [...(stages.get(key) ?? []), l.loss]);
    }
    expect([...stages.keys()]).toEqual(['pretrain:0', 'pretrain:1', 'finetune:']);
    for (const [key, losses] of stages) {
      expect(losses.length, key).toBeGreaterThan(1);
      expect(losses.every(Number.isFinite), key).toBe(true);
      expect(losses[losses.length - 1]!, key).toBeLessThan(losses[0]!);
    }
    // The live loss chart (@layerwise/report's Vega-Lite spec): one panel per stage.
    expect(state.chartRenders).toBeGreaterThan(0);
    expect(run.chart.svgs).toBe(1);
    for (const panel of ['pretrain layer 1', 'pretrain layer 2', 'finetune'])
      expect(run.chart.text).toContain(panel);
    expect(run.ink.width).toBeGreaterThan(0);
    expect(run.ink.originals).toBeGreaterThan(1000);
    expect(run.ink.reconstructions).toBeGreaterThan(1000);
    expect(run.problems).toEqual([]);
  }

  it('trains on webgl (picked with ?backend=webgl): the loss falls, the chart and the grid are drawn', async () => {
    const run = await runPage('backend=webgl&digits=300&epochs=3', 'browser-webgl.png');
    expect(run.state.requestedBackend).toBe('webgl');
    expect(run.state.backend).toBe('webgl');
    expect(run.active).toBe('webgl');
    expect(run.state.warnings).toEqual([]);
    expectTrainedAndDrawn(run);
  });

  it("auto ranks software-rendered WebGL (headless Chromium's SwiftShader) below wasm and says why", async () => {
    const run = await runPage('digits=300&epochs=2', 'browser-auto.png');
    expect(run.state.requestedBackend).toBe('auto');
    expect(run.state.backend).toBe('wasm');
    expect(run.active).toBe('auto → wasm');
    expect(run.state.warnings.length).toBe(1);
    expect(run.state.warnings[0]).toMatch(/webgl: software-rendered WebGL \([^)]*SwiftShader/i);
    expectTrainedAndDrawn(run);
  });

  it('trains on wasm with more than one thread: the page is cross-origin isolated', async () => {
    const run = await runPage('backend=wasm&digits=600&epochs=3', 'browser-wasm.png');
    expect(run.state.backend).toBe('wasm');
    expect(run.active).toBe('wasm');
    expect(run.state.crossOriginIsolated).toBe(true);
    expect(run.state.wasmThreads).toBeGreaterThan(1);
    expectTrainedAndDrawn(run);
  });
});
