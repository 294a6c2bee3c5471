/**
 * Every error layerwise throws is one of these classes. Each message says what was wrong and what to do.
 * @packageDocumentation
 */

/** Base class of all layerwise errors; `instanceof LayerwiseError` catches any of them. */
export class LayerwiseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input data or a bad hyper-parameter. Thrown before any state changes. */
export class ValidationError extends LayerwiseError {}

/** A method that needs a fitted estimator was called before `fit`. */
export class NotFittedError extends LayerwiseError {
  constructor(estimatorName: string, method: string) {
    super(`This ${estimatorName} is not fitted yet: call fit() (or load a saved model) before ${method}().`);
  }
}

/** A backend was requested that cannot be loaded or activated in this environment. */
export class BackendUnavailableError extends LayerwiseError {}

/** A saved model file is malformed, truncated, tampered with, or of an unknown version or kind. */
export class ModelFormatError extends LayerwiseError {}

/** A plugin is malformed, missing from the registry, or registered in a way that conflicts. */
export class PluginError extends LayerwiseError {}

/** An export format was requested that no registered exporter provides. */
export class UnknownFormatError extends PluginError {}

/**
 * `fit` (or `partialFit`) was called on an estimator whose fit is still running. Thrown at once; the running
 * fit is not affected. Await the first call, or use a second estimator (`clone(est)`) to train in parallel.
 */
export class ConcurrentFitError extends LayerwiseError {}

/**
 * A file could not be written (disk full, file-size limit, no permission, read-only file system). Nothing
 * half-written is left behind and the previous file (model, checkpoint, log) is unchanged.
 */
export class StorageError extends LayerwiseError {}

/**
 * Training diverged: a batch loss became non-finite (NaN or ±Infinity) or exploded (over a million times the
 * stage's first batch loss). The fit is abandoned: the estimator keeps the state it had before `fit` and no
 * model file is written. Usually the learning rate is too high.
 */
export class TrainingDivergedError extends LayerwiseError {
  constructor(
    message: string,
    /** Where the loss first became non-finite. */
    readonly where: { stage: string; layer?: number; epoch: number; batch: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * True when a dynamic `import()` failed because the package is not installed (Node's, Deno's and Bun's "cannot
 * find module/package", a browser's unresolved bare specifier) rather than because it broke while loading.
 * Backend plugins use it to skip an optional peer that is absent without a notice.
 */
export function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  // Node, Deno and Bun set the code; browsers say it: Chrome "Failed to resolve module specifier", Firefox "was a
  // bare specifier, but was not remapped", Safari "does not resolve to a valid URL"
  return /cannot find (module|package)|failed to resolve module specifier|was a bare specifier|does not resolve to a valid url|not a dependency/i.test(
    String((error as Error | null)?.message ?? error),
  );
}
