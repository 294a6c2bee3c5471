// Faults: a full disk during save, export, checkpoint and CSV logging, simulated by a child process whose
// files may not grow past 64 KiB (`ulimit -f 64`: writes past it fail with EFBIG, like ENOSPC on a full
// disk). Each is a StorageError, the previous model/checkpoint/export still loads, no partial file is left.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSV_HEADER } from '@layerwise/logger-csv';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, '..', '..', '..');
const root = mkdtempSync(join(tmpdir(), 'lw-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const LIMIT = 64 * 1024;

describe('reliability: full disk', () => {
  it('save, export, checkpoint and CSV logging fail with a StorageError, keep the previous file and leave no partial file', async () => {
    // A CSV log 150 bytes short of the limit: the next rows do not fit.
    const row = '2026-12-01T00:00:00.000Z,train,,1,0.5,,,,0.01,1000,0.001';
    let log = `${CSV_HEADER}\n`;
    while (Buffer.byteLength(log) + row.length + 1 < LIMIT - 150) log += `${row}\n`;
    writeFileSync(join(root, 'log.csv'), log);
    const script = `ulimit -f ${LIMIT / 1024} && exec "${process.execPath}" --import tsx --conditions=source "${join(here, 'diskFullChild.ts')}" "${root}"`;
    const { stdout, stderr, code } = await new Promise<{
      stdout: string;
      stderr: string;
      code: number | null;
    }>((resolve) => {
      const child = execFile('bash', ['-c', script], { cwd: pkgDir }, (_e, so, se) =>
        resolve({ stdout: so, stderr: se, code: child.exitCode }),
      );
    });
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    const storage =
      /^StorageError: Could not write ".*": the file is larger than this process may write .*\(EFBIG\)\. Nothing half-written was left and the previous file is unchanged/;
    expect(out.save).toMatch(storage);
    expect(out.saveReloads).toBe(true);
    expect(out.saveTmp).toEqual([]);
    expect(out.saveLeft).toHaveLength(2); // model.json + the previous weights file
    expect(out.export).toMatch(storage);
    expect(out.exportUnchanged).toBe(true);
    expect(out.exportTmp).toEqual([]);
    expect(out.checkpoint).toMatch(storage);
    expect(out.checkpointFitted).toBe(false);
    expect(out.checkpointReloads).toBe('Checkpoint:MLPRegressor');
    expect(out.checkpointUnchanged).toBe(true);
    expect(out.checkpointTmp).toEqual([]);
    expect(out.log).toMatch(/^StorageError: Could not write ".*log\.csv"/);
    expect(out.logFitted).toBe(false);
    expect(out.logEndsWithNewline).toBe(true); // whole rows only
    expect(out.logBytes).toBeLessThanOrEqual(LIMIT);
    expect(out.leaked).toBe(0);
  }, 120_000);
});
