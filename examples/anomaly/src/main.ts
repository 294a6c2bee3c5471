// examples/anomaly — what autoencoders are used for.
//   1. One-class MNIST (issue 27's protocol): an AutoencoderOutlierDetector with its defaults trained on one
//      digit's rows of a 10 000-row training sample flags the other digits among the first 2 000 test
//      digits; ROC AUC per digit and a ROC chart (roc.png) drawn with @layerwise/report.
//   2. A tabular case: a credit-card-like table (transactions.csv, written here) with 1 % known frauds; the
//      detector after a MinMaxScaler in a Pipeline; ROC AUC and precision among the flagged rows.
//   3. A VariationalAutoencoder on MNIST: a grid of sampled digits (vae-samples.png) and an interpolation
//      between the codes of two test digits (vae-interpolation.png).
// Usage: pnpm start [-- --quick] [--out runs/anomaly] [--digits 0,1,…]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry, Rng } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { rocAucScore } from '@layerwise/metrics';
import { AutoencoderOutlierDetector, VariationalAutoencoder } from '@layerwise/outliers';
import { Pipeline } from '@layerwise/pipeline';
import { MinMaxScaler } from '@layerwise/preprocessing';
import { renderPng } from '@layerwise/report/node';
import { PNG } from 'pngjs';

export interface AnomalyOptions {
  out: string;
  quick: boolean;
  digits: number[];
  log?: (line: string) => void;
}

export interface AnomalyResult {
  aucs: Record<number, number>;
  meanAuc: number;
  tabular: { auc: number; precision: number; flagged: number };
  vae: { testElbo: number };
  files: string[];
}

/** ROC points (false positive rate, true positive rate) of scores (higher = positive). */
export function rocCurve(positive: boolean[], scores: ArrayLike<number>): { fpr: number; tpr: number }[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const P = positive.filter(Boolean).length;
  const N = positive.length - P;
  const pts = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < idx.length; k++) {
    if (positive[idx[k]!]) tp++;
    else fp++;
    if (k === idx.length - 1 || scores[idx[k + 1]!] !== scores[idx[k]!])
      pts.push({ fpr: fp / N, tpr: tp / P });
  }
  // Keep the chart small: at most ~200 points per curve.
  const step = Math.max(1, Math.floor(pts.length / 200));
  return pts.filter((_, i) => i % step === 0 || i === pts.length - 1);
}

