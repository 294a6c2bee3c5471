import { LayerwiseError } from '@layerwise/core';

/** A command line that cannot be run as written (bad flag value, missing argument): exit code 2. */
export class CliUsageError extends LayerwiseError {}

/** Exit codes of the `layerwise` command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
