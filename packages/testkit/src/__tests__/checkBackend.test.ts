import type { BackendPlugin } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBackend } from '../index.js';

// The suite run against the plain tfjs cpu backend, wrapped as a plugin here so that testkit does not
// depend on @layerwise/backend-cpu (which depends on testkit for its own tests).
const plainCpu = (): BackendPlugin => ({
  kind: 'backend',
  name: 'tfjs-cpu',
  priority: 1,
  isAvailable: () => true,
  async activate() {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
  },
});

checkBackend(plainCpu);
checkBackend(plainCpu, { skip: 'shows how a suite is reported skipped, with its reason' });
