// `layerwise worker`: the real bin against a redis-server the test starts on a free loopback port.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '@layerwise/backend-cpu';
import { Registry } from '@layerwise/core';
import { bullmqExecutor } from '@layerwise/executor-bullmq';
import { crossValidate } from '@layerwise/model-selection';
import { MLPClassifier } from '@layerwise/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess } from './harness.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

describe('layerwise worker', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  beforeAll(async () => {
    execFileSync('redis-server', ['--version']); // CI installs it (.ci/run): fail loudly without it
    dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'layerwise-cli-worker-'));
    port = await freePort();
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir],
      {
        stdio: 'ignore',
      },
    );
    await new Promise((r) => setTimeout(r, 700));
  });
  afterAll(async () => {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('usage errors: --queue is required (exit 2)', async () => {
    const r = await inProcess(['worker', '--redis', `redis://127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--queue/);
  });

  it('Redis unreachable: ExecutorUnavailableError, exit 1, within seconds', async () => {
    const closed = await freePort();
    const t0 = Date.now();
    const r = await inProcess(['worker', '--redis', `redis://127.0.0.1:${closed}`, '--queue', 'q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^layerwise: ExecutorUnavailableError: .*unreachable/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('serves a crossValidate from another process, then stops on SIGTERM', async () => {
    const proc = spawn(
      join(PKG, 'node_modules', '.bin', 'tsx'),
      [
        '--conditions=source',
        join(PKG, 'src', 'bin.ts'),
        'worker',
        '--redis',
        `redis://127.0.0.1:${port}`,
        '--queue',
        'cli',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir } },
    );
    let out = '';
    let err = '';
    proc.stdout!.on('data', (c) => (out += c));
    proc.stderr!.on('data', (c) => (err += c));
    const end = Date.now() + 120_000;
    while (!out.includes('serving queue cli') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/serving queue cli on redis:\/\/127\.0\.0\.1:\d+ \(concurrency 1\)/);
    const registry = new Registry().use(cpuBackend());
    const X = {
      data: Float32Array.from({ length: 120 * 4 }, (_, i) => Math.sin(i * 0.37)),
      shape: [120, 4] as [number, number],
    };
    const y = Int32Array.from({ length: 120 }, (_, i) => (X.data[i * 4]! > 0 ? 1 : 0));
    const est = new MLPClassifier({ hiddenLayerSizes: [8], epochs: 5, randomState: 0 }, { registry });
    const executor = bullmqExecutor({ connection: `redis://127.0.0.1:${port}`, queue: 'cli' });
    const remote = await crossValidate(est, X, y, { cv: 2, scoring: 'accuracy', executor });
    const local = await crossValidate(est, X, y, { cv: 2, scoring: 'accuracy' });
    expect(remote.testScore).toEqual(local.testScore);
    expect(err).toMatch(/task \S+ done/);
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const code = await exited;
    expect(code).toBe(0);
    expect(out).toMatch(/layerwise worker: stopped/);
  });
});
