import {
  checkOutputConfig,
  clone as cloneEstimator,
  type EstimatorOptions,
  estimatorDisplay,
  getDefaultRegistry,
  JUPYTER_DISPLAY,
  loadModelDir,
  type MimeBundle,
  ModelFormatError,
  mergeOutputConfig,
  NotFittedError,
  nodeBuiltin,
  type OutputConfig,
  readModelKind,
  rowsOf,
  saveModelDir,
  toArrowTable,
  toArrowVector,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { pipelineWorkerKind } from './workerKind.js';

/**
 * What a pipeline step must offer (duck-typed, as in scikit-learn): `getParams`/`setParams` and `fit`;
 * every step but the last also `transform`. Layerwise's transformers, MLPs and StackedAutoencoder fit.
 */
export interface PipelineStep {
  getParams(): object;
  setParams(params: Record<string, unknown>): unknown;
  readonly isFitted: boolean;
  fit(X: unknown, ...rest: unknown[]): unknown;
  transform?(X: unknown): unknown;
  fitTransform?(X: unknown, ...rest: unknown[]): unknown;
  inverseTransform?(X: unknown): unknown;
  predict?(X: unknown): unknown;
  predictProba?(X: unknown): unknown;
  decisionFunction?(X: unknown): unknown;
  scoreSamples?(X: unknown): unknown;
  score?(X: unknown, y?: unknown): unknown;
  save?(dir: string): Promise<void>;
  clone?(): PipelineStep;
  dispose?(): void;
}

/** A step: its name and an estimator, or `'passthrough'` (the identity). */
export type Step = [name: string, estimator: PipelineStep | 'passthrough'];

/** Loads one saved step of a kind from its directory. */
export type StepLoader = (dir: string, options: EstimatorOptions) => Promise<PipelineStep>;

/** Options of {@link Pipeline.load}. */
export interface PipelineLoadOptions extends EstimatorOptions {
  /**
   * Loaders for further step kinds, tried before the registry's estimator kinds.
   * @deprecated Register the estimator's kind with `registry.use(kind)` and pass `{ registry }`.
   */
  loaders?: Readonly<Record<string, StepLoader>>;
}

/**
 * Options of {@link Pipeline.fit}: `'<step>__<option>'` keys go to that step's `fit` verbatim (e.g.
 * `clf__resume`, `ae__validationData`); `validationData` is sent through the fitted steps before the last
 * one and handed to the last step (`[X, y]` for a classifier/regressor, `X` for an autoencoder), so it
 * arrives in the same feature space as the training data.
 */
export interface PipelineFitOptions {
  validationData?: unknown;
  [stepOption: `${string}__${string}`]: unknown;
}

/** Options of {@link Pipeline.getParams}. */
export interface GetParamsOptions {
  /** Include each step and its parameters as `'<step>__<param>'` (default true, as scikit-learn). */
  deep?: boolean;
}

/** The kind a Pipeline's model file has. */
export const PIPELINE_KIND = 'Pipeline';
const STEP_DIR = /^step-(\d+)-([0-9a-f]{12})$/;

function isStep(x: unknown): x is PipelineStep {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as PipelineStep).fit === 'function' &&
    typeof (x as PipelineStep).getParams === 'function' &&
    typeof (x as PipelineStep).setParams === 'function'
  );
}

function className(x: unknown): string {
  return typeof x === 'object' && x !== null ? x.constructor.name : typeof x;
}

