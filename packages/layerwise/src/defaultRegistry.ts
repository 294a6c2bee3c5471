import { cpuBackend } from '@layerwise/backend-cpu';
import { nodeBackend } from '@layerwise/backend-node';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry } from '@layerwise/core';
import { onnxExporter } from '@layerwise/exporter-onnx';
import { tfjsExporter } from '@layerwise/exporter-tfjs';
import { consoleLogger } from '@layerwise/logger-console';
import { csvLogFile } from '@layerwise/logger-csv';
import { jsonlLogFile } from '@layerwise/logger-jsonl';

/** Options of {@link createDefaultRegistry}. */
export interface DefaultRegistryOptions {
  /**
   * Console output: `'auto'` (default) prints when an estimator has `verbose: true`; `false` never;
   * `true` always.
   */
  console?: boolean | 'auto';
  /** Passed to `wasmBackend()` (e.g. `wasmPaths` for bundled pages). */
  wasm?: Parameters<typeof wasmBackend>[0];
}

/**
 * A registry with every first-party plugin: backends node (priority 3), wasm (2) and cpu (1); the console
 * logger; CSV (`.csv`) and JSONL (`.jsonl`) file loggers for `logPath`; the `tfjs-layers` and `onnx`
 * exporters. `backend: 'auto'` then takes the best one that loads here.
 */
export function createDefaultRegistry(options: DefaultRegistryOptions = {}): Registry {
  return new Registry()
    .use(nodeBackend())
    .use(wasmBackend(options.wasm))
    .use(cpuBackend())
    .use(consoleLogger({ verbose: options.console ?? 'auto' }))
    .use(csvLogFile())
    .use(jsonlLogFile())
    .use(tfjsExporter())
    .use(onnxExporter());
}
