/**
 * The benchmark harness: starts contenders, runs them interleaved (A B A B …, rotating who goes first each
 * round), and turns the raw timings into medians and paired ratios. Used by `main.ts` and by the smoke test.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnistDataDir } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { headRows, loadDigits, type Matrix, writeMatrix } from './data.js';
import { type ContenderSpec, label, STACK, type Task, type TaskResult } from './spec.js';
import { median, pairedRatio, spread } from './stats.js';
import { isSkipped, type Skipped, startWorker, type Worker } from './workers.js';

/** Which parts to run. `overhead` alone runs just the two step contenders it needs. */
export type Part = 'step' | 'infer' | 'pretrain' | 'overhead';

/** Options of a benchmark run. */
export interface BenchOptions {
  parts: Part[];
  /** tfjs backends to try (a backend that does not load is reported as skipped). */
  backends: string[];
  /** Timed rounds per measurement (after one untimed warm-up round). */
  rounds: number;
  /** Samples per step epoch, per backend (`default` for the others, PyTorch included). */
  stepSamples: Record<string, number>;
  /** Rows for inference, per backend (`default` for the others, PyTorch included). */
  inferRows: Record<string, number>;
  pretrainRows: number;
  pretrainRounds: number;
  python: boolean;
  /**
   * Thread counts to run the threaded contenders at (`layerwise` on the wasm plugin and PyTorch), e.g. `[1, 2]`:
   * 1 and all cores by default. Other contenders run single-threaded.
   */
  threads: number[];
  seed: number;
  log: (line: string) => void;
}

/** One contender's measurements in one part. */
export interface Series {
  name: string;
  spec: ContenderSpec;
  backend: string;
  /** Threads the contender computed with, as it reported. */
  threads: number;
  /** Throughput per timed round (samples or rows per second). */
  perSecond: number[];
  medianPerSecond: number;
  /** (max − min) / median of the rounds. */
  spread: number;
  results: TaskResult[];
}

/** Everything a run measured. */
export interface BenchResult {
  options: Omit<BenchOptions, 'log'>;
  skipped: { name: string; reason: string }[];
  versions: Record<string, string>;
  step: Series[];
  infer: Series[];
  pretrain: Series[];
}

/** Thread counts above 1 of a list (the multi-threaded variants to add). */
function multi(threads: readonly number[]): number[] {
  return [...new Set(threads)].filter((t) => t > 1).sort((a, b) => a - b);
}

/**
 * The step contenders of the given backends. `threads` adds, for each count above 1, `layerwise/wasm-<t>t`
 * (the wasm plugin with `threads: t`) and `pytorch/cpu-<t>t`; PyTorch at 1 thread is always in.
 */
export function stepContenders(
  backends: string[],
  python: boolean,
  only?: 'overhead',
  threads: readonly number[] = [1],
): ContenderSpec[] {
  const specs: ContenderSpec[] = [];
  for (const b of backends) {
    specs.push({ impl: 'layerwise', backend: b, plugin: true });
    if (b === 'wasm')
      for (const t of multi(threads)) specs.push({ impl: 'layerwise', backend: b, plugin: true, threads: t });
    if (only === 'overhead') {
      specs.push({ impl: 'raw', backend: b, plugin: true });
      continue;
    }
    specs.push({ impl: 'tfjs-layers', backend: b, plugin: false });
    specs.push({ impl: 'raw', backend: b, plugin: false });
    // The wasm plugin changes kernels (transposed-matMul fast path): the engine-overhead ratio needs a raw loop
    // on the very same kernels, and tfjs-layers on them says how much of the gap is kernels vs. engine. On the
    // other backends the plugin is the stock backend, so raw/<b> serves.
    if (b === 'wasm') {
      specs.push({ impl: 'raw', backend: b, plugin: true });
      specs.push({ impl: 'tfjs-layers', backend: b, plugin: true });
    }
  }
  if (python && only !== 'overhead') {
    for (const t of [1, ...multi(threads)])
      specs.push({ impl: 'pytorch', backend: 'cpu', plugin: false, threads: t });
  }
  return specs;
}

