/** Turns a {@link BenchResult} into Markdown tables and target checks. */
import { type BenchResult, find, ratio, type Series } from './harness.js';
import { STACK, STEP } from './spec.js';
import { fmt, median } from './stats.js';

/** The float32 size of the full MNIST training set (60 000 × 784 × 4 bytes ≈ 188 MB). */
export const MNIST_F32_BYTES = 60_000 * 784 * 4;
const MB = 1e6;

/** One project target and where we stand. */
export interface TargetCheck {
  target: string;
  measured: string;
  goal: string;
  met: boolean | null;
}

/** The multi-threaded layerwise wasm contender of a part (most threads), if any. */
export function threadedName(series: Series[]): string | undefined {
  return series
    .filter((x) => x.spec.impl === 'layerwise' && x.spec.backend === 'wasm' && (x.spec.threads ?? 1) > 1)
    .sort((a, b) => (b.spec.threads ?? 1) - (a.spec.threads ?? 1))[0]?.name;
}

function check(target: string, value: number, goal: number, unit = '×'): TargetCheck {
  return {
    target,
    measured: `${fmt(value)}${unit}`,
    goal: `≥ ${goal}${unit}`,
    met: Number.isFinite(value) ? value >= goal : null,
  };
}

/** Checks issue 17's goals against a result (null = not measured in this run). */
export function targets(r: BenchResult): TargetCheck[] {
  const t: TargetCheck[] = [];
  const mt = threadedName(r.step);
  t.push(
    check(
      'AE step, WASM 1 thread vs PyTorch 1 thread',
      ratio(r.step, 'layerwise/wasm', 'pytorch/cpu-1t'),
      0.45,
    ),
  );
  t.push(
    check(
      `AE step, WASM all cores (${mt ?? 'not run'}) vs PyTorch 1 thread`,
      mt ? ratio(r.step, mt, 'pytorch/cpu-1t') : Number.NaN,
      0.7,
    ),
  );
  t.push(
    check(
      `AE step, WASM all cores (${mt ?? 'not run'}) vs WASM 1 thread`,
      mt ? ratio(r.step, mt, 'layerwise/wasm') : Number.NaN,
      1.6,
    ),
  );
  t.push(
    check(
      'AE step, WASM 1 thread vs tfjs-layers fit on stock WASM',
      ratio(r.step, 'layerwise/wasm', 'tfjs-layers/wasm'),
      4,
    ),
  );
  for (const s of r.step.filter((x) => x.spec.impl === 'layerwise' && (x.spec.threads ?? 1) === 1)) {
    const rawName = s.spec.backend === 'wasm' ? 'raw/wasm+plugin' : `raw/${s.spec.backend}`;
    const o = overhead(r, s.spec.backend);
    t.push({
      target: `engine overhead, ${s.name} vs ${rawName}`,
      measured: Number.isFinite(o) ? `${o >= 0 ? '+' : ''}${fmt(o * 100, 2)} %` : '—',
      goal: '≤ 5 %',
      met: Number.isFinite(o) ? o <= 0.05 : null,
    });
  }
  t.push(
    check(
      'transform of the test digits, WASM 1 thread vs tfjs-layers predict (stock WASM)',
      ratio(r.infer, 'layerwise/wasm', 'tfjs-layers/wasm'),
      1,
    ),
  );
  const lw = find(r.pretrain, 'layerwise/wasm');
  if (lw) {
    const peak = median(lw.results.map((x) => x.peakRss ?? Number.NaN));
    const data = lw.results[0]!.samples * 784 * 4;
    t.push({
      target: `peak RSS, full pretrain (${lw.results[0]!.samples} digits)`,
      measured: `${fmt(peak / MB)} MB = ${fmt(peak / data)}× data`,
      goal: `≤ 2× data (${fmt((2 * data) / MB)} MB)`,
      met: Number.isFinite(peak) ? peak <= 2 * data : null,
    });
  }
  const st = find(r.pretrain, 'layerwise/wasm+stream');
  if (st) {
    const peak = median(st.results.map((x) => x.peakRss ?? Number.NaN));
    const data = st.results[0]!.samples * 784 * 4;
    t.push({
      target: `peak RSS, full pretrain streamed from IDX (${st.results[0]!.samples} digits)`,
      measured: `${fmt(peak / MB)} MB = ${fmt(peak / data)}× data`,
      goal: `≤ 1× data (${fmt(data / MB)} MB)`,
      met: Number.isFinite(peak) ? peak <= data : null,
    });
  }
  return t;
}

/** layerwise's time over the raw loop's on the same kernels, minus one (0.05 = 5 % slower). */
export function overhead(r: BenchResult, backend: string): number {
  const rawName = backend === 'wasm' ? 'raw/wasm+plugin' : `raw/${backend}`;
  return 1 / ratio(r.step, `layerwise/${backend}`, rawName) - 1;
}

