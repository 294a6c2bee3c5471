import { estimatorDisplay, JUPYTER_DISPLAY, type MimeBundle } from './display.js';
import { engineGuard } from './engineGuard.js';
import { ConcurrentFitError, NotFittedError } from './errors.js';
import { type ParamSpec, validateParams } from './params.js';
import { getDefaultRegistry, type Registry } from './registry.js';

/** Options every estimator constructor takes after its parameters. */
export interface EstimatorOptions {
  /** The plugin registry to resolve backends, loggers and exporters from. Default: the default registry. */
  registry?: Registry;
}

/** The estimator contract: hyper-parameters in, `fit` out, fitted state kept apart from the parameters. */
export interface Estimator<P extends object = object> {
  getParams(): P;
  setParams(params: Partial<P>): this;
  readonly isFitted: boolean;
}

/** Estimators that map X to a new representation (codes). */
export interface Transformer<X = unknown, Z = unknown> {
  transform(X: X): Promise<Z>;
}

/** Estimators that predict a target for X. */
export interface Predictor<X = unknown, Y = unknown> {
  predict(X: X): Promise<Y>;
  score(X: X, y: unknown): Promise<number>;
}

/** A predictor of class labels. */
export interface Classifier<X = unknown, Y = unknown, P = unknown> extends Predictor<X, Y> {
  predictProba(X: X): Promise<P>;
  readonly classes: ReadonlyArray<number | string>;
}

/** A predictor of real values; `score` is R². */
export type Regressor<X = unknown, Y = unknown> = Predictor<X, Y>;

/**
 * Base class of layerwise estimators: parameter defaults, validation and copying. Subclasses keep fitted
 * state in their own fields and report it through `isFitted`.
 */
export abstract class BaseEstimator<P extends object> implements Estimator<P> {
  #params: P;
  readonly #spec: ParamSpec<P>;
  /** Whether the user set `verbose` (an explicit `false` silences the `auto` fallback notice). */
  #verboseSet = false;
  /** The registry this estimator resolves plugins from. */
  readonly registry: Registry;

