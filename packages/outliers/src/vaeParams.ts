import type { ParamSpec } from '@layerwise/core';
import {
  type HiddenActivation,
  LAYER_STACK_SPEC,
  TRAINING_DEFAULTS,
  TRAINING_SPEC,
  type TrainingParams,
} from '@layerwise/training';

/**
 * What `scoreSamples` measures: `'mse'` (−the mean squared error of the row's reconstruction at z = μ),
 * `'reconstruction'` (log p(x | z = μ), the decoder's likelihood of the row at its code's mean), `'elbo'` (the
 * evidence lower bound) or `'iwae'` (the importance-weighted bound).
 */
export const VAE_SCORE_METHODS = ['mse', 'reconstruction', 'elbo', 'iwae'] as const;

/** Likelihoods p(x | z) a {@link VariationalAutoencoderParams} may use. */
export const VAE_LIKELIHOODS = ['bernoulli', 'gaussian'] as const;

/** Hyper-parameters of `VariationalAutoencoder` (the shared training ones: `TrainingParams` of `@layerwise/training`). */
export interface VariationalAutoencoderParams extends TrainingParams {
  /** Units of each encoder hidden layer; the decoder mirrors them. Default `[400]` (Kingma & Welling's MNIST VAE). */
  hiddenLayerSizes: number[];
  /** Size of the latent code z. Default 20. */
  latentDim: number;
  /** Activation of the hidden layers. Default `'relu'`. */
  activation: HiddenActivation;
  /**
   * p(x | z): `'bernoulli'` (binary cross-entropy on logits; data in [0, 1], e.g. pixels) or `'gaussian'`
   * (unit variance: half the squared error plus a constant; unbounded data, e.g. standardised columns).
   * Default `'bernoulli'`.
   */
  likelihood: (typeof VAE_LIKELIHOODS)[number];
  /** Weight of the KL term (β-VAE, Higgins et al. 2017); 1 is the plain ELBO. Default 1. */
  beta: number;
  /** KL warm-up: β grows linearly from β/klWarmup to β over the first `klWarmup` epochs (0 = off). Default 0. */
  klWarmup: number;
  /** Epochs of training. Default 20. */
  epochs: number;
  /** Minibatch size (capped at the sample count). Default 100. */
  batchSize: number;
  /** Samples of z per row in `scoreSamples` / `score` with the ELBO or IWAE (more = less noisy). Default 10. */
  scoreSamples: number;
  /**
   * What `scoreSamples` returns per row unless told otherwise (`score`, the model-selection criterion, stays
   * the mean ELBO): `'mse'`, minus the mean squared error between the row and its reconstruction (the decoder's
   * mean at z = μ) — the measure `StackedAutoencoder.scoreSamples` uses and PyOD's VAE scores by, deterministic,
   * one decoder pass; `'reconstruction'`, log p(x | z = μ), the decoder's log-likelihood of the row at the mean
   * of its code; `'elbo'`; or `'iwae'`. Default `'mse'`: it ranked outliers best on one-class MNIST (mean ROC
   * AUC over 10 digits × 3 seeds, see the package README): the ELBO's KL term rewards rows with simple codes,
   * and a Bernoulli likelihood of grey pixels penalises rows by their own grey-level entropy.
   */
  scoreMethod: (typeof VAE_SCORE_METHODS)[number];
  /** Rows a streamed fit (`fit(source)`) shuffles batches in when `shuffle` is on. Default 1000. */
  shuffleBuffer: number;
}

/** Default hyper-parameters. */
export const VAE_DEFAULTS: VariationalAutoencoderParams = {
  ...TRAINING_DEFAULTS,
  hiddenLayerSizes: [400],
  latentDim: 20,
  activation: 'relu',
  likelihood: 'bernoulli',
  beta: 1,
  klWarmup: 0,
  epochs: 20,
  batchSize: 100,
  scoreSamples: 10,
  scoreMethod: 'mse',
  shuffleBuffer: 1000,
};

/** Validation rules of {@link VariationalAutoencoderParams}. */
export const VAE_SPEC: ParamSpec<VariationalAutoencoderParams> = {
  ...TRAINING_SPEC,
  hiddenLayerSizes: { type: 'intArray', min: 1 },
  latentDim: { type: 'int', min: 1 },
  activation: LAYER_STACK_SPEC.activation,
  likelihood: { type: 'enum', values: VAE_LIKELIHOODS },
  beta: { type: 'number', min: 0 },
  klWarmup: { type: 'int', min: 0 },
  epochs: { type: 'int', min: 1 },
  batchSize: LAYER_STACK_SPEC.batchSize,
  scoreSamples: { type: 'int', min: 1, max: 10000 },
  scoreMethod: { type: 'enum', values: VAE_SCORE_METHODS },
  shuffleBuffer: { type: 'int', min: 0 },
};

/** Params as stored in model files and checkpoints (no callbacks). */
export function storableVaeParams(p: VariationalAutoencoderParams): Record<string, unknown> {
  const { callbacks: _callbacks, ...rest } = p;
  return {
    ...rest,
    hiddenLayerSizes: [...p.hiddenLayerSizes],
    checkpoint: p.checkpoint ? { ...p.checkpoint } : null,
  };
}
