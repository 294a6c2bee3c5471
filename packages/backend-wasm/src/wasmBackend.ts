import { type BackendPlugin, BackendUnavailableError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { keepProcessErrorHandling } from './emscriptenListeners.js';
import { installWasmFastPath, installWasmFastSlice, installWasmFusedMatMulFix } from './fastPath.js';

/** Options of {@link wasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Where the `.wasm` files are served from, for bundled browser pages: a URL prefix ending in `/`
   * (`'/static/wasm/'`) or a map from file name to URL (`{ 'tfjs-backend-wasm-simd.wasm': '…' }`).
   * Passed to tfjs's `setWasmPaths`. Not needed in Node, where the files are found inside the npm package.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Install the training fast path (default `true`): matMuls with `transposeA`/`transposeB` — the whole
   * backward pass of a dense layer — transpose explicitly and run the fast plain kernel, several times faster
   * than tfjs-backend-wasm's transposed matMul. Results match within float tolerance.
   */
  fastTraining?: boolean;
  /**
   * Number of threads in browsers with cross-origin isolation (tfjs `setThreadsCount`). tfjs uses a single
   * thread in Node whatever is set here.
   */
  threads?: number;
}

/**
 * The tfjs WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, SIMD) as a layerwise plugin, priority 2,
 * with a fast path for training (see {@link WasmBackendOptions.fastTraining}).
 *
 * Importing this package does nothing; the tfjs backend is loaded by `activate()`.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { wasmBackend } from '@layerwise/backend-wasm';
 * const registry = new Registry().use(wasmBackend());           // Node: finds its .wasm files itself
 * // in a bundled page: wasmBackend({ wasmPaths: '/wasm/' })   // where the .wasm files are served
 * await registry.activateBackend('wasm');
 * ```
 */
export function wasmBackend(options: WasmBackendOptions = {}): BackendPlugin {
  const fastTraining = options.fastTraining ?? true;
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new BackendUnavailableError(
      `wasmBackend({ threads }) must be a positive integer, got ${options.threads}.`,
    );
  }
  return {
    kind: 'backend',
    name: 'wasm',
    priority: 2,
    isAvailable: () => typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function',
    async activate() {
      if (typeof WebAssembly !== 'object') {
        throw new BackendUnavailableError(
          'WebAssembly is not available in this environment: use cpuBackend().',
        );
      }
      let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
      try {
        wasm = await import('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        throw new BackendUnavailableError(
          `The wasm backend could not be loaded: ${(e as Error).message}. Install @tensorflow/tfjs-backend-wasm@4.22.0 next to @tensorflow/tfjs-core@4.22.0.`,
          { cause: e },
        );
      }
      // Node's CJS interop puts the exports on `default` when imported from ESM.
      const api = ((wasm as { default?: unknown }).default ?? wasm) as typeof wasm;
      if (options.wasmPaths !== undefined) api.setWasmPaths(options.wasmPaths);
      if (options.threads !== undefined) api.setThreadsCount(options.threads);
      if (fastTraining) installWasmFastPath();
      else installWasmFusedMatMulFix();
      // Slicing rows must not copy the whole tensor out of the heap (tfjs 4.22 does): always installed.
      installWasmFastSlice();
      let ok = false;
      let cause: unknown;
      // The Emscripten glue's process listeners re-throw every unhandled error: removed once init settles.
      const restoreErrorHandling = keepProcessErrorHandling();
      try {
        ok = await tf.setBackend('wasm');
      } catch (e) {
        cause = e;
      } finally {
        restoreErrorHandling();
      }
      if (!ok) {
        throw new BackendUnavailableError(
          `tfjs could not initialise the wasm backend${cause ? ` (${(cause as Error).message})` : ''}. In a bundled page, serve the .wasm files of @tensorflow/tfjs-backend-wasm (dist/*.wasm) and pass wasmBackend({ wasmPaths: '<url prefix>/' }); make sure exactly one copy of @tensorflow/tfjs-core is installed.`,
          cause === undefined ? undefined : { cause },
        );
      }
      await tf.ready();
    },
  };
}
