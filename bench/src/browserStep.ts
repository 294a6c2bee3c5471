/**
 * `pnpm bench -- --only browser [--samples N] [--rounds N] [--no-save]` — the step benchmark's autoencoder layer
 * (784 → 200 → 784, Adam, batch 100, one epoch of `StackedAutoencoder.fit`) on webgl against wasm in the same
 * headless Chromium (one page, fits interleaved round by round after an untimed warm-up of each), through
 * `@layerwise/testkit-browser`. The page is cross-origin isolated, so wasm runs its threaded binary.
 *
 * What the number means: on a machine without a GPU, Chromium's WebGL is SwiftShader — a software renderer
 * that runs the shaders on the CPU. webgl ÷ wasm there compares two CPU implementations (shaders emulated on
 * the CPU against WebAssembly SIMD kernels) in this browser; it says nothing about how fast webgl is on a real
 * GPU, where it usually beats wasm for matrices this size. The report prints the renderer so a reader can tell.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadMnist } from '@layerwise/datasets';
import { BrowserHarness } from '@layerwise/testkit-browser';
import type { BrowserStepPageResult } from './browserStep.page.js';

/** Summary of a browser step run. */
export interface BrowserStepSummary {
  samples: number;
  renderer: string;
  software: boolean;
  crossOriginIsolated: boolean;
  /** Median samples per second of each contender. */
  samplesPerSecond: { webgl: number; wasm: number; tfjsLayers: number };
  /** Median over rounds of (layerwise wasm samples/s ÷ tfjs-layers samples/s) in the same round. */
  wasmVsLayers: number;
  /** Median over rounds of (webgl samples/s ÷ wasm samples/s) in the same round. */
  ratio: number;
  /** Largest relative difference between the two backends' epoch losses in a round. */
  maxLossDifference: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Medians and the paired ratio from the page's rounds. */
export function summarize(result: BrowserStepPageResult, samples: number): BrowserStepSummary {
  const by = (b: string) => result.rounds.filter((r) => r.backend === b);
  const rate = (r: { seconds: number }) => samples / r.seconds;
  const webgl = by('webgl');
  const wasm = by('wasm');
  const layers = by('tfjs-layers');
  const ratios = webgl.map((g, i) => rate(g) / rate(wasm[i]!));
  const vsLayers = wasm.map((w, i) => rate(w) / rate(layers[i]!));
  const lossDiffs = webgl.map((g, i) => Math.abs(g.loss - wasm[i]!.loss) / Math.abs(wasm[i]!.loss));
  return {
    samples,
    renderer: result.renderer,
    software: /swiftshader|llvmpipe|software|basic render/i.test(result.renderer),
    crossOriginIsolated: result.crossOriginIsolated,
    samplesPerSecond: {
      webgl: median(webgl.map(rate)),
      wasm: median(wasm.map(rate)),
      tfjsLayers: median(layers.map(rate)),
    },
    ratio: median(ratios),
    wasmVsLayers: median(vsLayers),
    maxLossDifference: Math.max(...lossDiffs),
  };
}

/** The Markdown report. */
export function browserMarkdown(s: BrowserStepSummary, load: number[]): string {
  const lines = [
    `### Browser: AE step, layerwise on webgl and wasm, tfjs-layers on wasm (headless Chromium, ${s.samples} samples per fit)`,
    '',
    `WebGL renderer: \`${s.renderer}\`${s.software ? ' — **software GL: the shaders run on the CPU**' : ''}; cross-origin isolated: ${s.crossOriginIsolated} (wasm threaded); load average ${load.map((x) => x.toFixed(1)).join(' / ')} on ${availableParallelism()} cores.`,
    '',
    '| contender | samples/s (median) |',
    '| --------- | ------------------ |',
    `| layerwise, webgl | ${s.samplesPerSecond.webgl.toFixed(0)} |`,
    `| layerwise, wasm (fused kernels, ${s.crossOriginIsolated ? 'kernel thread pool' : 'one thread'}) | ${s.samplesPerSecond.wasm.toFixed(0)} |`,
    `| tfjs-layers \`fit\`, wasm (tfjs's kernels) | ${s.samplesPerSecond.tfjsLayers.toFixed(0)} |`,
    '',
    `layerwise wasm ÷ tfjs-layers (median of per-round ratios): **${s.wasmVsLayers.toFixed(2)}×**.`,
    '',
    `webgl ÷ wasm (median of per-round ratios): **${s.ratio.toFixed(2)}×**; the epoch losses agree within ${s.maxLossDifference.toExponential(1)} (relative).`,
    '',
    s.software
      ? 'This compares a software WebGL (SwiftShader, on the CPU) with WebAssembly SIMD on the same CPU: it shows the cost of the webgl path where no GPU is available, not what webgl does on a real GPU.'
      : 'A hardware GL ran: this is a real GPU against wasm on the CPU.',
  ];
  return lines.join('\n');
}

/** Runs the browser part; `argv` as given to `pnpm bench`. */
export async function runBrowserStep(argv: string[]): Promise<BrowserStepSummary> {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      only: { type: 'string' },
      samples: { type: 'string' },
      rounds: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
    },
    strict: false,
  });
  const int = (v: unknown, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${String(v)}`);
    return n;
  };
  const samples = int(values.samples, 1000);
  const rounds = int(values.rounds, 3);
  const loadStart = loadavg();
  const { X } = await loadMnist({ limit: samples });
  const log = (l: string) => process.stderr.write(`${l}\n`);
  log(`browser: ${rounds} rounds of ${samples} samples on webgl, wasm and tfjs-layers in headless Chromium…`);
  const harness = await BrowserHarness.start();
  let result: BrowserStepPageResult;
  try {
    ({ value: result } = await harness.run<BrowserStepPageResult>(
      new URL('./browserStep.page.ts', import.meta.url),
      { input: { pixels: Array.from(X.data), rows: samples, rounds }, timeoutMs: 30 * 60_000 },
    ));
  } finally {
    await harness.close();
  }
  const summary = summarize(result, samples);
  process.stdout.write(`${browserMarkdown(summary, loadStart)}\n`);
  if (!values['no-save']) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
    mkdirSync(dir, { recursive: true });
    const noisy = loadStart[0]! / availableParallelism() > 1.5;
    const file = join(dir, `${new Date().toISOString().slice(0, 10)}-browser${noisy ? '-noisy' : ''}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), loadStart, noisy, summary, ...result }, null, 2)}\n`,
    );
    log(`wrote ${file}`);
  }
  return summary;
}
