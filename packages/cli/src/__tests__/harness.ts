// Shared by the CLI tests: run the real bin in a child process, or the same run() in this process.
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { run } from '../run.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = join(PKG, 'node_modules', '.bin', 'tsx');
const BIN = join(PKG, 'src', 'bin.ts');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `layerwise ...args` and resolves with its exit code and output (never rejects). */
export function layerwise(args: string[], cwd: string): Promise<Result> {
  return new Promise((ok) => {
    execFile(
      TSX,
      ['--conditions=source', BIN, ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        ok({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the command in this process, through the same `run()` the bin calls, capturing its output. */
export async function inProcess(args: string[]): Promise<Result> {
  const out: string[] = [];
  let stderr = '';
  const code = await run(args, {
    out: (t) => out.push(t),
    err: { write: (c: string) => (stderr += c), isTTY: false },
  });
  return { code, stdout: out.length ? `${out.join('\n')}\n` : '', stderr };
}

/** Live tensors of this process's tfjs engine (0 before any backend is registered). */
export function tensors(): number {
  try {
    return tf.memory().numTensors;
  } catch {
    return 0;
  }
}

/** The stderr of a failed command: exactly one line, `layerwise: ...`, no stack trace. */
export function oneLineError(r: Result): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^layerwise: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}
