/**
 * Per-epoch speed of a StackedAutoencoder fit (does a stage slow down epoch after epoch?), with tfjs memory
 * and the wasm heap size after the fit.
 *
 *   node --import tsx --conditions=source bench/src/epochs.ts [rows] [threads] [epochs] [layers]
 *   e.g. 20000 1 4 500,250
 */
import { StackedAutoencoder } from '@layerwise/autoencoder';
import * as tf from '@tensorflow/tfjs-core';
import { loadDigits } from './data.js';
import { layerwiseRegistry } from './layerwiseBackends.js';

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const rows = Number(args[0] ?? 20000);
  const threads = Number(args[1] ?? 1);
  const epochs = Number(args[2] ?? 4);
  const layers = (args[3] ?? '500,250').split(',').map(Number);
  const registry = await layerwiseRegistry('wasm', threads);
  const x = await loadDigits('train', rows);
  const ae = new StackedAutoencoder(
    {
      hiddenLayerSizes: layers,
      epochs,
      fineTuneEpochs: Number(args[4] ?? 0),
      batchSize: 100,
      randomState: 0,
      backend: 'wasm',
      verbose: false,
    },
    { registry },
  );
  await ae.fit({ data: x.data, shape: x.shape });
  for (const e of ae.history?.epochs ?? []) {
    console.log(
      `${e.stage} ${e.layer ?? ''} epoch ${e.epoch}: ${e.seconds.toFixed(2)} s ${Math.round(e.samplesPerSecond)} samples/s loss ${e.loss.toFixed(4)}`,
    );
  }
  const mem = tf.memory();
  console.log(`tensors ${mem.numTensors} bytes ${mem.numBytes}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
