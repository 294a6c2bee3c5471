/**
 * Where a GridSearchCV's CPU time goes, thread by thread (Linux: /proc/self/task/<tid>/stat and schedstat):
 * issue 28's grid (3 000 MNIST digits × 24 epochs, 4 candidates × 3 folds, wasm), one untimed search, then
 * three timed ones. Per search: the wall time, and per thread of this process that ran, its CPU time and its time
 * waiting for a core. With `nJobs: 2` the two busiest threads are this one and the pool's worker; the
 * V8 platform threads (garbage collection, compilation) are the ones created right after the main thread.
 *
 *   pnpm build && cd bench && node --import tsx --conditions=source src/searchThreads.ts [nJobs (2)] [epochs (24)]
 *   … with `node --trace-gc …`, `grep -c Mark-Compact` counts the full collections of every isolate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { GridSearchCV } from '@layerwise/model-selection';
import { MLPClassifier } from '@layerwise/nn';

/** Per thread id: [CPU ms, waited ms]. */
function threads(): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const sched = readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ');
      // utime + stime in clock ticks (100 Hz), run-queue wait in ns
      out.set(t, [(Number(f[11]) + Number(f[12])) * 10, Number(sched[1]) / 1e6]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const nJobs = Number(process.argv[2] ?? 2);
const epochs = Number(process.argv[3] ?? 24);
const { X, y } = await loadMnist({ limit: 3000 });
const registry = new Registry().use(wasmBackend());
const search = async () => {
  const est = new MLPClassifier({ epochs, batchSize: 100, randomState: 0 }, { registry });
  const s = new GridSearchCV(
    est,
    { hiddenLayerSizes: [[32], [64]], learningRate: [1e-3, 3e-3] },
    { cv: 3, scoring: 'accuracy', refit: false, nJobs },
  );
  const t0 = performance.now();
  await s.fit(X, y);
  return (performance.now() - t0) / 1000;
};
await search();
for (let k = 0; k < 3; k++) {
  await new Promise((r) => setTimeout(r, 1500));
  const before = threads();
  const wall = await search();
  const after = threads();
  const parts: string[] = [];
  for (const [t, [cpu, wait]] of after) {
    const [c0, w0] = before.get(t) ?? [0, 0];
    if (cpu - c0 >= 10 || wait - w0 >= 5) {
      parts.push(`${t}: cpu ${cpu - c0} ms, waited ${(wait - w0).toFixed(0)} ms`);
    }
  }
  console.log(`nJobs ${nJobs}: ${wall.toFixed(2)} s — ${parts.join('; ')}`);
}
process.exit(0);
