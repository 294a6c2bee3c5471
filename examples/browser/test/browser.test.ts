// End-to-end: build the page, serve dist/ on localhost, train in headless Chromium on the WASM backend,
// check the loss fell and the reconstruction grid was drawn, save a screenshot to test-artifacts/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageState } from '../src/main.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const hasChromium = existsSync(CHROMIUM);
const SKIP_REASON = `skipped: ${CHROMIUM} not found; install Debian's Chromium: apt-get install -y chromium`;
if (!hasChromium) console.warn(`[example-browser] ${SKIP_REASON}`);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.u8': 'application/octet-stream',
};

/** A tiny static file server for `dir` on 127.0.0.1 (a random free port). */
function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

const title = 'examples/browser in headless Chromium';
describe.skipIf(!hasChromium)(hasChromium ? title : `${title} (${SKIP_REASON})`, () => {
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;

  beforeAll(() => {
    // Build the page exactly as `pnpm build` does.
    const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
    const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`vite build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    expect(existsSync(join(DIST, 'index.html'))).toBe(true);
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('trains the autoencoder on WASM, the loss falls and the reconstruction grid is drawn', async () => {
    server = await serve(DIST);
    const { port } = server.address() as AddressInfo;
    profile = mkdtempSync(join(tmpdir(), 'layerwise-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 900, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

    await page.goto(`http://127.0.0.1:${port}/?digits=1000&epochs=4`);
    await page.waitForFunction(() => window.__layerwise?.done === true, undefined, { timeout: 90_000 });
    const state = (await page.evaluate(() => window.__layerwise)) as PageState;

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'browser.png'), fullPage: true });
    console.log(
      `[example-browser] backend ${state.backend}, ${state.digits} digits, fit ${state.seconds?.toFixed(1)} s, ` +
        `MSE ${state.mse?.toFixed(5)} (mean digit ${state.baselineMse?.toFixed(5)}), losses:`,
      state.losses.map((l) => `${l.stage}${l.layer ?? ''}#${l.epoch}=${l.loss.toFixed(5)}`).join(' '),
    );

    expect(state.error, problems.join('\n')).toBeUndefined();
    expect(state.backend).toBe('wasm');
    // The trained stack reconstructs the digits better than the mean digit does.
    expect(state.mse).toBeLessThan(state.baselineMse!);
    // Within each stage (each pretrained layer, fine-tuning), the last epoch's loss is below the first's.
    const stages = new Map<string, number[]>();
    for (const l of state.losses) {
      const key = `${l.stage}:${l.layer ?? ''}`;
      stages.set(key, [...(stages.get(key) ?? []), l.loss]);
    }
    expect(stages.size).toBeGreaterThan(0);
    for (const [key, losses] of stages) {
      expect(losses.length, key).toBeGreaterThan(1);
      expect(losses.every(Number.isFinite), key).toBe(true);
      expect(losses[losses.length - 1]!, key).toBeLessThan(losses[0]!);
    }

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
    expect(ink.width).toBeGreaterThan(0);
    expect(ink.originals).toBeGreaterThan(1000);
    expect(ink.reconstructions).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  });
});
