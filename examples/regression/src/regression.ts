import { cpuBackend } from '@layerwise/backend-cpu';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry, Rng } from '@layerwise/core';
import { consoleLogger } from '@layerwise/logger-console';
import { MLPRegressor } from '@layerwise/nn';

/** Options of {@link runRegression}. */
export interface RegressionOptions {
  /** Number of points on [-1, 1] (default 1000, as in the seed). */
  samples?: number;
  /** Units of each hidden layer (default [64]). */
  hiddenLayerSizes?: number[];
  /** Training epochs (default 300). */
  epochs?: number;
  /** `'auto'` (default), `'wasm'` or `'cpu'`. */
  backend?: string;
  /** Print one line per epoch (default false). */
  verbose?: boolean;
  /** Seed of the data and the weights (default 0). */
  randomState?: number;
}

/** What {@link runRegression} measured. */
export interface RegressionResult {
  /** R² on the held-out 20 %. */
  r2Test: number;
  /** R² on the training 80 %. */
  r2Train: number;
  backend: string;
  seconds: number;
  /** Predictions at a few x values, next to the truth, to print. */
  samples: { x: number; y: number; predicted: number }[];
}

/** The seed's target function. */
export const target = (x: number): number => 2 * x * x - 1;

/** `n` points x uniform on [-1, 1], y = 2x² − 1, split 80 / 20 into train and test. */
export function makeData(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => rng.next() * 2 - 1);
  const cut = Math.round(n * 0.8);
  const X = x.map((v) => [v]);
  const y = x.map(target);
  return { Xtrain: X.slice(0, cut), yTrain: y.slice(0, cut), Xtest: X.slice(cut), yTest: y.slice(cut) };
}

/** Fits an MLPRegressor to y = 2x² − 1 and reports R². */
export async function runRegression(options: RegressionOptions = {}): Promise<RegressionResult> {
  const seed = options.randomState ?? 0;
  const { Xtrain, yTrain, Xtest, yTest } = makeData(options.samples ?? 1000, seed);
  const registry = new Registry().use(wasmBackend()).use(cpuBackend());
  if (options.verbose) registry.use(consoleLogger());
  const reg = new MLPRegressor(
    {
      hiddenLayerSizes: options.hiddenLayerSizes ?? [64],
      activation: 'tanh',
      epochs: options.epochs ?? 300,
      batchSize: 50,
      learningRate: 0.01,
      randomState: seed,
      backend: options.backend ?? 'auto',
      verbose: options.verbose ?? false,
    },
    { registry },
  );
  const started = performance.now();
  await reg.fit(Xtrain, yTrain);
  const seconds = (performance.now() - started) / 1000;
  const r2Train = await reg.score(Xtrain, yTrain);
  const r2Test = await reg.score(Xtest, yTest);
  const probe = [-1, -0.5, 0, 0.5, 1];
  const predicted = (await reg.predict(probe.map((x) => [x]))) as number[];
  await registry.dispose();
  const tf = await import('@tensorflow/tfjs-core');
  return {
    r2Test,
    r2Train,
    backend: tf.getBackend(),
    seconds,
    samples: probe.map((x, i) => ({ x, y: target(x), predicted: predicted[i]! })),
  };
}
