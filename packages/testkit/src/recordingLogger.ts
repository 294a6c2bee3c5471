import type { EpochEndEvent, LoggerPlugin, TrainingEvent } from '@layerwise/core';

/** A logger (named `'recorder'`) that records every event it receives, and whether it was closed. */
export function recordingLogger(): LoggerPlugin & { events: TrainingEvent[]; closed: boolean } {
  const self = {
    kind: 'logger' as const,
    name: 'recorder',
    events: [] as TrainingEvent[],
    closed: false,
    handle(e: TrainingEvent) {
      self.events.push(e);
    },
    close() {
      self.closed = true;
    },
  };
  return self;
}

/**
 * A logger (named `'slow'`) that waits `ms` milliseconds after every `epochEnd` event, so that a test can
 * interrupt a fit (e.g. kill its process) in the middle. With `line`, it first writes `line(event)` and a
 * newline to stdout (for the parent process to follow the fit).
 */
export function slowLogger(ms: number, line?: (event: EpochEndEvent) => string): LoggerPlugin {
  return {
    kind: 'logger',
    name: 'slow',
    handle: (e: TrainingEvent) =>
      e.type === 'epochEnd'
        ? new Promise<void>((resolve) => {
            if (line) process.stdout.write(`${line(e)}\n`);
            setTimeout(resolve, ms);
          })
        : undefined,
  };
}
