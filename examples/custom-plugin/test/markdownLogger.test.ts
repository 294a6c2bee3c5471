import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainingEvent } from '@layerwise/core';
import { Registry, ValidationError } from '@layerwise/core';
import { describe, expect, it } from 'vitest';
import { markdownLogger } from '../src/index.js';

const t = 1_700_000_000_000;

/** The events a two-layer autoencoder fit would send (shortened). */
const events: TrainingEvent[] = [
  {
    type: 'fitStart',
    estimator: 'StackedAutoencoder',
    backend: 'wasm',
    samples: 1000,
    features: 784,
    params: {},
    verbose: false,
    time: t,
  },
  { type: 'stageStart', stage: 'pretrain', layer: 0, epochs: 2, batchesPerEpoch: 10, samples: 1000, time: t },
  {
    type: 'batchEnd',
    stage: 'pretrain',
    layer: 0,
    epoch: 1,
    epochs: 2,
    batch: 5,
    batches: 10,
    loss: 0.3,
    time: t,
  },
  ...[1, 2].map(
    (epoch): TrainingEvent => ({
      type: 'epochEnd',
      stage: 'pretrain',
      layer: 0,
      epoch,
      epochs: 2,
      loss: 0.1 / epoch,
      metrics: {},
      seconds: 1.5,
      samplesPerSecond: 666.6,
      time: t,
    }),
  ),
  { type: 'stageEnd', stage: 'pretrain', layer: 0, epochsRun: 2, stoppedEarly: false, seconds: 3, time: t },
  {
    type: 'epochEnd',
    stage: 'finetune',
    epoch: 1,
    epochs: 1,
    loss: 0.05,
    valLoss: 0.06,
    metrics: { acc: 0.9, valAcc: 0.875 },
    seconds: 2,
    samplesPerSecond: 500,
    time: t,
  },
  { type: 'fitEnd', estimator: 'StackedAutoencoder', seconds: 5, time: t },
];

describe('markdownLogger (a third-party logger plugin)', () => {
  it('is a valid logger plugin that the registry accepts', () => {
    const logger = markdownLogger();
    const registry = new Registry().use(logger);
    expect(registry.loggers()).toContain(logger);
    expect(logger.kind).toBe('logger');
  });

  it('writes one Markdown table row per epoch, with validation and metric columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-md-'));
    const path = join(dir, 'nested', 'training.md');
    const logger = markdownLogger({ path, digits: 3 });
    for (const e of events) await logger.handle(e);
    await logger.close?.();
    const md = readFileSync(path, 'utf8');
    expect(md).toBe(logger.markdown());
    expect(md.split('\n')).toEqual([
      '## StackedAutoencoder on wasm (1000 samples × 784 features)',
      '',
      '| stage | epoch | loss | val loss | acc | valAcc | seconds | samples/s |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| pretrain 1 | 1/2 | 0.100 |  |  |  | 1.50 | 667 |',
      '| pretrain 1 | 2/2 | 0.050 |  |  |  | 1.50 | 667 |',
      '| finetune | 1/1 | 0.050 | 0.060 | 0.900 | 0.875 | 2.00 | 500 |',
      '',
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a new table per fit', () => {
    const logger = markdownLogger();
    const first = events[0] as Extract<TrainingEvent, { type: 'fitStart' }>;
    logger.handle({ ...first, estimator: 'My|Estimator' });
    logger.handle(events[3]!);
    logger.handle(events.at(-1)!);
    logger.handle(first);
    logger.handle(events[4]!);
    const md = logger.markdown();
    expect(md.match(/^## /gm)).toHaveLength(2);
    expect(md).toContain('## My|Estimator on wasm');
    expect(md).not.toContain('val loss');
  });

  it('rejects bad options', () => {
    expect(() => markdownLogger({ digits: -1 })).toThrow(ValidationError);
    expect(() => markdownLogger({ path: '' })).toThrow(/non-empty file path/);
  });
});
