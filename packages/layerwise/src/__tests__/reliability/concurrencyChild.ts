// Run in a child process by concurrency.test.ts (bundled with esbuild): issue 15's reproduction — four
// MLPClassifiers on cpu and wasm and a StackedAutoencoder fitted at once in one process — `rounds` times,
// then the same fits one after the other, and a second fit on a fitting estimator. Prints one JSON line.
import { ConcurrentFitError, LayerwiseError, MLPClassifier, StackedAutoencoder } from '../../index.js';
import { blobs } from './blobs.js';

const rounds = Number(process.argv[2] ?? 2);
let unhandled = 0;
process.on('unhandledRejection', () => {
  unhandled++;
});
const { X, y } = blobs();
const probe = X.slice(0, 60);
const mk = (backend: string, seed = 0) =>
  new MLPClassifier({
    hiddenLayerSizes: [16],
    epochs: 10,
    batchSize: 10,
    randomState: seed,
    learningRate: 0.01,
    backend,
    verbose: false,
  });
const mkAe = () =>
  new StackedAutoencoder({ hiddenLayerSizes: [4], epochs: 5, batchSize: 10, randomState: 0, backend: 'cpu' });
const plan: [string, number][] = [
  ['cpu', 0],
  ['wasm', 0],
  ['cpu', 1],
  ['wasm', 1],
];

async function outputs(ests: MLPClassifier[], ae: StackedAutoencoder) {
  const probas = [];
  for (const e of ests) probas.push(Array.from((await e.predictProba(probe)) as number[][]).flat());
  const codes = ((await ae.transform(probe)) as number[][]).flat();
  return { probas, codes };
}

// One after the other: the reference.
const seq = plan.map(([b, s]) => mk(b, s));
for (const e of seq) await e.fit(X, y);
const seqAe = mkAe();
await seqAe.fit(X);
const reference = await outputs(seq, seqAe);
const accuracy = await seq[0]!.score(X, y);

const results = [];
for (let r = 0; r < rounds; r++) {
  const ests = plan.map(([b, s]) => mk(b, s));
  const ae = mkAe();
  const settled = await Promise.allSettled([...ests.map((e) => e.fit(X, y)), ae.fit(X)]);
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
  const got = failures.length === 0 ? await outputs(ests, ae) : null;
  results.push({
    failures,
    backends: [...ests.map((e) => e.history?.backend), ae.history?.backend],
    equal: got !== null && JSON.stringify(got) === JSON.stringify(reference),
  });
}

// The same estimator twice at once: the second call is rejected at once, the first completes.
const one = mk('wasm');
const first = one.fit(X, y);
let second: string;
try {
  await one.fit(X, y);
  second = 'resolved';
} catch (e) {
  second =
    e instanceof ConcurrentFitError && e instanceof LayerwiseError
      ? `ConcurrentFitError: ${(e as Error).message}`
      : String(e);
}
await first;
const oneProba = Array.from((await one.predictProba(probe)) as number[][]).flat();

process.stdout.write(
  `${JSON.stringify({
    results,
    accuracy,
    second,
    firstCompleted: one.isFitted && one.history?.backend === 'wasm',
    firstEqualsAlone: JSON.stringify(oneProba) === JSON.stringify(reference.probas[1]),
    unhandled,
  })}\n`,
);
