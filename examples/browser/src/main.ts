import { gradientsRegistered, Registry, type TrainingEvent } from '@layerwise/core';
import { WASM_DIR } from './assetPaths.js';
import { loadDigits } from './data.js';
import { drawReconstructionGrid } from './draw.js';
import { type EpochLoss, pageProgressLogger, stageLabel } from './progress.js';
import { trainAutoencoder } from './train.js';

/** What the page exposes for tests and the curious: `window.__layerwise`. */
export interface PageState {
  done: boolean;
  error?: string;
  backend?: string;
  losses: EpochLoss[];
  seconds?: number;
  digits?: number;
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

async function main() {
  const rows = setting('digits', 1000);
  const epochs = setting('epochs', 3);
  status.textContent = 'Loading MNIST digits…';
  const digits = await loadDigits(rows);
  state.digits = digits.shape[0];

  let totalEpochs = 0;
  let doneEpochs = 0;
  const onEvent = (e: TrainingEvent) => {
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
          `${stageLabel(e.stage, e.layer)}  epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(5)}  ` +
            `${Math.round(e.samplesPerSecond)} samples/s`,
        );
        break;
      case 'fitEnd':
        state.seconds = e.seconds;
        break;
    }
  };
  const registry = new Registry().use(pageProgressLogger(onEvent));
  status.textContent = 'Starting the WASM backend…';
  const wasmPaths = new URL(WASM_DIR, document.baseURI).href;
  const model = await trainAutoencoder(
    digits,
    { hiddenLayerSizes: [128, 32], epochs, batchSize: 100, randomState: 1, wasmPaths },
    registry,
  );
  state.backend = model.backend;

  const shown = 20;
  const originals = digits.data.subarray(0, shown * 784);
  const reconstructions = await model.reconstruct(originals, shown);
  drawReconstructionGrid(canvas, originals, reconstructions, shown);
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
