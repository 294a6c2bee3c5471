import { ModelFormatError, PluginError } from './errors.js';
import type { EstimatorOptions } from './estimator.js';
import { readModelKind } from './modelFormat.js';
import type { PluginBase } from './plugins.js';
import type { Registry } from './registry.js';

/** What an estimator kind is for (scikit-learn's `_estimator_type`, plus PyOD's outlier detectors). */
export type EstimatorRole = 'classifier' | 'regressor' | 'transformer' | 'outlierDetector' | 'composite';

/** The roles {@link EstimatorKindPlugin.role} accepts. */
export const ESTIMATOR_ROLES: readonly EstimatorRole[] = [
  'classifier',
  'regressor',
  'transformer',
  'outlierDetector',
  'composite',
];

/** An estimator encoded for a worker thread: the module and export of its kind, and a payload. */
export interface EncodedEstimator {
  module: string;
  exportName: string;
  /** The npm package exporting the kind under `exportName`: what workers on other machines import. */
  package?: string;
  payload: unknown;
}

/** Given to {@link EstimatorKindPlugin.encode} in the main thread (by `@layerwise/model-selection`). */
export interface EncodeContext {
  /** Encodes a nested estimator (a pipeline's steps…). */
  encode(estimator: unknown): EncodedEstimator;
  /** Says this estimator cannot be rebuilt in a worker (it then runs in the main thread). Throws. */
  cannot(reason: string): never;
  /** Records that the estimator trains on `requested` (its `backend` param) resolved through `registry`. */
  useBackend(registry: Registry | undefined, requested: string): void;
  /** Rejects params that hold functions or class instances (callbacks, a custom forward…): calls `cannot`. */
  plainParams(params: object, owner: string): Record<string, unknown>;
}

/** Given to {@link EstimatorKindPlugin.decode} in a worker thread. */
export interface DecodeContext {
  /** The worker's registry; pass it to the rebuilt estimator. */
  registry: Registry;
  /** Rebuilds a nested estimator encoded with {@link EncodeContext.encode}. */
  decode(encoded: EncodedEstimator): Promise<unknown>;
}

/**
 * One kind of estimator, registered with `registry.use(kind)`: the manifest `kind` its model files carry
 * (its `name`), what it is for, how to load its model file, and — optionally — how a worker thread rebuilds
 * it (`module` + `exportName` name this object itself, which the worker imports; `encode`/`decode` carry
 * it there). `load()`, `Pipeline.load`, the CLI and `nJobs` searches all resolve kinds through this entry.
 *
 * ```ts
 * export const myKind: EstimatorKindPlugin<MyEstimator> = {
 *   kind: 'estimator', name: 'MyEstimator', role: 'regressor',
 *   module: import.meta.url, exportName: 'myKind',
 *   matches: (e) => e instanceof MyEstimator,
 *   load: (dir, options) => MyEstimator.load(dir, options),
 *   encode: (e, ctx) => ({ params: ctx.plainParams(e.getParams(), 'MyEstimator') }),
 *   decode: (p, ctx) => new MyEstimator((p as { params: object }).params, { registry: ctx.registry }),
 * };
 * registry.use(myKind);
 * ```
 */
export interface EstimatorKindPlugin<E = unknown> extends PluginBase {
  readonly kind: 'estimator';
  /** The model-file kind (`model.json`'s `kind`), unique in a registry: `MLPClassifier`, `PCA`… */
  readonly name: string;
  /** What the estimator is for. */
  readonly role: EstimatorRole;
  /** Whether `estimator` is of this kind (subclasses are not, unless they say so themselves). */
  matches(estimator: unknown): boolean;
  /** Loads a model file of this kind (`options.registry` resolves nested kinds, backends…). */
  load(dir: string, options: EstimatorOptions): Promise<E>;
  /** For worker threads: a URL (`import.meta.url`) or absolute path of the module exporting this object. */
  readonly module?: string;
  /** For worker threads: the name this object is exported under in `module`. */
  readonly exportName?: string;
  /**
   * For workers on other machines (`@layerwise/executor-bullmq`): the npm package that exports this object
   * under `exportName` from its main entry. Those workers import the package, never `module`.
   */
  readonly package?: string;
  /** Main thread: a structured-cloneable payload (typed arrays are fine). */
  encode?(estimator: E, ctx: EncodeContext): unknown;
  /** Worker: a fresh, unfitted estimator equal to the encoded one. */
  decode?(payload: unknown, ctx: DecodeContext): E | Promise<E>;
}