function validateSteps(steps: unknown): Step[] {
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new ValidationError(
      "Pipeline: steps must be a non-empty array of [name, estimator] pairs, e.g. [['scale', new StandardScaler()], ['clf', new MLPClassifier()]].",
    );
  }
  const names = new Set<string>();
  steps.forEach((s, i) => {
    if (!Array.isArray(s) || s.length !== 2 || typeof s[0] !== 'string') {
      throw new ValidationError(
        `Pipeline: steps[${i}] must be a [name, estimator] pair, got ${className(s)}.`,
      );
    }
    const [name, est] = s as [string, unknown];
    if (name.length === 0 || name.includes('__')) {
      throw new ValidationError(
        `Pipeline: step name ${JSON.stringify(name)} must be non-empty and must not contain "__" (it separates step and parameter names).`,
      );
    }
    if (name === 'steps')
      throw new ValidationError('Pipeline: "steps" cannot be a step name (it is a parameter).');
    if (names.has(name))
      throw new ValidationError(`Pipeline: step names must be unique; "${name}" appears twice.`);
    names.add(name);
    if (est === 'passthrough') return;
    if (!isStep(est)) {
      throw new ValidationError(
        `Pipeline: step "${name}" is ${className(est)}, not an estimator (it needs fit, getParams and setParams) or 'passthrough'.`,
      );
    }
    if (i < steps.length - 1 && typeof est.transform !== 'function') {
      throw new ValidationError(
        `Pipeline: step "${name}" (${className(est)}) is not the last step, so it must have transform(); only the last step may be a classifier or regressor.`,
      );
    }
  });
  return (steps as Step[]).map(([n, e]) => [n, e]);
}

/**
 * scikit-learn's `Pipeline`: transformers chained before a final estimator, fitted and used as one.
 * `fit` fits each step on the output of the previous ones; `predict`, `predictProba`, `score` and
 * `transform` send X through the fitted steps. Parameters nest with a double underscore
 * (`clf__hiddenLayerSizes`), so model selection tunes any step. Outputs come back in the kind of X.
 *
 * A step gets `y` when it predicts (has `predict`, as MLPClassifier and MLPRegressor); transformers and
 * StackedAutoencoder are fitted on X alone. `'passthrough'` steps do nothing.
 *
 * ```ts
 * const pipe = new Pipeline([['scale', new StandardScaler()], ['clf', new MLPClassifier({ epochs: 5 })]]);
 * await pipe.fit(X, y);
 * const accuracy = await pipe.score(Xtest, yTest);
 * pipe.setParams({ clf__hiddenLayerSizes: [64] });
 * ```
 */
export class Pipeline {
  #steps: Step[];

  /** How `@layerwise/model-selection` rebuilds a pipeline in a worker thread (`nJobs`): step by step. */
  static readonly workerKind = pipelineWorkerKind;

  #output: OutputConfig = {};

  /**
   * @param steps `[name, estimator]` pairs (names unique, without `"__"`), or `{ steps }`; every step but
   *   the last needs `transform`. The estimators are used as given, not copied.
   * @param _options accepted for symmetry with the estimators (`{ registry }` is used by `load`)
   */
  constructor(steps: Step[] | { steps: Step[] }, _options: EstimatorOptions = {}) {
    const list = Array.isArray(steps) ? steps : (steps as { steps?: unknown })?.steps;
    this.#steps = validateSteps(list);
    // As scikit-learn's `available_if`: `predictProba` exists only while the last step has it, so code
    // that tells classifiers by `typeof est.predictProba === 'function'` (model selection's stratified
    // folds) sees what the last step is.
    Object.defineProperty(this, 'predictProba', {
      configurable: true,
      enumerable: false,
      get: () => {
        const last = this.#final();
        return last !== 'passthrough' && typeof last.predictProba === 'function'
          ? Pipeline.prototype.predictProba
          : undefined;
      },
    });
  }

  /** The `[name, estimator]` pairs (a new array; the estimators themselves are shared). */
  get steps(): Step[] {
    return this.#steps.map(([n, e]) => [n, e]);
  }

  /** The steps by name (scikit-learn's `named_steps`). */
  get namedSteps(): Record<string, PipelineStep | 'passthrough'> {
    return Object.fromEntries(this.#steps);
  }

  /** True when every step (passthrough aside) is fitted. */
  get isFitted(): boolean {
    return this.#steps.every(([, e]) => e === 'passthrough' || e.isFitted);
  }

  /** Notebook display (Deno's Jupyter kernel): the steps, their parameters and fitted state. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return estimatorDisplay(this);
  }

  /** The first step that is not `'passthrough'`: it sees X as given. */
  #first(): PipelineStep | undefined {
    const f = this.#steps.find(([, e]) => e !== 'passthrough');
    return f ? (f[1] as PipelineStep) : undefined;
  }