/** Starts contenders one by one (starting them at once would time their start-up under each other's load). */
export async function startAll(specs: ContenderSpec[], log: (l: string) => void) {
  const running: Worker[] = [];
  const skipped: Skipped[] = [];
  const deadBackends = new Map<string, string>();
  for (const s of specs) {
    const dead = deadBackends.get(s.backend);
    const w = dead ? { spec: s, name: label(s), reason: dead } : await startWorker(s);
    if (isSkipped(w)) {
      log(`  skip ${w.name}: ${w.reason}`);
      if (w.backendFailed) deadBackends.set(s.backend, `the ${s.backend} backend did not load (see above)`);
      skipped.push(w);
    } else {
      log(
        `  ready ${w.name} (backend: ${w.backend}, ${w.threads} thread${w.threads === 1 ? '' : 's'}${w.version ? `, ${w.version}` : ''})`,
      );
      running.push(w);
    }
  }
  return { running, skipped };
}

/**
 * Runs `task(worker)` for every worker, `rounds` times after one untimed warm-up, interleaved and rotating
 * the order each round. Returns one series per worker.
 */
export async function interleave(
  workers: Worker[],
  rounds: number,
  task: (w: Worker, round: number) => Task,
  log: (l: string) => void,
  warmup = true,
): Promise<Series[]> {
  const results = new Map<Worker, TaskResult[]>(workers.map((w) => [w, []]));
  for (let r = warmup ? -1 : 0; r < rounds; r++) {
    const order = workers.map((_, i) => workers[(i + Math.max(r, 0)) % workers.length]!);
    const line: string[] = [];
    for (const w of order) {
      const res = await w.run(task(w, r));
      if (r >= 0) results.get(w)!.push(res);
      line.push(`${w.name} ${Math.round(res.samples / res.seconds)}/s`);
    }
    log(`  ${r < 0 ? 'warm-up' : `round ${r + 1}/${rounds}`}: ${line.join(' · ')}`);
  }
  return workers.map((w) => {
    const rs = results.get(w)!;
    const perSecond = rs.map((x) => x.samples / x.seconds);
    return {
      name: w.name,
      spec: w.spec,
      backend: w.backend,
      threads: w.threads,
      perSecond,
      medianPerSecond: median(perSecond),
      spread: spread(perSecond),
      results: rs,
    };
  });
}

