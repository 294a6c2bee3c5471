/**
 * `@layerwise/backend-wasm` — the tfjs WebAssembly backend as a layerwise plugin, with a training fast path.
 * @packageDocumentation
 */

export {
  FAST_PATH_KERNELS,
  installWasmFastPath,
  installWasmFastSlice,
  installWasmFusedMatMulFix,
  isWasmFastPathInstalled,
  isWasmFastSliceInstalled,
  uninstallWasmFastPath,
} from './fastPath.js';
export { type WasmBackendOptions, wasmBackend } from './wasmBackend.js';
