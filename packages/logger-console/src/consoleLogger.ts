import type { EpochEndEvent, LoggerPlugin, Stage, TrainingEvent } from '@layerwise/core';
import { ValidationError } from '@layerwise/core';
import { type ProgressBar, startProgressBar } from '#progress-bar';

/** Where a {@link consoleLogger} writes: any writable with `write(string)`; `isTTY` selects progress bars. */
export interface ConsoleLoggerStream {
  write(chunk: string): unknown;
  /** True on a terminal: progress bars are drawn. Otherwise one plain line per epoch is written. */
  isTTY?: boolean;
  /** Terminal width (progress bars are cut to it). */
  columns?: number;
}

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /**
   * `'auto'` (default): print only when the estimator's `verbose` param is true (sent with `fitStart`).
   * `true`: always print. `false`: never print.
   */
  verbose?: boolean | 'auto';
  /** Default: `process.stdout` in Node; elsewhere, lines go to `console.log`. */
  stream?: ConsoleLoggerStream;
}

interface StageInfo {
  stage: Stage;
  layer: number | undefined;
  epochs: number;
  batches: number;
  samples: number;
}

/** A number for humans: 4 decimals in the usual range, scientific notation outside it. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toFixed(4) : x.toExponential(3);
}

/** Seconds as `1h02m03s`, `2m05s` or `4.2s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m${pad(s % 60)}s` : `${m}m${pad(s % 60)}s`;
}

function stageLabel(stage: Stage, layer: number | undefined): string {
  return stage === 'pretrain' && layer !== undefined ? `pretrain layer ${layer + 1}` : stage;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The plain line for one epoch (what non-TTY output shows), e.g. `train epoch 3/20 - loss 0.1234 - 1.2s - 800 samples/s`. */
export function epochLine(e: EpochEndEvent): string {
  const parts = [
    `${stageLabel(e.stage, e.layer)} epoch ${e.epoch}/${e.epochs}`,
    `loss ${formatNumber(e.loss)}`,
  ];
  if (e.valLoss !== undefined) parts.push(`val_loss ${formatNumber(e.valLoss)}`);
  for (const [k, v] of Object.entries(e.metrics ?? {})) parts.push(`${snake(k)} ${formatNumber(v)}`);
  parts.push(formatDuration(e.seconds), `${Math.round(e.samplesPerSecond)} samples/s`);
  return parts.join(' - ');
}

function defaultStream(): ConsoleLoggerStream {
  const stdout = (globalThis as { process?: { stdout?: ConsoleLoggerStream } }).process?.stdout;
  if (stdout) return stdout;
  return { write: (s: string) => console.log(s.replace(/\n$/, '')), isTTY: false };
}

const BAR_FORMAT =
  '{label} epoch {epoch}/{epochs} |{bar}| batch {value}/{total} | loss {loss} | ETA {etaText} | {speed} samples/s';

/**
 * A logger that shows training progress. On a TTY it draws a progress bar per epoch (stage, layer, epoch
 * k/n, batch, loss, ETA, samples/s) with [cli-progress](https://www.npmjs.com/package/cli-progress); each
 * finished epoch's bar stays on screen with its final loss. Elsewhere (CI, pipes, files) it writes one
 * plain line per epoch. It never changes training.
 *
 * ```ts
 * import { Registry } from '@layerwise/core';
 * import { consoleLogger } from '@layerwise/logger-console';
 * const registry = new Registry().use(consoleLogger()); // prints for estimators made with verbose: true
 * ```
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): LoggerPlugin {
  const verbose = options.verbose ?? 'auto';
  if (verbose !== 'auto' && typeof verbose !== 'boolean') {
    throw new ValidationError(
      `consoleLogger({ verbose }): expected true, false or 'auto', got ${JSON.stringify(verbose)}.`,
    );
  }
  const stream = options.stream ?? defaultStream();
  if (typeof stream?.write !== 'function') {
    throw new ValidationError(
      'consoleLogger({ stream }): the stream needs a write(string) method (e.g. process.stderr).',
    );
  }
  // Progress bars on a terminal in Node.js; a browser build has none (startProgressBar is undefined there).
  const tty = stream.isTTY === true && startProgressBar !== undefined;
  let active = verbose === true;
  let stage: StageInfo | undefined;
  let epochStart = 0;
  let bar: ProgressBar | undefined;
  const line = (s: string) => stream.write(`${s}\n`);

  const startBar = (
    epoch: number,
    epochs: number,
    total: number,
    value: number,
    payload: Record<string, unknown>,
  ) => {
    bar = startProgressBar?.(stream, BAR_FORMAT, total, value, {
      label: stageLabel(stage?.stage ?? 'train', stage?.layer),
      epoch,
      epochs,
      ...payload,
    });
  };
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };

  return {
    kind: 'logger',
    name: 'console',
    handle(event: TrainingEvent): void {
      if (event.type === 'fitStart')
        active = verbose === true || (verbose === 'auto' && event.verbose === true);
      if (!active) return;
      switch (event.type) {
        case 'fitStart':
          line(
            // 0 samples: a one-shot stream, whose rows are counted only as it is read.
            `${event.estimator}: ${event.samples > 0 ? `${event.samples} samples` : 'a one-shot stream'} × ${event.features} features, backend ${event.backend}`,
          );
          break;
        case 'stageStart':
          stopBar();
          stage = {
            stage: event.stage,
            layer: event.layer,
            epochs: event.epochs,
            batches: event.batchesPerEpoch,
            samples: event.samples,
          };
          epochStart = event.time;
          break;
        case 'batchEnd': {
          if (!tty) break;
          const elapsed = Math.max((event.time - epochStart) / 1000, 1e-9);
          const samples = stage ? (stage.samples * event.batch) / Math.max(stage.batches, 1) : 0;
          const payload = {
            loss: event.loss === undefined ? '…' : formatNumber(event.loss),
            etaText: formatDuration((elapsed / event.batch) * (event.batches - event.batch)),
            speed: samples > 0 && event.time > epochStart ? Math.round(samples / elapsed) : '…',
          };
          if (bar) bar.update(event.batch, payload);
          else startBar(event.epoch, event.epochs, event.batches, event.batch, payload);
          break;
        }
        case 'epochEnd': {
          epochStart = event.time;
          if (!tty) {
            line(epochLine(event));
            break;
          }
          const extra = [
            event.valLoss === undefined ? '' : ` val_loss ${formatNumber(event.valLoss)}`,
            ...Object.entries(event.metrics ?? {}).map(([k, v]) => ` ${snake(k)} ${formatNumber(v)}`),
          ].join('');
          const payload = {
            loss: formatNumber(event.loss) + extra,
            etaText: formatDuration(0),
            speed: Math.round(event.samplesPerSecond),
          };
          const total = stage?.batches ?? 1;
          if (bar) bar.update(total, payload);
          else startBar(event.epoch, event.epochs, total, total, payload);
          stopBar();
          break;
        }
        case 'stageEnd':
          stopBar();
          if (event.stoppedEarly) {
            line(
              `${stageLabel(event.stage, event.layer)}: stopped early after ${event.epochsRun} epochs${event.bestEpoch === undefined ? '' : ` (best epoch ${event.bestEpoch})`}`,
            );
          }
          break;
        case 'fitEnd':
          stopBar();
          line(`${event.estimator}: done in ${formatDuration(event.seconds)}`);
          break;
      }
    },
    close(): void {
      stopBar();
    },
  };
}
