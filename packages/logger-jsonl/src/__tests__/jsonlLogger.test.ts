import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, type TrainingEvent, ValidationError } from '@layerwise/core';
import { sampleEpochEnd, sampleTrainingEvents } from '@layerwise/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonlLogFile, jsonlLogger } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TrainingEvent);

describe('jsonlLogger', () => {
  it('writes one JSON object per event, each line flushed as it happens', () => {
    const path = join(dir, 'a.jsonl');
    const logger = jsonlLogger({ path });
    const events = sampleTrainingEvents();
    logger.handle(events[0]!);
    // already on disk before close()
    expect(readLines(path)).toEqual([events[0]]);
    for (const e of events.slice(1)) logger.handle(e);
    logger.close?.();
    expect(readLines(path)).toEqual(events);
  });

  it('writes the learning rate (lr) of epochEnd events and the running loss of batchEnd events', () => {
    const path = join(dir, 'lr.jsonl');
    const logger = jsonlLogger({ path });
    logger.handle(sampleEpochEnd({ lr: 0.003 }));
    logger.handle({
      type: 'batchEnd',
      stage: 'train',
      epoch: 2,
      epochs: 3,
      batch: 4,
      batches: 9,
      loss: 0.42,
      lr: 0.0003,
      time: 0,
    });
    logger.close?.();
    const [epoch, batch] = readLines(path) as unknown as [{ lr: number }, { lr: number; loss: number }];
    expect(epoch.lr).toBe(0.003);
    expect([batch.loss, batch.lr]).toEqual([0.42, 0.0003]);
  });

  it('filters by event type', () => {
    const path = join(dir, 'b.jsonl');
    const logger = jsonlLogger({ path, events: ['epochEnd', 'fitEnd'] });
    for (const e of sampleTrainingEvents()) logger.handle(e);
    logger.close?.();
    expect(readLines(path).map((e) => e.type)).toEqual(['epochEnd', 'epochEnd', 'epochEnd', 'fitEnd']);
    expect(() => jsonlLogger({ path, events: ['epochStart' as 'epochEnd'] })).toThrow(ValidationError);
    expect(() => jsonlLogger({ path: '' })).toThrow(ValidationError);
  });

  it('writes params that JSON cannot hold as plain values', () => {
    const path = join(dir, 'c.jsonl');
    const logger = jsonlLogger({ path });
    const start = sampleTrainingEvents()[0]! as Extract<TrainingEvent, { type: 'fitStart' }>;
    logger.handle({
      ...start,
      params: { sizes: new Int32Array([3, 2]), big: 5n, fn: () => 1, lr: Number.NaN },
    });
    logger.close?.();
    expect(readLines(path)[0]).toMatchObject({ params: { sizes: [3, 2], big: '5', lr: null } });
  });

  it('starts anew by default, appends when asked (dropping a cut-off line), continues across fits', () => {
    const path = join(dir, 'd.jsonl');
    const logger = jsonlLogger({ path });
    for (const fit of [1, 2]) {
      for (const e of sampleTrainingEvents()) logger.handle(e);
      logger.close?.();
      expect(readLines(path)).toHaveLength(10 * fit);
    }
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"epo`);
    const again = jsonlLogger({ path, append: true });
    for (const e of sampleTrainingEvents()) again.handle(e);
    again.close?.();
    expect(readLines(path)).toHaveLength(30);
    const fresh = jsonlLogger({ path });
    fresh.handle(sampleTrainingEvents()[0]!);
    fresh.close?.();
    expect(readLines(path)).toHaveLength(1);
  });

  it('is the .jsonl file logger of a registry', () => {
    const registry = new Registry().use(jsonlLogFile({ events: ['fitEnd'] }));
    const path = join(dir, 'e.jsonl');
    const logger = registry.logFileLogger(path);
    for (const e of sampleTrainingEvents()) logger.handle(e);
    logger.close?.();
    expect(readLines(path).map((e) => e.type)).toEqual(['fitEnd']);
  });
});
