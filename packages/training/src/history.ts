import type { Stage } from '@layerwise/core';

/** One epoch of one stage, as kept in `history`. */
export interface EpochRecord {
  stage: Stage;
  /** 0-based layer during `pretrain`. */
  layer?: number;
  /** 1-based epoch within the stage. */
  epoch: number;
  loss: number;
  valLoss?: number;
  /** `acc`/`valAcc` for classifiers, `valR2` for regressors with validation data. */
  metrics: Record<string, number>;
  /** The learning rate used in this epoch (absent in histories written by 0.1.0). */
  lr?: number;
  seconds: number;
  samplesPerSecond: number;
}

/** One stage (supervised training, pretraining of one layer, fine-tuning). */
export interface StageHistory {
  stage: Stage;
  layer?: number;
  epochs: EpochRecord[];
  /** True when a callback (early stopping…) ended the stage before its last epoch. */
  stoppedEarly: boolean;
  /** 1-based epoch whose weights were kept when early stopping restored the best weights. */
  bestEpoch?: number;
}

/** What `history` holds after `fit`: the backend used and every epoch of every stage. */
export interface TrainingHistory {
  /** tfjs backend the fit ran on. */
  backend: string;
  stages: StageHistory[];
  /** Every epoch of every stage, in order. */
  epochs: EpochRecord[];
}

/** Makes a {@link TrainingHistory} from stages. */
export function makeHistory(backend: string, stages: StageHistory[]): TrainingHistory {
  return { backend, stages, epochs: stages.flatMap((s) => s.epochs) };
}

/** Checks the shape of a history read from a file. */
export function isHistory(x: unknown): x is TrainingHistory {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as TrainingHistory).backend === 'string' &&
    Array.isArray((x as TrainingHistory).stages) &&
    Array.isArray((x as TrainingHistory).epochs)
  );
}

/** scikit-learn's fitted attributes of a training history (camelCase). */
export interface FittedCurves {
  /** Training loss of every epoch, in order (scikit-learn's `loss_curve_`). */
  lossCurve: number[];
  /** Validation score of every epoch when validation data were used, else null (`validation_scores_`). */
  validationScores: number[] | null;
  /** Lowest finite training loss of the last stage (`best_loss_`), null if none. */
  bestLoss: number | null;
  /** Epochs run in total (`n_iter_`). */
  nIter: number;
}

/** The fitted curves of a history; `score` gives an epoch's validation score (undefined = not measured). */
export function fittedCurves(
  history: TrainingHistory | null,
  score: (e: EpochRecord) => number | undefined,
): FittedCurves | null {
  if (!history) return null;
  const epochs = history.epochs;
  const scores = epochs.map(score);
  const last = history.stages.at(-1)?.epochs ?? [];
  const finite = last.map((e) => e.loss).filter((l) => Number.isFinite(l));
  return {
    lossCurve: epochs.map((e) => e.loss),
    validationScores: scores.length > 0 && scores.every((s) => s !== undefined) ? (scores as number[]) : null,
    bestLoss: finite.length > 0 ? Math.min(...finite) : null,
    nIter: epochs.length,
  };
}
