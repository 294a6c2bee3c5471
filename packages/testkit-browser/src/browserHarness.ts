import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LayerwiseError } from '@layerwise/core';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { type LocalServer, serveFiles } from './serveFiles.js';
import type { TestResult } from './vitestShim.js';

/** Where the harness serves tfjs-backend-wasm's `.wasm` files (pass `new URL(WASM_URL_PATH, location.href).href` as `wasmPaths`). */
export const WASM_URL_PATH = '/wasm/';

/** What {@link BrowserHarness.run} gives back. */
export interface BrowserRunResult<T = unknown> {
  /** One result per vitest-style test the entry declared (`describe`/`it` from `vitest`), in order. */
  suites: TestResult[];
  /** What the entry's exported `run(input)` returned (structured-cloned), if it exports one. */
  value: T;
  /** Facts about the page: `crossOriginIsolated`, the user agent, the logical core count. */
  page: { crossOriginIsolated: boolean; userAgent: string; hardwareConcurrency: number };
  /** Console errors and uncaught page errors seen while it ran. */
  errors: string[];
}

/** Options of {@link BrowserHarness.run}. */
export interface BrowserRunOptions {
  /** Passed to the entry's `run(input)`; must be structured-cloneable. */
  input?: unknown;
  /** Give up after this long (default 100 s). */
  timeoutMs?: number;
  /** Receives the page's console lines as they arrive (e.g. `console.log`). */
  onConsole?: (line: string) => void;
}

const require = createRequire(import.meta.url);
const shimPath = fileURLToPath(
  new URL(`./vitestShim.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
);

declare global {
  // The bundle's entry point, set by the harness's wrapper module.
  var __lwHarness: { run(input: unknown): Promise<{ value: unknown; suites: TestResult[] }> } | undefined;
}

/**
 * Node's built-in modules and `esbuild` become empty modules in the page: Node-only helpers that the bundled
 * packages export (e.g. testkit's `bundleChild`) are never called there, but their imports must resolve.
 */
const nodeOnlyStubs: import('esbuild').Plugin = {
  name: 'node-only-stubs',
  setup(b) {
    const builtins = new Set(builtinModules);
    b.onResolve({ filter: /.*/ }, (a) =>
      a.path.startsWith('node:') || builtins.has(a.path) || a.path === 'esbuild'
        ? { path: a.path, namespace: 'node-only-stub' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'node-only-stub' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
  },
};

/**
 * Runs browser code from a Node test: bundles a TypeScript entry with esbuild (workspace packages through the
 * `source` condition; `vitest` replaced by a small in-page runner with vitest's own `expect`), serves it on
 * 127.0.0.1 with cross-origin isolation headers (and tfjs-backend-wasm's `.wasm` files at {@link WASM_URL_PATH}),
 * opens it in headless Chromium (one browser per harness) and returns the results.
 *
 * The entry may declare suites (`describe`/`it` imported from `vitest`, e.g. testkit's `checkBackend(...)`)
 * and/or export `run(input)`.
 *
 * ```ts
 * const harness = await BrowserHarness.start();
 * const { suites } = await harness.run(new URL('./conformance.page.ts', import.meta.url));
 * await harness.close();
 * ```
 */
export class BrowserHarness {
  readonly #dir: string;
  readonly #server: LocalServer;
  readonly #bundles = new Map<string, string>();
  /** The Chromium instance; open more pages on it as you like. */
  readonly browser: Browser;

  private constructor(dir: string, server: LocalServer, browser: Browser) {
    this.#dir = dir;
    this.#server = server;
    this.browser = browser;
  }

  /** Launches Chromium and the local server. */
  static async start(options: { crossOriginIsolated?: boolean; chromiumArgs?: string[] } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'layerwise-browser-'));
    const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    const files: Record<string, string> = {};
    for (const f of readdirSync(wasmDist)) {
      if (f.endsWith('.wasm')) files[`${WASM_URL_PATH.slice(1)}${f}`] = join(wasmDist, f);
    }
    const server = await serveFiles(dir, { crossOriginIsolated: options.crossOriginIsolated ?? true, files });
    let browser: Browser;
    try {
      browser = await launchChromium(options.chromiumArgs);
    } catch (e) {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return new BrowserHarness(dir, server, browser);
  }

  /** The server's base URL (`http://127.0.0.1:<port>/`). */
  get url(): string {
    return this.#server.url;
  }

  /** Bundles `entry` (once per harness) and returns the URL of a page that loads it. */
  async bundle(entry: string | URL): Promise<string> {
    const file = typeof entry === 'string' ? entry : fileURLToPath(entry);
    let sub = this.#bundles.get(file);
    if (!sub) {
      sub = `e${this.#bundles.size}`;
      const out = join(this.#dir, sub);
      mkdirSync(out, { recursive: true });
      const { build } = await import('esbuild');
      await build({
        stdin: {
          contents: [
            `import * as entry from ${JSON.stringify(file)};`,
            `import { runSuites } from ${JSON.stringify(shimPath)};`,
            'globalThis.__lwHarness = { async run(input) {',
            "  const value = typeof entry.run === 'function' ? await entry.run(input) : undefined;",
            '  return { value, suites: await runSuites() };',
            '} };',
          ].join('\n'),
          resolveDir: dirname(file),
          loader: 'ts',
          sourcefile: 'harness-entry.ts',
        },
        outfile: join(out, 'bundle.js'),
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        conditions: ['source'],
        mainFields: ['browser', 'module', 'main'],
        alias: { vitest: shimPath },
        define: { 'process.env.NODE_ENV': '"production"' },
        // Keep side-effect-only imports (packages mark themselves `sideEffects: false`; test entries rely on them).
        ignoreAnnotations: true,
        plugins: [nodeOnlyStubs],
        sourcemap: 'inline',
        logLevel: 'silent',
      });
      writeFileSync(
        join(out, 'index.html'),
        '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>layerwise browser harness</title><script type="module" src="./bundle.js"></script>',
      );
      this.#bundles.set(file, sub);
    }
    return `${this.#server.url}${sub}/index.html`;
  }

  /** Bundles `entry`, opens it in a fresh page, runs it and closes the page. Throws on timeout or page crash. */
  async run<T = unknown>(entry: string | URL, options: BrowserRunOptions = {}): Promise<BrowserRunResult<T>> {
    const url = await this.bundle(entry);
    const page: Page = await this.browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      options.onConsole?.(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    const timeoutMs = options.timeoutMs ?? 100_000;
    try {
      await page.goto(url);
      await page.waitForFunction(() => globalThis.__lwHarness !== undefined, undefined, { timeout: 30_000 });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LayerwiseError(`${url}: no result after ${timeoutMs} ms (${errors.join('; ')})`)),
          timeoutMs,
        );
      });
      try {
        const out = await Promise.race([
          page.evaluate((input) => globalThis.__lwHarness!.run(input), options.input),
          timeout,
        ]);
        const info = await page.evaluate(() => ({
          crossOriginIsolated: globalThis.crossOriginIsolated === true,
          userAgent: navigator.userAgent,
          hardwareConcurrency: navigator.hardwareConcurrency,
        }));
        return { suites: out.suites, value: out.value as T, page: info, errors };
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  /** Closes Chromium and the server and deletes the bundles. */
  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.#server.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
