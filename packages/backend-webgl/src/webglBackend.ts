import {
  type BackendPlugin,
  BackendUnavailableError,
  initTfBackend,
  isModuleNotFound,
  probedAvailability,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link webglBackend}. */
export interface WebglBackendOptions {
  /**
   * tfjs environment flags to set before the backend starts, e.g. `{ WEBGL_PACK: false }` or
   * `{ WEBGL_DELETE_TEXTURE_THRESHOLD: 0 }`. Flags that would make training lossy are refused:
   * `WEBGL_FORCE_F16_TEXTURES: true` throws `BackendUnavailableError` on activation.
   */
  flags?: Record<string, boolean | number>;
  /**
   * Let `backend: 'auto'` take a software-rendered WebGL (SwiftShader, llvmpipe, a renderer named "Software",
   * as on VMs, CI and machines with a blocklisted GPU). Default `false`: there `auto` ranks webgl below wasm
   * (measured: a fit 4.6× slower on SwiftShader than on 2-thread wasm), saying why in its one-line notice.
   * Naming the backend (`backend: 'webgl'`) uses it either way.
   */
  allowSoftware?: boolean;
}

/** Renderer names of software rasterisers (SwiftShader, Mesa's llvmpipe/softpipe, Microsoft Basic Render…). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The unmasked WebGL renderer string of this browser (`WEBGL_debug_renderer_info`), or `undefined`. */
function webglRenderer(): string | undefined {
  try {
    const canvas: HTMLCanvasElement | OffscreenCanvas =
      typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return undefined;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer || undefined;
  } catch {
    return undefined;
  }
}

type Probe =
  | { ok: true; version: number; software?: string }
  | { ok: false; reason: string; error?: unknown; missing?: boolean };

const INSTALL = 'Install @tensorflow/tfjs-backend-webgl@4.22.0 next to @tensorflow/tfjs-core@4.22.0.';

/** True where a canvas can be made: a page (`document`) or a worker with `OffscreenCanvas`. */
function canMakeCanvas(): boolean {
  return (
    (typeof document !== 'undefined' && typeof document.createElement === 'function') ||
    typeof OffscreenCanvas !== 'undefined'
  );
}

/**
 * The tfjs WebGL backend (`@tensorflow/tfjs-backend-webgl`) as a layerwise plugin, priority 4: the GPU of
 * browsers that have WebGL, above wasm (2) and cpu (1), below {@link https://www.w3.org/TR/webgpu/ | WebGPU}
 * (5). It computes in 32-bit floats or not at all: where the GPU can render only to 16-bit float textures
 * (tfjs `WEBGL_RENDER_FLOAT32_CAPABLE` false — some phones and old GPUs), `isAvailable()` is false and
 * `activate()` throws `BackendUnavailableError`, because training with 16-bit values (3 significant digits,
 * nothing below ~6e-5) stalls or diverges.
 *
 * The first call of every op compiles a shader (tens of milliseconds each): the first batches of a fit are
 * much slower than the rest. Importing this package does nothing; the tfjs backend is loaded by `activate()`.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { webglBackend } from '@layerwise/backend-webgl';
 * import { wasmBackend } from '@layerwise/backend-wasm';
 * const registry = new Registry().use(webglBackend()).use(wasmBackend({ wasmPaths: '/wasm/' }));
 * await registry.activateBackend('auto'); // 'webgl' where the page has 32-bit WebGL, else 'wasm' (one warning)
 * ```
 */
