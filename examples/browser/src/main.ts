import { StackedAutoencoder } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { wasmBackend } from '@layerwise/backend-wasm';
import { webglBackend } from '@layerwise/backend-webgl';
import { webgpuBackend } from '@layerwise/backend-webgpu';
import { gradientsRegistered, Registry, type TrainingEvent, type TypedMatrix } from '@layerwise/core';
import { lossChartSpec, renderSvg } from '@layerwise/report';
import { WASM_DIR } from './assetPaths.js';
import { loadDigits } from './data.js';
import { drawReconstructionGrid } from './draw.js';
import { type EpochLoss, pageProgressLogger, stageLabel } from './progress.js';

/** What the page exposes for tests and the curious: `window.__layerwise`. */
export interface PageState {
  done: boolean;
  error?: string;
  /** The backend asked for (`?backend=`): `auto` (default), `webgpu`, `webgl`, `wasm` or `cpu`. */
  requestedBackend: BackendChoice;
  /** The tfjs backend the fit ran on. */
  backend?: string;
  /** The fallback warning of `auto`, if backends were skipped (with their reasons). */
  warnings: string[];
  /** `self.crossOriginIsolated`: the page is served with COOP/COEP headers (needed for wasm threads). */
  crossOriginIsolated: boolean;
  /** Threads of the wasm backend (tfjs `getThreadsCount()`), when the fit ran on wasm. */
  wasmThreads?: number;
  /** Loss-chart renders finished (one after each epoch, at most one at a time). */
  chartRenders: number;
  losses: EpochLoss[];
  /** Seconds `fit` took. */
  seconds?: number;
  digits?: number;
  /** Mean squared reconstruction error on the training digits after `fit`. */
  mse?: number;
  /** The same error for the mean digit: the baseline an autoencoder must beat. */
  baselineMse?: number;
  /** core's gradient registration ran (see below). */
  gradients: boolean;
}

declare global {
  interface Window {
    __layerwise: PageState;
  }
}

// Referencing `gradientsRegistered` keeps core's gradient registration in the bundle: core's package.json
// marks only src/gradients.ts as having side effects, not the index that imports it, so a bundler that
// tree-shakes (Rollup, in `vite build`) drops the registration when nothing is imported from that module.
/** The backends the picker offers. */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const requested = new URLSearchParams(location.search).get('backend') ?? 'auto';
const state: PageState = {
  done: false,
  requestedBackend: (BACKEND_CHOICES as readonly string[]).includes(requested)
    ? (requested as BackendChoice)
    : 'auto',
  warnings: [],
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  chartRenders: 0,
  losses: [],
  gradients: gradientsRegistered,
};
window.__layerwise = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const progress = $<HTMLProgressElement>('progress');
const log = $('log');
const canvas = $<HTMLCanvasElement>('grid');
const picker = $<HTMLSelectElement>('backend');
const active = $('active');
const chart = $('chart');

// The picker reloads the page with ?backend=<choice> (training starts on load).
picker.value = state.requestedBackend;
picker.addEventListener('change', () => {
  const q = new URLSearchParams(location.search);
  q.set('backend', picker.value);
  location.search = q.toString();
});

/** Redraws the loss chart (a Vega-Lite spec from @layerwise/report, rendered to SVG) — at most one render at a time. */
let chartBusy = false;
let chartDirty = false;
function redrawChart(): void {
  if (chartBusy) {
    chartDirty = true;
    return;
  }
  chartBusy = true;
  chartDirty = false;
  const spec = lossChartSpec([{ name: 'autoencoder', lossName: 'MSE', records: state.losses }], {
    width: 240,
    height: 130,
  });
  renderSvg(spec)
    .then((svg) => {
      chart.innerHTML = svg;
      state.chartRenders += 1;
    })
    .catch((e: unknown) => console.error('loss chart:', e))
    .finally(() => {
      chartBusy = false;
      if (chartDirty) redrawChart();
    });
}

function line(text: string) {
  log.textContent += `${text}\n`;
  log.scrollTop = log.scrollHeight;
}

