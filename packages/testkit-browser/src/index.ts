/**
 * `@layerwise/testkit-browser` (private) — runs vitest-style suites, such as testkit's `checkBackend`, and
 * plain functions in headless Chromium from a Node vitest test, and reports the results back.
 * @packageDocumentation
 */

export {
  BrowserHarness,
  type BrowserRunOptions,
  type BrowserRunResult,
  WASM_URL_PATH,
} from './browserHarness.js';
export { CHROMIUM_PATH, chromiumArgs, chromiumSkipReason, launchChromium } from './chromium.js';
export {
  CROSS_ORIGIN_ISOLATION_HEADERS,
  type LocalServer,
  type ServeOptions,
  serveFiles,
} from './serveFiles.js';
export type { TestResult } from './vitestShim.js';
