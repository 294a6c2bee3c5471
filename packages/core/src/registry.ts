import * as tf from '@tensorflow/tfjs-core';
import { setHostReader } from './data.js';
import { engineGuard } from './engineGuard.js';
import { BackendUnavailableError, PluginError, UnknownFormatError, ValidationError } from './errors.js';
import { type EstimatorKindPlugin, validateEstimatorKind } from './estimatorKinds.js';
import { EXECUTOR } from './executor.js';
import { BACKENDS_DOC_URL, NOTICE_MAX_LENGTH, notice, shorten } from './notice.js';
import type {
  BackendPlugin,
  ExporterPlugin,
  LogFilePlugin,
  LoggerPlugin,
  Plugin,
  SetupPlugin,
} from './plugins.js';
import { Container } from './vendor/inversify.js';

/** A typed key into the registry. Create one per service with {@link token}. */
export interface Token<T> {
  readonly id: symbol;
  readonly description: string;
  /** Phantom field carrying the type; never set. */
  readonly __type?: T;
}

/** Creates a typed token. Third-party plugins create their own and bind them in a `setup` plugin. */
export function token<T>(description: string): Token<T> {
  return { id: Symbol.for(`layerwise:${description}`), description };
}

/** Built-in tokens. */
export const Tokens = {
  backend: token<BackendPlugin>('backend'),
  logger: token<LoggerPlugin>('logger'),
  logFile: token<LogFilePlugin>('logFile'),
  exporter: token<ExporterPlugin>('exporter'),
  estimatorKind: token<EstimatorKindPlugin>('estimatorKind'),
} as const;

const REQUIRED: Record<string, string[]> = {
  backend: ['priority:number', 'isAvailable:function', 'activate:function'],
  logger: ['handle:function'],
  logFile: ['extensions:object', 'create:function'],
  exporter: ['format:string', 'export:function'],
  setup: ['setup:function'],
  executor: ['run:function'],
  estimator: ['role:string', 'matches:function', 'load:function'],
};

/** Checks a plugin's shape and says exactly what is missing. */
export function validatePlugin(plugin: unknown): asserts plugin is Plugin {
  if (typeof plugin !== 'object' || plugin === null) {
    throw new PluginError(
      `registry.use() needs a plugin object made by a plugin factory (e.g. wasmBackend()), got ${plugin === null ? 'null' : typeof plugin}. Did you pass the factory without calling it?`,
    );
  }
  const p = plugin as Record<string, unknown>;
  const kind = p.kind;
  if (typeof kind !== 'string' || !(kind in REQUIRED)) {
    throw new PluginError(
      `Could not use plugin ${JSON.stringify(p.name ?? '(unnamed)')}: "kind" must be one of ${Object.keys(REQUIRED).join(', ')}, got ${JSON.stringify(kind)}.`,
    );
  }
  if (typeof p.name !== 'string' || p.name.length === 0) {
    throw new PluginError(`Could not use ${kind} plugin: it has no "name" (a non-empty string).`);
  }
  const missing = REQUIRED[kind]!.filter((f) => {
    const [field, type] = f.split(':') as [string, string];
    return typeof p[field] !== type || p[field] === null;
  });
  if (missing.length > 0) {
    throw new PluginError(
      `Could not use ${kind} plugin "${p.name}": missing or wrong ${missing.map((m) => m.replace(':', ' (') + ')').join(', ')}.`,
    );
  }
}

/** Options of {@link Registry.activateBackend}. */
export interface ActivateOptions {
  /**
   * Called when `auto` falls back past a backend that failed, with the full message (every backend skipped
   * and why) and the one-line notice (at most {@link NOTICE_MAX_LENGTH} characters). Default: the notice is
   * printed with `console.warn`, once per process, unless `LAYERWISE_QUIET=1` or `verbose: false`.
   */
  warn?: (message: string, line: string) => void;
  /** `false` silences the default fallback notice (an estimator's explicit `verbose: false`). */
  verbose?: boolean;
}

/** The first sentence or clause of a reason (up to `. ` or `: `), for the one-line notice. */
function firstClause(reason: string): string {
  const cut = reason.search(/(?:\.|:)\s/);
  return cut === -1 ? reason.replace(/\.$/, '') : reason.slice(0, cut);
}

