import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFormatError, NotFittedError, Registry, ValidationError } from '@layerwise/core';
import { recordingLogger } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VariationalAutoencoder } from '../index.js';
import { auc, loadMnist, rowsOf, useWasm } from './helpers.js';

const registry = new Registry();
beforeAll(useWasm);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lw-vae-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const binarise = (d: Float32Array) => d.map((v) => (v > 0.5 ? 1 : 0));

describe('VariationalAutoencoder on binarised MNIST (subset)', () => {
  let vae: VariationalAutoencoder;
  let test: { data: Float32Array; shape: [number, number] };

  it('784-100-10 learns: the test ELBO beats independent pixels and the loss falls every epoch', async () => {
    const train = await loadMnist('train', 2000);
    const t = await loadMnist('test', 500);
    test = { data: binarise(t.X.data), shape: t.X.shape };
    vae = new VariationalAutoencoder(
      { hiddenLayerSizes: [100], latentDim: 10, epochs: 5, randomState: 0 },
      { registry },
    );
    await vae.fit({ data: binarise(train.X.data), shape: train.X.shape });
    const curve = vae.lossCurve;
    expect(curve).toHaveLength(5);
    for (let i = 1; i < curve.length; i++) expect(curve[i]).toBeLessThan(curve[i - 1]!);
    const elbo = await vae.score(test);
    // The baseline: independent Bernoulli pixels with the training digits' marginals (≈ −206 nats per digit).
    const n = train.X.shape[0];
    const bin = binarise(train.X.data);
    const p = new Float64Array(784);
    for (let i = 0; i < n; i++) for (let j = 0; j < 784; j++) p[j] = p[j]! + bin[i * 784 + j]! / n;
    let marginal = 0;
    for (let i = 0; i < 500; i++) {
      for (let j = 0; j < 784; j++) {
        const q = Math.min(1 - 1e-3, Math.max(1e-3, p[j]!));
        marginal += test.data[i * 784 + j] ? Math.log(q) : Math.log(1 - q);
      }
    }
    marginal /= 500;
    expect(elbo).toBeGreaterThan(marginal + 5);
    // The importance-weighted bound is tighter than the ELBO.
    const iwae = await vae.score(test, undefined, { samples: 20, method: 'iwae' });
    expect(iwae).toBeGreaterThan(elbo);
  }, 400_000);

  it('samples look like digits: seeded, values in [0, 1], their mean image correlates with the data one', async () => {
    const before = tf.memory().numTensors;
    const a = (await vae.sample(50, { randomState: 3, output: 'typed' })) as {
      data: Float32Array;
      shape: number[];
    };
    const b = (await vae.sample(50, { randomState: 3, output: 'typed' })) as {
      data: Float32Array;
      shape: number[];
    };
    const c = (await vae.sample(50, { randomState: 4, output: 'typed' })) as {
      data: Float32Array;
      shape: number[];
    };
    expect(a.shape).toEqual([50, 784]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    expect(a.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    // On average the samples draw where digits have ink: their mean image correlates with the data's.
    const meanImage = (d: Float32Array, rows: number) => {
      const m = new Float64Array(784);
      for (let i = 0; i < rows; i++) for (let j = 0; j < 784; j++) m[j] = m[j]! + d[i * 784 + j]! / rows;
      return m;
    };
    const u = meanImage(a.data, 50);
    const w = meanImage(test.data, 500);
    const mu = u.reduce((x, v) => x + v, 0) / 784;
    const mw = w.reduce((x, v) => x + v, 0) / 784;
    let cov = 0;
    let vu = 0;
    let vw = 0;
    for (let j = 0; j < 784; j++) {
      cov += (u[j]! - mu) * (w[j]! - mw);
      vu += (u[j]! - mu) ** 2;
      vw += (w[j]! - mw) ** 2;
    }
    expect(cov / Math.sqrt(vu * vw)).toBeGreaterThan(0.8);
    const rows = (await vae.sample(2)) as number[][];
    expect(rows).toHaveLength(2);
    const t = (await vae.sample(3, { output: 'tensor' })) as tf.Tensor2D;
    expect(t.shape).toEqual([3, 784]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('transform → μ, inverseTransform and reconstruct; scoreSamples is seeded and in the kind of X; no leaks', async () => {
    const before = tf.memory().numTensors;
    const rows = { data: test.data.subarray(0, 20 * 784), shape: [20, 784] as [number, number] };
    const z = (await vae.transform(rows)) as { data: Float32Array; shape: [number, number] };
    expect(z.shape).toEqual([20, 10]);
    const back = (await vae.inverseTransform(z)) as { data: Float32Array; shape: number[] };
    const rec = (await vae.reconstruct(rows)) as { data: Float32Array; shape: number[] };
    expect(Array.from(back.data)).toEqual(Array.from(rec.data));
    // The default score: −the mean squared error of each row's reconstruction (at z = μ).
    const sm = (await vae.scoreSamples(rows)) as Float32Array;
    for (let i = 0; i < 20; i++) {
      let se = 0;
      for (let j = 0; j < 784; j++) se += (rows.data[i * 784 + j]! - rec.data[i * 784 + j]!) ** 2;
      expect(sm[i]).toBeCloseTo(-se / 784, 5);
    }
    // 'reconstruction': log p(x | z = μ), the Bernoulli log-likelihood of each row at its reconstruction.
    const s0 = (await vae.scoreSamples(rows, { method: 'reconstruction' })) as Float32Array;
    for (let i = 0; i < 20; i++) {
      let ll = 0;
      for (let j = 0; j < 784; j++) {
        const x = rows.data[i * 784 + j]!;
        const p = Math.min(1 - 1e-6, Math.max(1e-6, rec.data[i * 784 + j]!));
        ll += x * Math.log(p) + (1 - x) * Math.log(1 - p);
      }
      expect(Math.abs(s0[i]! - ll)).toBeLessThan(0.01 * Math.abs(ll) + 0.05);
    }
    // The ELBO is sampled: seeded, the same scores twice; below the reconstruction term at μ on average.
    const s1 = (await vae.scoreSamples(rows, { method: 'elbo' })) as Float32Array;
    const s2 = (await vae.scoreSamples(rows, { method: 'elbo' })) as Float32Array;
    expect(s1).toBeInstanceOf(Float32Array);
    expect(Array.from(s1)).toEqual(Array.from(s2));
    expect(s1.reduce((t, v) => t + v, 0)).toBeLessThan(s0.reduce((t, v) => t + v, 0));
    expect(await vae.score(rows)).toBeCloseTo(s1.reduce((t, v) => t + v, 0) / 20, 3);
    const x = tf.tensor2d(rows.data, [20, 784]);
    const st = (await vae.scoreSamples(x)) as tf.Tensor1D;
    expect(st.shape).toEqual([20]);
    st.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('save → load gives identical outputs; hostile files are ModelFormatError', async () => {
    const dir = tmp();
    await vae.save(dir);
    const back = await VariationalAutoencoder.load(dir, { registry });
    const rows = { data: test.data.subarray(0, 10 * 784), shape: [10, 784] as [number, number] };
    expect(Array.from((await back.scoreSamples(rows)) as Float32Array)).toEqual(
      Array.from((await vae.scoreSamples(rows)) as Float32Array),
    );
    expect(
      Array.from(
        ((await back.sample(4, { output: 'typed', randomState: 1 })) as { data: Float32Array }).data,
      ),
    ).toEqual(
      Array.from(((await vae.sample(4, { output: 'typed', randomState: 1 })) as { data: Float32Array }).data),
    );
    expect(back.history?.stages[0]?.stage).toBe('train');
    back.dispose();
    // A model saved before the scoreMethod param existed keeps scoring by its ELBO.
    const manifestFile = readdirSync(dir).find((f) => f.endsWith('.json'))!;
    const manifest = JSON.parse(readFileSync(join(dir, manifestFile), 'utf8'));
    expect(manifest.params.scoreMethod).toBe('mse');
    delete manifest.params.scoreMethod;
    const old = tmp();
    for (const f of readdirSync(dir)) writeFileSync(join(old, f), readFileSync(join(dir, f)));
    writeFileSync(join(old, manifestFile), JSON.stringify(manifest));
    const legacy = await VariationalAutoencoder.load(old, { registry });
    expect(legacy.getParams().scoreMethod).toBe('elbo');
    expect(Array.from((await legacy.scoreSamples(rows)) as Float32Array)).toEqual(
      Array.from((await vae.scoreSamples(rows, { method: 'elbo' })) as Float32Array),
    );
    legacy.dispose();
    await expect(VariationalAutoencoder.load(join(dir, 'nope'), { registry })).rejects.toBeInstanceOf(
      ModelFormatError,
    );
  });

  it('scores one digit class above the others after training on it (a VAE as an outlier detector)', async () => {
    const train = await loadMnist('train', 3000);
    const t = await loadMnist('test', 600);
    const one = new VariationalAutoencoder(
      { hiddenLayerSizes: [128], latentDim: 8, epochs: 8, randomState: 0 },
      { registry },
    );
    await one.fit(rowsOf(train, 0));
    const isZero = Array.from(t.y, (v) => v === 0);
    const s = (await one.scoreSamples(t.X)) as Float32Array;
    const rec = (await one.scoreSamples(t.X, { method: 'reconstruction' })) as Float32Array;
    const elbo = (await one.scoreSamples(t.X, { method: 'elbo' })) as Float32Array;
    const [aMse, aRec, aElbo] = [auc(isZero, s), auc(isZero, rec), auc(isZero, elbo)];
    console.log(
      `digit 0 vs the rest: ROC AUC −MSE ${aMse.toFixed(4)}, log p(x | μ) ${aRec.toFixed(4)}, ELBO ${aElbo.toFixed(4)}`,
    );
    for (const a of [aMse, aRec, aElbo]) expect(a).toBeGreaterThan(0.9);
    one.dispose();
  }, 120_000);
});

describe('VariationalAutoencoder semantics', () => {
  const X = Array.from({ length: 60 }, (_, i) =>
    Array.from({ length: 5 }, (_, j) => Math.sin(i * 0.3 + j) * 2),
  );

  it('Gaussian likelihood, beta and KL warm-up; seeded; events of one train stage', async () => {
    const log = recordingLogger();
    const reg = new Registry().use(log);
    const p = {
      hiddenLayerSizes: [8],
      latentDim: 2,
      likelihood: 'gaussian' as const,
      epochs: 6,
      batchSize: 10,
      randomState: 5,
    };
    const a = new VariationalAutoencoder({ ...p, beta: 0.5, klWarmup: 3 }, { registry: reg });
    await a.fit(X);
    const b = new VariationalAutoencoder({ ...p, beta: 0.5, klWarmup: 3 }, { registry });
    await b.fit(X);
    expect(a.lossCurve).toEqual(b.lossCurve);
    expect(Array.from((await a.scoreSamples(X)) as number[])).toEqual(
      Array.from((await b.scoreSamples(X)) as number[]),
    );
    expect(log.events.filter((e) => e.type === 'epochEnd')).toHaveLength(6);
    expect(log.events.find((e) => e.type === 'stageStart')).toMatchObject({ stage: 'train' });
    // β = 0 is a plain (stochastic) autoencoder: a lower training loss than β = 1 on the same data.
    const ae = new VariationalAutoencoder({ ...p, beta: 0 }, { registry });
    const full = new VariationalAutoencoder({ ...p, beta: 1 }, { registry });
    await ae.fit(X);
    await full.fit(X);
    expect(ae.lossCurve.at(-1)!).toBeLessThan(full.lossCurve.at(-1)!);
    for (const m of [a, b, ae, full]) m.dispose();
  });

  it('fit(source) streams batches (re-batched, one pass per epoch) like the in-memory fit; scoreSamples(source) reads batch by batch', async () => {
    const p = {
      hiddenLayerSizes: [8],
      latentDim: 2,
      likelihood: 'gaussian' as const,
      epochs: 4,
      batchSize: 10,
      shuffle: false,
      randomState: 2,
    };
    const typed = { data: new Float32Array(X.flat()), shape: [60, 5] as [number, number] };
    let calls = 0;
    const source = () => {
      calls++;
      // Batches of 25 rows, re-batched to batchSize 10.
      return (function* () {
        for (let s = 0; s < 60; s += 25) {
          const e = Math.min(60, s + 25);
          yield { x: { data: typed.data.subarray(s * 5, e * 5), shape: [e - s, 5] as [number, number] } };
        }
      })();
    };
    const mem = await new VariationalAutoencoder(p, { registry }).fit(typed);
    const before = tf.memory().numTensors;
    const streamed = await new VariationalAutoencoder(p, { registry }).fit(source);
    expect(calls).toBe(1 + 4); // one scan, one pass per epoch
    expect(tf.memory().numTensors).toBe(before + 10); // its 5 layers' kernels and biases
    expect(streamed.history!.stages.map((s) => s.stage)).toEqual(['train']);
    // Without shuffling the streamed batches are the in-memory ones: the same training, up to float order.
    const [a, b] = [mem.lossCurve, streamed.lossCurve];
    expect(b).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect(Math.abs(b[i]! - a[i]!)).toBeLessThan(0.02 * Math.abs(a[i]!));
    // Streamed scoring: one pass, one Float32Array; seeded; close to scoring the matrix (other noise draws).
    const inMemory = (await streamed.scoreSamples(typed, { method: 'elbo', samples: 50 })) as Float32Array;
    calls = 0;
    const s1 = await streamed.scoreSamples(source, { method: 'elbo', samples: 50 });
    const s2 = await streamed.scoreSamples(source, { method: 'elbo', samples: 50 });
    expect(calls).toBe(2);
    expect(s1).toBeInstanceOf(Float32Array);
    expect(s1).toHaveLength(60);
    expect(Array.from(s1)).toEqual(Array.from(s2));
    // One batch holding every row draws the noise the in-memory call draws: the same scores.
    const whole = (await streamed.scoreSamples(() => [{ x: typed }], {
      method: 'elbo',
      samples: 50,
    })) as Float32Array;
    expect(Array.from(whole)).toEqual(Array.from(inMemory));
    // Other batches draw other noise: the same estimate on average.
    const mean = (v: Float32Array) => v.reduce((t, x) => t + x, 0) / v.length;
    console.log(
      `mean score: in memory ${mean(inMemory).toFixed(3)}, streamed in 3 batches ${mean(s1).toFixed(3)}`,
    );
    expect(Math.abs(mean(s1) - mean(inMemory))).toBeLessThan(0.1 * Math.abs(mean(inMemory)));
    expect(await streamed.score(source, undefined, { samples: 50 })).toBeCloseTo(
      s1.reduce((t, v) => t + v, 0) / 60,
      4,
    );
    expect(tf.memory().numTensors).toBe(before + 10);
    // A one-shot generator feeds one epoch only; bad batches are named.
    await expect(
      new VariationalAutoencoder(p, { registry }).fit(source() as Iterable<{ x: number[][] }>),
    ).rejects.toThrow(/one-shot/);
    const one = await new VariationalAutoencoder({ ...p, epochs: 1 }, { registry }).fit(
      source() as Iterable<{ x: number[][] }>,
    );
    expect(one.lossCurve).toHaveLength(1);
    await expect(streamed.scoreSamples(() => [{ x: typed }, { y: 1 } as never])).rejects.toThrow(
      /batch 1 of the data source is not an object/,
    );
    await expect(streamed.scoreSamples(() => [{ x: [[1, 2, 3]] }])).rejects.toBeInstanceOf(ValidationError);
    await expect(
      streamed.scoreSamples(() => ({
        *[Symbol.iterator]() {
          yield { x: typed };
          throw new Error('disk gone');
        },
      })),
    ).rejects.toThrow(/failed at batch 1: Error: disk gone/);
    expect(tf.memory().numTensors).toBe(before + 20);
    for (const m of [mem, streamed, one]) m.dispose();
  });

  it('bad params and inputs are named errors; nothing fitted changes', async () => {
    for (const bad of [
      { latentDim: 0 },
      { likelihood: 'poisson' },
      { beta: -1 },
      { klWarmup: 1.5 },
      { epochs: 0 },
    ]) {
      expect(() => new VariationalAutoencoder(bad as never)).toThrow(ValidationError);
    }
    const v = new VariationalAutoencoder(
      { hiddenLayerSizes: [4], latentDim: 2, likelihood: 'gaussian', epochs: 2 },
      { registry },
    );
    await expect(v.sample(2)).rejects.toBeInstanceOf(NotFittedError);
    await expect(v.scoreSamples(X)).rejects.toBeInstanceOf(NotFittedError);
    await v.fit(X);
    const before = tf.memory().numTensors;
    const nan = X.map((r) => [...r]);
    nan[3]![1] = Number.NaN;
    await expect(v.fit(nan)).rejects.toBeInstanceOf(ValidationError);
    await expect(v.scoreSamples(nan)).rejects.toBeInstanceOf(ValidationError);
    await expect(v.sample(0)).rejects.toBeInstanceOf(ValidationError);
    await expect(v.scoreSamples(X, { samples: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(v.scoreSamples(X, { method: 'exact' as never })).rejects.toBeInstanceOf(ValidationError);
    expect(() => new VariationalAutoencoder({ scoreMethod: 'exact' as never })).toThrow(ValidationError);
    expect(() => v.toExportable('middle' as never)).toThrow(ValidationError);
    expect(v.isFitted).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});

describe('VariationalAutoencoder scoring memory', () => {
  it("ELBO and IWAE scoring hold one sample's decoder pass at a time: peak memory does not grow with samples", async () => {
    const train = await loadMnist('train', 1000);
    const X = { data: binarise(train.X.data), shape: train.X.shape };
    const before = tf.memory().numTensors;
    const vae = new VariationalAutoencoder(
      { hiddenLayerSizes: [32], latentDim: 4, epochs: 1, randomState: 0 },
      { registry },
    );
    await vae.fit(X);
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    // One chunk of 1000 × 784: each sample's decoder intermediates (logits, softplus, products…) are a few
    // 3 MB tensors. Kept alive for all 60 samples until the chunk ends, they took ~1 GB (IWAE-100 on the
    // 4096-row chunks of full MNIST needed ~6 GB and crashed tfjs-backend-wasm); freed per sample, the peak
    // is the same as with 2 samples.
    const chunk = X.data.length * 4;
    for (const method of ['elbo', 'iwae'] as const) {
      const peak = async (samples: number) => {
        const heap0 = heap();
        const p = await tf.profile(async () => {
          await vae.scoreSamples(X, { method, samples, randomState: 1 });
        });
        return { bytes: p.peakBytes, heapGrowth: heap() - heap0 };
      };
      const small = await peak(2);
      const large = await peak(60);
      expect(large.bytes).toBeLessThan(1.5 * small.bytes);
      expect(large.bytes).toBeLessThan(8 * chunk);
      expect(large.heapGrowth).toBeLessThan(8 * chunk);
    }
    // The bounds themselves are unchanged in meaning: IWAE ≥ ELBO on average, and seeded.
    const elbo = await vae.score(X, undefined, { samples: 20, randomState: 2 });
    const iwae = await vae.score(X, undefined, { samples: 20, method: 'iwae', randomState: 2 });
    expect(iwae).toBeGreaterThan(elbo);
    expect(await vae.score(X, undefined, { samples: 20, method: 'iwae', randomState: 2 })).toBe(iwae);
    vae.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