  protected constructor(
    defaults: P,
    spec: ParamSpec<P>,
    params: Partial<P> = {},
    options: EstimatorOptions = {},
  ) {
    validateParams(new.target.name, spec, params);
    this.#spec = spec;
    const defined = Object.fromEntries(
      Object.entries(params).filter(([, v]) => v !== undefined),
    ) as Partial<P>;
    // Arrays are copied: a caller mutating its own array later must not bypass validation.
    this.#params = structuredCloneParams({ ...defaults, ...defined });
    this.#verboseSet = 'verbose' in defined;
    this.validateCombination(this.#params);
    this.registry = options.registry ?? getDefaultRegistry();
  }

  /** Cross-parameter checks (override to add); throw ValidationError. */
  protected validateCombination(_params: P): void {}

  #featureNamesIn: string[] | undefined;

  /**
   * The column names of the table the estimator was fitted on (scikit-learn's `feature_names_in_`), or
   * `undefined` when it was fitted on data without names (`number[][]`, a tensor, `{ data, shape }`). Given a
   * table later, `predict`/`transform`/`score` take its columns by these names (reordered; a missing or
   * unknown column is a ValidationError naming it). Saved and loaded with the model.
   */
  get featureNamesIn(): string[] | undefined {
    return this.#featureNamesIn ? [...this.#featureNamesIn] : undefined;
  }

  /** Records (at fit) or clears the column names of the fitted data: `featureNamesOf(X)`, or a list read from a model file. */
  protected setFeatureNamesIn(names: readonly string[] | undefined): void {
    this.#featureNamesIn = names ? [...names] : undefined;
  }

  /** A copy of the hyper-parameters (arrays copied too). */
  getParams(): P {
    return structuredCloneParams(this.#params);
  }

  /** Sets some hyper-parameters after validating them; takes effect at the next `fit`. Returns this. */
  setParams(params: Partial<P>): this {
    validateParams(this.constructor.name, this.#spec, params);
    const defined = Object.fromEntries(
      Object.entries(params).filter(([, v]) => v !== undefined),
    ) as Partial<P>;
    const next = structuredCloneParams({ ...this.#params, ...defined });
    this.validateCombination(next);
    this.#params = next;
    if ('verbose' in defined) this.#verboseSet = true;
    return this;
  }

  /** The live parameters, for subclasses (never mutate). */
  protected get params(): Readonly<P> {
    return this.#params;
  }

  /** True once `fit` (or `load`) has given the estimator its learned state; `predict`/`transform` need it. */
  abstract get isFitted(): boolean;

  /** Notebook display (Deno's Jupyter kernel): kind, parameters, layers, fitted state and loss chart. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return estimatorDisplay(this);
  }

  #fitting: string | null = null;
  #fitBackend: string | null = null;
  #fittedBackend: string | null = null;

  /** True while a `fit` (or `partialFit`) of this estimator runs. */
  get isFitting(): boolean {
    return this.#fitting !== null;
  }

  /**
   * Runs a training method (`fit`, `partialFit`) of this estimator: rejects at once with a
   * {@link ConcurrentFitError} when another one is running (which it leaves untouched), else runs `work` on
   * the engine with the `backend` param's backend through the process-wide engine guard, passing the
   * backend's name. Subclasses call it from their public training methods.
   */
  protected runFit<T>(method: string, work: (backend: string) => Promise<T>): Promise<T> {
    if (this.#fitting !== null) {
      return Promise.reject(
        new ConcurrentFitError(
          `${this.constructor.name}.${method}() was called while its ${this.#fitting}() is still running: await the first call (the running fit is not affected), or train a copy in parallel with clone(estimator).`,
        ),
      );
    }
    this.#fitting = method;
    const requested = String((this.#params as { backend?: unknown }).backend ?? 'auto');
    // An explicit `verbose: false` also silences the one-line `auto` fallback notice.
    const quiet = this.#verboseSet && (this.#params as { verbose?: unknown }).verbose === false;
    return this.registry
      .withBackend(
        requested,
        async (backend) => {
          this.#fitBackend = backend;
          try {
            const out = await work(backend);
            this.#fittedBackend = backend;
            return out;
          } finally {
            this.#fitBackend = null;
          }
        },
        quiet ? { verbose: false } : {},
      )
      .finally(() => {
        this.#fitting = null;
      });
  }

  /**
   * Runs `work` (a `predict`, `transform`, `save`…) on the engine through the process-wide engine guard,
   * on the backend this estimator was fitted on (else its `backend` param). While this estimator's own fit
   * holds the engine, it joins that fit at once and sees the previously fitted model; called from inside
   * other guarded work (a logger of another fit), it runs there, on that work's backend. Rejects with a
   * NotFittedError naming `method` when the estimator is not fitted.
   */
  protected withEngine<T>(method: string, work: (backend: string) => Promise<T>): Promise<T> {
    if (!this.isFitted) return Promise.reject(new NotFittedError(this.constructor.name, method));
    const inside = engineGuard().current;
    if (inside !== undefined) return work(inside);
    if (this.#fitBackend !== null) return this.registry.withRunningBackend(this.#fitBackend, work);
    const requested =
      this.#fittedBackend ?? String((this.#params as { backend?: unknown }).backend ?? 'auto');
    return this.registry.withBackend(requested, work);
  }

  /**
   * Runs `restore` (which makes a loaded model's tensors) on the engine with the `backend` param's backend,
   * through the engine guard, and records that backend for later {@link withEngine} calls.
   */
  protected restoreOnEngine<T>(restore: (backend: string) => T | Promise<T>): Promise<T> {
    const requested = String((this.#params as { backend?: unknown }).backend ?? 'auto');
    return this.registry.withBackend(requested, async (backend) => {
      const out = await restore(backend);
      this.#fittedBackend = backend;
      return out;
    });
  }

  /** Throws NotFittedError unless fitted. */
  protected assertFitted(method: string): void {
    if (!this.isFitted) throw new NotFittedError(this.constructor.name, method);
  }
}

function structuredCloneParams<P extends object>(p: P): P {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) out[k] = Array.isArray(v) ? [...v] : v;
  return out as P;
}

/** Objects whose own `clone()` is running: a `clone()` that calls `clone(this)` gets the params-based copy. */
const cloning = new WeakSet<object>();

/**
 * A new, unfitted estimator with the same parameters and registry (scikit-learn's `clone`). An object with
 * its own `clone()` method (a `Pipeline`, which clones each step; a transformer) is cloned by that method;
 * otherwise — or when that method itself calls `clone(this)` — the constructor is called with
 * `getParams()` and the same registry.
 */
export function clone<E extends Estimator<object>>(estimator: E): E;
export function clone<E extends { clone(): E }>(estimator: E): E;
export function clone<E extends object>(estimator: E): E {
  const own = (estimator as { clone?: unknown }).clone;
  if (typeof own === 'function' && !cloning.has(estimator)) {
    cloning.add(estimator);
    try {
      return own.call(estimator) as E;
    } finally {
      cloning.delete(estimator);
    }
  }
  return cloneFromParams(estimator as unknown as Estimator<object>) as unknown as E;
}

function cloneFromParams<E extends Estimator<object>>(estimator: E): E {
  const Ctor = estimator.constructor as new (params: object, options?: EstimatorOptions) => E;
  const registry = (estimator as unknown as { registry?: Registry }).registry;
  return new Ctor(estimator.getParams(), registry ? { registry } : {});
}
