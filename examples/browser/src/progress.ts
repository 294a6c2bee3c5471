import type { LoggerPlugin, TrainingEvent } from '@layerwise/core';

/** One epoch's loss as the page records it. */
export interface EpochLoss {
  stage: string;
  layer?: number;
  epoch: number;
  loss: number;
}

/**
 * A layerwise logger plugin that shows training progress on the page: it receives the estimator's
 * training events (core's `LoggerPlugin` contract) and calls `onEvent` with each of them.
 */
export function pageProgressLogger(onEvent: (event: TrainingEvent) => void): LoggerPlugin {
  return { kind: 'logger', name: 'page-progress', handle: onEvent };
}

/** A short line describing a stage, e.g. `pretrain layer 1`. */
export function stageLabel(stage: string, layer?: number): string {
  return layer === undefined ? stage : `${stage} layer ${layer + 1}`;
}
