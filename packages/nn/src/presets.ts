import { ValidationError } from '@layerwise/core';
import { cosineDecay, learningRateScheduler } from '@layerwise/training';
import type { MLPClassifierParams } from './MLPClassifier.js';

/**
 * Classifier params of the recipe that makes greedy pretraining pay off where labels are few (issue 16;
 * measured in `bench/README.md`, "Quality"): the network built by `MLPClassifier.fromEncoder` trains with
 * Adam at learning rate 2e-3 decayed to 0 over the fit by a cosine schedule, batch 32, dropout 0.2; for the
 * first quarter of the epochs (`freezeEncoder: ceil(epochs / 4)`) only the new output layer trains, then the
 * whole network. Pair it with the autoencoder side, `SEMI_SUPERVISED_PRETRAINING` of `@layerwise/autoencoder`
 * (masking noise 0.5, 10 epochs per layer, whole-stack fine-tuning). `freezeEncoder` needs an encoder: for a
 * classifier from random weights, leave it out. Spread the result and override what you like:
 *
 * ```ts
 * const ae = new StackedAutoencoder({ hiddenLayerSizes: [500, 250, 64], ...SEMI_SUPERVISED_PRETRAINING });
 * await ae.fit(unlabelled);
 * const clf = MLPClassifier.fromEncoder(ae, { ...semiSupervisedFineTuning(20), randomState: 0 });
 * await clf.fit(Xfew, yFew);
 * ```
 *
 * @param epochs classifier epochs (the cosine schedule spans them): e.g. 200 for 100 labels, 20 for 1 000,
 *   10 for 5 000 on MNIST
 * @returns `{ epochs, learningRate, batchSize, dropout, freezeEncoder, callbacks }` — a fresh callback list on
 *   every call
 */
export function semiSupervisedFineTuning(
  epochs: number,
): Pick<
  MLPClassifierParams,
  'epochs' | 'learningRate' | 'batchSize' | 'dropout' | 'freezeEncoder' | 'callbacks'
> & { freezeEncoder: number } {
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new ValidationError(
      `semiSupervisedFineTuning: epochs must be an integer ≥ 1, got ${String(epochs)}.`,
    );
  }
  return {
    epochs,
    learningRate: 2e-3,
    batchSize: 32,
    dropout: 0.2,
    freezeEncoder: Math.ceil(epochs / 4),
    callbacks: [learningRateScheduler(cosineDecay({ decayEpochs: epochs }))],
  };
}
