/**
 * `pnpm bench -- --only gridsearch` — GridSearchCV wall time with `nJobs: 2` against `nJobs: 1` in one run,
 * on the same MNIST digits and seeds, and whether both give identical `cvResults` scores.
 *
 *   options: --samples N (default 2000)  --epochs N (5)  --cv N (3)  --rounds N (1)  --backend wasm|cpu  --no-save
 *            --executor local|bullmq (default local). bullmq: a redis-server on a free loopback port and
 *            --workers N (2) worker processes (`startWorker`, built package) stand in for machines; the
 *            "nJobs 2" column is then the search on the BullMQ executor.
 *
 * The issue-28 goals: `--samples 3000 --epochs 6` (12 fits) ≥ 1.5× with nJobs 2, ≥ 1.4× on BullMQ with 2
 * workers; `--samples 1500` never more than 1.2× slower with nJobs 2.
 *
 * Each round runs nJobs 1 and nJobs 2 (order alternated per round); the report gives each wall time, the
 * speed-up (median of per-round ratios) and the goal.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuBackend } from '@layerwise/backend-cpu';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { bullmqExecutor } from '@layerwise/executor-bullmq';
import { GridSearchCV } from '@layerwise/model-selection';
import { MLPClassifier } from '@layerwise/nn';

/** The grid searched: 4 candidates. */
export const GRID = { hiddenLayerSizes: [[32], [64]], learningRate: [1e-3, 3e-3] };

/** Options of {@link runGridSearchBench}. */
export interface GridSearchBenchOptions {
  samples: number;
  epochs: number;
  cv: number;
  rounds: number;
  backend: 'wasm' | 'cpu';
  executor: 'local' | 'bullmq';
  workers: number;
  save: boolean;
  log: (line: string) => void;
}

/** Parses the command line (exported for the smoke test). */
export function parseGridSearchOptions(argv: string[]): GridSearchBenchOptions {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      only: { type: 'string' },
      samples: { type: 'string' },
      epochs: { type: 'string' },
      cv: { type: 'string' },
      rounds: { type: 'string' },
      backend: { type: 'string' },
      executor: { type: 'string' },
      workers: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
    },
    strict: false,
  });
  const int = (v: unknown, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${String(v)}`);
    return n;
  };
  const backend = (values.backend ?? 'wasm') as string;
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend: wasm or cpu, got ${backend}`);
  const executor = (values.executor ?? 'local') as string;
  if (executor !== 'local' && executor !== 'bullmq')
    throw new Error(`--executor: local or bullmq, got ${executor}`);
  return {
    executor,
    workers: int(values.workers, 2),
    samples: int(values.samples, 2000),
    epochs: int(values.epochs, 5),
    cv: int(values.cv, 3),
    rounds: int(values.rounds, 1),
    backend,
    save: !values['no-save'],
    log: (l) => process.stderr.write(`${l}\n`),
  };
}

