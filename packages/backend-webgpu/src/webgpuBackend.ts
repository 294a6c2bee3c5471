import {
  type BackendPlugin,
  BackendUnavailableError,
  initTfBackend,
  isModuleNotFound,
  probedAvailability,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link webgpuBackend}. */
export interface WebgpuBackendOptions {
  /**
   * Which GPU to ask the browser for where there are several (`navigator.gpu.requestAdapter({ powerPreference })`,
   * tfjs flag `WEBGPU_USE_LOW_POWER_GPU`). Default `'high-performance'`.
   */
  powerPreference?: 'high-performance' | 'low-power';
  /**
   * Let `backend: 'auto'` take a software WebGPU adapter: the browser's fallback adapter
   * (`isFallbackAdapter`, e.g. SwiftShader in headless Chromium, on VMs and CI) or one whose description names a
   * software renderer (SwiftShader, llvmpipe, lavapipe, "Software", Microsoft Basic Render). Default `false`:
   * there `auto` ranks webgpu below wasm, saying why in its one-line notice, as `webglBackend` does for
   * software WebGL. Naming the backend (`backend: 'webgpu'`) uses it either way.
   */
  allowSoftware?: boolean;
}

type Probe =
  | { ok: true; software?: string }
  | { ok: false; reason: string; error?: unknown; missing?: boolean };

/** What a `GPUAdapter` tells about itself (`info` in current browsers, `requestAdapterInfo()` in older ones). */
interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: AdapterInfoLike;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface NavigatorGpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<unknown>;
}

/** Adapter descriptions of software implementations (SwiftShader, Mesa's llvmpipe/lavapipe, WARP…). */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/**
 * The name of a software adapter (its description, or `fallback adapter`), or `undefined` for a hardware one.
 */
export async function softwareAdapter(adapter: unknown): Promise<string | undefined> {
  const a = adapter as AdapterLike;
  let info: AdapterInfoLike | undefined = a.info;
  if (!info && typeof a.requestAdapterInfo === 'function') {
    try {
      info = await a.requestAdapterInfo();
    } catch {
      info = undefined;
    }
  }
  const text = [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .join(' ');
  if (SOFTWARE_ADAPTER.test(text)) return text;
  if (a.isFallbackAdapter === true || info?.isFallbackAdapter === true) {
    return text ? `fallback adapter, ${text}` : 'fallback adapter';
  }
  return undefined;
}

/**
 * A 32×32 matMul on the GPU read back synchronously. tfjs-backend-webgpu's `dataSync()` copies the buffer
 * through an OffscreenCanvas; where that path is broken (SwiftShader's fallback adapter in headless Chromium
 * returns zeros, while `await data()` is right), say so. Undefined when the values are right.
 */
function checkSyncReadback(): string | undefined {
  const n = 32;
  const values = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 11) * 0.25 - 1);
  const want = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++) want[i * n + j]! += values[i * n + k]! * values[k * n + j]!;
  let got: Float32Array;
  try {
    got = tf.tidy(() => {
      const a = tf.tensor2d(values, [n, n]);
      return tf.matMul(a, a).dataSync() as Float32Array;
    });
  } catch (e) {
    return `synchronous reads from this WebGPU device fail (${(e as Error).message})`;
  }
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)))) {
      return `synchronous reads from this WebGPU device give wrong values (a test matMul read with dataSync() gave ${got[i]} where ${want[i]} is right)`;
    }
  }
  return undefined;
}

/**
 * The tfjs WebGPU backend (`@tensorflow/tfjs-backend-webgpu`) as a layerwise plugin, priority 5: the first
 * choice of `backend: 'auto'` in browsers whose `navigator.gpu` gives an adapter (Chrome/Edge 113+ with a
 * supported GPU; not in Node). Computes in 32-bit floats (storage buffers), like wasm and cpu.
 *
 * Where there is no `navigator.gpu`, or `requestAdapter()` returns null (no usable GPU, WebGPU disabled or
 * blocklisted), `isAvailable()` is false with the reason and `activate()` throws `BackendUnavailableError`.
 * `activate()` also checks that synchronous reads (`dataSync`, which layerwise uses) return the right values,
 * and refuses otherwise (restoring the previous tfjs backend): in headless Chromium on SwiftShader's fallback
 * adapter they return zeros. The first call of every op compiles a compute shader: the first batches of a fit
 * are much slower.
 * A software adapter (the browser's fallback adapter, SwiftShader, llvmpipe…) ranks below wasm for `auto`
 * (see {@link WebgpuBackendOptions.allowSoftware}); the notice names it.
 * Importing this package does nothing; the tfjs backend is loaded by `activate()`.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { webgpuBackend } from '@layerwise/backend-webgpu';
 * import { webglBackend } from '@layerwise/backend-webgl';
 * const registry = new Registry().use(webgpuBackend()).use(webglBackend());
 * await registry.activateBackend('auto'); // 'webgpu' where the browser has it, else 'webgl'
 * ```
 */
