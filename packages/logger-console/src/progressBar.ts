// Node.js variant of "#progress-bar" (package.json "imports"): progress bars drawn with cli-progress.
// Browser bundles get progressBar.browser.ts instead, so cli-progress (events, readline) stays out of them.
import cliProgress from 'cli-progress';

/** One progress bar on a terminal. @internal */
export interface ProgressBar {
  update(value: number, payload: Record<string, unknown>): void;
  stop(): void;
}

/** Where a bar is drawn. @internal */
export interface BarStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Starts a bar at `value` of `total` on `stream`; undefined where no bars can be drawn (browser variant). @internal */
export const startProgressBar:
  | ((
      stream: BarStream,
      format: string,
      total: number,
      value: number,
      payload: Record<string, unknown>,
    ) => ProgressBar)
  | undefined = (stream, format, total, value, payload) => {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format,
      barsize: 24,
      hideCursor: false,
      clearOnComplete: false,
      stopOnComplete: false,
      gracefulExit: false,
      linewrap: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, value, payload);
  return bar;
};
