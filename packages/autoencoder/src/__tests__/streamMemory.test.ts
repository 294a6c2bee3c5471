// Out-of-core training in bounded memory: a 200 000 × 64 synthetic CSV (+ a label column) streamed with
// streamCsv into an MLPClassifier and a StackedAutoencoder, each in a child process that reads its own
// RSS before the fit and its peak (VmHWM) after it.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@layerwise/core';
import { bundleChild } from '@layerwise/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROWS = 200_000;
const COLS = 64;
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;
let csv: string;
let bundle: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lw-stream-mem-'));
  csv = join(root, 'big.csv');
  // Features uniform in [0, 1] (3 decimals); label = 2·[x2 > 0.5] + [x0 + x1 > 1] (4 classes).
  const rng = new Rng(1);
  const fd = openSync(csv, 'w');
  writeSync(fd, `${Array.from({ length: COLS }, (_, c) => `f${c}`).join(',')},label\n`);
  const row = new Array<string>(COLS + 1);
  for (let r = 0; r < ROWS; r += 1000) {
    let chunk = '';
    for (let i = 0; i < 1000; i++) {
      let x0 = 0;
      let x1 = 0;
      let x2 = 0;
      for (let c = 0; c < COLS; c++) {
        const v = Math.floor(rng.next() * 1000) / 1000;
        if (c === 0) x0 = v;
        else if (c === 1) x1 = v;
        else if (c === 2) x2 = v;
        row[c] = v.toFixed(3);
      }
      row[COLS] = String((x2 > 0.5 ? 2 : 0) + (x0 + x1 > 1 ? 1 : 0));
      chunk += `${row.join(',')}\n`;
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
  bundle = await bundleChild(new URL('./streamMemoryChild.ts', import.meta.url), join(root, 'child.mjs'));
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface ChildOut {
  before: number;
  peak: number;
  stages: { early: number; end: number }[];
  tensors: number;
}
const run = (which: 'mlp' | 'ae'): ChildOut =>
  JSON.parse(execFileSync(process.execPath, [bundle, csv, which], { cwd: pkgDir, encoding: 'utf8' }));

describe('streamed fit of a 200 000 × 64 CSV (51 MB as float32) in bounded memory', () => {
  it.each(['mlp', 'ae'] as const)(
    '%s: peak RSS grows < 100 MB over the RSS before the fit; the loss falls',
    (which) => {
      const out = run(which);
      const growthMb = (out.peak - out.before) / 1024;
      console.log(
        `${which}: RSS before fit ${(out.before / 1024).toFixed(1)} MB, peak ${(out.peak / 1024).toFixed(1)} MB, growth ${growthMb.toFixed(1)} MB; stage losses ${JSON.stringify(out.stages)}`,
      );
      expect(out.stages.length).toBe(which === 'mlp' ? 1 : 2);
      for (const s of out.stages) expect(s.end).toBeLessThan(s.early);
      expect(growthMb).toBeLessThan(100);
      expect(out.tensors).toBe(0);
    },
    60_000,
  );
});
