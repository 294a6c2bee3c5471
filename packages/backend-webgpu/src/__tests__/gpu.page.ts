// In Chromium: what this browser's WebGPU gives, whether webgpuBackend() activates (and if not, why), whether
// the GPU computes right when read asynchronously, and what `backend: 'auto'` picks.
import { wasmBackend } from '@layerwise/backend-wasm';
import { webglBackend } from '@layerwise/backend-webgl';
import { Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from '../index.js';

type Adapter = { info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } };

export async function run() {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  // The same product read asynchronously on the webgpu backend, against the cpu backend.
  let asyncMatMulMaxError: number | undefined;
  // First, before the plugin's synchronous-read check (after a failed canvas read the device is lost).
  if (adapter) {
    await import('@tensorflow/tfjs-backend-webgpu');
    const a = Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i));
    const b = Array.from({ length: 48 * 40 }, (_, i) => Math.cos(i));
    const product = async () => {
      const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, [64, 48]), tf.tensor2d(b, [48, 40])));
      const v = (await out.data()) as Float32Array;
      tf.dispose(out);
      return v;
    };
    await tf.setBackend('webgpu');
    const onGpu = await product();
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    const onCpu = await product();
    asyncMatMulMaxError = onGpu.reduce((m, v, i) => Math.max(m, Math.abs(v - onCpu[i]!)), 0);
  }
  // What auto sees (a software adapter ranks below wasm), then the plugin as when named (software allowed).
  const strict = webgpuBackend();
  const softwareReason = (await strict.isAvailable()) ? undefined : await strict.unavailableReason?.();
  const plugin = webgpuBackend({ allowSoftware: true });
  const available = await plugin.isAvailable();
  const reason = await plugin.unavailableReason?.();
  let activateError: string | undefined;
  const before = tf.getBackend();
  try {
    await plugin.activate();
  } catch (e) {
    activateError = `${(e as Error).name}: ${(e as Error).message}`;
  }
  const afterActivate = tf.getBackend();
  const warnings: string[] = [];
  const registry = new Registry()
    .use(webgpuBackend())
    .use(webglBackend())
    .use(wasmBackend({ wasmPaths: new URL('/wasm/', location.href).href }));
  const chosen = await registry.activateBackend('auto', { warn: (m) => warnings.push(m) });
  return {
    hasNavigatorGpu: gpu !== undefined,
    adapter: adapter
      ? {
          vendor: adapter.info?.vendor,
          architecture: adapter.info?.architecture,
          fallback: adapter.info?.isFallbackAdapter,
        }
      : null,
    available,
    softwareReason,
    reason,
    activateError,
    before,
    afterActivate,
    asyncMatMulMaxError,
    chosen,
    warnings,
  };
}
