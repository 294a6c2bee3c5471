/** The stages of training: greedy `pretrain` of layer k, end-to-end `finetune`, or supervised `train`. */
export type Stage = 'pretrain' | 'finetune' | 'train';

/** Sent once when `fit` starts, after validation and backend activation. */
export interface FitStartEvent {
  type: 'fitStart';
  estimator: string;
  /** The tfjs backend training runs on (`wasm`, `cpu`, `tensorflow`…). */
  backend: string;
  /** Training rows per epoch; 0 for a one-shot data source (its rows are not known before its pass). */
  samples: number;
  features: number;
  params: Record<string, unknown>;
  /** The estimator's `verbose` flag: console loggers in `'auto'` mode print only when it is true. */
  verbose: boolean;
  time: number;
}

/** Sent when a stage (or one layer's pretraining) starts. */
export interface StageStartEvent {
  type: 'stageStart';
  stage: Stage;
  /** 0-based layer index during `pretrain`. */
  layer?: number;
  epochs: number;
  /** Minibatches per epoch; 0 when not known ahead (a one-shot data source). */
  batchesPerEpoch: number;
  /** Training rows per epoch; 0 when not known ahead (a one-shot data source). */
  samples: number;
  time: number;
}

/** Sent after every epoch. */
export interface EpochEndEvent {
  type: 'epochEnd';
  stage: Stage;
  layer?: number;
  /** 1-based epoch number within the stage. */
  epoch: number;
  epochs: number;
  loss: number;
  valLoss?: number;
  /** Training / validation metrics, e.g. `{ acc, valAcc }` for classifiers. */
  metrics: Record<string, number>;
  seconds: number;
  samplesPerSecond: number;
  /** The learning rate used in this epoch. */
  lr?: number;
  time: number;
}

/** Sent after some batches (throttled: at most a few per second). */
export interface BatchEndEvent {
  type: 'batchEnd';
  stage: Stage;
  layer?: number;
  epoch: number;
  epochs: number;
  /** 1-based batch number within the epoch. */
  batch: number;
  batches: number;
  /** Running mean training loss of the epoch's batches so far. */
  loss?: number;
  /** The learning rate in use. */
  lr?: number;
  time: number;
}

/** Sent when a stage ends. */
export interface StageEndEvent {
  type: 'stageEnd';
  stage: Stage;
  layer?: number;
  epochsRun: number;
  stoppedEarly: boolean;
  bestEpoch?: number;
  seconds: number;
  time: number;
}

/** Sent once when `fit` ends. */
export interface FitEndEvent {
  type: 'fitEnd';
  estimator: string;
  seconds: number;
  time: number;
}

/** Any training event. Loggers receive them in order; they never change training. */
export type TrainingEvent =
  | FitStartEvent
  | StageStartEvent
  | EpochEndEvent
  | BatchEndEvent
  | StageEndEvent
  | FitEndEvent;