/** Runs the benchmark. Data go to temp files that every contender reads; they are removed at the end. */
export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-bench-'));
  const out: BenchResult = {
    options: { ...o, log: undefined } as unknown as Omit<BenchOptions, 'log'>,
    skipped: [],
    versions: {},
    step: [],
    infer: [],
    pretrain: [],
  };
  delete (out.options as { log?: unknown }).log;
  try {
    const maxStep = Math.max(...Object.values(o.stepSamples));
    const trainRows = Math.max(o.parts.includes('pretrain') ? o.pretrainRows : 0, maxStep);
    const testRows = Math.max(...Object.values(o.inferRows));
    o.log(`loading MNIST: ${trainRows} training digits, ${testRows} test digits`);
    const train = await loadDigits('train', trainRows);
    const test = await loadDigits('test', testRows);
    const stepFile = join(dir, 'step.f32');
    const testFile = join(dir, 'test.f32');
    const trainFile = join(dir, 'train.f32');
    writeMatrix(stepFile, headRows(train, maxStep));
    writeMatrix(testFile, test);
    // Per-backend sizes are for tfjs backends (cpu is slow: fewer rows); PyTorch's "cpu" is not that backend
    // and gets the default size, so that it is timed on as many rows as the wasm contenders.
    const sizeFor = (sizes: Record<string, number>, w: Worker) =>
      (w.spec.impl === 'pytorch' ? undefined : sizes[w.spec.backend]) ?? sizes.default!;
    const samplesFor = (w: Worker) => sizeFor(o.stepSamples, w);

    const wantStep = o.parts.includes('step') || o.parts.includes('overhead');
    const wantInfer = o.parts.includes('infer');
    if (wantStep || wantInfer) {
      const onlyOverhead = o.parts.length === 1 && o.parts[0] === 'overhead';
      const specs = stepContenders(
        o.backends,
        o.python && !onlyOverhead,
        onlyOverhead ? 'overhead' : undefined,
        o.threads,
      );
      o.log('starting contenders');
      const { running, skipped } = await startAll(specs, o.log);
      out.skipped.push(...skipped.map((s) => ({ name: s.name, reason: s.reason })));
      for (const w of running) if (w.version) out.versions[w.name] = w.version;
      out.versions.tfjs = `@tensorflow/tfjs-core ${tf.version_core}`;
      try {
        if (wantStep) {
          o.log(`AE layer step: ${o.rounds} rounds + warm-up`);
          out.step = await interleave(
            running,
            o.rounds,
            (w, r) => ({ kind: 'step', file: stepFile, samples: samplesFor(w), seed: o.seed + r }),
            o.log,
          );
        }
        if (wantInfer) {
          const inferWorkers = running.filter((w) => !w.spec.plugin || w.spec.impl === 'layerwise');
          o.log(`inference: transform of ${JSON.stringify(o.inferRows)} rows, ${o.rounds} rounds + warm-up`);
          out.infer = await interleave(
            inferWorkers,
            o.rounds,
            (w) => ({
              kind: 'infer',
              file: testFile,
              rows: sizeFor(o.inferRows, w),
              seed: o.seed,
            }),
            o.log,
          );
        }
      } finally {
        await Promise.all(running.map((w) => w.close()));
      }
    }

    if (o.parts.includes('pretrain')) {
      writeMatrix(trainFile, headRows(train, o.pretrainRows));
      const specs: ContenderSpec[] = [
        { impl: 'layerwise', backend: 'wasm', plugin: true },
        ...multi(o.threads).map((t) => ({
          impl: 'layerwise' as const,
          backend: 'wasm',
          plugin: true,
          threads: t,
        })),
        { impl: 'raw', backend: 'wasm', plugin: true },
        // The same pretraining streamed from the MNIST IDX file (streamIdx, first pretrainRows images).
        { impl: 'layerwise', backend: 'wasm', plugin: true, streamed: true },
      ];
      if (o.python) {
        for (const t of [1, ...multi(o.threads)])
          specs.push({ impl: 'pytorch', backend: 'cpu', plugin: false, threads: t });
      }
      o.log(
        `full pretrain: SAE [${STACK.join(', ')}] on ${o.pretrainRows} digits, ${o.pretrainRounds} round(s)`,
      );
      const perWorker = new Map<string, TaskResult[]>();
      const specOf = new Map<string, ContenderSpec>();
      const backendOf = new Map<string, string>();
      const threadsOfRun = new Map<string, number>();
      for (let r = 0; r < o.pretrainRounds; r++) {
        const order = specs.map((_, i) => specs[(i + r) % specs.length]!);
        for (const s of order) {
          // a fresh process per run: its peak RSS is this run's alone
          const w = await startWorker(s);
          if (isSkipped(w)) {
            if (r === 0) out.skipped.push({ name: `${w.name} (pretrain)`, reason: w.reason });
            continue;
          }
          try {
            const res = await w.run({
              kind: 'pretrain',
              file: trainFile,
              rows: o.pretrainRows,
              layers: [...STACK],
              seed: o.seed + r,
              ...(s.streamed ? { idx: join(mnistDataDir(), 'train-images-idx3-ubyte') } : {}),
            });
            o.log(
              `  round ${r + 1}: ${w.name} ${res.seconds.toFixed(1)} s, peak RSS ${(res.peakRss! / 2 ** 20).toFixed(0)} MB`,
            );
            perWorker.set(w.name, [...(perWorker.get(w.name) ?? []), res]);
            specOf.set(w.name, s);
            backendOf.set(w.name, w.backend);
            threadsOfRun.set(w.name, w.threads);
          } finally {
            await w.close();
          }
        }
      }
      out.pretrain = [...perWorker].map(([name, rs]) => {
        const perSecond = rs.map((x) => x.samples / x.seconds);
        return {
          name,
          spec: specOf.get(name)!,
          backend: backendOf.get(name)!,
          threads: threadsOfRun.get(name)!,
          perSecond,
          medianPerSecond: median(perSecond),
          spread: spread(perSecond),
          results: rs,
        };
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** A series by contender name. */
export function find(series: Series[], name: string): Series | undefined {
  return series.find((s) => s.name === name);
}

/** Paired ratio of two series' throughputs (median of per-round ratios), NaN when one is missing. */
export function ratio(series: Series[], a: string, b: string): number {
  const sa = find(series, a);
  const sb = find(series, b);
  return sa && sb ? pairedRatio(sa.perSecond, sb.perSecond) : Number.NaN;
}

export type { Matrix };
