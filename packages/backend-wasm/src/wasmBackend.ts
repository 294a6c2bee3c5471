import { type BackendPlugin, BackendUnavailableError, type TrainingAccelerator } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { keepProcessErrorHandling } from './emscriptenListeners.js';
import { wasmTrainingAccelerator } from './FusedDenseTrainer.js';
import {
  installWasmFastGather,
  installWasmFastPath,
  installWasmFastSlice,
  installWasmFusedMatMulFix,
} from './fastPath.js';
import { type FUSED_OPTIMIZER_KERNELS, installWasmFusedOptimizers } from './fusedOptimizers.js';
import { readFromHeap } from './heapRead.js';
import {
  defaultWasmThreads,
  initialisedWasmBackend,
  prepareWasmThreads,
  rememberWasmApi,
  unrefWasmWorkers,
  WASM_MAX_THREADS,
  wasmThreadsCount,
} from './threads.js';
import { disposeKernelPools } from './wasmKernels.js';

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
   * Register the fused optimizer kernels ({@link FUSED_OPTIMIZER_KERNELS}: Adam, SGD and momentum in one
   * JavaScript pass per variable over the wasm heap), which `@layerwise/nn`'s optimizers then use. Default
   * `false`: they halve the kernel calls per training step (~114 → ~60 on the AE step) and give the same
   * results, but a scalar JavaScript loop (~7 ns per element for Adam's divide and square root) did not beat
   * tfjs's ten SIMD element-wise kernels in CPU time in our measurements; enable it to measure on your machine.
   * Ignored with `fastTraining: false`.
   */
  fusedOptimizers?: boolean;
  /**
   * Threads the wasm backend computes with: layerwise's kernels (fused training, `predict`/`transform`) split
   * their GEMMs and element-wise work over a pool of `threads − 1` worker threads beside the calling one (in Node;
   * bit-identical results for any thread count), and tfjs's own kernels use XNNPACK's thread pool. Default: every core this
   * process may use (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser), at
   * most {@link WASM_MAX_THREADS} (8, what tfjs-backend-wasm's threaded binary allows).
   *
   * - `1`: the single-threaded SIMD binary, no workers — the path of earlier versions.
   * - more than 1, in Node: tfjs-backend-wasm's threaded SIMD binary, its pthreads running on `worker_threads`
   *   (tfjs itself refuses threads in Node; the plugin sets them up while `setBackend('wasm')` runs, and
   *   undoes its changes afterwards). The workers do not keep the process alive; `dispose()` ends them (and the
   *   kernels' pool).
   * - more than 1, in a browser: the threaded binary when the page is cross-origin isolated (served with
   *   `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`), else one
   *   thread. `wasmPaths` must then also serve `tfjs-backend-wasm-threaded-simd.wasm`.
   *
   * Takes effect when this plugin initialises the wasm backend (the first activation in the process, or the
   * first after `dispose()`); {@link wasmThreadsCount} says what is in use.
   */
  threads?: number;
  /**
   * Train dense stacks with layerwise's own WebAssembly kernels (default `true`): the plugin then provides a
   * training accelerator (core's `TrainingAccelerator`) with which each minibatch of an MLP or autoencoder
   * stage is one call — forward, backward and optimizer update inside WebAssembly memory, no tensors — using
   * relaxed SIMD where the runtime supports it. Stages it does not cover (a custom forward, RMSprop/Adagrad,
   * streamed data, checkpoints) train on tfjs as before. `false`: always tfjs.
   */
  fusedTraining?: boolean;
}

/** The wasm backend plugin: a {@link BackendPlugin} with a way to release the backend and its workers. */
export interface WasmBackendPlugin extends BackendPlugin {
  readonly name: 'wasm';
  /** The `threads` this plugin asks for (the option, or its default here). */
  readonly threads: number;
  /** The fused dense-training engine (absent with `fusedTraining: false`). */
  readonly accelerator?: TrainingAccelerator;
  /**
   * Removes the tfjs `wasm` backend (tfjs `removeBackend`): frees its heap, with every tensor on it, and ends
   * its pthread workers; the backend stays registered, so a later `activate()` initialises it afresh. Call it
   * when done with the backend (e.g. at the end of a script or a test file).
   */
  dispose(): void;
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
export function wasmBackend(options: WasmBackendOptions = {}): WasmBackendPlugin {
  const fastTraining = options.fastTraining ?? true;
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new BackendUnavailableError(
      `wasmBackend({ threads }) must be a positive integer (1 to ${WASM_MAX_THREADS}; more are capped at ${WASM_MAX_THREADS}), got ${options.threads}.`,
    );
  }
  const threads = Math.min(options.threads ?? defaultWasmThreads(), WASM_MAX_THREADS);
  return {
    kind: 'backend',
    name: 'wasm',
    priority: 2,
    threads,
    // The kernels split their big calls over `threads` threads (the kernel thread pool, see WasmKernels).
    ...(options.fusedTraining === false ? {} : { accelerator: wasmTrainingAccelerator('auto', { threads }) }),
    readInto: readFromHeap,
    // Workers (model-selection's nJobs, executor-bullmq) rebuild this plugin from here.
    descriptor: {
      package: '@layerwise/backend-wasm',
      factory: 'wasmBackend',
      module: import.meta.url,
      options: JSON.parse(JSON.stringify(options)) as Record<string, unknown>,
    },
    dispose() {
      disposeKernelPools();
      const factory = tf.findBackendFactory('wasm');
      if (initialisedWasmBackend() === null || factory === null) return;
      tf.removeBackend('wasm'); // BackendWasm.dispose(): frees the heap, terminates the pthread workers
      tf.registerBackend('wasm', factory, 2);
    },
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
      rememberWasmApi(api);
      if (fastTraining) installWasmFastPath();
      else installWasmFusedMatMulFix();
      installWasmFusedOptimizers(fastTraining && (options.fusedOptimizers ?? false));
      // Slicing rows must not copy the whole tensor out of the heap (tfjs 4.22 does): always installed.
      installWasmFastSlice();
      // Picking a minibatch's rows: one copy per row instead of tfjs's per-element stride loop.
      installWasmFastGather(fastTraining);
      let ok = false;
      let cause: unknown;
      // Thread set-up only when this call initialises the backend; undone as soon as setBackend settles.
      const fresh = initialisedWasmBackend() === null;
      let undo: ((ok: boolean) => void) | undefined;
      // The Emscripten glue's process listeners re-throw every unhandled error: removed once init settles.
      const restoreErrorHandling = keepProcessErrorHandling();
      try {
        if (fresh) undo = prepareWasmThreads(api, threads);
        ok = await tf.setBackend('wasm');
      } catch (e) {
        cause = e;
      } finally {
        undo?.(ok);
        restoreErrorHandling();
      }
      if (ok && fresh) unrefWasmWorkers(initialisedWasmBackend());
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
