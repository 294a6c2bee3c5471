import type { EpochEndEvent, TrainingEvent } from '@layerwise/core';

const T = Date.UTC(2026, 0, 2, 3, 4, 5);

/**
 * An `epochEnd` event (train stage, epoch 1 of 3, loss 0.5, no metrics, 0.25 s, 4000 samples/s, at
 * 2026-01-02T03:04:05Z), with `partial` laid over it.
 */
export function sampleEpochEnd(partial: Partial<EpochEndEvent> = {}): EpochEndEvent {
  return {
    type: 'epochEnd',
    stage: 'train',
    epoch: 1,
    epochs: 3,
    loss: 0.5,
    metrics: {},
    seconds: 0.25,
    samplesPerSecond: 4000,
    time: T,
    ...partial,
  };
}

/**
 * A small, plausible fit of a StackedAutoencoder, all at one fixed time: fit start, one pretraining layer
 * of 2 epochs (with a batch event), fine-tuning of 1 epoch with validation loss and metrics, fit end. Fixed
 * values, so tests can assert exactly what a logger writes; {@link cannedEvents} is the exhaustive one.
 */
export function sampleTrainingEvents(): TrainingEvent[] {
  return [
    {
      type: 'fitStart',
      estimator: 'StackedAutoencoder',
      backend: 'cpu',
      samples: 100,
      features: 4,
      params: {},
      verbose: false,
      time: T,
    },
    { type: 'stageStart', stage: 'pretrain', layer: 0, epochs: 2, batchesPerEpoch: 4, samples: 100, time: T },
    {
      type: 'batchEnd',
      stage: 'pretrain',
      layer: 0,
      epoch: 1,
      epochs: 2,
      batch: 2,
      batches: 4,
      loss: 0.9,
      time: T,
    },
    sampleEpochEnd({ stage: 'pretrain', layer: 0, epoch: 1, epochs: 2, loss: 0.8 }),
    sampleEpochEnd({ stage: 'pretrain', layer: 0, epoch: 2, epochs: 2, loss: 0.6 }),
    {
      type: 'stageEnd',
      stage: 'pretrain',
      layer: 0,
      epochsRun: 2,
      stoppedEarly: false,
      seconds: 0.5,
      time: T,
    },
    { type: 'stageStart', stage: 'finetune', epochs: 1, batchesPerEpoch: 4, samples: 100, time: T },
    sampleEpochEnd({
      stage: 'finetune',
      epoch: 1,
      epochs: 1,
      loss: 0.4,
      valLoss: 0.45,
      metrics: { acc: 0.9, valAcc: 0.85 },
    }),
    { type: 'stageEnd', stage: 'finetune', epochsRun: 1, stoppedEarly: false, seconds: 0.25, time: T },
    { type: 'fitEnd', estimator: 'StackedAutoencoder', seconds: 0.75, time: T },
  ];
}
