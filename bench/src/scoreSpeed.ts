// Per-row scoring speed (issue 27 item 5): rows per second of `scoreSamples` on the 10 000 MNIST test digits
// for layerwise's AutoencoderOutlierDetector (784-128-32-128-784, its default architecture) and
// VariationalAutoencoder (784-400-20, its default scoring: ELBO with the `scoreSamples` param's 10 samples,
// and IWAE with 10), beside scikit-learn's IsolationForest(random_state=0).score_samples, a PyTorch
// autoencoder of the same shape (−per-row MSE) and a PyTorch VAE of the same shape (ELBO, 10 samples), both on
// one thread (bench/src/score_speed_ref.py). Scoring speed does not depend on how long the models trained,
// so each is trained for one epoch on the digit-0 rows of the first 10 000 training digits.
// Usage (from bench/; for publication on a quiet machine):
//   node --import tsx --conditions=source src/scoreSpeed.ts [repeats=5] [threads=1]
// Prints one JSON line per contender (median rows/s over `repeats` timed calls after one warm-up call) and a
// table of ratios to the PyTorch autoencoder and to IsolationForest.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@layerwise/datasets';
import { AutoencoderOutlierDetector, VariationalAutoencoder } from '@layerwise/outliers';
import { layerwiseRegistry } from './layerwiseBackends.js';

const repeats = Number(process.argv[2] ?? 5);
const threads = Number(process.argv[3] ?? 1);
const registry = await layerwiseRegistry('wasm', threads);
const train = await loadMnist({ subset: 'train', limit: 10000 });
const test = await loadMnist({ subset: 'test' });
const Xtest = { data: test.X.data, shape: [test.X.shape[0], 784] as [number, number] };
const idx: number[] = [];
for (let i = 0; i < train.y.length; i++) if (train.y[i] === 0) idx.push(i);
const X0 = { data: new Float32Array(idx.length * 784), shape: [idx.length, 784] as [number, number] };
idx.forEach((r, k) => {
  X0.data.set(train.X.data.subarray(r * 784, (r + 1) * 784), k * 784);
});

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
async function rowsPerSecond(score: () => Promise<unknown>): Promise<number> {
  await score(); // warm-up (compiles, allocates)
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    await score();
    rates.push(Xtest.shape[0] / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return median(rates);
}

const results: { impl: string; rowsPerSecond: number }[] = [];
const det = new AutoencoderOutlierDetector({ epochs: 1, fineTuneEpochs: 1, randomState: 0 }, { registry });
await det.fit(X0);
results.push({
  impl: 'layerwise AutoencoderOutlierDetector',
  rowsPerSecond: await rowsPerSecond(() => det.scoreSamples(Xtest)),
});
det.dispose();
const vae = new VariationalAutoencoder({ epochs: 1, randomState: 0 }, { registry });
await vae.fit(X0);
results.push({
  impl: 'layerwise VariationalAutoencoder (default scoring)',
  rowsPerSecond: await rowsPerSecond(() => vae.scoreSamples(Xtest)),
});
results.push({
  impl: 'layerwise VariationalAutoencoder ELBO, 10 samples',
  rowsPerSecond: await rowsPerSecond(() => vae.scoreSamples(Xtest, { method: 'elbo', samples: 10 })),
});
results.push({
  impl: 'layerwise VariationalAutoencoder IWAE, 10 samples',
  rowsPerSecond: await rowsPerSecond(() => vae.scoreSamples(Xtest, { method: 'iwae', samples: 10 })),
});
vae.dispose();

const here = dirname(fileURLToPath(import.meta.url));
const py = spawnSync('/usr/bin/python3', [join(here, 'score_speed_ref.py'), String(repeats)], {
  env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  encoding: 'utf8',
});
if (py.status !== 0) {
  console.error(py.stderr);
  throw new Error(`score_speed_ref.py exited with ${py.status}`);
}
for (const line of py.stdout.trim().split('\n')) results.push(JSON.parse(line));
for (const r of results)
  console.log(JSON.stringify({ ...r, rows: Xtest.shape[0], repeats, wasmThreads: threads }));
const ref = (name: string) => results.find((r) => r.impl.startsWith(name))!.rowsPerSecond;
const ae = ref('PyTorch autoencoder');
const forest = ref('scikit-learn IsolationForest');
console.log('\n| contender | rows/s | × PyTorch AE | × IsolationForest |\n| --- | --- | --- | --- |');
for (const r of results) {
  console.log(
    `| ${r.impl} | ${Math.round(r.rowsPerSecond)} | ${(r.rowsPerSecond / ae).toFixed(2)} | ${(r.rowsPerSecond / forest).toFixed(2)} |`,
  );
}
