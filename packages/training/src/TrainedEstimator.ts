import { BaseEstimator, historyDisplay, withJupyterDisplay } from '@layerwise/core';
import { type EpochRecord, type FittedCurves, fittedCurves, type TrainingHistory } from './history.js';

/**
 * Base class of the estimators trained by the one run: the feature count and training history of the last
 * fit, and scikit-learn's fitted attributes derived from it (`lossCurve`, `validationScores`, `bestLoss`,
 * `nIter`). Subclasses keep their weights and report `isFitted`.
 */
export abstract class TrainedEstimator<P extends object> extends BaseEstimator<P> {
  #history: TrainingHistory | null = null;
  #inputSize = 0;

  /** An epoch's validation score for `validationScores` (accuracy, R², −MSE); undefined when not measured. */
  protected abstract validationScore(e: EpochRecord): number | undefined;

  /** Records what a fit (or a loaded file) left: the history (or null) and the feature count. */
  protected setTrained(history: TrainingHistory | null, inputSize: number): void {
    this.#history = history && withJupyterDisplay(history, historyDisplay); // notebook display
    this.#inputSize = inputSize;
  }

  /** The feature count seen at fit time, unchecked (0 when not fitted). */
  protected get inputSize(): number {
    return this.#inputSize;
  }

  /** Number of features seen at fit time. */
  get nFeaturesIn(): number {
    this.assertFitted('nFeaturesIn');
    return this.#inputSize;
  }

  /** Training history of the last `fit` (backend, every stage and epoch), or null before `fit`. */
  get history(): TrainingHistory | null {
    return this.#history;
  }

  #curves(name: string): FittedCurves | null {
    this.assertFitted(name);
    return fittedCurves(this.#history, (e) => this.validationScore(e));
  }

  /** Training loss of every epoch of every stage, in order (scikit-learn's `loss_curve_`; includes the `alpha` penalty). */
  get lossCurve(): number[] {
    return this.#curves('lossCurve')?.lossCurve ?? [];
  }

  /** Validation score of every epoch when validation data were used, else null (scikit-learn's `validation_scores_`). */
  get validationScores(): number[] | null {
    return this.#curves('validationScores')?.validationScores ?? null;
  }

  /** Lowest training loss of the last stage (scikit-learn's `best_loss_`), null without a history. */
  get bestLoss(): number | null {
    return this.#curves('bestLoss')?.bestLoss ?? null;
  }

  /** Epochs run over all stages (scikit-learn's `n_iter_`). */
  get nIter(): number {
    return this.#curves('nIter')?.nIter ?? 0;
  }
}
