/**
 * `pnpm bench` — layerwise against tfjs-layers, a raw tfjs-core loop and PyTorch (CPU, 1 thread), in one run.
 *
 *   pnpm bench                         full run (≈ 10–20 min on 2 cores)
 *   pnpm bench -- --quick              a short run to check the harness (≈ 2 min)
 *   pnpm bench -- --only step,overhead parts: step, infer, pretrain, overhead (quality, gridsearch, browser: runs of their own)
 *   options: --rounds N  --backends wasm,cpu,node  --samples N (wasm & PyTorch)  --cpu-samples N  --cpu-infer-rows N
 *            --pretrain-rows N  --pretrain-rounds N  --threads 1,2 (default 1 and all cores)  --noisy-above 1.5
 *            --fused-optimizers (wasm plugin: fused Adam kernels)  --no-python  --no-save  --seed N
 *
 * Prints a Markdown table and writes bench/results/<date>.json. A run whose 1-minute load average at start,
 * divided by the core count, is above 1.5 (`--noisy-above`) is marked `noisy` in both.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchOptions, type Part, runBench } from './harness.js';
import { loadInfo, markdown, targets } from './report.js';

const PARTS: Part[] = ['step', 'infer', 'pretrain', 'overhead'];

/** Parses the command line into options (exported for the smoke test). */
export function parseOptions(
  argv: string[],
): BenchOptions & { save: boolean; noisyAbove: number; fusedOptimizers: boolean } {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      backends: { type: 'string' },
      samples: { type: 'string' },
      'cpu-samples': { type: 'string' },
      'cpu-infer-rows': { type: 'string' },
      'pretrain-rows': { type: 'string' },
      'pretrain-rounds': { type: 'string' },
      threads: { type: 'string' },
      'noisy-above': { type: 'string' },
      'fused-optimizers': { type: 'boolean', default: false },
      'no-python': { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      seed: { type: 'string' },
    },
  });
  const q = values.quick;
  const int = (v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${v}`);
    return n;
  };
  const parts = (values.only ?? 'step,infer,pretrain,overhead').split(',').map((p) => p.trim()) as Part[];
  for (const p of parts)
    if (!PARTS.includes(p)) throw new Error(`--only: unknown part ${p} (${PARTS.join(', ')})`);
  const samples = int(values.samples, q ? 1000 : 6000);
  const cores = availableParallelism();
  const threads = (values.threads ?? `1,${cores}`).split(',').map((t) => int(t.trim(), 1));
  const noisyAbove = values['noisy-above'] === undefined ? 1.5 : Number(values['noisy-above']);
  if (!(noisyAbove > 0))
    throw new Error(`--noisy-above: expected a positive number, got ${values['noisy-above']}`);
  return {
    parts,
    backends: (values.backends ?? 'wasm,cpu,node').split(',').map((b) => b.trim()),
    rounds: int(values.rounds, q ? 2 : 5),
    stepSamples: { default: samples, cpu: int(values['cpu-samples'], q ? 300 : 1000) },
    // the pure-JS cpu backend runs the 784→500→250→64 encoder at ~300 rows/s: 10 000 rows would take minutes
    inferRows: { default: 10_000, cpu: int(values['cpu-infer-rows'], 1000) },
    pretrainRows: int(values['pretrain-rows'], q ? 6000 : 60_000),
    pretrainRounds: int(values['pretrain-rounds'], 1),
    python: !values['no-python'],
    threads: [...new Set(threads)].sort((a, b) => a - b),
    seed: int(values.seed, 1),
    save: !values['no-save'],
    noisyAbove,
    fusedOptimizers: values['fused-optimizers'],
    log: (l) => process.stderr.write(`${l}\n`),
  };
}

/** One line describing the machine and its load. */
export function machineLine(load: number[]): string {
  const c = cpus();
  return `${c.length} cores (${c[0]?.model ?? 'unknown CPU'}), no accelerator, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.versions.node}, load average ${load.map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) at start`;
}

async function main() {
  // `--only browser`: the AE step on webgl vs wasm in headless Chromium (./browserStep.ts), a run of its own.
  if (/--only[= ]browser\b/.test(process.argv.slice(2).join(' '))) {
    await (await import('./browserStep.js')).runBrowserStep(process.argv.slice(2));
    return;
  }
  // `--only gridsearch`: GridSearchCV wall time nJobs 2 vs 1 (./gridsearch.ts), a run of its own.
  if (/--only[= ]gridsearch\b/.test(process.argv.slice(2).join(' '))) {
    await (await import('./gridsearch.js')).runGridSearchFromArgv(process.argv.slice(2));
    return;
  }
  // `--only quality`: layerwise vs PyTorch accuracy, same recipes and subsets (./quality.ts), a run of its own.
  if (/--only[= ]quality\b/.test(process.argv.slice(2).join(' '))) {
    await (await import('./quality.js')).runQualityFromArgv(process.argv.slice(2));
    return;
  }
  const o = parseOptions(process.argv.slice(2));
  // the wasm plugin's fused optimizer kernels (off by default): every plugin contender's worker inherits this
  if (o.fusedOptimizers) process.env.LAYERWISE_BENCH_FUSED_OPTIMIZERS = '1';
  const loadStart = loadavg();
  const started = new Date();
  const result = await runBench(o);
  const machine = machineLine(loadStart);
  const load = loadInfo(loadStart, loadavg(), availableParallelism(), o.noisyAbove);
  const md = markdown(result, machine, load);
  process.stdout.write(`${md}\n`);
  if (o.save) {
    const here = dirname(fileURLToPath(import.meta.url));
    const dir = join(here, '..', 'results');
    mkdirSync(dir, { recursive: true });
    let commit = 'unknown';
    try {
      commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    } catch {
      // not a git checkout
    }
    const file = join(
      dir,
      `${started.toISOString().slice(0, 10)}${o.parts.length < 3 ? `-${o.parts.join('-')}` : ''}${o.rounds < 3 ? '-quick' : ''}${load.noisy ? '-noisy' : ''}.json`,
    );
    const json = {
      date: started.toISOString(),
      seconds: (Date.now() - started.getTime()) / 1000,
      commit,
      noisy: load.noisy,
      load,
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model,
        totalMemBytes: totalmem(),
        node: process.versions.node,
        loadAverageStart: load.start,
        loadAverageEnd: load.end,
      },
      ...result,
      targets: targets(result),
      markdown: md,
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    process.stderr.write(`wrote ${file}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