/** A redis-server on a free loopback port and `n` worker processes; `stop()` ends them. */
async function startFarm(n: number, backendThreads: number) {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  const pkg = dirname(fileURLToPath(import.meta.resolve('@layerwise/executor-bullmq/package.json')));
  const script = `const { startWorker } = await import('@layerwise/executor-bullmq');
    await startWorker({ connection: '${url}', queue: 'bench', threads: ${backendThreads} });
    process.stdout.write('ready\\n');`;
  const procs = Array.from({ length: n }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: pkg,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await Promise.all(procs.map((p) => new Promise((r) => p.stdout!.once('data', r))));
  return {
    executor: bullmqExecutor({ connection: url, queue: 'bench' }),
    stop() {
      for (const p of procs) p.kill('SIGTERM');
      server.kill('SIGTERM');
    },
  };
}

let farm: Awaited<ReturnType<typeof startFarm>> | null = null;

/** One timed search; returns seconds and the split scores. */
async function timedSearch(o: GridSearchBenchOptions, nJobs: number, data: { X: unknown; y: unknown }) {
  const registry = new Registry().use(o.backend === 'wasm' ? wasmBackend() : cpuBackend());
  const est = new MLPClassifier({ epochs: o.epochs, batchSize: 100, randomState: 0 }, { registry });
  const where = nJobs > 1 && farm ? { executor: farm.executor } : { nJobs };
  const search = new GridSearchCV(est, GRID, { cv: o.cv, scoring: 'accuracy', refit: false, ...where });
  const t0 = performance.now();
  await search.fit(data.X, data.y);
  const seconds = (performance.now() - t0) / 1000;
  const scores = Array.from({ length: o.cv }, (_, k) => search.cvResults[`split${k}TestScore`] as number[]);
  return { seconds, scores, best: search.bestParams, bestScore: search.bestScore };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs the rounds and returns the Markdown report. */
export async function runGridSearchBench(o: GridSearchBenchOptions) {
  const { X, y } = await loadMnist({ limit: o.samples });
  if (o.executor === 'bullmq') {
    farm = await startFarm(o.workers, Math.max(1, Math.floor(availableParallelism() / o.workers)));
  }
  const fits = 4 * o.cv;
  o.log(
    `gridsearch: ${o.samples} digits, ${fits} fits (4 candidates × ${o.cv} folds), ${o.epochs} epochs, ${o.backend}`,
  );
  const one: number[] = [];
  const two: number[] = [];
  let identical = true;
  let last: Awaited<ReturnType<typeof timedSearch>> | null = null;
  for (let r = 0; r < o.rounds; r++) {
    const order = r % 2 === 0 ? [1, 2] : [2, 1];
    const got: Record<number, Awaited<ReturnType<typeof timedSearch>>> = {};
    for (const n of order) {
      got[n] = await timedSearch(o, n, { X, y });
      o.log(`  round ${r + 1}: nJobs ${n}: ${got[n]!.seconds.toFixed(1)} s`);
    }
    one.push(got[1]!.seconds);
    two.push(got[2]!.seconds);
    identical &&= JSON.stringify(got[1]!.scores) === JSON.stringify(got[2]!.scores);
    last = got[1]!;
  }
  farm?.stop();
  farm = null;
  const ratios = one.map((t, i) => t / two[i]!);
  const speedup = median(ratios);
  const load = loadavg();
  const md = [
    o.executor === 'bullmq'
      ? `### GridSearchCV: BullMQ executor (${o.workers} worker processes, loopback Redis) vs nJobs 1`
      : `### GridSearchCV: nJobs 2 vs nJobs 1`,
    '',
    `${o.samples} MNIST digits, MLPClassifier (epochs ${o.epochs}, batch 100) on ${o.backend}, grid ${JSON.stringify(GRID)}, cv ${o.cv} (${fits} fits), ${o.rounds} round(s); ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load average ${load.map((x) => x.toFixed(1)).join(' / ')} at the end.`,
    '',
    '| nJobs | wall time (median) | speed-up vs nJobs 1 |',
    '| ----- | ------------------ | ------------------- |',
    `| 1 | ${median(one).toFixed(1)} s | 1.00× |`,
    `| ${o.executor === 'bullmq' ? `bullmq × ${o.workers}` : '2'} | ${median(two).toFixed(1)} s | ${speedup.toFixed(2)}× (goal on 2 cores ≥ ${o.executor === 'bullmq' ? '1.4' : '1.5'}×: ${speedup >= (o.executor === 'bullmq' ? 1.4 : 1.5) ? 'met' : 'not met'}) |`,
    '',
    `cvResults split scores identical between nJobs 1 and 2: **${identical ? 'yes' : 'NO'}**; best ${JSON.stringify(last?.best)} (mean accuracy ${last?.bestScore.toFixed(4)}).`,
  ].join('\n');
  const result = {
    date: new Date().toISOString(),
    options: { ...o, log: undefined },
    one,
    two,
    ratios,
    speedup,
    identical,
  };
  return { md, result };
}

/** `--only gridsearch` entry point (called from main.ts). */
export async function runGridSearchFromArgv(argv: string[]): Promise<void> {
  const o = parseGridSearchOptions(argv);
  const { md, result } = await runGridSearchBench(o);
  process.stdout.write(`${md}\n`);
  if (o.save) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(
      dir,
      `${result.date.slice(0, 10)}-gridsearch${o.executor === 'bullmq' ? '-bullmq' : ''}.json`,
    );
    writeFileSync(file, `${JSON.stringify({ ...result, markdown: md }, null, 2)}\n`);
    process.stderr.write(`wrote ${file}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runGridSearchFromArgv(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
