/**
 * Where the time goes: per-kernel times (tfjs `profile`) of one AE-layer epoch, for one contender.
 *
 *   pnpm --filter @layerwise/bench run profile -- [impl] [backend] [samples] [threads]
 *   (wasm plugin: `threads` as in wasmBackend({ threads }), default 1; LAYERWISE_BENCH_FUSED_OPTIMIZERS=1 turns
 *   on the fused optimizer kernels)
 *   impl: raw | raw+plugin | tfjs-layers | tfjs-layers+plugin | layerwise   (default raw+plugin)
 *         layerwise-transform | raw-transform   (inference: encoder 784→500→250→64 over `samples` test rows)
 *
 * Prints the kernels sorted by total time, with their share of the kernel total and of the wall time, and
 * the wall time not spent in kernels (JavaScript: the engine, the optimizer bookkeeping, data handling).
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { loadDigits } from './data.js';
import { layerwiseRegistry } from './layerwiseBackends.js';
import { STACK, STEP } from './spec.js';
import { fmt } from './stats.js';
import { activateStock, type Encoder, layersAeEpoch, rawAeEpoch, rawEncoder } from './tfjsContenders.js';

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const impl = args[0] ?? 'raw+plugin';
  const backend = args[1] ?? 'wasm';
  const samples = Number(args[2] ?? 2000);
  const threads = Number(args[3] ?? 1);
  const plugin = impl.endsWith('+plugin') || impl.startsWith('layerwise');
  const registry = plugin ? await layerwiseRegistry(backend, threads) : undefined;
  if (!plugin) await activateStock(backend);
  const x = await loadDigits('train', samples);
  let epoch: () => Promise<unknown>;
  if (impl.endsWith('-transform')) {
    const test = await loadDigits('test', samples);
    let enc: Encoder;
    if (impl.startsWith('layerwise')) {
      const { layerwiseSide } = await import('./layerwiseContender.js');
      enc = await layerwiseSide(registry ?? (await layerwiseRegistry(backend, threads))).encoder(
        await loadDigits('train', 1000),
        STACK,
        1,
      );
    } else enc = rawEncoder(784, STACK, 1);
    epoch = () => enc.forward(test);
  } else if (impl.startsWith('raw')) epoch = () => rawAeEpoch(x, STEP.hidden, 1);
  else if (impl.startsWith('tfjs-layers')) epoch = () => layersAeEpoch(x, STEP.hidden, 1);
  else {
    const { layerwiseSide } = await import('./layerwiseContender.js');
    const lw = layerwiseSide(registry!);
    epoch = () => lw.aeEpoch(x, STEP.hidden, 1);
  }
  await epoch(); // warm-up
  const t0 = performance.now();
  await epoch();
  const plain = performance.now() - t0;
  const t1 = performance.now();
  const info = await tf.profile(async () => {
    await epoch();
    return [];
  });
  const wall = performance.now() - t1;
  const by = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(await Promise.resolve(k.kernelTimeMs as number | Promise<number>)) || 0;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('·')}`;
    const e = by.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n += 1;
    by.set(key, e);
    total += ms;
  }
  console.log(
    `${impl} on ${tf.getBackend()}, ${samples} samples: epoch ${fmt(plain)} ms unprofiled (${fmt((samples / plain) * 1000)} samples/s); profiled wall ${fmt(wall)} ms, kernels ${fmt(total)} ms (${fmt((100 * total) / wall, 2)} %), ${info.kernels.length} kernel calls (${fmt(info.kernels.length / (samples / STEP.batchSize))} per batch)`,
  );
  console.log('| kernel · input shapes | calls | ms | % of kernels |');
  console.log('| --- | --- | --- | --- |');
  for (const [k, v] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
    console.log(`| ${k} | ${v.n} | ${fmt(v.ms)} | ${fmt((100 * v.ms) / total, 2)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
