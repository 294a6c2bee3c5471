// Bundled by @layerwise/testkit-browser and run in headless Chromium by ./browserStep.ts: the step benchmark's
// autoencoder layer (STEP: 784 → 200 → 784, Adam, batch 100) fitted for one epoch by layerwise's
// StackedAutoencoder on webgl and on wasm (its fused kernels, on the kernel thread pool: the page is
// cross-origin isolated), and by tfjs-layers `model.fit` on tfjs-backend-wasm's own kernels, in the same page,
// interleaved round by round.
import { StackedAutoencoder } from '@layerwise/autoencoder';
import {
  installWasmFastGather,
  installWasmFastPath,
  uninstallWasmFastPath,
  wasmBackend,
} from '@layerwise/backend-wasm';
import { webglBackend } from '@layerwise/backend-webgl';
import { Registry } from '@layerwise/core';
import { STEP } from './spec.js';
import { layersAeEpoch } from './tfjsLayersAe.js';

/** A contender: layerwise on a backend, or tfjs-layers on tfjs-backend-wasm's own kernels. */
export type BrowserContender = 'webgl' | 'wasm' | 'tfjs-layers';

/** One timed fit. */
export interface BrowserStepRound {
  round: number;
  backend: BrowserContender;
  seconds: number;
  /** The epoch's mean training loss (the two backends must agree). */
  loss: number;
}

/** What the page gives back. */
export interface BrowserStepPageResult {
  /** `UNMASKED_RENDERER_WEBGL` (e.g. "… SwiftShader …"): which GL actually ran. */
  renderer: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  rounds: BrowserStepRound[];
}

function glRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL 2';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

export async function run(input: {
  pixels: number[];
  rows: number;
  rounds: number;
}): Promise<BrowserStepPageResult> {
  const data = Float32Array.from(input.pixels);
  const X = { data, shape: [input.rows, STEP.inputs] as [number, number] };
  const registry = new Registry()
    .use(webglBackend())
    .use(wasmBackend({ wasmPaths: new URL('/wasm/', location.href).href }));
  const timedFit = async (backend: 'webgl' | 'wasm', seed: number) => {
    const ae = new StackedAutoencoder(
      {
        hiddenLayerSizes: [STEP.hidden],
        epochs: 1,
        fineTuneEpochs: 0,
        batchSize: STEP.batchSize,
        learningRate: STEP.learningRate,
        optimizer: 'adam',
        activation: 'relu',
        shuffle: true,
        randomState: seed,
        backend,
      },
      { registry },
    );
    await registry.activateBackend(backend);
    const t0 = performance.now();
    await ae.fit(X); // ends by reading the epoch's loss: the GPU's queue is drained inside the timing
    const seconds = (performance.now() - t0) / 1000;
    const loss = ae.history?.epochs.at(-1)?.loss ?? Number.NaN;
    ae.dispose();
    return { seconds, loss };
  };
  // tfjs-layers on the wasm backend with tfjs's own kernels: layerwise's kernel replacements are taken out for
  // the fit (they are process-wide) and put back after it.
  const layersFit = async (seed: number) => {
    await registry.activateBackend('wasm');
    uninstallWasmFastPath();
    installWasmFastGather(false);
    try {
      const t0 = performance.now();
      const loss = await layersAeEpoch({ data, shape: X.shape }, STEP.hidden, seed);
      return { seconds: (performance.now() - t0) / 1000, loss };
    } finally {
      installWasmFastPath();
      installWasmFastGather(true);
    }
  };
  const fitOn = (c: BrowserContender, seed: number) =>
    c === 'tfjs-layers' ? layersFit(seed) : timedFit(c, seed);
  // Untimed warm-up: webgl compiles its shaders, wasm loads its binary and starts its threads.
  const all: BrowserContender[] = ['webgl', 'wasm', 'tfjs-layers'];
  for (const c of all) await fitOn(c, 1);
  const rounds: BrowserStepRound[] = [];
  for (let r = 0; r < input.rounds; r++) {
    const order = r % 2 === 0 ? all : [...all].reverse();
    for (const backend of order) rounds.push({ round: r, backend, ...(await fitOn(backend, 2 + r)) });
  }
  return {
    renderer: glRenderer(),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    rounds,
  };
}
