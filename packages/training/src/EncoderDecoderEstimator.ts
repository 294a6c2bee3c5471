import { type ModelData, ModelFormatError, type NamedTensor, ValidationError } from '@layerwise/core';
import { type EpochRecord, isHistory, type TrainingHistory } from './history.js';
import { TrainedEstimator } from './TrainedEstimator.js';

/** What an {@link EncoderDecoderEstimator} keeps as its fitted model: something that owns tensors. */
export interface DisposableModel {
  /** Frees the model's tensors. */
  dispose(): void;
}

/** How {@link EncoderDecoderEstimator.restoreSaved} rebuilds an estimator from its model file. */
export interface SavedModelSpec<P extends object, M extends DisposableModel, E> {
  /** The estimator with the saved params (a `ValidationError` it throws becomes a `ModelFormatError`). */
  create(params: ModelData['params']): E;
  /** How many weight tensors a model with these params has. */
  tensorCount(params: Readonly<P>): number;
  /** The model from the saved tensors; `bad(message)` throws the `ModelFormatError`. */
  model(inputSize: number, params: P, tensors: readonly NamedTensor[], bad: (message: string) => never): M;
}

/**
 * Base class of the encoder–decoder estimators trained by the one run (`StackedAutoencoder`,
 * `VariationalAutoencoder`): the fitted model they own and the params of the fit that made it (what save
 * and export store; a later `setParams` does not change them). The model of a new fit (or a loaded file)
 * replaces and frees the one before; `dispose()` frees it now. An epoch's validation score is the negative
 * validation loss (−reconstruction error, the ELBO), as `score`.
 */
export abstract class EncoderDecoderEstimator<
  P extends object,
  M extends DisposableModel,
> extends TrainedEstimator<P> {
  #model: M | null = null;
  #fittedParams: P | null = null;

  get isFitted(): boolean {
    return this.#model !== null;
  }

  /** The fitted model (methods check `isFitted` first, with their own name; else a `NotFittedError` here). */
  protected get model(): M {
    if (this.#model === null) this.assertFitted('model');
    return this.#model!;
  }

  /** The params of the fit that made the current model, else (not fitted) the current params. */
  protected get fittedParams(): P {
    return this.#fittedParams ?? this.getParams();
  }

  /**
   * Makes `model` the fitted one, trained with `params` (what a fit commits or a loaded file restores): the
   * previous model is freed, the history and feature count recorded.
   */
  protected keepModel(model: M, params: P, history: TrainingHistory | null, inputSize: number): void {
    if (this.#model !== model) this.#model?.dispose();
    this.#model = model;
    this.#fittedParams = params;
    this.setTrained(history, inputSize);
  }

  /**
   * The estimator a model file `data` (of kind `kind`, read by `loadModelDir`) describes, for the subclass's
   * static `load`: made from the saved params, its feature count and tensor count checked, its model built
   * from the tensors on the estimator's backend, its history kept. Anything wrong in the file is a
   * `ModelFormatError` (`Invalid <kind> model: …`); nothing is kept then.
   */
  protected static async restoreSaved<
    P extends object,
    M extends DisposableModel,
    E extends EncoderDecoderEstimator<P, M>,
  >(data: ModelData, kind: string, spec: SavedModelSpec<P, M, E>): Promise<E> {
    const bad = (m: string): never => {
      throw new ModelFormatError(`Invalid ${kind} model: ${m}`);
    };
    let estimator: E;
    try {
      estimator = spec.create(data.params);
    } catch (e) {
      if (e instanceof ValidationError) bad(e.message);
      throw e;
    }
    const inputSize = data.state.inputSize as number;
    if (!Number.isSafeInteger(inputSize) || inputSize < 1) bad('state.inputSize must be a positive integer.');
    const p = estimator.getParams();
    const expected = spec.tensorCount(p);
    if (data.tensors.length !== expected)
      bad(`expected ${expected} weight tensors, found ${data.tensors.length}.`);
    const history = isHistory(data.state.history) ? data.state.history : null;
    // A model loaded in a fresh process must find its backend before its weights become tensors.
    await estimator.restoreOnEngine(() => {
      estimator.keepModel(spec.model(inputSize, p, data.tensors, bad), p, history, inputSize);
    });
    return estimator;
  }

  /** An epoch's validation score: −the validation loss. */
  protected validationScore(e: EpochRecord): number | undefined {
    return e.valLoss === undefined ? undefined : -e.valLoss;
  }

  /**
   * Frees the fitted weights now instead of waiting for the next `fit` (tfjs tensors are not garbage
   * collected). The estimator becomes unfitted; its parameters are kept.
   */
  dispose(): void {
    this.#model?.dispose();
    this.#model = null;
    this.#fittedParams = null;
    this.setTrained(null, 0);
  }
}