  /**
   * The column names of the table the pipeline was fitted on (scikit-learn's `feature_names_in_`): its first
   * step's, which checks and reorders a table's columns by them. `undefined` without names or before fit.
   */
  get featureNamesIn(): string[] | undefined {
    const names = (this.#first() as { featureNamesIn?: unknown } | undefined)?.featureNamesIn;
    return Array.isArray(names) ? [...names] : undefined;
  }

  /** Features the first step was fitted with (scikit-learn's `n_features_in_`). */
  get nFeaturesIn(): number {
    this.#checkFitted('nFeaturesIn');
    return (this.#first() as { nFeaturesIn?: number } | undefined)?.nFeaturesIn ?? 0;
  }

  /**
   * scikit-learn's `set_output`: passed on to every step that has `setOutput` (the transformers), so with
   * `{ transform: 'arrow' }` each step hands the next an Apache Arrow Table with named columns and
   * `transform` returns one. `{ predict: 'arrow' }` (layerwise's addition, in the same spirit) makes
   * `predict` return an Apache Arrow Vector and `predictProba` an Arrow Table with one column per class —
   * predictions that join back to the caller's Arrow data. Keys left out keep their setting. Returns this.
   */
  setOutput(config: OutputConfig): this {
    const checked = checkOutputConfig(config, 'Pipeline.setOutput');
    this.#output = mergeOutputConfig(this.#output, checked);
    for (const [, e] of this.#steps) {
      if (e !== 'passthrough' && typeof (e as { setOutput?: unknown }).setOutput === 'function') {
        (e as unknown as { setOutput(c: OutputConfig): unknown }).setOutput(checked);
      }
    }
    return this;
  }

  /** The last step's `classes` (for a classifier). */
  get classes(): ReadonlyArray<number | string> {
    const last = this.#final();
    const c = (last as { classes?: unknown }).classes;
    if (!Array.isArray(c)) {
      throw new ValidationError(`Pipeline.classes: the last step (${className(last)}) is not a classifier.`);
    }
    return c;
  }

  /**
   * The parameters: `steps`, and with `deep` (default) each step by name plus its parameters as
   * `'<step>__<param>'` (nested pipelines recurse: `'outer__inner__param'`).
   */
  getParams(options: GetParamsOptions = {}): Record<string, unknown> {
    const out: Record<string, unknown> = { steps: this.steps };
    if (options.deep === false) return out;
    for (const [name, est] of this.#steps) {
      out[name] = est;
      if (est === 'passthrough') continue;
      const p = est instanceof Pipeline ? est.getParams({ deep: true }) : est.getParams();
      for (const [k, v] of Object.entries(p)) out[`${name}__${k}`] = v;
    }
    return out;
  }

  /**
   * Sets parameters: `steps` (a new list), a step name (replace that estimator) or `'<step>__<param>'`
   * (passed on to the step's `setParams`). Unknown steps or parameters are ValidationErrors naming the
   * valid ones; every name is checked before anything changes. Returns this.
   */
  setParams(params: Record<string, unknown>): this {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new ValidationError(
        `Pipeline.setParams: parameters must be an object, got ${className(params)}.`,
      );
    }
    let steps = this.#steps;
    if ('steps' in params) steps = validateSteps(params.steps);
    const names = steps.map(([n]) => n);
    const replaced = new Map<string, PipelineStep | 'passthrough'>();
    const nested = new Map<string, Record<string, unknown>>();
    for (const [key, value] of Object.entries(params)) {
      if (key === 'steps') continue;
      const cut = key.indexOf('__');
      const stepName = cut < 0 ? key : key.slice(0, cut);
      if (!names.includes(stepName)) {
        throw new ValidationError(
          `Pipeline.setParams: unknown step "${stepName}" in "${key}". Valid steps: ${names.join(', ')}; use '<step>__<param>' for a step's parameter, or 'steps'.`,
        );
      }
      if (cut < 0) {
        if (value !== 'passthrough' && !isStep(value)) {
          throw new ValidationError(
            `Pipeline.setParams: "${key}" must be an estimator or 'passthrough', got ${className(value)}.`,
          );
        }
        replaced.set(stepName, value as PipelineStep | 'passthrough');
        continue;
      }
      const g = nested.get(stepName) ?? {};
      g[key.slice(cut + 2)] = value;
      nested.set(stepName, g);
    }
    const next: Step[] = steps.map(([n, e]) => [n, replaced.get(n) ?? e]);
    const candidate = validateSteps(next);
    for (const [stepName, group] of nested) {
      const est = candidate.find(([n]) => n === stepName)![1];
      if (est === 'passthrough') {
        throw new ValidationError(
          `Pipeline.setParams: step "${stepName}" is 'passthrough' and has no parameters (${Object.keys(group)
            .map((k) => `${stepName}__${k}`)
            .join(', ')}).`,
        );
      }
      const known = est instanceof Pipeline ? null : Object.keys(est.getParams() as Record<string, unknown>);
      if (known) {
        const unknown = Object.keys(group).filter((k) => !known.includes(k));
        if (unknown.length > 0) {
          throw new ValidationError(
            `Pipeline.setParams: step "${stepName}" (${className(est)}) has no parameter "${unknown[0]}". Its parameters: ${known.join(', ')}.`,
          );
        }
      }
    }
    this.#steps = candidate;
    for (const [stepName, group] of nested) {
      const est = candidate.find(([n]) => n === stepName)![1] as PipelineStep;
      est.setParams(group);
    }
    return this;
  }

  /** A new, unfitted pipeline with a clone of each step (scikit-learn's `clone`, deep). */
  clone(): Pipeline {
    const p = new Pipeline(
      this.#steps.map(([n, e]): Step => {
        if (e === 'passthrough') return [n, e];
        return [n, typeof e.clone === 'function' ? e.clone() : (cloneEstimator(e as never) as PipelineStep)];
      }),
    );
    // The output setting travels with the clone (scikit-learn's clone keeps set_output's configuration).
    p.#output = { ...this.#output };
    return p;
  }

  #final(): PipelineStep | 'passthrough' {
    return this.#steps[this.#steps.length - 1]![1];
  }

  #checkFitted(method: string): void {
    if (!this.isFitted) throw new NotFittedError('Pipeline', method);
  }

  /** Sends X through steps [0, end), disposing the intermediate tensors it made. */
  async #through(X: unknown, end: number): Promise<unknown> {
    let cur = X;
    for (let i = 0; i < end; i++) {
      const est = this.#steps[i]![1];
      if (est === 'passthrough') continue;
      let next: unknown;
      try {
        next = await est.transform!(cur);
      } catch (e) {
        this.#release(cur, X);
        throw e;
      }
      if (cur !== next) this.#release(cur, X);
      cur = next;
    }
    return cur;
  }

  /** Disposes `value` when it is a tensor this pipeline made (not the caller's X). */
  #release(value: unknown, X: unknown): void {
    if (value !== X && value instanceof tf.Tensor) value.dispose();
  }

  #splitOptions(options: PipelineFitOptions): Map<string, Record<string, unknown>> {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ValidationError(`Pipeline.fit: options must be an object, got ${className(options)}.`);
    }
    const names = this.#steps.map(([n]) => n);
    const byStep = new Map<string, Record<string, unknown>>();
    for (const [key, value] of Object.entries(options)) {
      if (key === 'validationData' || value === undefined) continue;
      const cut = key.indexOf('__');
      const stepName = cut < 0 ? '' : key.slice(0, cut);
      if (cut < 0 || !names.includes(stepName)) {
        throw new ValidationError(
          `Pipeline.fit: unknown option "${key}". Use 'validationData', or '<step>__<option>' with a step of ${names.join(', ')}.`,
        );
      }
      if (this.namedSteps[stepName] === 'passthrough') {
        throw new ValidationError(
          `Pipeline.fit: step "${stepName}" is 'passthrough' and takes no options ("${key}").`,
        );
      }
      const g = byStep.get(stepName) ?? {};
      g[key.slice(cut + 2)] = value;
      byStep.set(stepName, g);
    }
    return byStep;
  }

  /**
   * Fits every step in order: each transformer on the output of the previous ones (`fitTransform` when it
   * has one), then the last step on the result (with `y` when it predicts). A second `fit` starts over.
   * See {@link PipelineFitOptions} for `options`. Returns this.
   */
  async fit(X: unknown, y?: unknown, options: PipelineFitOptions = {}): Promise<this> {
    const byStep = this.#splitOptions(options);
    const last = this.#steps.length - 1;
    this.#checkTargets(X, y);
    const Xt = await this.#fitPrefix(X, y, byStep);
    try {
      const [name, est] = this.#steps[last]!;
      if (est !== 'passthrough') {
        const opts = { ...(byStep.get(name) ?? {}) };
        if (options.validationData !== undefined) {
          opts.validationData = await this.#validationFor(est, options.validationData);
        }
        try {
          await this.#fitStep(est, Xt, y, opts);
        } finally {
          if (opts.validationData !== undefined)
            this.#releaseValidation(opts.validationData, options.validationData);
        }
      }
    } finally {
      this.#release(Xt, X);
    }
    return this;
  }

  /** A final step that predicts needs one target per row of X: checked before any step is fitted. */
  #checkTargets(X: unknown, y: unknown): void {
    const est = this.#steps[this.#steps.length - 1]![1];
    if (est === 'passthrough' || typeof est.predict !== 'function') return;
    // An outlier detector predicts without targets (scikit-learn's `_estimator_type` "outlier_detector").
    if (
      (est as { estimatorType?: unknown }).estimatorType === 'outlier_detector' &&
      (y === undefined || y === null)
    )
      return;
    const name = this.#steps[this.#steps.length - 1]![0];
    if (y === undefined || y === null) {
      throw new ValidationError(
        `Pipeline.fit: the last step "${name}" (${className(est)}) predicts, so fit needs y (one label or target per row of X).`,
      );
    }
    const rows = rowsOf(X);
    const n = rowsOf(y);
    if (rows !== undefined && n !== undefined && rows !== n) {
      throw new ValidationError(
        `Pipeline.fit: X has ${rows} samples but y has ${n}: pass one label or target per row of X (nothing was fitted).`,
      );
    }
  }

  async #fitStep(est: PipelineStep, X: unknown, y: unknown, opts: Record<string, unknown>): Promise<void> {
    const hasOpts = Object.keys(opts).length > 0;
    if (typeof est.predict === 'function') await est.fit(X, y, ...(hasOpts ? [opts] : []));
    else await est.fit(X, ...(hasOpts ? [opts] : []));
  }

  /** Fits steps [0, last) and returns X transformed by them. */
  async #fitPrefix(X: unknown, y: unknown, byStep: Map<string, Record<string, unknown>>): Promise<unknown> {
    let cur = X;
    for (let i = 0; i < this.#steps.length - 1; i++) {
      const [name, est] = this.#steps[i]!;
      if (est === 'passthrough') continue;
      const opts = byStep.get(name) ?? {};
      let next: unknown;
      try {
        if (
          typeof est.fitTransform === 'function' &&
          Object.keys(opts).length === 0 &&
          typeof est.predict !== 'function'
        ) {
          next = await est.fitTransform(cur);
        } else {
          await this.#fitStep(est, cur, y, opts);
          next = await est.transform!(cur);
        }
      } catch (e) {
        this.#release(cur, X);
        throw e;
      }
      if (cur !== next) this.#release(cur, X);
      cur = next;
    }
    return cur;
  }

  /** The last step's validation data with its X sent through the fitted earlier steps. */
  async #validationFor(last: PipelineStep, v: unknown): Promise<unknown> {
    const end = this.#steps.length - 1;
    if (typeof last.predict === 'function') {
      if (!Array.isArray(v) || v.length !== 2) {
        throw new ValidationError(
          'Pipeline.fit: validationData must be a pair [X, y] for a final step that predicts.',
        );
      }
      return [await this.#through(v[0], end), v[1]];
    }
    return this.#through(v, end);
  }

  #releaseValidation(made: unknown, given: unknown): void {
    if (Array.isArray(made) && Array.isArray(given) && made.length === 2) this.#release(made[0], given[0]);
    else this.#release(made, given);
  }

  /** Fits the pipeline, then returns the last step's transform of X (its codes, for an autoencoder). */
  async fitTransform(X: unknown, y?: unknown, options: PipelineFitOptions = {}): Promise<unknown> {
    this.#requireAll('transform', 'fitTransform');
    await this.fit(X, y, options);
    return this.transform(X);
  }

  #requireAll(method: 'transform' | 'inverseTransform', caller: string, all = false): void {
    const list = all ? this.#steps : this.#steps.slice(-1);
    for (const [name, est] of list) {
      if (est !== 'passthrough' && typeof est[method] !== 'function') {
        throw new ValidationError(
          `Pipeline.${caller}: step "${name}" (${className(est)}) has no ${method}(); ${caller} needs it on ${all ? 'every step' : 'the last step'}.`,
        );
      }
    }
  }

  async #onLast<T>(
    method: 'predict' | 'predictProba' | 'transform' | 'decisionFunction' | 'scoreSamples',
    X: unknown,
  ): Promise<T> {
    const last = this.#final();
    if (last !== 'passthrough' && typeof last[method] !== 'function') {
      throw new ValidationError(
        `Pipeline.${method}: the last step "${this.#steps.at(-1)![0]}" (${className(last)}) has no ${method}().`,
      );
    }
    this.#checkFitted(method);
    const Xt = await this.#through(X, this.#steps.length - 1);
    try {
      if (last === 'passthrough') return (Xt === X || !(Xt instanceof tf.Tensor) ? Xt : Xt.clone()) as T;
      return (await last[method]!(Xt)) as T;
    } finally {
      this.#release(Xt, X);
    }
  }

  /**
   * Predictions of the last step on X sent through the fitted transformers (an Arrow Vector after
   * `setOutput({ predict: 'arrow' })`).
   */
  async predict(X: unknown): Promise<unknown> {
    const out = await this.#onLast('predict', X);
    if (this.#output.predict !== 'arrow') return out;
    return toArrowVector(this.#plainValues(out, 'predict'), this.#output.arrow);
  }

  /** Predictions of any kind (array, typed array, rank-1 or [n, 1] tensor) as a plain array; tensors are disposed. */
  #plainValues(out: unknown, method: string): ArrayLike<unknown> {
    if (out instanceof tf.Tensor) {
      const v = Array.from(out.dataSync() as ArrayLike<number>);
      out.dispose();
      return v;
    }
    if (Array.isArray(out) || ArrayBuffer.isView(out)) return out as ArrayLike<unknown>;
    throw new ValidationError(
      `Pipeline.${method}: the last step returned ${className(out)}, which cannot be given as an Arrow Vector.`,
    );
  }

  /**
   * Class probabilities of the last step (a classifier) on the transformed X. Present only while the last
   * step has `predictProba` (`typeof pipe.predictProba` is `'undefined'` otherwise, as in scikit-learn).
   */
  async predictProba(X: unknown): Promise<unknown> {
    const out = await this.#onLast('predictProba', X);
    if (this.#output.predict !== 'arrow') return out;
    // One Float64 column per class, named after it.
    let data: ArrayLike<number>;
    let shape: [number, number];
    if (out instanceof tf.Tensor) {
      data = out.dataSync() as Float32Array;
      shape = out.shape as [number, number];
      data = Float64Array.from(data);
      out.dispose();
    } else if (Array.isArray(out)) {
      shape = [out.length, out.length ? (out[0] as number[]).length : 0];
      data = Float64Array.from((out as number[][]).flat());
    } else {
      const m = out as { data: ArrayLike<number>; shape: [number, number] };
      data = m.data;
      shape = m.shape;
    }
    return toArrowTable({ data, shape }, this.classes.map(String), this.#output.arrow);
  }

  /**
   * The last step's `decisionFunction` on the transformed X (an outlier detector's `scoreSamples − offset`;
   * what the `roc_auc` scorer ranks a detector by). A ValidationError when the last step has none.
   */
  async decisionFunction(X: unknown): Promise<unknown> {
    this.#notPassthrough('decisionFunction');
    return this.#onLast('decisionFunction', X);
  }

  /** The last step's per-row `scoreSamples` on the transformed X (higher = more normal). */
  async scoreSamples(X: unknown): Promise<unknown> {
    this.#notPassthrough('scoreSamples');
    return this.#onLast('scoreSamples', X);
  }

  #notPassthrough(method: string): void {
    if (this.#final() === 'passthrough') {
      throw new ValidationError(
        `Pipeline.${method}: the last step is 'passthrough', which has no ${method}().`,
      );
    }
  }

  /** X sent through every step (all must transform; an autoencoder last gives its codes). */
  async transform(X: unknown): Promise<unknown> {
    return this.#onLast('transform', X);
  }

  /** The last step's score on the transformed X (accuracy, R², or an autoencoder's −MSE). */
  async score(X: unknown, y?: unknown): Promise<number> {
    const last = this.#final();
    if (last === 'passthrough' || typeof last.score !== 'function') {
      throw new ValidationError(`Pipeline.score: the last step (${className(last)}) has no score().`);
    }
    this.#checkFitted('score');
    const Xt = await this.#through(X, this.#steps.length - 1);
    try {
      return (await last.score(Xt, y)) as number;
    } finally {
      this.#release(Xt, X);
    }
  }

  /** Back through every step in reverse (all must have inverseTransform). */
  async inverseTransform(Z: unknown): Promise<unknown> {
    this.#requireAll('inverseTransform', 'inverseTransform', true);
    this.#checkFitted('inverseTransform');
    let cur = Z;
    for (let i = this.#steps.length - 1; i >= 0; i--) {
      const est = this.#steps[i]![1];
      if (est === 'passthrough') continue;
      const next = await est.inverseTransform!(cur);
      if (cur !== next) this.#release(cur, Z);
      cur = next;
    }
    return cur;
  }

  /** Frees every step's fitted weights (steps that have `dispose`). */
  dispose(): void {
    for (const [, e] of this.#steps) if (e !== 'passthrough') e.dispose?.();
  }

  /**
   * Saves the fitted pipeline into directory `dir`: each step with its own `save` in a subdirectory
   * (`step-<i>-<id>`), then `model.json` (kind `Pipeline`, the step names, kinds and folders), atomically;
   * the previous steps' folders are removed last, so a crash leaves the previous pipeline loadable.
   */
  async save(dir: string): Promise<void> {
    this.#checkFitted('save');
    for (const [name, est] of this.#steps) {
      if (est !== 'passthrough' && typeof est.save !== 'function') {
        throw new ValidationError(`Pipeline.save: step "${name}" (${className(est)}) has no save(dir).`);
      }
    }
    const fs = nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises', 'Pipeline.save(dir)');
    const path = nodeBuiltin<typeof import('node:path')>('node:path', 'Pipeline.save(dir)');
    const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto', 'Pipeline.save(dir)');
    const entries: Record<string, unknown>[] = [];
    const written: string[] = [];
    try {
      for (const [i, [name, est]] of this.#steps.entries()) {
        if (est === 'passthrough') {
          entries.push({ name, kind: 'passthrough' });
          continue;
        }
        const sub = `step-${i}-${crypto.randomBytes(6).toString('hex')}`;
        written.push(path.join(dir, sub));
        await est.save!(path.join(dir, sub));
        entries.push({ name, kind: await readModelKind(path.join(dir, sub)), dir: sub });
      }
      await saveModelDir(dir, { kind: PIPELINE_KIND, params: { steps: entries }, state: {}, tensors: [] });
    } catch (e) {
      for (const w of written) await fs.rm(w, { recursive: true, force: true });
      throw e;
    }
    const keep = new Set(entries.map((e) => e.dir));
    for (const f of await fs.readdir(dir)) {
      if (STEP_DIR.test(f) && !keep.has(f)) await fs.rm(path.join(dir, f), { recursive: true, force: true });
    }
  }

  /**
   * Loads a pipeline saved with {@link Pipeline.save}: the manifest is validated, then each step is loaded
   * from its folder by the estimator kind registered under its `kind` in `options.registry` (default: the
   * default registry; `import 'layerwise'` registers every first-party kind) — nested pipelines included.
   * An unknown kind or a bad folder name is a ModelFormatError; nothing is evaluated.
   */
  static async load(dir: string, options: PipelineLoadOptions = {}): Promise<Pipeline> {
    const { loaders: extra, ...estimatorOptions } = options;
    const registry = options.registry ?? getDefaultRegistry();
    const loaders: Record<string, StepLoader> = {
      ...Object.fromEntries(registry.estimatorKinds().map((k) => [k.name, k.load as StepLoader])),
      [PIPELINE_KIND]: (d, o) => Pipeline.load(d, o),
      ColumnTransformer: async (d, o) =>
        (await import('./ColumnTransformer.js')).ColumnTransformer.load(d, o) as unknown as PipelineStep,
      ...(extra ?? {}),
    };
    const data = await loadModelDir(dir, [PIPELINE_KIND]);
    const bad = (m: string): never => {
      throw new ModelFormatError(`Invalid Pipeline model: ${m}`);
    };
    if (data.tensors.length > 0) bad('a Pipeline has no tensors of its own.');
    const list = data.params.steps;
    if (!Array.isArray(list) || list.length === 0) bad('params.steps must be a non-empty array.');
    const path = nodeBuiltin<typeof import('node:path')>('node:path', 'Pipeline.load(dir)');
    const steps: Step[] = [];
    const loaded: PipelineStep[] = [];
    try {
      for (const [i, e] of (list as unknown[]).entries()) {
        if (typeof e !== 'object' || e === null) bad(`params.steps[${i}] must be an object.`);
        const { name, kind, dir: sub } = e as Record<string, unknown>;
        if (typeof name !== 'string') bad(`params.steps[${i}].name must be a string.`);
        if (typeof kind !== 'string') bad(`params.steps[${i}].kind must be a string.`);
        if (kind === 'passthrough') {
          steps.push([name as string, 'passthrough']);
          continue;
        }
        const m = typeof sub === 'string' ? STEP_DIR.exec(sub) : null;
        if (!m || Number(m[1]) !== i)
          bad(`params.steps[${i}].dir must be "step-${i}-<12 hex digits>", got ${JSON.stringify(sub)}.`);
        const loader = Object.hasOwn(loaders, kind as string) ? loaders[kind as string] : undefined;
        if (!loader) {
          bad(
            `step "${name}" has kind ${JSON.stringify(kind)}, which no loader is registered for; known kinds: ${Object.keys(loaders).join(', ')} (registry.use() its estimator kind and pass { registry } to Pipeline.load).`,
          );
        }
        const sdir = path.join(dir, sub as string);
        const actual = await readModelKind(sdir);
        if (actual !== kind) bad(`step "${name}" is listed as ${kind} but its folder holds a ${actual}.`);
        const est = await loader!(sdir, {
          ...estimatorOptions,
          ...(kind === PIPELINE_KIND ? { loaders } : {}),
        } as PipelineLoadOptions);
        loaded.push(est);
        steps.push([name as string, est]);
      }
      try {
        return new Pipeline(steps);
      } catch (e) {
        if (e instanceof ValidationError) bad(e.message);
        throw e;
      }
    } catch (e) {
      for (const est of loaded) est.dispose?.();
      throw e;
    }
  }
}
