// Test-only helpers: MNIST through @layerwise/datasets, a WASM backend (the recording logger is testkit's).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

/** The first `limit` MNIST digits of a subset (pixels in [0, 1]): testkit's shared fixture. */
export { type MnistSample as Mnist, mnistSample as loadMnist } from '@layerwise/testkit';

/** Use the WASM backend (~10× the pure-JS CPU backend) to keep the tests fast. */
export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}
