// Run in a child process by crash.test.ts (bundled with esbuild): fits two regressors with large-ish weights
// (64 → 512 → 512 → 1, ~300k floats), prints their predictions on a probe, then saves them into the
// same directory alternately, forever, printing "saved <i>" after each save. The test kills it with SIGKILL.
import { cpuBackend } from '@layerwise/backend-cpu';
import { MLPRegressor } from '@layerwise/nn';

const dir = process.argv[2]!;
await cpuBackend().activate();
const X = Array.from({ length: 16 }, (_, i) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 64 + j)));
const y = X.map((r) => r[0]! - r[1]!);
const make = async (seed: number) => {
  // backend 'cpu' is saved with the params, so the parent's load() computes on the same backend (exact compare)
  const r = new MLPRegressor({
    hiddenLayerSizes: [512, 512],
    epochs: 1,
    batchSize: 16,
    randomState: seed,
    backend: 'cpu',
  });
  return r.fit(X, y);
};
const models = [await make(1), await make(2)];
const probe = X.slice(0, 4);
const predictions = await Promise.all(models.map((m) => m.predict(probe)));
process.stdout.write(`${JSON.stringify({ probe, predictions })}\n`);
for (let i = 0; ; i++) {
  await models[i % 2]!.save(dir);
  process.stdout.write(`saved ${i}\n`);
}
