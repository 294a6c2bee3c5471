import { LayerwiseError } from '@layerwise/core';

/** A command line that cannot be run as written (bad flag value, missing argument): exit code 2. */
export class CliUsageError extends LayerwiseError {}

/**
 * A bad value of a flag or argument, thrown by the option parsers. Commander recognises it by its `code`
 * (as its own `InvalidArgumentError`) and reports `error: option '--epochs <n>' argument 'x' is invalid.
 * <message>`; the command then exits with the usage code.
 */
export class CliArgumentError extends CliUsageError {
  readonly code = 'commander.invalidArgument';
  readonly exitCode = 1;
}

/** Exit codes of the `layerwise` command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
