import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EpochEndEvent, FitStartEvent, LoggerPlugin, TrainingEvent } from '@layerwise/core';
import { ValidationError } from '@layerwise/core';

/** Options of {@link markdownLogger}. */
export interface MarkdownLoggerOptions {
  /** Write the report to this file when a fit ends (atomically: temp file + rename). */
  path?: string;
  /** Digits after the decimal point for losses and metrics (default 4). */
  digits?: number;
}

/** A logger plugin that also hands back its report. */
export interface MarkdownLogger extends LoggerPlugin {
  /** The Markdown written so far (every finished fit, plus the one in progress). */
  markdown(): string;
}

/** Escapes a table cell: pipes and line breaks would break the row. */
function escapeCell(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function stageLabel(e: { stage: string; layer?: number }): string {
  return e.layer === undefined ? e.stage : `${e.stage} ${e.layer + 1}`;
}

/**
 * A third-party logger: one Markdown table per `fit`, one row per epoch (`epochEnd` events), written when
 * the fit ends. It depends on `@layerwise/core`'s contract only — a `LoggerPlugin` is an object with
 * `kind: 'logger'`, a `name`, `handle(event)` and an optional `close()`.
 *
 * ```ts
 * const registry = new Registry().use(markdownLogger({ path: 'training.md' }));
 * ```
 */
export function markdownLogger(options: MarkdownLoggerOptions = {}): MarkdownLogger {
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 0 || digits > 12) {
    throw new ValidationError(
      `markdownLogger({ digits }): digits must be an integer 0…12, got ${String(digits)}.`,
    );
  }
  if (options.path !== undefined && (typeof options.path !== 'string' || options.path === '')) {
    throw new ValidationError(
      'markdownLogger({ path }): path must be a non-empty file path, e.g. "training.md".',
    );
  }
  const finished: string[] = [];
  let start: FitStartEvent | undefined;
  let epochs: EpochEndEvent[] = [];
  const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(digits));

  const current = (): string => {
    if (!start && epochs.length === 0) return '';
    const title = start
      ? `## ${start.estimator} on ${start.backend} (${start.samples} samples × ${start.features} features)`
      : '## Training';
    const metricNames = [...new Set(epochs.flatMap((e) => Object.keys(e.metrics ?? {})))].sort();
    const hasVal = epochs.some((e) => e.valLoss !== undefined);
    const head = [
      'stage',
      'epoch',
      'loss',
      ...(hasVal ? ['val loss'] : []),
      ...metricNames,
      'seconds',
      'samples/s',
    ];
    const lines = [
      title,
      '',
      row(head),
      `|${head.map((_, i) => (i < 2 ? ' --- |' : ' ---: |')).join('')}`,
      ...epochs.map((e) =>
        row([
          stageLabel(e),
          `${e.epoch}/${e.epochs}`,
          num(e.loss),
          ...(hasVal ? [num(e.valLoss)] : []),
          ...metricNames.map((m) => num(e.metrics?.[m])),
          e.seconds.toFixed(2),
          Math.round(e.samplesPerSecond).toString(),
        ]),
      ),
    ];
    return `${lines.join('\n')}\n`;
  };

  const markdown = () => [...finished, current()].filter((s) => s !== '').join('\n');

  const flush = () => {
    if (options.path === undefined || markdown() === '') return;
    const tmp = `${options.path}.${process.pid}.tmp`;
    mkdirSync(dirname(options.path), { recursive: true });
    writeFileSync(tmp, markdown());
    renameSync(tmp, options.path);
  };

  return {
    kind: 'logger',
    name: 'markdown',
    markdown,
    handle(event: TrainingEvent) {
      switch (event.type) {
        case 'fitStart':
          start = event;
          epochs = [];
          break;
        case 'epochEnd':
          epochs.push(event);
          break;
        case 'fitEnd':
          finished.push(current());
          start = undefined;
          epochs = [];
          flush();
          break;
        default:
          // stageStart, stageEnd and batchEnd are not part of the table.
          break;
      }
    },
    close() {
      if (start || epochs.length > 0) {
        finished.push(current());
        start = undefined;
        epochs = [];
      }
      flush();
    },
  };
}
