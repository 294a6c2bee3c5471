import { StackedAutoencoder } from '@layerwise/autoencoder';
import { wasmBackend } from '@layerwise/backend-wasm';
import { gradientsRegistered, Registry, type TrainingEvent, type TypedMatrix } from '@layerwise/core';
import { WASM_DIR } from './assetPaths.js';
import { loadDigits } from './data.js';
import { drawReconstructionGrid } from './draw.js';
import { type EpochLoss, pageProgressLogger, stageLabel } from './progress.js';

/** What the page exposes for tests and the curious: `window.__layerwise`. */
export interface PageState {
  done: boolean;
  error?: string;
  backend?: string;
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
const state: PageState = { done: false, losses: [], gradients: gradientsRegistered };
window.__layerwise = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const progress = $<HTMLProgressElement>('progress');
const log = $('log');
const canvas = $<HTMLCanvasElement>('grid');

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

  // Plugins chosen explicitly: the WASM backend (its .wasm files are served from wasm/ next to the page)
  // and a logger that draws progress.
  const registry = new Registry()
    .use(wasmBackend({ wasmPaths: new URL(WASM_DIR, document.baseURI).href }))
    .use(pageProgressLogger(progressView()));

  status.textContent = 'Starting the WASM backend…';
  const ae = new StackedAutoencoder(
    {
      hiddenLayerSizes: [128, 32],
      epochs,
      fineTuneEpochs,
      batchSize: 100,
      learningRate: 0.005,
      randomState: 1,
      backend: 'wasm',
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
