import { defineConfig } from 'vite';
import { layerwisePageAssets } from './assets.js';

// Cross-origin isolation (`self.crossOriginIsolated`): browsers give SharedArrayBuffer — and so
// tfjs-backend-wasm's multi-threaded binary — only to pages served with these two headers.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  // Relative URLs: the built page works from any folder a static server puts it in.
  base: './',
  // Workspace packages resolve to their TypeScript sources (the `source` export condition), so the page
  // builds without building the packages first.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  plugins: [layerwisePageAssets()],
  // Pre-bundle what core and the wasm plugin load lazily, so `vite dev` need not reload on the first visit.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core/dist/register_all_gradients.js',
      '@tensorflow/tfjs-backend-wasm',
      '@layerwise/backend-webgl > @tensorflow/tfjs-backend-webgl',
      '@layerwise/backend-webgpu > @tensorflow/tfjs-backend-webgpu',
      '@layerwise/backend-cpu > @tensorflow/tfjs-backend-cpu',
    ],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