/** Images (rows of side×side values in [0, 1]) as a PNG grid, `cols` per row, each pixel scaled 2×. */
export function imageGrid(data: ArrayLike<number>, count: number, cols: number, side = 28): Uint8Array {
  const scale = 2;
  const gap = 2;
  const rows = Math.ceil(count / cols);
  const cell = side * scale;
  const png = new PNG({ width: cols * (cell + gap) + gap, height: rows * (cell + gap) + gap });
  png.data.fill(255);
  for (let n = 0; n < count; n++) {
    const ox = gap + (n % cols) * (cell + gap);
    const oy = gap + Math.floor(n / cols) * (cell + gap);
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const v = data[n * side * side + Math.floor(y / scale) * side + Math.floor(x / scale)]!;
        const g = 255 - Math.round(255 * Math.min(1, Math.max(0, v)));
        const o = ((oy + y) * png.width + ox + x) * 4;
        png.data[o] = g;
        png.data[o + 1] = g;
        png.data[o + 2] = g;
        png.data[o + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

/** A credit-card-like table: amount, hour, merchant risk, distance, count of the day; 1 % frauds. */
export function transactions(n: number, seed = 0): { X: number[][]; fraud: boolean[]; csv: string } {
  const rng = new Rng(seed);
  const X: number[][] = [];
  const fraud: boolean[] = [];
  const normal = () =>
    Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
  for (let i = 0; i < n; i++) {
    const isFraud = rng.next() < 0.01;
    const habit = rng.next(); // a customer's habit drives amount, hour and distance together
    const row = isFraud
      ? [
          200 + 800 * rng.next(),
          24 * rng.next(),
          0.5 + 0.5 * rng.next(),
          50 + 450 * rng.next(),
          1 + Math.floor(9 * rng.next()),
        ]
      : [
          Math.max(1, 20 + 80 * habit + 10 * normal()),
          Math.min(23.9, Math.max(0, 9 + 8 * habit + normal())),
          Math.min(1, Math.max(0, 0.1 + 0.1 * habit + 0.03 * normal())),
          Math.max(0, 2 + 10 * habit + normal()),
          Math.max(1, Math.round(1 + 3 * habit + 0.5 * normal())),
        ];
    X.push(row);
    fraud.push(isFraud);
  }
  const csv = [
    'amount,hour,merchant_risk,distance_km,tx_today,fraud',
    ...X.map((r, i) => [...r.map((v) => v.toFixed(3)), fraud[i] ? 1 : 0].join(',')),
  ].join('\n');
  return { X, fraud, csv: `${csv}\n` };
}

function rowsOfDigit(
  X: Float32Array,
  y: Int32Array,
  d: number,
): { data: Float32Array; shape: [number, number] } {
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] === d) idx.push(i);
  const data = new Float32Array(idx.length * 784);
  idx.forEach((r, k) => {
    data.set(X.subarray(r * 784, (r + 1) * 784), k * 784);
  });
  return { data, shape: [idx.length, 784] };
}

export async function runAnomaly(o: AnomalyOptions): Promise<AnomalyResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  mkdirSync(o.out, { recursive: true });
  const registry = new Registry().use(wasmBackend({ threads: 1 }));
  const files: string[] = [];
  const quick = o.quick;

  // 1. One-class MNIST.
  const train = await loadMnist({ subset: 'train', limit: 10000 });
  const test = await loadMnist({ subset: 'test', limit: 2000 });
  const aucs: Record<number, number> = {};
  const curves: { digit: string; fpr: number; tpr: number }[] = [];
  for (const d of o.digits) {
    const det = new AutoencoderOutlierDetector(
      { randomState: 0, backend: 'wasm', ...(quick ? { epochs: 2, fineTuneEpochs: 5 } : {}) },
      { registry },
    );
    await det.fit(rowsOfDigit(train.X.data, train.y, d));
    const s = (await det.scoreSamples({ data: test.X.data, shape: [2000, 784] })) as Float32Array;
    const positive = Array.from(test.y, (v) => v === d);
    aucs[d] = rocAucScore(
      positive.map((p) => (p ? 1 : 0)),
      Array.from(s),
    );
    for (const p of rocCurve(positive, s)) curves.push({ digit: String(d), ...p });
    log(
      `digit ${d}: ROC AUC ${aucs[d]!.toFixed(4)} (training rows flagged: ${(det.labels.reduce((a, v) => a + v, 0) / det.labels.length).toFixed(3)})`,
    );
    det.dispose();
  }
  const meanAuc = Object.values(aucs).reduce((a, v) => a + v, 0) / o.digits.length;
  log(`one-class MNIST mean ROC AUC over ${o.digits.length} digit(s): ${meanAuc.toFixed(4)}`);
  const roc = await renderPng({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `One-class MNIST: AutoencoderOutlierDetector (mean AUC ${meanAuc.toFixed(3)})`,
    width: 360,
    height: 360,
    data: { values: curves },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false positive rate' },
          y: { field: 'tpr', type: 'quantitative', title: 'true positive rate' },
          color: { field: 'digit', type: 'nominal', title: 'normal digit' },
        },
      },
      {
        data: {
          values: [
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } },
      },
    ],
  } as never);
  writeFileSync(join(o.out, 'roc.png'), roc);
  files.push('roc.png');

  // 2. Tabular: transactions with known frauds, MinMaxScaler → detector.
  const tx = transactions(quick ? 2000 : 20000, 0);
  writeFileSync(join(o.out, 'transactions.csv'), tx.csv);
  files.push('transactions.csv');
  const pipe = new Pipeline([
    ['scale', new MinMaxScaler()],
    [
      'detect',
      new AutoencoderOutlierDetector(
        {
          hiddenLayerSizes: [4, 2],
          epochs: 3,
          fineTuneEpochs: quick ? 10 : 30,
          batchSize: 50,
          learningRate: 0.003,
          contamination: 0.01,
          randomState: 0,
          backend: 'wasm',
        },
        { registry },
      ),
    ],
  ]);
  await pipe.fit(tx.X);
  const txScores = (await pipe.scoreSamples(tx.X)) as number[];
  const flags = (await pipe.predict(tx.X)) as number[];
  const tabAuc = rocAucScore(
    tx.fraud.map((f) => (f ? 0 : 1)),
    txScores,
  );
  const flagged = flags.filter((v) => v === -1).length;
  const hits = flags.filter((v, i) => v === -1 && tx.fraud[i]).length;
  const precision = flagged ? hits / flagged : 0;
  log(
    `transactions: ROC AUC ${tabAuc.toFixed(4)}; ${flagged} flagged, ${hits} of them frauds (precision ${precision.toFixed(3)}; ${tx.fraud.filter(Boolean).length} frauds in all)`,
  );

  // 3. VAE: samples and an interpolation.
  const vaeRows = quick ? 2000 : 10000;
  const vae = new VariationalAutoencoder(
    { hiddenLayerSizes: [400], latentDim: 20, epochs: quick ? 2 : 20, randomState: 0, backend: 'wasm' },
    { registry },
  );
  await vae.fit({ data: train.X.data.subarray(0, vaeRows * 784), shape: [vaeRows, 784] });
  const testElbo = await vae.score({ data: test.X.data, shape: [2000, 784] });
  log(`VAE 784-400-20 on ${vaeRows} digits: test ELBO ${testElbo.toFixed(2)} nats per digit`);
  const samples = (await vae.sample(64, { randomState: 1, output: 'typed' })) as { data: Float32Array };
  writeFileSync(join(o.out, 'vae-samples.png'), imageGrid(samples.data, 64, 8));
  files.push('vae-samples.png');
  const pair = { data: test.X.data.subarray(0, 2 * 784), shape: [2, 784] as [number, number] }; // a 7 and a 2
  const codes = (await vae.transform(pair)) as { data: Float32Array };
  const steps = 10;
  const z = new Float32Array(steps * 20);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    for (let j = 0; j < 20; j++) z[s * 20 + j] = (1 - t) * codes.data[j]! + t * codes.data[20 + j]!;
  }
  const path = (await vae.inverseTransform({ data: z, shape: [steps, 20] })) as { data: Float32Array };
  writeFileSync(join(o.out, 'vae-interpolation.png'), imageGrid(path.data, steps, steps));
  files.push('vae-interpolation.png');
  vae.dispose();
  await registry.dispose();
  const result = { aucs, meanAuc, tabular: { auc: tabAuc, precision, flagged }, vae: { testElbo }, files };
  writeFileSync(join(o.out, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`Written to ${o.out}: ${[...files, 'results.json'].join(', ')}`);
  return result;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const args = process.argv.slice(2);
  const at = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  await runAnomaly({
    out: resolve(at('--out') ?? 'runs/anomaly'),
    quick: args.includes('--quick'),
    digits: (at('--digits') ?? '0,1,2,3,4,5,6,7,8,9').split(',').map(Number),
  });
}