/** The one-line `auto` fallback notice: what was picked, why, where to read more; ≤ {@link NOTICE_MAX_LENGTH}. */
export function fallbackNotice(
  chosen: string,
  failures: readonly { name: string; reason: string }[],
): string {
  const [first, ...rest] = failures;
  const head = `layerwise: using "${chosen}"`;
  const tail = `${rest.length > 0 ? ` (+${rest.length} more)` : ''}. See ${BACKENDS_DOC_URL}`;
  if (!first) return shorten(`${head}${tail}`, NOTICE_MAX_LENGTH);
  const room = NOTICE_MAX_LENGTH - head.length - tail.length - `; ${first.name}: `.length;
  return `${head}; ${first.name}: ${shorten(firstClause(first.reason), Math.max(room, 10))}${tail}`;
}

/**
 * The plugin registry: a dependency-injection container (inversify) behind a small typed face.
 *
 * ```ts
 * const registry = new Registry().use(wasmBackend()).use(csvLogger({ path: 'train.csv' }));
 * const scoped = registry.child().use(jsonlLogger({ path: 'one-run.jsonl' })); // parent unaffected
 * ```
 *
 * Several loggers and exporters can be bound at once; backends are named and ranked by priority. A child
 * scope sees its parent's plugins plus its own; nothing bound in a child leaks into the parent.
 */
export class Registry {
  readonly #container: Container;
  readonly #parent: Registry | undefined;
  readonly #owned: Plugin[] = [];
  #frozen = false;
  #disposed = false;
  readonly #warned = new Set<string>();

  constructor(parent?: Registry) {
    this.#parent = parent;
    this.#container = new Container(parent ? { parent: parent.#container } : undefined);
  }

  /** The parent scope, if this is a child. */
  get parent(): Registry | undefined {
    return this.#parent;
  }

  /** A child scope: sees this registry's plugins, adds its own without changing this one. */
  child(): Registry {
    this.#assertUsable('child');
    return new Registry(this);
  }

  /** Installs a plugin (chainable). Validates its shape first; a backend or exporter name must be unique. */
  use(plugin: Plugin): this {
    this.#assertUsable('use');
    if (this.#frozen) {
      throw new PluginError(
        `Cannot use plugin "${(plugin as Plugin | undefined)?.name}": this registry is frozen. Call registry.child() and use the plugin there.`,
      );
    }
    validatePlugin(plugin);
    switch (plugin.kind) {
      case 'backend':
        if (this.backends().some((b) => b.name === plugin.name)) {
          throw new PluginError(
            `A backend named "${plugin.name}" is already registered: backend names must be unique.`,
          );
        }
        return this.bind(Tokens.backend, plugin);
      case 'exporter':
        if (this.#getAll(Tokens.exporter).some((e) => e.format === plugin.format)) {
          throw new PluginError(
            `An exporter for format "${plugin.format}" is already registered: use a child registry to replace it.`,
          );
        }
        return this.bind(Tokens.exporter, plugin);
      case 'logger':
        return this.bind(Tokens.logger, plugin);
      case 'logFile':
        return this.bind(Tokens.logFile, plugin);
      case 'executor':
        return this.bind(EXECUTOR, plugin);
      case 'estimator': {
        validateEstimatorKind(plugin);
        const same = this.#getAll(Tokens.estimatorKind).find((k) => k.name === plugin.name);
        if (same === plugin) return this;
        if (same && this.#ownKinds().includes(same)) {
          throw new PluginError(
            `An estimator kind named "${plugin.name}" is already registered here: use a child registry to replace it.`,
          );
        }
        return this.bind(Tokens.estimatorKind, plugin);
      }
      case 'setup':
        (plugin as SetupPlugin).setup(this);
        this.#owned.push(plugin);
        return this;
    }
  }

  /** Binds a value to a typed token in this scope (several values per token are allowed). */
  bind<T>(tok: Token<T>, value: T): this {
    this.#assertUsable('bind');
    this.#container.bind<T>(tok.id).toConstantValue(value);
    if (typeof value === 'object' && value !== null && 'kind' in value)
      this.#owned.push(value as unknown as Plugin);
    return this;
  }