export function webglBackend(options: WebglBackendOptions = {}): BackendPlugin {
  const flags = options.flags ?? {};
  if (flags.WEBGL_FORCE_F16_TEXTURES === true) {
    throw new BackendUnavailableError(
      'webglBackend({ flags: { WEBGL_FORCE_F16_TEXTURES: true } }) would train in 16-bit floats, which layerwise refuses (losses stall or diverge). Remove the flag.',
    );
  }
  let probing: Promise<Probe> | undefined;
  const probe = (): Promise<Probe> => {
    probing ??= (async (): Promise<Probe> => {
      if (!canMakeCanvas()) {
        return {
          ok: false,
          reason:
            'WebGL needs a browser (a page with `document`, or a worker with OffscreenCanvas); in Node use nodeBackend(), wasmBackend() or cpuBackend()',
        };
      }
      try {
        await import('@tensorflow/tfjs-backend-webgl');
      } catch (e) {
        return {
          ok: false,
          reason: `@tensorflow/tfjs-backend-webgl could not be loaded (${(e as Error).message}). ${INSTALL}`,
          error: e,
          missing: isModuleNotFound(e),
        };
      }
      try {
        for (const [k, v] of Object.entries(flags)) tf.env().set(k, v);
        const version = tf.env().getNumber('WEBGL_VERSION');
        if (version === 0) {
          return {
            ok: false,
            reason:
              'this browser gives no WebGL context (WebGL disabled, no GPU, or the GPU is blocklisted; see chrome://gpu)',
          };
        }
        if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) {
          return {
            ok: false,
            reason: `WebGL ${version} here renders only to 16-bit float textures (WEBGL_RENDER_FLOAT32_CAPABLE is false): training would lose precision, so webgl is refused; use wasmBackend()`,
          };
        }
        const renderer = webglRenderer();
        const software = renderer !== undefined && SOFTWARE_RENDERER.test(renderer) ? renderer : undefined;
        return software === undefined ? { ok: true, version } : { ok: true, version, software };
      } catch (e) {
        return { ok: false, reason: `probing WebGL failed: ${(e as Error).message}`, error: e };
      }
    })();
    return probing;
  };

  return {
    kind: 'backend',
    name: 'webgl',
    priority: 4,
    // For `auto`: a software renderer is not offered (wasm is faster there) unless allowSoftware; an optional
    // peer that is not installed is skipped without a notice (named, activate() says what to install).
    ...probedAvailability(probe, {
      allowSoftware: options.allowSoftware,
      software: (renderer) =>
        `software-rendered WebGL (${renderer}) is slower than wasm. Name backend 'webgl' or pass webglBackend({ allowSoftware: true }) to use it`,
    }),
    async activate() {
      const p = await probe();
      if (!p.ok) {
        throw new BackendUnavailableError(
          `The webgl backend is not available: ${p.reason}.`,
          p.error === undefined ? undefined : { cause: p.error },
        );
      }
      if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) {
        throw new BackendUnavailableError(
          'The webgl backend would render to 16-bit float textures (WEBGL_RENDER_FLOAT32_ENABLED is false; was WEBGL_FORCE_F16_TEXTURES set?): training would lose precision, so webgl is refused. Unset the flag or use wasmBackend().',
        );
      }
      await initTfBackend('webgl');
      // tfjs-backend-webgl 4.22's floatPrecision() answers 16 exactly when float32 rendering is enabled (its test
      // is inverted), so backend.epsilon() is 1e-4 instead of 1e-7 — the default ε of Adam and RMSprop, which
      // would make training on webgl differ from every other backend. Check 32-bit storage for real (a value
      // below float16's range survives a round trip through a texture) and record it.
      const backend = tf.backend() as tf.KernelBackend & { floatPrecisionValue?: 16 | 32 };
      const tiny = tf.tidy(() => tf.abs(tf.scalar(1e-30)).dataSync()[0]!);
      if (!(tiny > 0)) {
        throw new BackendUnavailableError(
          'The webgl backend does not keep 32-bit floats (1e-30 came back as 0): training would lose precision, so webgl is refused. Use wasmBackend().',
        );
      }
      backend.floatPrecisionValue = 32;
      if (backend.floatPrecision() !== 32) {
        throw new BackendUnavailableError(
          `The webgl backend reports ${backend.floatPrecision()}-bit floats: training would lose precision, so webgl is refused. Use wasmBackend().`,
        );
      }
    },
  };
}
