/** The layerwise contender: `StackedAutoencoder` from `@layerwise/autoencoder`, as users call it. */
import { StackedAutoencoder } from '@layerwise/autoencoder';
import type { Registry } from '@layerwise/core';
import { streamIdx } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import type { Matrix } from './data.js';
import { STEP } from './spec.js';
import type { Encoder } from './tfjsContenders.js';
import type { LayerwiseSide } from './tfjsImpl.js';

/**
 * The layerwise side of a worker. Estimators have no `dispose()`; a second `fit` frees the first one's
 * weights, so each kind of run reuses one estimator (no weights pile up across rounds).
 */
export function layerwiseSide(registry: Registry): LayerwiseSide {
  const backend = tf.getBackend();
  const common = {
    batchSize: STEP.batchSize,
    learningRate: STEP.learningRate,
    optimizer: 'adam' as const,
    activation: 'relu' as const,
    fineTuneEpochs: 0,
    epochs: 1,
    shuffle: true,
    verbose: false,
    backend,
  };
  let stepAe: StackedAutoencoder | undefined;
  let pretrainAe: StackedAutoencoder | undefined;
  return {
    async aeEpoch(x: Matrix, hidden: number, seed: number) {
      stepAe ??= new StackedAutoencoder({ ...common, hiddenLayerSizes: [hidden] }, { registry });
      stepAe.setParams({ randomState: seed });
      await stepAe.fit({ data: x.data, shape: x.shape });
      return stepAe.history?.epochs.at(-1)?.loss ?? Number.NaN;
    },
    async encoder(fitOn: Matrix, layers: readonly number[], seed: number): Promise<Encoder> {
      const ae = new StackedAutoencoder(
        { ...common, hiddenLayerSizes: [...layers], randomState: seed },
        { registry },
      );
      await ae.fit({ data: fitOn.data, shape: fitOn.shape });
      return {
        async forward(x) {
          const out = (await ae.transform({ data: x.data, shape: x.shape })) as { data: Float32Array };
          return out.data;
        },
        dispose() {},
      };
    },
    async pretrain(x: Matrix, layers: readonly number[], seed: number) {
      pretrainAe ??= new StackedAutoencoder({ ...common, hiddenLayerSizes: [...layers] }, { registry });
      pretrainAe.setParams({ randomState: seed });
      await pretrainAe.fit({ data: x.data, shape: x.shape });
      const detail: Record<string, number> = {};
      for (const s of pretrainAe.history?.stages ?? []) {
        detail[`layer${(s.layer ?? 0) + 1}Seconds`] = s.epochs.reduce((a, e) => a + e.seconds, 0);
      }
      return { loss: pretrainAe.history?.epochs.at(-1)?.loss ?? Number.NaN, detail };
    },
    async pretrainStream(idx: string, rows: number, layers: readonly number[], seed: number) {
      const ae = new StackedAutoencoder(
        { ...common, hiddenLayerSizes: [...layers], randomState: seed },
        { registry },
      );
      await ae.fit(streamIdx(idx, { batchSize: 1000, limit: rows }));
      const detail: Record<string, number> = {};
      for (const s of ae.history?.stages ?? []) {
        detail[`layer${(s.layer ?? 0) + 1}Seconds`] = s.epochs.reduce((a, e) => a + e.seconds, 0);
      }
      const loss = ae.history?.epochs.at(-1)?.loss ?? Number.NaN;
      ae.dispose();
      return { loss, detail };
    },
  };
}
