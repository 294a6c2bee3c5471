// Browser variant of "#progress-bar" (package.json "imports"): no terminal, no cli-progress; consoleLogger
// writes one plain line per epoch instead.
import type { BarStream, ProgressBar } from './progressBar.js';

export type { BarStream, ProgressBar } from './progressBar.js';

/** No progress bars in a browser: consoleLogger falls back to one line per epoch. @internal */
export const startProgressBar:
  | ((
      stream: BarStream,
      format: string,
      total: number,
      value: number,
      payload: Record<string, unknown>,
    ) => ProgressBar)
  | undefined = undefined;
