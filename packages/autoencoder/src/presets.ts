import type { StackedAutoencoderParams } from './params.js';

/**
 * Pretraining of the recipe that makes greedy pretraining pay off where labels are few (issue 16; measured in
 * `bench/README.md`, "Quality"): a denoising autoencoder (masking noise 0.5), 10 epochs of greedy pretraining
 * per layer, then 4 epochs of whole-stack fine-tuning, Adam 1e-3, batch 100. Build the classifier with
 * `MLPClassifier.fromEncoder(ae, semiSupervisedFineTuning(epochs))` of `@layerwise/nn`.
 *
 * ```ts
 * const ae = new StackedAutoencoder({ hiddenLayerSizes: [500, 250, 64], ...SEMI_SUPERVISED_PRETRAINING, randomState: 0 });
 * ```
 */
export const SEMI_SUPERVISED_PRETRAINING: Readonly<
  Pick<StackedAutoencoderParams, 'noise' | 'epochs' | 'fineTuneEpochs' | 'batchSize' | 'learningRate'>
> = Object.freeze({ noise: 0.5, epochs: 10, fineTuneEpochs: 4, batchSize: 100, learningRate: 1e-3 });