export function webgpuBackend(options: WebgpuBackendOptions = {}): BackendPlugin {
  const powerPreference = options.powerPreference ?? 'high-performance';
  if (powerPreference !== 'high-performance' && powerPreference !== 'low-power') {
    throw new BackendUnavailableError(
      `webgpuBackend({ powerPreference }) must be 'high-performance' or 'low-power', got ${JSON.stringify(powerPreference)}.`,
    );
  }
  let probing: Promise<Probe> | undefined;
  const probe = (): Promise<Probe> => {
    probing ??= (async (): Promise<Probe> => {
      let software: string | undefined;
      const gpu = (globalThis as { navigator?: { gpu?: NavigatorGpu } }).navigator?.gpu;
      if (!gpu || typeof gpu.requestAdapter !== 'function') {
        return {
          ok: false,
          reason:
            typeof document === 'undefined' && typeof navigator === 'undefined'
              ? 'WebGPU needs a browser (navigator.gpu); in Node use nodeBackend(), wasmBackend() or cpuBackend()'
              : 'this browser has no WebGPU (navigator.gpu is missing: WebGPU needs a secure context — https or localhost — and Chrome/Edge 113+, or a flag elsewhere)',
        };
      }
      try {
        const adapter = await gpu.requestAdapter({ powerPreference });
        if (!adapter) {
          return {
            ok: false,
            reason:
              'navigator.gpu.requestAdapter() returned null: no usable GPU, or WebGPU is disabled or blocklisted here (see chrome://gpu)',
          };
        }
        software = await softwareAdapter(adapter);
      } catch (e) {
        return {
          ok: false,
          reason: `navigator.gpu.requestAdapter() failed: ${(e as Error).message}`,
          error: e,
        };
      }
      try {
        await import('@tensorflow/tfjs-backend-webgpu');
      } catch (e) {
        return {
          ok: false,
          reason: `@tensorflow/tfjs-backend-webgpu could not be loaded (${(e as Error).message}). Install @tensorflow/tfjs-backend-webgpu@4.22.0 next to @tensorflow/tfjs-core@4.22.0`,
          error: e,
          missing: isModuleNotFound(e),
        };
      }
      return software === undefined ? { ok: true } : { ok: true, software };
    })();
    return probing;
  };

  return {
    kind: 'backend',
    name: 'webgpu',
    priority: 5,
    // For `auto`: a software renderer is not offered (wasm is faster there) unless allowSoftware; an optional
    // peer that is not installed is skipped without a notice (named, activate() says what to install).
    ...probedAvailability(probe, {
      allowSoftware: options.allowSoftware,
      software: (renderer) =>
        `software WebGPU adapter (${renderer}) is slower than wasm. Name backend 'webgpu' or pass webgpuBackend({ allowSoftware: true }) to use it`,
    }),
    async activate() {
      const p = await probe();
      if (!p.ok) {
        throw new BackendUnavailableError(
          `The webgpu backend is not available: ${p.reason}.`,
          p.error === undefined ? undefined : { cause: p.error },
        );
      }
      tf.env().set('WEBGPU_USE_LOW_POWER_GPU', powerPreference === 'low-power');
      const previous = tf.getBackend();
      await initTfBackend('webgpu');
      const bad = checkSyncReadback();
      if (bad) {
        if (previous && previous !== 'webgpu') await tf.setBackend(previous);
        throw new BackendUnavailableError(
          `The webgpu backend is refused here: ${bad}. layerwise reads results synchronously (dataSync), so training and predictions would be wrong; the next backend (webgl, wasm) is used instead.`,
        );
      }
    },
  };
}
