import {
  type BackendPlugin,
  clone,
  type ExporterPlugin,
  type LogFilePlugin,
  NotFittedError,
  Registry,
  Rng,
  ValidationError,
} from '@layerwise/core';
import { recordingLogger } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DenseLayer, MLPClassifier } from '../index.js';
import { blobs } from './data.js';
import { loadMnist, useWasm } from './helpers.js';

const registry = new Registry();
const small = { hiddenLayerSizes: [16], epochs: 20, batchSize: 32, learningRate: 0.01, randomState: 0 };

beforeAll(useWasm);

describe('MLPClassifier on MNIST', () => {
  it('learns digits: > 90 % test accuracy from 3000 training images', async () => {
    const train = await loadMnist('train', 3000);
    const test = await loadMnist('test', 1000);
    const clf = new MLPClassifier(
      { hiddenLayerSizes: [128], epochs: 12, batchSize: 100, learningRate: 0.002, randomState: 0 },
      { registry },
    );
    const before = tf.memory().numTensors;
    expect(await clf.fit(train.X, train.y)).toBe(clf);
    const acc = await clf.score(test.X, test.y);
    console.log(`MLPClassifier [128] MNIST 3000/1000: test accuracy ${acc.toFixed(4)}`);
    expect(acc).toBeGreaterThan(0.9);
    expect(clf.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Only the fitted weights remain: 2 layers × (kernel + bias).
    expect(tf.memory().numTensors).toBe(before + 4);
    const h = clf.history!;
    expect(h.backend).toBe('wasm');
    expect(h.epochs).toHaveLength(12);
    expect(h.epochs[11]!.loss).toBeLessThan(h.epochs[0]!.loss);
    expect(h.epochs[11]!.metrics.acc).toBeGreaterThan(0.9);
    expect(h.epochs[0]!.samplesPerSecond).toBeGreaterThan(0);
    clf.dispose();
    expect(clf.isFitted).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MLPClassifier semantics', () => {
  const { X, y } = blobs(150);

  it('string labels in → string labels out; probabilities sum to 1', async () => {
    const names = ['cat', 'dog', 'emu'];
    const ys = y.map((c) => names[c]!);
    const clf = await new MLPClassifier(small, { registry }).fit(X, ys);
    expect(clf.classes).toEqual(names);
    const pred = (await clf.predict(X)) as string[];
    expect(typeof pred[0]).toBe('string');
    expect(await clf.score(X, ys)).toBeGreaterThan(0.95);
    const proba = (await clf.predictProba(X)) as number[][];
    expect(proba).toHaveLength(150);
    for (const row of proba) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // Unseen labels in score count as wrong.
    expect(await clf.score(X.slice(0, 3), ['zebra', 'zebra', 'zebra'])).toBe(0);
  });

  it('returns outputs in the kind of the input, without leaking tensors', async () => {
    const clf = await new MLPClassifier(small, { registry }).fit(X, y);
    const before = tf.memory().numTensors;
    const asArray = (await clf.predictProba(X)) as number[][];
    const typed = (await clf.predictProba({ data: Float32Array.from(X.flat()), shape: [150, 4] })) as {
      data: Float32Array;
      shape: number[];
    };
    expect(typed.shape).toEqual([150, 3]);
    expect(typed.data[4]).toBeCloseTo(asArray[1]![1]!, 6);
    expect(tf.memory().numTensors).toBe(before);
    const xt = tf.tensor2d(X);
    const pt = (await clf.predictProba(xt)) as tf.Tensor2D;
    expect(pt).toBeInstanceOf(tf.Tensor);
    expect(pt.shape).toEqual([150, 3]);
    pt.dispose();
    xt.dispose();
    expect(await clf.predict(X)).toEqual(
      y.map((_, i) => clf.classes[asArray[i]!.indexOf(Math.max(...asArray[i]!))]),
    );
    const i32 = await new MLPClassifier(small, { registry }).fit(X, Int32Array.from(y));
    expect(await i32.predict(X)).toBeInstanceOf(Int32Array);
    // Tensor1D labels: a tensor of labels only for a tensor X; number[][] gives the same labels as number[]
    const yt = tf.tensor1d(y);
    const t1 = await new MLPClassifier(small, { registry }).fit(X, yt);
    yt.dispose();
    const fromArray = await t1.predict(X);
    expect(Array.isArray(fromArray)).toBe(true);
    const x2 = tf.tensor2d(X);
    const fromTensor = (await t1.predict(x2)) as tf.Tensor1D;
    expect(fromTensor).toBeInstanceOf(tf.Tensor);
    expect(Array.from(fromTensor.dataSync())).toEqual(fromArray);
    fromTensor.dispose();
    x2.dispose();
    t1.dispose();
    await clf.score(X, y);
    expect(tf.memory().numTensors).toBe(before + 4);
  });

  it('keeps params untouched, refits from scratch, clones unfitted, is reproducible', async () => {
    const clf = new MLPClassifier(small, { registry });
    const params = clf.getParams();
    await clf.fit(X, y);
    expect(clf.getParams()).toEqual(params);
    const w1 = clf.layers.map((l) => Array.from(l.kernel.dataSync()));
    const n = tf.memory().numTensors;
    await clf.fit(X, y);
    expect(tf.memory().numTensors).toBe(n);
    expect(clf.layers.map((l) => Array.from(l.kernel.dataSync()))).toEqual(w1);
    const twin = clone(clf);
    expect(twin.isFitted).toBe(false);
    expect(twin.getParams()).toEqual(params);
    await twin.fit(X, y);
    expect(twin.layers.map((l) => Array.from(l.kernel.dataSync()))).toEqual(w1);
    const other = await new MLPClassifier({ ...small, randomState: 1 }, { registry }).fit(X, y);
    expect(other.layers.map((l) => Array.from(l.kernel.dataSync()))).not.toEqual(w1);
  });

  it('rejects bad params and bad data with named errors, before any state change', async () => {
    const bad: Record<string, unknown>[] = [
      { epochs: -1 },
      { epochs: 1.5 },
      { batchSize: 0 },
      { learningRate: 0 },
      { learningRate: -1 },
      { activation: 'swish' },
      { optimizer: 'lbfgs' },
      { hiddenLayerSizes: [] },
      { hiddenLayerSizes: [10, 0] },
      { dropout: 1 },
      { validationFraction: 1 },
      { patience: 0 },
      { nope: 1 },
    ];
    for (const p of bad)
      expect(() => new MLPClassifier(p as never), JSON.stringify(p)).toThrow(ValidationError);
    const clf = new MLPClassifier(small, { registry });
    expect(() => clf.setParams({ bogus: 1 } as never)).toThrow(ValidationError);
    expect(() => clf.setParams({ epochs: 0 })).toThrow(ValidationError);
    expect(clf.getParams().epochs).toBe(20);
    await expect(clf.predict(X)).rejects.toThrow(NotFittedError);
    await expect(clf.predictProba(X)).rejects.toThrow(NotFittedError);
    await expect(clf.score(X, y)).rejects.toThrow(NotFittedError);
    expect(() => clf.classes).toThrow(NotFittedError);
    const n = tf.memory().numTensors;
    await expect(
      clf.fit(
        X,
        y.map(() => 1),
      ),
    ).rejects.toThrow(/single class/);
    await expect(clf.fit(X, y.slice(1))).rejects.toThrow(ValidationError);
    await expect(clf.fit([[1, Number.NaN]], [0])).rejects.toThrow(ValidationError);
    expect(clf.isFitted).toBe(false);
    await clf.fit(X, y);
    const before = (await clf.predict(X)) as number[];
    await expect(
      clf.fit(
        X,
        y.map(() => 0),
      ),
    ).rejects.toThrow(ValidationError);
    expect(await clf.predict(X)).toEqual(before);
    await expect(clf.predict([[1, 2, 3]])).rejects.toThrow(/3 features.*fitted with 4/);
    expect(tf.memory().numTensors).toBe(n + 4);
  });

  it('sends events in order to every logger, and to a per-fit log file', async () => {
    const rec = recordingLogger();
    const files: string[] = [];
    const perFit = recordingLogger();
    const logFile: LogFilePlugin = {
      kind: 'logFile',
      name: 'test-file',
      extensions: ['.test'],
      create: (path) => {
        files.push(path);
        return perFit;
      },
    };
    const reg = new Registry().use(rec).use(logFile);
    const clf = new MLPClassifier(
      { ...small, epochs: 3, logPath: 'run.test', verbose: true },
      { registry: reg },
    );
    await clf.fit(X, y, { validationData: [X.slice(0, 30), y.slice(0, 30)] });
    const types = rec.events.map((e) => e.type).filter((t) => t !== 'batchEnd');
    expect(types).toEqual([
      'fitStart',
      'stageStart',
      'epochEnd',
      'epochEnd',
      'epochEnd',
      'stageEnd',
      'fitEnd',
    ]);
    const start = rec.events[0]!;
    expect(
      start.type === 'fitStart' && start.verbose && start.backend === 'wasm' && start.samples === 150,
    ).toBe(true);
    const epoch = rec.events.find((e) => e.type === 'epochEnd')!;
    expect(epoch).toMatchObject({ stage: 'train', epoch: 1, epochs: 3 });
    if (epoch.type === 'epochEnd') {
      expect(epoch.valLoss).toBeGreaterThan(0);
      expect(epoch.metrics.valAcc).toBeGreaterThan(0);
    }
    expect(files).toEqual(['run.test']);
    expect(perFit.events.map((e) => e.type)).toEqual(rec.events.map((e) => e.type));
    expect(perFit.closed).toBe(true);
    expect(rec.closed).toBe(false);
    expect(reg.loggers()).toEqual([rec]);
  });

  it('early stopping restores the best weights', async () => {
    // Random labels: the training set is memorised and the validation loss soon rises.
    const rng = new Rng(5);
    const noisy = blobs(120, 4, 3, 7);
    const yr = noisy.y.map(() => rng.int(3));
    const val: [number[][], number[]] = [noisy.X.slice(80), yr.slice(80)];
    const clf = new MLPClassifier(
      {
        hiddenLayerSizes: [64],
        epochs: 200,
        batchSize: 16,
        learningRate: 0.01,
        earlyStopping: true,
        patience: 3,
        randomState: 0,
      },
      { registry },
    );
    await clf.fit(noisy.X.slice(0, 80), yr.slice(0, 80), { validationData: val });
    const stage = clf.history!.stages[0]!;
    const best = Math.min(...stage.epochs.map((e) => e.valLoss!));
    expect(stage.stoppedEarly).toBe(true);
    expect(stage.bestEpoch).toBe(stage.epochs.findIndex((e) => e.valLoss === best) + 1);
    expect(stage.epochs.length).toBe(stage.bestEpoch! + 3);
    expect(stage.epochs.at(-1)!.valLoss).toBeGreaterThan(best);
    // The validation loss of the kept weights is the best epoch's, not the last one's.
    const proba = (await clf.predictProba(val[0])) as number[][];
    const ce = -val[1].reduce((s, c, i) => s + Math.log(proba[i]![c]!), 0) / val[1].length;
    expect(ce).toBeCloseTo(best, 4);
    // validationFraction defaults to 0.1 with early stopping.
    const auto = await new MLPClassifier({ ...small, epochs: 5, earlyStopping: true }, { registry }).fit(
      X,
      y,
    );
    expect(auto.history!.epochs[0]!.valLoss).toBeDefined();
  });

  it('activates the requested backend plugin and reports it', async () => {
    let activated = 0;
    const fake: BackendPlugin = {
      kind: 'backend',
      name: 'fake',
      priority: 5,
      isAvailable: () => true,
      activate: async () => {
        activated++;
        await tf.setBackend('wasm');
      },
    };
    const reg = new Registry().use(fake);
    const clf = await new MLPClassifier({ ...small, epochs: 1, backend: 'fake' }, { registry: reg }).fit(
      X,
      y,
    );
    expect(activated).toBe(1);
    expect(clf.history!.backend).toBe('fake');
    await expect(
      new MLPClassifier({ ...small, backend: 'nope' }, { registry: reg }).fit(X, y),
    ).rejects.toThrow(/not registered/);
  });

  it('supports a custom forward pass and optimizers', async () => {
    const calls: boolean[] = [];
    const clf = new MLPClassifier(
      {
        ...small,
        hiddenLayerSizes: [16, 16],
        epochs: 15,
        dropout: 0.1,
        forward: (x, layers, { training, tf: t, dropout }) => {
          calls.push(training);
          const h = layers[0]!.apply(x);
          const h2 = t.add(h, dropout(layers[1]!.apply(h))) as tf.Tensor2D; // a residual connection
          return layers[2]!.affine(h2);
        },
      },
      { registry },
    );
    await clf.fit(X, y);
    expect(await clf.score(X, y)).toBeGreaterThan(0.9);
    expect(calls).toContain(true);
    expect(calls).toContain(false);
    expect(() => clf.toExportable()).toThrow(ValidationError);
    const wrong = new MLPClassifier({ ...small, forward: (x) => x }, { registry });
    const beforeWrong = tf.memory().numTensors;
    await expect(wrong.fit(X, y)).rejects.toThrow(/custom forward/);
    expect(tf.memory().numTensors).toBe(beforeWrong); // a failed fit leaks nothing
    for (const optimizer of ['sgd', 'momentum', 'rmsprop', 'adagrad'] as const) {
      const c = await new MLPClassifier({ ...small, optimizer, learningRate: 0.05 }, { registry }).fit(X, y);
      expect(await c.score(X, y), optimizer).toBeGreaterThan(0.9);
    }
  });

  it('exports through the registry: toExportable ends in softmax', async () => {
    const got: unknown[] = [];
    const exporter: ExporterPlugin = {
      kind: 'exporter',
      name: 'mem',
      format: 'mem',
      export: async (model, target, options) => {
        got.push({ model, target, options });
        return { format: 'mem', files: [target] };
      },
    };
    const reg = new Registry().use(exporter);
    const clf = await new MLPClassifier(small, { registry: reg }).fit(X, y);
    const ex = clf.toExportable();
    expect(ex).toMatchObject({ estimator: 'MLPClassifier', part: 'model', inputSize: 4 });
    expect(ex.layers.map((l) => [l.inputSize, l.units, l.activation])).toEqual([
      [4, 16, 'relu'],
      [16, 3, 'softmax'],
    ]);
    expect(ex.metadata?.classes).toEqual([0, 1, 2]);
    // The exported stack computes the same probabilities.
    const x = X[0]!;
    const h = ex.layers[0]!;
    const hid = Array.from({ length: 16 }, (_, j) =>
      Math.max(0, h.bias[j]! + x.reduce((s, v, i) => s + v * h.kernel[i * 16 + j]!, 0)),
    );
    const o = ex.layers[1]!;
    const z = Array.from(
      { length: 3 },
      (_, j) => o.bias[j]! + hid.reduce((s, v, i) => s + v * o.kernel[i * 3 + j]!, 0),
    );
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
    const proba = ((await clf.predictProba([x])) as number[][])[0]!;
    p.forEach((v, i) => {
      expect(proba[i]).toBeCloseTo(v, 4);
    });
    const res = await clf.export('out-dir', { format: 'mem', overwrite: true });
    expect(res.files).toEqual(['out-dir']);
    expect(got[0]).toMatchObject({ target: 'out-dir', options: { overwrite: true } });
    await expect(clf.export('x', { format: 'onnx' })).rejects.toThrow(/No exporter/);
    expect(() => clf.toExportable('encoder')).toThrow(ValidationError);
  });
});

describe('backends', () => {
  it('trains on the pure-JS CPU backend too, and a seed gives the same initial weights on every backend', async () => {
    const cpu: BackendPlugin = {
      kind: 'backend',
      name: 'cpu',
      priority: 1,
      isAvailable: () => true,
      activate: async () => {
        await tf.setBackend('cpu');
      },
    };
    const init = () => {
      const l = new DenseLayer('l', 5, 3, 'relu', { rng: new Rng(42) });
      const w = l.read();
      l.dispose();
      return w;
    };
    const onWasm = init();
    try {
      const { X, y } = blobs(90);
      const clf = await new MLPClassifier(
        {
          hiddenLayerSizes: [8],
          epochs: 15,
          batchSize: 16,
          learningRate: 0.02,
          randomState: 0,
          backend: 'cpu',
        },
        { registry: new Registry().use(cpu) },
      ).fit(X, y);
      expect(tf.getBackend()).toBe('cpu');
      expect(clf.history!.backend).toBe('cpu');
      expect(await clf.score(X, y)).toBeGreaterThan(0.9);
      expect(init()).toEqual(onWasm);
    } finally {
      await useWasm();
    }
  });
});