/** Checks the fields `registry.use` cannot check by type alone. Throws PluginError. */
export function validateEstimatorKind(kind: EstimatorKindPlugin): void {
  if (!ESTIMATOR_ROLES.includes(kind.role)) {
    throw new PluginError(
      `Could not use estimator plugin "${kind.name}": role must be one of ${ESTIMATOR_ROLES.join(', ')}, got ${JSON.stringify(kind.role)}.`,
    );
  }
  const worker = ['module', 'exportName', 'encode', 'decode'] as const;
  const given = worker.filter((k) => kind[k] !== undefined);
  if (given.length > 0 && given.length < worker.length) {
    throw new PluginError(
      `Could not use estimator plugin "${kind.name}": a worker-capable kind needs all of ${worker.join(', ')}; missing ${worker.filter((k) => !given.includes(k)).join(', ')}.`,
    );
  }
  for (const k of ['module', 'exportName'] as const) {
    if (kind[k] !== undefined && (typeof kind[k] !== 'string' || kind[k].length === 0)) {
      throw new PluginError(
        `Could not use estimator plugin "${kind.name}": ${k} must be a non-empty string.`,
      );
    }
  }
  for (const k of ['encode', 'decode'] as const) {
    if (kind[k] !== undefined && typeof kind[k] !== 'function') {
      throw new PluginError(`Could not use estimator plugin "${kind.name}": ${k} must be a function.`);
    }
  }
}

/** The registered kind for `estimator` (the nearest scope's last match), or undefined. */
export function estimatorKindOf(estimator: unknown, registry: Registry): EstimatorKindPlugin | undefined {
  return [...registry.estimatorKinds()].reverse().find((k) => k.matches(estimator));
}

/** Options of {@link loadEstimator}. */
export interface LoadEstimatorOptions extends EstimatorOptions {
  /** Only these roles are accepted (e.g. the CLI's trainable kinds); others are a ModelFormatError. */
  roles?: readonly EstimatorRole[];
}

/**
 * Loads the estimator saved in `dir`, choosing its loader from the manifest's `kind` among the estimator
 * kinds registered in `options.registry`. An unknown kind is a ModelFormatError listing the known ones.
 */
export async function loadEstimator<E = unknown>(
  dir: string,
  options: LoadEstimatorOptions & { registry: Registry },
): Promise<E> {
  const name = await readModelKind(dir);
  const kind = resolveEstimatorKind(name, options.registry, options.roles);
  const { roles: _roles, ...estimatorOptions } = options;
  return (await kind.load(dir, estimatorOptions)) as E;
}

/**
 * The registered kind named `name`; a ModelFormatError naming the known kinds when none is (or when its
 * role is not among `roles`).
 */
export function resolveEstimatorKind(
  name: string,
  registry: Registry,
  roles?: readonly EstimatorRole[],
): EstimatorKindPlugin {
  const kinds = registry.estimatorKinds().filter((k) => !roles || roles.includes(k.role));
  const found = [...kinds].reverse().find((k) => k.name === name);
  if (!found) {
    const known = [...new Set(kinds.map((k) => k.name))];
    throw new ModelFormatError(
      `Invalid model: unknown estimator kind ${JSON.stringify(name)}; registered kinds: ${known.length ? known.join(', ') : '(none)'}. Register the estimator's kind with registry.use(kind) (first-party kinds: import 'layerwise', or use mlpClassifierKind from @layerwise/nn, stackedAutoencoderKind from @layerwise/autoencoder, pipelineKind from @layerwise/pipeline, PREPROCESSING_KINDS from @layerwise/preprocessing).`,
    );
  }
  return found;
}
