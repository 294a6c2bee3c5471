import type * as tf from '@tensorflow/tfjs-core';
import { backend } from '@tensorflow/tfjs-core';

/** What this module reads of tfjs-backend-wasm 4.22's internals: its Emscripten heap and where each tensor lives in it. */
interface WasmBackendMemory {
  wasm?: { HEAPF32?: Float32Array };
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
}

/**
 * The wasm plugin's host reader (core's `HostReader`, `BackendPlugin.readInto`): copies a float32 tensor's
 * values straight out of the backend's heap into `out` at `offset` — one copy, no intermediate array — or
 * returns false (another dtype, or data not resident in the heap) so that core reads through `dataSync`.
 * Only called while the wasm backend is the active one.
 */
export function readFromHeap(t: tf.Tensor, out: Float32Array, offset: number): boolean {
  if (t.dtype !== 'float32') return false;
  const b = backend() as unknown as WasmBackendMemory;
  const at = b.dataIdMap?.get(t.dataId)?.memoryOffset;
  const heap = b.wasm?.HEAPF32;
  if (!heap || typeof at !== 'number' || at % 4 !== 0) return false;
  out.set(heap.subarray(at / 4, at / 4 + t.size), offset);
  return true;
}
