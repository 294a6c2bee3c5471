import type { EpochEndEvent, TrainingEvent } from '@layerwise/core';

/** A plausible event stream: fit start, `stages` of `epochs` epochs each, fit end. */
export function epochEnd(partial: Partial<EpochEndEvent> = {}): EpochEndEvent {
  return {
    type: 'epochEnd',
    stage: 'train',
    epoch: 1,
    epochs: 3,
    loss: 0.5,
    metrics: {},
    seconds: 0.25,
    samplesPerSecond: 4000,
    time: Date.UTC(2026, 0, 2, 3, 4, 5),
    ...partial,
  };
}

export function fitEvents(): TrainingEvent[] {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5);
  return [
    {
      type: 'fitStart',
      estimator: 'StackedAutoencoder',
      backend: 'cpu',
      samples: 100,
      features: 4,
      params: {},
      verbose: false,
      time: t,
    },
    { type: 'stageStart', stage: 'pretrain', layer: 0, epochs: 2, batchesPerEpoch: 4, samples: 100, time: t },
    {
      type: 'batchEnd',
      stage: 'pretrain',
      layer: 0,
      epoch: 1,
      epochs: 2,
      batch: 2,
      batches: 4,
      loss: 0.9,
      time: t,
    },
    epochEnd({ stage: 'pretrain', layer: 0, epoch: 1, epochs: 2, loss: 0.8 }),
    epochEnd({ stage: 'pretrain', layer: 0, epoch: 2, epochs: 2, loss: 0.6 }),
    {
      type: 'stageEnd',
      stage: 'pretrain',
      layer: 0,
      epochsRun: 2,
      stoppedEarly: false,
      seconds: 0.5,
      time: t,
    },
    { type: 'stageStart', stage: 'finetune', epochs: 1, batchesPerEpoch: 4, samples: 100, time: t },
    epochEnd({
      stage: 'finetune',
      epoch: 1,
      epochs: 1,
      loss: 0.4,
      valLoss: 0.45,
      metrics: { acc: 0.9, valAcc: 0.85 },
    }),
    { type: 'stageEnd', stage: 'finetune', epochsRun: 1, stoppedEarly: false, seconds: 0.25, time: t },
    { type: 'fitEnd', estimator: 'StackedAutoencoder', seconds: 0.75, time: t },
  ];
}
