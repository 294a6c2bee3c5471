import { type BackendPlugin, BackendUnavailableError, initTfBackend } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The pure-JavaScript tfjs CPU backend (`@tensorflow/tfjs-backend-cpu`) as a layerwise plugin. It runs
 * anywhere JavaScript runs and is the last resort of `backend: 'auto'` (priority 1).
 *
 * Importing this package does nothing; the tfjs backend is loaded by {@link BackendPlugin.activate}.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { cpuBackend } from '@layerwise/backend-cpu';
 * const registry = new Registry().use(cpuBackend());
 * await registry.activateBackend('cpu');
 * ```
 */
export function cpuBackend(): BackendPlugin {
  return {
    kind: 'backend',
    name: 'cpu',
    priority: 1,
    // Workers (model-selection's nJobs, executor-bullmq) rebuild this plugin from here.
    descriptor: { package: '@layerwise/backend-cpu', factory: 'cpuBackend', module: import.meta.url },
    isAvailable: () => true,
    async activate() {
      try {
        await import('@tensorflow/tfjs-backend-cpu');
      } catch (e) {
        throw new BackendUnavailableError(
          `The cpu backend could not be loaded: ${(e as Error).message}. Install @tensorflow/tfjs-backend-cpu@4.22.0 next to @tensorflow/tfjs-core@4.22.0.`,
          { cause: e },
        );
      }
      await initTfBackend('cpu');
      // layerwise reports its backend choice itself: skip tfjs's "Hi, looks like you are running
      // TensorFlow.js in Node.js…" banner, which the cpu backend prints on its first tensor.
      const backend = tf.findBackend('cpu') as { firstUse?: boolean } | null;
      if (backend && typeof backend.firstUse === 'boolean') backend.firstUse = false;
    },
  };
}
