import { existsSync } from 'node:fs';
import { BackendUnavailableError } from '@layerwise/core';
import { type Browser, chromium } from 'playwright-core';

/**
 * The Chromium the harness drives: `$LAYERWISE_CHROMIUM`, else Debian's `/usr/bin/chromium`
 * (`apt-get install -y chromium`; Playwright's own browser download is not used).
 */
export const CHROMIUM_PATH = process.env.LAYERWISE_CHROMIUM || '/usr/bin/chromium';

/**
 * Why browser tests cannot run here (no Chromium at {@link CHROMIUM_PATH}), or undefined when they can.
 * Tests use it to skip with the reason in their title.
 */
export function chromiumSkipReason(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `${CHROMIUM_PATH} not found: install Debian's Chromium (apt-get install -y chromium) or set LAYERWISE_CHROMIUM`;
}

/**
 * Command-line flags for headless Chromium as root on a machine without a GPU:
 * - no sandbox, no background networking, component updates or first-run UI (nothing leaves the machine);
 * - `--use-angle=swiftshader --enable-unsafe-swiftshader`: WebGL 2 on SwiftShader, Chromium's software GPU
 *   (float32 render targets enabled) — correct results, CPU speed;
 * - `--enable-unsafe-webgpu`: `navigator.gpu.requestAdapter()` returns SwiftShader's fallback adapter (without
 *   it, headless Chromium 156 exposes `navigator.gpu` but the adapter is null).
 */
export function chromiumArgs(): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--enable-unsafe-webgpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
}

/** Launches headless Chromium ({@link CHROMIUM_PATH}) with {@link chromiumArgs} through playwright-core. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const reason = chromiumSkipReason();
  if (reason) throw new BackendUnavailableError(reason);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...chromiumArgs(), ...extraArgs],
  });
}
