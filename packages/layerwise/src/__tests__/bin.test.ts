// `npx layerwise` after installing `layerwise`: the umbrella's bin runs @layerwise/cli.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the layerwise bin', () => {
  it('is declared in package.json and runs the CLI (help lists every command)', async () => {
    const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ layerwise: './bin/layerwise.js' });
    expect(pkg.files).toContain('bin');
    const bin = join(PKG, pkg.bin.layerwise);
    expect(readFileSync(bin, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const tsx = join(PKG, 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['--conditions=source', bin, '--help'], { cwd: PKG });
    for (const c of ['fit', 'predict', 'score', 'transform', 'export', 'info'])
      expect(stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    // A usage error exits with 2 and one line.
    const bad = await promisify(execFile)(tsx, ['--conditions=source', bin, 'frobnicate'], {
      cwd: PKG,
    }).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("layerwise: unknown command 'frobnicate'");
  });
});