  /** Every value bound to `tok` in this scope and its parents (parents first). */
  getAll<T>(tok: Token<T>): T[] {
    return this.#getAll(tok);
  }

  /** The one value bound to `tok` (the nearest scope's last binding); throws PluginError when none. */
  get<T>(tok: Token<T>): T {
    const v = this.tryGet(tok);
    if (v === undefined) {
      throw new PluginError(
        `Nothing is registered for "${tok.description}": registry.use() a plugin that provides it.`,
      );
    }
    return v;
  }

  /** Like {@link get} but returns undefined when nothing is bound. */
  tryGet<T>(tok: Token<T>): T | undefined {
    const all = this.#getAll(tok);
    return all[all.length - 1];
  }

  #getAll<T>(tok: Token<T>): T[] {
    const own = this.#container.isCurrentBound(tok.id) ? this.#container.getAll<T>(tok.id) : [];
    return this.#parent ? [...this.#parent.#getAll(tok), ...own] : own;
  }

  #ownKinds(): EstimatorKindPlugin[] {
    const tok = Tokens.estimatorKind.id;
    return this.#container.isCurrentBound(tok) ? this.#container.getAll<EstimatorKindPlugin>(tok) : [];
  }

  /** Estimator kinds of this scope and its parents (parents first; a later one of the same name wins). */
  estimatorKinds(): EstimatorKindPlugin[] {
    return this.#getAll(Tokens.estimatorKind);
  }

  /** Backends, highest priority first. */
  backends(): BackendPlugin[] {
    return this.#getAll(Tokens.backend).sort((a, b) => b.priority - a.priority);
  }

  /** Loggers of this scope and its parents. */
  loggers(): LoggerPlugin[] {
    return this.#getAll(Tokens.logger);
  }

  /** Exporters of this scope and its parents. */
  exporters(): ExporterPlugin[] {
    return this.#getAll(Tokens.exporter);
  }

  /** The exporter for `format`; UnknownFormatError listing the registered formats when none. */
  exporter(format: string): ExporterPlugin {
    const all = this.exporters();
    const found = [...all].reverse().find((e) => e.format === format);
    if (!found) {
      const formats = all.map((e) => e.format);
      throw new UnknownFormatError(
        `No exporter for format "${format}". Registered formats: ${formats.length ? formats.join(', ') : '(none)'}. Install the exporter package and registry.use() it (e.g. tfjsExporter() from @layerwise/exporter-tfjs, onnxExporter() from @layerwise/exporter-onnx).`,
      );
    }
    return found;
  }

  /**
   * A logger for a file path, chosen by extension among the `logFile` plugins (`.csv`, `.jsonl`). A path
   * with another extension is a ValidationError naming the registered ones.
   */
  logFileLogger(path: string): LoggerPlugin {
    const plugins = this.#getAll(Tokens.logFile);
    const lower = path.toLowerCase();
    const chosen = [...plugins].reverse().find((p) => p.extensions.some((ext) => lower.endsWith(ext)));
    if (plugins.length === 0) {
      throw new PluginError(
        `logPath "${path}" needs a file logger, but none is registered: registry.use(csvLogFile()) from @layerwise/logger-csv, or use the estimators from the "layerwise" package, whose default registry has one.`,
      );
    }
    if (!chosen) {
      const exts = [...new Set(plugins.flatMap((p) => [...p.extensions]))];
      const list = exts.length > 1 ? `${exts.slice(0, -1).join(', ')} or ${exts[exts.length - 1]}` : exts[0];
      throw new ValidationError(
        `logPath "${path}" must end in ${list} (the file loggers registered here); rename it, e.g. "${path.replace(/\.[^./\\]*$/, '')}${exts[0]}".`,
      );
    }
    return chosen.create(path);
  }

  /**
   * Activates a backend and returns its name. `'auto'` tries backends from the highest priority down and
   * falls back (with one warning) past any that fail; a named backend must be registered and must load.
   * With no backend plugins at all, the backend already set in tfjs is used.
   *
   * Goes through the process-wide {@link engineGuard}: it waits while work on another backend runs and
   * never activates two backends at once. The backend stays active only until other guarded work needs
   * another one — to run work on it, use {@link withBackend}.
   */
  async activateBackend(requested = 'auto', options: ActivateOptions = {}): Promise<string> {
    return this.withBackend(requested, async (name) => name, options);
  }

  /**
   * Runs `work` on backend `requested` (`'auto'` or a registered name) through the process-wide
   * {@link engineGuard}: it starts once no work on another backend is running (waiting in call order),
   * with the backend activated, and passes the backend's name to `work`. Estimators run `fit`, `predict`,
   * `transform`… this way, so work on `cpu` and `wasm` can be awaited concurrently, each entirely on its
   * own backend.
   *
   * ```ts
   * const out = await registry.withBackend('wasm', async () => tf.tidy(() => tf.matMul(a, b)).data());
   * ```
   */
  async withBackend<T>(
    requested: string,
    work: (backend: string) => Promise<T>,
    options: ActivateOptions = {},
  ): Promise<T> {
    this.#assertUsable('withBackend');
    const target = await this.#resolveBackend(requested, options);
    return engineGuard().run(target.name, target.activate, () => work(target.name));
  }

  /**
   * Like {@link withBackend}, but when the engine is running `requested` already, `work` joins it even if
   * others wait (so `predict` during its own estimator's `fit` sees the previous model at once).
   */
  async withRunningBackend<T>(requested: string, work: (backend: string) => Promise<T>): Promise<T> {
    this.#assertUsable('withRunningBackend');
    const target = await this.#resolveBackend(requested, {});
    return engineGuard().join(target.name, target.activate, () => work(target.name));
  }

  /** Which backend `requested` means and how to activate it (resolving `'auto'` once, alone on the engine). */
  async #resolveBackend(
    requested: string,
    options: ActivateOptions,
  ): Promise<{ name: string; activate: () => Promise<void> }> {
    const all = this.backends();
    const setCurrent = (name: string) => async () => {
      if (tf.getBackend() !== name) await tf.setBackend(name);
      await tf.ready();
    };
    if (requested !== 'auto') {
      const b = all.find((x) => x.name === requested);
      if (!b) {
        if (all.length === 0 && tf.getBackend() === requested && tf.findBackend(requested))
          return { name: requested, activate: setCurrent(requested) };
        throw new BackendUnavailableError(
          `Backend "${requested}" is not registered. Registered: ${all.map((x) => x.name).join(', ') || '(none)'}. Install and use its plugin (e.g. registry.use(wasmBackend())), or pass backend: 'auto'.`,
        );
      }
      // activate() throws the plugin's own BackendUnavailableError saying why it cannot load here.
      return { name: b.name, activate: () => activatePlugin(b) };
    }
    const cached = this.#auto;
    if (cached && all.includes(cached)) return { name: cached.name, activate: () => activatePlugin(cached) };
    const guard = engineGuard();
    const inside = guard.current;
    if (all.length === 0) {
      // No plugin and no tfjs backend imported either: say what to install instead of tfjs's bare error.
      if (!inside && tf.engine().backendNames().length === 0) throw new BackendUnavailableError(NO_BACKEND);
      // The backend already set in tfjs (tf.ready() picks tfjs's best registered one when none is set).
      const name =
        inside ??
        (await guard.exclusive(async () => {
          await tf.ready();
          return tf.getBackend();
        }));
      if (!name) {
        throw new BackendUnavailableError(
          'No backend is registered: registry.use(cpuBackend()) from @layerwise/backend-cpu (or wasmBackend()), or import a tfjs backend yourself.',
        );
      }
      return { name, activate: setCurrent(name) };
    }
    const chosen = inside
      ? (all.find((b) => b.name === inside) ?? (await this.#autoActivate(all, options)))
      : await guard.exclusive(() => this.#autoActivate(all, options));
    this.#auto = chosen;
    return { name: chosen.name, activate: () => activatePlugin(chosen) };
  }

  #auto: BackendPlugin | undefined;

  /** `'auto'`: the first backend (by priority) that is available and activates, with one warning on fallback. */
  async #autoActivate(all: BackendPlugin[], options: ActivateOptions): Promise<BackendPlugin> {
    const failures: string[] = [];
    const reasons: { name: string; reason: string }[] = [];
    for (const b of all) {
      let available = false;
      try {
        available = await b.isAvailable();
      } catch (e) {
        failures.push(`${b.name}: ${(e as Error).message}`);
        reasons.push({ name: b.name, reason: (e as Error).message });
        continue;
      }
      if (!available) {
        let reason: string | undefined;
        try {
          reason = await b.unavailableReason?.();
        } catch {
          reason = undefined;
        }
        failures.push(`${b.name}: ${reason || 'not available here'}`);
        if (reason) reasons.push({ name: b.name, reason });
        continue;
      }
      try {
        await activatePlugin(b);
        if (reasons.length > 0) {
          const message = `layerwise: using backend "${b.name}" (skipped: ${failures.join('; ')}).`;
          const line = fallbackNotice(b.name, reasons);
          if (options.warn) {
            // one warning per registry tree, not one per fit
            const root = this.#root();
            if (!root.#warned.has(message)) {
              root.#warned.add(message);
              options.warn(message, line);
            }
          } else notice(`auto:${line}`, line, { verbose: options.verbose });
        }
        return b;
      } catch (e) {
        failures.push(`${b.name}: ${(e as Error).message}`);
        reasons.push({ name: b.name, reason: (e as Error).message });
      }
    }
    throw new BackendUnavailableError(`No registered backend could be activated. ${failures.join('; ')}`);
  }

  #root(): Registry {
    let r: Registry = this;
    while (r.#parent) r = r.#parent;
    return r;
  }

  /** Forbids further `use`/`bind` on this scope (children are still allowed). */
  freeze(): this {
    this.#frozen = true;
    return this;
  }

  /** True after `freeze()`: `use`/`bind` on this scope then throw. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Closes this scope's loggers and unbinds everything in it; the registry cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    for (const p of this.#owned) {
      if ((p.kind === 'logger' || p.kind === 'executor') && p.close) await p.close();
    }
    this.#owned.length = 0;
    await this.#container.unbindAllAsync();
    this.#disposed = true;
  }

  #assertUsable(method: string): void {
    if (this.#disposed)
      throw new PluginError(`registry.${method}(): this registry was disposed; create a new one.`);
  }
}

/** The tfjs backend each plugin set when it was last activated (to skip activating it again). */
const activated = new WeakMap<BackendPlugin, string>();

/** Activates `plugin` unless the tfjs backend it set last time is still the current one. */
async function activatePlugin(plugin: BackendPlugin): Promise<void> {
  const name = activated.get(plugin);
  if (name !== undefined && tf.getBackend() === name && tf.findBackend(name)) return;
  activated.delete(plugin);
  await plugin.activate();
  activated.set(plugin, tf.getBackend());
  setHostReader(tf.getBackend(), plugin.readInto?.bind(plugin));
}

/** What an estimator says when it runs with no backend plugin and no tfjs backend at all. */
export const NO_BACKEND =
  "No backend to run on: this registry has no backend plugin and no tfjs backend is loaded. Install one and .use() it — npm install @layerwise/backend-wasm, then new Registry().use(wasmBackend()) (or cpuBackend() from @layerwise/backend-cpu) passed as { registry } — or import 'layerwise' (its default registry picks the best backend), or import a tfjs backend package yourself (such as @tensorflow/tfjs-backend-cpu).";

let defaultRegistryFactory: (() => Registry) | undefined;
let defaultRegistry: Registry | undefined;

/**
 * Sets how the default registry is built (the `layerwise` umbrella sets one with the best backend and
 * file loggers). Estimators made without `{ registry }` use the default.
 */
export function setDefaultRegistryFactory(factory: () => Registry): void {
  defaultRegistryFactory = factory;
  defaultRegistry = undefined;
}

/** The default registry (created on first use). Without a factory it is empty: the tfjs backend already set is used. */
export function getDefaultRegistry(): Registry {
  if (!defaultRegistry) defaultRegistry = defaultRegistryFactory ? defaultRegistryFactory() : new Registry();
  return defaultRegistry;
}
