import { defineConfig } from 'vite';
import { layerwisePageAssets } from './assets.js';

export default defineConfig({
  // Relative URLs: the built page works from any folder a static server puts it in.
  base: './',
  // Workspace packages resolve to their TypeScript sources (the `source` export condition), so the page
  // builds without building the packages first.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  plugins: [layerwisePageAssets()],
  // Pre-bundle what core and the wasm plugin load lazily, so `vite dev` need not reload on the first visit.
  optimizeDeps: {
    include: ['@tensorflow/tfjs-core/dist/register_all_gradients.js', '@tensorflow/tfjs-backend-wasm'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
