/**
 * `@layerwise/backend-wasm` — the tfjs WebAssembly backend as a layerwise plugin, with a training fast path.
 * @packageDocumentation
 */

export { FusedDenseTrainer, fusedDeclineReason, wasmTrainingAccelerator } from './FusedDenseTrainer.js';
export {
  FAST_PATH_KERNELS,
  installWasmFastGather,
  installWasmFastPath,
  installWasmFastSlice,
  installWasmFusedMatMulFix,
  isWasmFastGatherInstalled,
  isWasmFastPathInstalled,
  isWasmFastSliceInstalled,
  uninstallWasmFastPath,
} from './fastPath.js';
export {
  FUSED_OPTIMIZER_KERNELS,
  installWasmFusedOptimizers,
  isWasmFusedOptimizersInstalled,
} from './fusedOptimizers.js';
export {
  availableCores,
  defaultWasmThreads,
  initialisedWasmBackend,
  WASM_MAX_THREADS,
  wasmThreadsCount,
} from './threads.js';
export { type WasmBackendOptions, type WasmBackendPlugin, wasmBackend } from './wasmBackend.js';
export {
  compileKernels,
  disposeKernelPools,
  type KernelExports,
  type KernelFlavor,
  kernelModuleBytes,
  kernelPoolWorkerParts,
  kernelPoolWorkers,
  relaxedSimdSupported,
  WasmKernels,
} from './wasmKernels.js';