function reference(s: Series): string {
  return s.spec.impl === 'pytorch' ? '' : `tfjs-layers/${s.spec.backend}`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The load on the machine during a run, and whether the run counts as noisy. */
export interface LoadInfo {
  cores: number;
  /** `os.loadavg()` (1, 5, 15 min) when the run started and when it ended. */
  start: number[];
  end: number[];
  /** The 1-minute load average at start divided by the core count. */
  perCoreStart: number;
  /** The per-core load above which a run is noisy (1.5 unless `--noisy-above` says otherwise). */
  noisyAbove: number;
  /** The run started with `perCoreStart` above `noisyAbove`: do not quote its numbers. */
  noisy: boolean;
}

/** Load information for a run that started at `start` (see {@link LoadInfo}). */
export function loadInfo(start: number[], end: number[], cores: number, noisyAbove = 1.5): LoadInfo {
  const perCoreStart = start[0]! / Math.max(1, cores);
  return { cores, start, end, perCoreStart, noisyAbove, noisy: perCoreStart > noisyAbove };
}

/** One line saying whether the run was quiet or noisy, with the load averages. */
export function loadLine(l: LoadInfo): string {
  const avg = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  return `${l.noisy ? '**NOISY RUN**' : 'quiet run'}: load average ${avg(l.start)} (1/5/15 min) at start = ${l.perCoreStart.toFixed(2)} per core on ${l.cores} cores (${l.noisy ? 'above' : 'not above'} ${l.noisyAbove} per core); ${avg(l.end)} at end.${l.noisy ? ' Do not quote these numbers.' : ''}`;
}

/** The whole report as Markdown. */
export function markdown(r: BenchResult, machine: string, load?: LoadInfo): string {
  const out: string[] = [];
  out.push(`Machine: ${machine}`);
  if (load) out.push(loadLine(load));
  for (const [k, v] of Object.entries(r.versions)) out.push(`${k}: ${v}`);
  out.push('');
  if (r.step.length > 0) {
    const n = r.step[0]!.perSecond.length;
    out.push(
      `### AE layer step — ${STEP.inputs}→${STEP.hidden}→${STEP.inputs}, ReLU code, sigmoid output, Adam, batch ${STEP.batchSize}, MSE, one epoch on MNIST digits (median of ${n} interleaved rounds)`,
    );
    out.push('');
    out.push(
      table(
        [
          'contender',
          'threads',
          'samples/epoch',
          'samples/s',
          'spread',
          '× tfjs-layers (same backend)',
          '× PyTorch 1t',
          'loss',
        ],
        r.step.map((s) => [
          s.name,
          String(s.threads),
          String(s.results[0]?.samples ?? '—'),
          fmt(s.medianPerSecond),
          `${fmt(s.spread * 100, 2)} %`,
          reference(s) ? fmt(ratio(r.step, s.name, reference(s))) : '',
          fmt(ratio(r.step, s.name, 'pytorch/cpu-1t')),
          fmt(median(s.results.map((x) => x.loss ?? Number.NaN)), 3),
        ]),
      ),
    );
    out.push('');
  }
  if (r.infer.length > 0) {
    out.push(
      `### Inference — transform through an encoder 784→${STACK.join('→')} (ReLU) of MNIST test digits, result downloaded (median of ${r.infer[0]!.perSecond.length} interleaved rounds)`,
    );
    out.push('');
    out.push(
      table(
        [
          'contender',
          'threads',
          'rows',
          'rows/s',
          'spread',
          '× tfjs-layers predict (same backend)',
          '× PyTorch 1t',
        ],
        r.infer.map((s) => [
          s.name,
          String(s.threads),
          String(s.results[0]?.samples ?? '—'),
          fmt(s.medianPerSecond),
          `${fmt(s.spread * 100, 2)} %`,
          reference(s) ? fmt(ratio(r.infer, s.name, reference(s))) : '',
          fmt(ratio(r.infer, s.name, 'pytorch/cpu-1t')),
        ]),
      ),
    );
    out.push('');
  }
  if (r.pretrain.length > 0) {
    const rows = r.pretrain[0]!.results[0]!.samples;
    const data = rows * 784 * 4;
    out.push(
      `### Full pretrain — SAE [${STACK.join(', ')}], one epoch per layer on ${rows} digits (float32 data: ${fmt(data / MB)} MB)`,
    );
    out.push('');
    out.push(
      table(
        [
          'contender',
          'threads',
          'wall s',
          'per layer s',
          '× PyTorch 1t speed',
          'peak RSS MB',
          'RSS with data loaded MB',
          'peak / data',
          '(peak − loaded) / data',
        ],
        r.pretrain.map((s) => {
          const secs = median(s.results.map((x) => x.seconds));
          const peak = median(s.results.map((x) => x.peakRss ?? Number.NaN));
          const base = median(s.results.map((x) => x.baseRss ?? Number.NaN));
          const layers = Object.keys(s.results[0]!.detail ?? {})
            .sort()
            .map((k) => fmt(median(s.results.map((x) => x.detail?.[k] ?? Number.NaN)), 2))
            .join(' / ');
          return [
            s.name,
            String(s.threads),
            fmt(secs, 3),
            layers,
            fmt(ratio(r.pretrain, s.name, 'pytorch/cpu-1t')),
            fmt(peak / MB),
            fmt(base / MB),
            `${fmt(peak / data)}×`,
            `${fmt((peak - base) / data)}×`,
          ];
        }),
      ),
    );
    out.push('');
  }
  const t = targets(r);
  out.push('### Targets');
  out.push('');
  out.push(
    table(
      ['target', 'measured', 'goal', 'met'],
      t.map((x) => [x.target, x.measured, x.goal, x.met === null ? 'not measured' : x.met ? 'yes' : 'no']),
    ),
  );
  if (r.skipped.length > 0) {
    out.push('');
    out.push('Skipped:');
    for (const s of r.skipped) out.push(`- ${s.name}: ${s.reason}`);
  }
  return out.join('\n');
}
