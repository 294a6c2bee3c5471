// Run by faults.test.ts under `ulimit -f 64` (no file may grow past 64 KiB: writes past it fail with EFBIG,
// as on a full disk). A small model fits everywhere; a big one (~130 KB of weights) does not. For save,
// export, checkpoint and CSV logging: the error, whether the previous file still loads, what is left.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { csvLogger, getDefaultRegistry, load, loadModelDir, MLPRegressor } from '../../index.js';

const root = process.argv[2]!;
const X = Array.from({ length: 20 }, (_, i) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 64 + j)));
const t = X.map((r) => r[0]! - r[1]!);
const probe = X.slice(0, 3);
const common = { epochs: 2, batchSize: 10, backend: 'cpu', randomState: 1 };
const small = await new MLPRegressor({ ...common, hiddenLayerSizes: [2] }).fit(X, t);
const big = await new MLPRegressor({ ...common, hiddenLayerSizes: [512] }).fit(X, t);
const expected = Array.from((await small.predict(probe)) as number[]);
const tmpFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const failure = async (f: () => Promise<unknown>) => {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
};
const out: Record<string, unknown> = {};

// save: the previous model stays.
const modelDir = join(root, 'model');
await small.save(modelDir);
const before = tf.memory().numTensors;
out.save = await failure(() => big.save(modelDir));
const again = await load(modelDir);
out.saveReloads =
  JSON.stringify(Array.from((await (again as MLPRegressor).predict(probe)) as number[])) ===
  JSON.stringify(expected);
again.dispose();
out.saveLeft = readdirSync(modelDir).sort();
out.saveTmp = tmpFiles(modelDir);

// export (tfjs-layers): the previous export stays.
const exportDir = join(root, 'export');
await small.export(exportDir, { format: 'tfjs-layers' });
const exported = readFileSync(join(exportDir, 'model.json'), 'utf8');
out.export = await failure(() => big.export(exportDir, { format: 'tfjs-layers', overwrite: true }));
out.exportUnchanged = readFileSync(join(exportDir, 'model.json'), 'utf8') === exported;
out.exportTmp = tmpFiles(exportDir);

// checkpoint: the previous checkpoint stays loadable.
const ckptDir = join(root, 'ckpt');
const smallCkpt = new MLPRegressor({ ...common, hiddenLayerSizes: [2], checkpoint: { dir: ckptDir } });
await smallCkpt.fit(X, t);
smallCkpt.dispose();
const ckptBefore = readFileSync(join(ckptDir, 'model.json'), 'utf8');
const bigCkpt = new MLPRegressor({
  ...common,
  epochs: 3,
  hiddenLayerSizes: [512],
  checkpoint: { dir: ckptDir },
});
out.checkpoint = await failure(() => bigCkpt.fit(X, t));
out.checkpointFitted = bigCkpt.isFitted;
out.checkpointReloads = (await loadModelDir(ckptDir)).kind;
out.checkpointUnchanged = readFileSync(join(ckptDir, 'model.json'), 'utf8') === ckptBefore;
out.checkpointTmp = tmpFiles(ckptDir);

// CSV logging: a log already near the limit (written by the parent) gets whole rows only.
const logPath = join(root, 'log.csv');
const registry = getDefaultRegistry()
  .child()
  .use(csvLogger({ path: logPath, append: true }));
const logged = new MLPRegressor({ ...common, epochs: 50, hiddenLayerSizes: [2] }, { registry });
out.log = await failure(() => logged.fit(X, t));
out.logFitted = logged.isFitted;
const log = readFileSync(logPath, 'utf8');
out.logEndsWithNewline = log.endsWith('\n');
out.logBytes = Buffer.byteLength(log);

out.leaked = tf.memory().numTensors - before;
process.stdout.write(`${JSON.stringify(out)}\n`);
