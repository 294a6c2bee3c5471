/** The longest line {@link notice} prints: longer messages are shortened with `…`. */
export const NOTICE_MAX_LENGTH = 160;

/** Where a notice points for more: the backends section of the README. */
export const BACKENDS_DOC_URL = 'https://github.com/layerwise/layerwise#backends';

/** Options of {@link notice}. */
export interface NoticeOptions {
  /** `false` silences the notice (an estimator's `verbose: false`); `true` or absent prints it. */
  verbose?: boolean;
  /** Where the line goes. Default: `console.warn`. A custom sink is called every time (no once-per-process). */
  print?: (line: string) => void;
}

interface ProcessLike {
  env?: Record<string, string | undefined>;
}

/**
 * True when the environment asks for silence: `LAYERWISE_QUIET` set to anything but `''`, `0` or `false`.
 * Reading the environment is never an error (browsers have none; Deno without `--allow-env` refuses).
 */
export function isQuiet(): boolean {
  let value: string | undefined;
  try {
    value = (globalThis as { process?: ProcessLike }).process?.env?.LAYERWISE_QUIET;
  } catch {
    return false;
  }
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Shortens `text` to at most `max` characters, ending with `…` when cut. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, Math.max(0, max - 1));
  // at a word boundary when one is near the end
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s.,;:]+$/, '')}…`;
}

// Process-wide, shared by every copy of @layerwise/core loaded in the process.
const PRINTED = Symbol.for('layerwise.notices.printed');

function printedKeys(): Set<string> {
  const g = globalThis as { [PRINTED]?: Set<string> };
  g[PRINTED] ??= new Set<string>();
  return g[PRINTED];
}

/**
 * Prints a one-line notice (at most {@link NOTICE_MAX_LENGTH} characters) once per process for each `key`,
 * unless silenced by `verbose: false` or `LAYERWISE_QUIET=1`. Returns whether it printed.
 *
 * ```ts
 * notice('wasm-threads', 'layerwise: wasm runs on 1 thread here (no workers).');
 * ```
 */
export function notice(key: string, message: string, options: NoticeOptions = {}): boolean {
  if (options.verbose === false || isQuiet()) return false;
  const line = shorten(message, NOTICE_MAX_LENGTH);
  if (options.print) {
    options.print(line);
    return true;
  }
  const printed = printedKeys();
  if (printed.has(key)) return false;
  printed.add(key);
  console.warn(line);
  return true;
}
