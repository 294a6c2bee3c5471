import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, ValidationError } from '@layerwise/core';
import { sampleEpochEnd, sampleTrainingEvents } from '@layerwise/testkit';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_HEADER, csvLogFile, csvLogger } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Minimal RFC 4180 parser (quoted cells, doubled quotes) — enough to read our logs back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        cells.push(cur);
        cur = '';
      } else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

function run(path: string, events = sampleTrainingEvents(), append?: boolean) {
  const logger = csvLogger(append === undefined ? { path } : { path, append });
  for (const e of events) logger.handle(e);
  logger.close?.();
}

describe('csvLogger', () => {
  it('writes the learning rate of each epoch in the lr column', () => {
    const path = join(dir, 'lr.csv');
    run(path, [sampleEpochEnd({ lr: 0.001 }), sampleEpochEnd({ epoch: 2, lr: 0.0001 })]);
    const rows = parseCsv(readFileSync(path, 'utf8'));
    expect(rows[0]!.at(-1)).toBe('lr');
    expect(rows.slice(1).map((r) => r.at(-1))).toEqual(['0.001', '0.0001']);
  });

  it('writes the header once and one row per epoch, empty where a value does not apply', () => {
    const path = join(dir, 'a.csv');
    run(path);
    const rows = parseCsv(readFileSync(path, 'utf8'));
    expect(rows[0]!.join(',')).toBe(CSV_HEADER);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toEqual([
      '2026-01-02T03:04:05.000Z',
      'pretrain',
      '0',
      '1',
      '0.8',
      '',
      '',
      '',
      '0.25',
      '4000',
      '',
    ]);
    expect(rows[2]![3]).toBe('2');
    expect(rows[3]).toEqual([
      '2026-01-02T03:04:05.000Z',
      'finetune',
      '',
      '1',
      '0.4',
      '0.45',
      '0.9',
      '0.85',
      '0.25',
      '4000',
      '',
    ]);
    for (const r of rows) expect(r).toHaveLength(11);
    // numbers read back exactly
    expect(Number(rows[3]![4])).toBe(0.4);
  });

  it('starts anew by default, appends with append: true, and keeps one header across fits of one logger', () => {
    const path = join(dir, 'b.csv');
    run(path);
    run(path); // truncates
    expect(parseCsv(readFileSync(path, 'utf8'))).toHaveLength(4);
    run(path, undefined, true);
    const rows = parseCsv(readFileSync(path, 'utf8'));
    expect(rows).toHaveLength(7);
    expect(rows.filter((r) => r[0] === 'timestamp')).toHaveLength(1);

    const path2 = join(dir, 'b2.csv');
    const logger = csvLogger({ path: path2 });
    for (const fit of [1, 2]) {
      for (const e of sampleTrainingEvents()) logger.handle(e);
      logger.close?.();
      expect(parseCsv(readFileSync(path2, 'utf8'))).toHaveLength(1 + 3 * fit);
    }
  });

  it('refuses to append to a file with another header, leaving it untouched', () => {
    const path = join(dir, 'c.csv');
    const original = 'epoch,loss\n1,0.5\n';
    writeFileSync(path, original);
    const logger = csvLogger({ path, append: true });
    expect(() => logger.handle(sampleTrainingEvents()[0]!)).toThrow(ValidationError);
    expect(() => logger.handle(sampleTrainingEvents()[0]!)).toThrow(/header is "epoch,loss"/);
    expect(readFileSync(path, 'utf8')).toBe(original);
  });

  it('drops a row cut off mid-write before appending', () => {
    const path = join(dir, 'd.csv');
    run(path);
    const before = readFileSync(path, 'utf8');
    writeFileSync(path, `${before}2026-01-02T03:04:05.000Z,train,,4,0.`);
    run(path, [sampleEpochEnd({ epoch: 9 })], true);
    const rows = parseCsv(readFileSync(path, 'utf8'));
    expect(rows).toHaveLength(5);
    expect(rows[4]![3]).toBe('9');
    for (const r of rows) expect(r).toHaveLength(11);
  });

  it('quotes cells that need it', () => {
    const path = join(dir, 'e.csv');
    run(path, [sampleEpochEnd({ stage: 'we,ird"' as 'train' })]);
    expect(parseCsv(readFileSync(path, 'utf8'))[1]![1]).toBe('we,ird"');
  });

  it('validates its options', () => {
    expect(() => csvLogger({ path: '' })).toThrow(ValidationError);
  });

  it('is the .csv file logger of a registry', () => {
    const registry = new Registry().use(csvLogFile());
    const path = join(dir, 'f.CSV');
    const logger = registry.logFileLogger(path);
    expect(logger.kind).toBe('logger');
    for (const e of sampleTrainingEvents()) logger.handle(e);
    logger.close?.();
    expect(parseCsv(readFileSync(path, 'utf8'))).toHaveLength(4);
  });

  it('keeps every finished epoch when the process is killed (SIGKILL)', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const bundle = join(dir, 'child.mjs');
    await build({
      entryPoints: [join(here, 'csvChild.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      conditions: ['source'],
      logLevel: 'silent',
      // The child needs only the logger and core's error classes: stub tfjs and the gradient module.
      plugins: [
        {
          name: 'stub-tfjs',
          setup(b) {
            b.onResolve({ filter: /^(@tensorflow\/tfjs-core|#tfjs-gradients)$/ }, (a) => ({
              path: a.path,
              namespace: 'stub',
            }));
            b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export {}', loader: 'js' }));
          },
        },
      ],
    });
    const path = join(dir, 'killed.csv');
    const child = spawn(process.execPath, [bundle, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // The child prints the epoch number after each row it logged; kill it after the fifth.
        if (/\b5\n/.test(out) && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited: ${_code}`)),
      );
    });
    const rows = parseCsv(readFileSync(path, 'utf8'));
    expect(rows[0]!.join(',')).toBe(CSV_HEADER);
    const epochs = rows.slice(1).map((r) => Number(r[3]));
    expect(epochs.length).toBeGreaterThanOrEqual(5);
    expect(epochs).toEqual(epochs.map((_, i) => i + 1));
    for (const r of rows) expect(r).toHaveLength(11);
  });
});
