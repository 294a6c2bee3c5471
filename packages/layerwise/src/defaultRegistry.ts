import { stackedAutoencoderKind } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { nodeBackend } from '@layerwise/backend-node';
import { wasmBackend } from '@layerwise/backend-wasm';
import { webglBackend } from '@layerwise/backend-webgl';
import { webgpuBackend } from '@layerwise/backend-webgpu';
import { type EstimatorKindPlugin, Registry, ValidationError } from '@layerwise/core';
import { onnxExporter } from '@layerwise/exporter-onnx';
import { tfjsExporter } from '@layerwise/exporter-tfjs';
import { consoleLogger } from '@layerwise/logger-console';
import { csvLogFile } from '@layerwise/logger-csv';
import { jsonlLogFile } from '@layerwise/logger-jsonl';
import { mlpClassifierKind, mlpRegressorKind } from '@layerwise/nn';
import { autoencoderOutlierDetectorKind, variationalAutoencoderKind } from '@layerwise/outliers';
import { columnTransformerKind, pipelineKind } from '@layerwise/pipeline';
import { PREPROCESSING_KINDS } from '@layerwise/preprocessing';

/**
 * Every first-party estimator kind: MLPClassifier, MLPRegressor, StackedAutoencoder, AutoencoderOutlierDetector,
 * VariationalAutoencoder, Pipeline, ColumnTransformer and each
 * `@layerwise/preprocessing` transformer. {@link createDefaultRegistry} registers them all.
 */
export const FIRST_PARTY_KINDS: readonly EstimatorKindPlugin[] = Object.freeze([
  mlpClassifierKind as EstimatorKindPlugin,
  mlpRegressorKind as EstimatorKindPlugin,
  stackedAutoencoderKind as EstimatorKindPlugin,
  autoencoderOutlierDetectorKind as EstimatorKindPlugin,
  variationalAutoencoderKind as EstimatorKindPlugin,
  pipelineKind,
  columnTransformerKind,
  ...(PREPROCESSING_KINDS as readonly EstimatorKindPlugin[]),
]);

/** Options of {@link createDefaultRegistry}. */
export interface DefaultRegistryOptions {
  /**
   * Console output: `'auto'` (default) prints when an estimator has `verbose: true`; `false` never;
   * `true` always.
   */
  console?: boolean | 'auto';
  /** Passed to `wasmBackend()` (e.g. `wasmPaths` for bundled pages). */
  wasm?: Parameters<typeof wasmBackend>[0];
  /** Passed to `webglBackend()` (browsers only). */
  webgl?: Parameters<typeof webglBackend>[0];
  /** Passed to `webgpuBackend()` (browsers only). */
  webgpu?: Parameters<typeof webgpuBackend>[0];
  /**
   * Which backends to register: `'browser'` — webgpu, webgl, wasm, cpu; `'node'` — node, wasm, cpu.
   * Default: `'browser'` in a web page or worker that is not Node (Electron with Node integration and jsdom
   * count as Node), else `'node'`.
   */
  environment?: 'browser' | 'node';
}

/** A web page or web worker, and not Node (jsdom and Electron's Node integration run in Node). */
function inBrowser(): boolean {
  const g = globalThis as {
    process?: { versions?: { node?: string } };
    document?: unknown;
    importScripts?: unknown;
  };
  if (g.process?.versions?.node) return false;
  return typeof g.document === 'object' || typeof g.importScripts === 'function';
}

/**
 * A registry with every first-party plugin: the backends for where it runs — in a browser webgpu (priority 5),
 * webgl (4), wasm (2) and cpu (1); in Node node (3), wasm (2) and cpu (1) — the console logger; CSV (`.csv`) and JSONL (`.jsonl`) file loggers for `logPath`; the `tfjs-layers` and `onnx`
 * exporters; every first-party estimator kind ({@link FIRST_PARTY_KINDS}, so `load()` and `Pipeline.load`
 * open their files). `backend: 'auto'` then takes the best one that loads here.
 */
export function createDefaultRegistry(options: DefaultRegistryOptions = {}): Registry {
  if (
    options.environment !== undefined &&
    options.environment !== 'browser' &&
    options.environment !== 'node'
  ) {
    throw new ValidationError(
      `createDefaultRegistry({ environment }) must be 'browser' or 'node' (or left out to detect it), got ${JSON.stringify(options.environment)}.`,
    );
  }
  const environment = options.environment ?? (inBrowser() ? 'browser' : 'node');
  const registry = new Registry();
  if (environment === 'browser') registry.use(webgpuBackend(options.webgpu)).use(webglBackend(options.webgl));
  else registry.use(nodeBackend());
  registry
    .use(wasmBackend(options.wasm))
    .use(cpuBackend())
    .use(consoleLogger({ verbose: options.console ?? 'auto' }))
    .use(csvLogFile())
    .use(jsonlLogFile())
    .use(tfjsExporter())
    .use(onnxExporter());
  for (const kind of FIRST_PARTY_KINDS) registry.use(kind);
  return registry;
}
