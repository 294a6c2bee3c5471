// In Chromium: a browser whose GPU renders only to 16-bit float textures is refused, with the reason, and
// `backend: 'auto'` falls back to wasm with one warning naming it.
import { wasmBackend } from '@layerwise/backend-wasm';
import { BackendUnavailableError, Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { webglBackend } from '../index.js';

export async function run() {
  // Before the WebGL flags are evaluated: what tfjs reports on a GPU without float32 render targets.
  await import('@tensorflow/tfjs-backend-webgl');
  tf.env().set('WEBGL_RENDER_FLOAT32_CAPABLE', false);
  const plugin = webglBackend();
  const available = await plugin.isAvailable();
  const reason = await plugin.unavailableReason?.();
  let error: { name: string; isBackendUnavailable: boolean; message: string } | undefined;
  try {
    await plugin.activate();
  } catch (e) {
    error = {
      name: (e as Error).name,
      isBackendUnavailable: e instanceof BackendUnavailableError,
      message: (e as Error).message,
    };
  }
  const backendAfterRefusal = tf.getBackend();
  const warnings: string[] = [];
  const registry = new Registry()
    .use(webglBackend())
    .use(wasmBackend({ wasmPaths: new URL('/wasm/', location.href).href }));
  const chosen = await registry.activateBackend('auto', { warn: (m) => warnings.push(m) });
  return { available, reason, error, backendAfterRefusal, chosen, warnings };
}