/** Settings from the query string, e.g. `?digits=500&epochs=3`. */
function setting(name: string, fallback: number): number {
  const v = Number(new URLSearchParams(location.search).get(name));
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Mean squared error of predicting every digit by the mean digit. */
function meanDigitMse(data: Float32Array, rows: number, cols: number): number {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows * cols; i++) mean[i % cols]! += data[i]! / rows;
  let sum = 0;
  for (let i = 0; i < rows * cols; i++) sum += (data[i]! - mean[i % cols]!) ** 2;
  return sum / (rows * cols);
}

/** Turns the estimator's training events into progress on the page. */
function progressView() {
  let totalEpochs = 0;
  let doneEpochs = 0;
  return (e: TrainingEvent) => {
    switch (e.type) {
      case 'fitStart':
        state.backend = e.backend;
        line(`${e.estimator}: ${e.samples} digits × ${e.features} pixels on the ${e.backend} backend`);
        break;
      case 'stageStart':
        totalEpochs += e.epochs;
        status.textContent = `Training: ${stageLabel(e.stage, e.layer)}…`;
        break;
      case 'epochEnd':
        doneEpochs += 1;
        state.losses.push({ stage: e.stage, layer: e.layer, epoch: e.epoch, loss: e.loss });
        redrawChart();
        progress.max = Math.max(totalEpochs, doneEpochs);
        progress.value = doneEpochs;
        line(
          `${stageLabel(e.stage, e.layer).padEnd(16)} epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(5)}  ` +
            `${Math.round(e.samplesPerSecond)} samples/s`,
        );
        break;
      case 'fitEnd':
        state.seconds = e.seconds;
        break;
    }
  };
}

async function main() {
  const rows = setting('digits', 1000);
  const epochs = setting('epochs', 8);
  const fineTuneEpochs = setting('fineTuneEpochs', epochs);
  status.textContent = 'Loading MNIST digits…';
  const X = await loadDigits(rows);
  const [n, cols] = X.shape;
  state.digits = n;

  // Plugins chosen explicitly: every backend a browser can have, ranked by priority for `auto` (webgpu 5,
  // webgl 4, wasm 2 — its .wasm files are served from wasm/ next to the page — cpu 1), and a logger that
  // draws progress.
  const registry = new Registry()
    .use(webgpuBackend())
    .use(webglBackend())
    .use(wasmBackend({ wasmPaths: new URL(WASM_DIR, document.baseURI).href }))
    .use(cpuBackend())
    .use(pageProgressLogger(progressView()));

  // Activate first, so the page can show which backend `auto` chose and why it skipped others.
  status.textContent = `Starting the ${state.requestedBackend} backend…`;
  const backend = await registry.activateBackend(state.requestedBackend, {
    warn: (m) => {
      state.warnings.push(m);
      line(m);
    },
  });
  active.textContent = state.requestedBackend === 'auto' ? `auto → ${backend}` : backend;
  if (backend === 'wasm') {
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    state.wasmThreads = getThreadsCount();
    line(
      `wasm: ${state.wasmThreads} thread(s); cross-origin isolated: ${state.crossOriginIsolated ? 'yes' : 'no (one thread)'}`,
    );
  }
  const ae = new StackedAutoencoder(
    {
      hiddenLayerSizes: [128, 32],
      epochs,
      fineTuneEpochs,
      batchSize: 100,
      learningRate: 0.005,
      randomState: 1,
      backend,
    },
    { registry },
  );
  await ae.fit({ data: X.data, shape: X.shape });

  state.mse = -(await ae.score({ data: X.data, shape: X.shape }));
  state.baselineMse = meanDigitMse(X.data, n, cols);
  line(`reconstruction MSE ${state.mse.toFixed(5)} (the mean digit: ${state.baselineMse.toFixed(5)})`);

  const shown = Math.min(20, n);
  const originals = X.data.subarray(0, shown * cols);
  const rec = (await ae.reconstruct({ data: originals, shape: [shown, cols] })) as TypedMatrix;
  drawReconstructionGrid(canvas, originals, Float32Array.from(rec.data), shown);
  progress.value = progress.max;
  status.textContent = `Done in ${(state.seconds ?? 0).toFixed(1)} s on ${state.backend}.`;
}

main().then(
  () => {
    state.done = true;
  },
  (e: unknown) => {
    state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    state.done = true;
    status.textContent = `Failed: ${state.error}`;
    console.error(e);
  },
);
