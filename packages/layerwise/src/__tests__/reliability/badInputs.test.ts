// A catalogue of bad inputs across the estimators, the data loaders and the entry points a CLI or a script
// calls. Each one must throw a named error class whose message says what to change, leave
// tf.memory().numTensors as it was, and write no file (every estimator gets logPath/exportPath in a temp
// folder that must stay empty).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CsvFormatError,
  DatasetNotFoundError,
  IdxFormatError,
  loadCsv,
  parseIdx,
  readIdx,
} from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  clone,
  createDefaultRegistry,
  csvLogger,
  load,
  MLPClassifier,
  MLPRegressor,
  ModelFormatError,
  NotFittedError,
  PluginError,
  Registry,
  StackedAutoencoder,
  TrainingDivergedError,
  UnknownFormatError,
  ValidationError,
  wasmBackend,
} from '../../index.js';

type ErrorClass = abstract new (...args: never[]) => Error;

const root = mkdtempSync(join(tmpdir(), 'lw-bad-inputs-'));
let caseNo = 0;
/** A fresh, empty folder for one case; estimators log and export into it. */
const freshDir = () => {
  const d = join(root, `case-${++caseNo}`);
  mkdirSync(d);
  return d;
};

// Tiny valid data.
const X = Array.from({ length: 12 }, (_, i) => [(i % 4) / 4, ((i * 3) % 5) / 5, ((i * 7) % 3) / 3]);
const labels = X.map((_, i) => i % 2);
const targets = X.map((r) => r[0]! - r[1]!);
const tiny = { hiddenLayerSizes: [3], epochs: 2, batchSize: 4, backend: 'cpu', randomState: 0 };
const aeTiny = {
  hiddenLayerSizes: [2],
  epochs: 1,
  fineTuneEpochs: 1,
  batchSize: 4,
  backend: 'cpu',
  randomState: 0,
};

/** Estimators whose training would write into `dir`. */
const paths = (dir: string) => ({ logPath: join(dir, 'train.csv'), exportPath: join(dir, 'model') });
const clf = (dir: string, p: Record<string, unknown> = {}) =>
  new MLPClassifier({ ...tiny, ...paths(dir), ...p } as never);
const reg = (dir: string, p: Record<string, unknown> = {}) =>
  new MLPRegressor({ ...tiny, ...paths(dir), ...p } as never);
const ae = (dir: string, p: Record<string, unknown> = {}) =>
  new StackedAutoencoder({ ...aeTiny, ...paths(dir), ...p } as never);

/** One bad input: what runs, which error class, and what the message must say. */
interface BadCase {
  name: string;
  run: (dir: string) => unknown;
  error: ErrorClass;
  message: RegExp;
}

const idxHeader = (dtype: number, dims: number[]) => {
  const b = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(b.buffer);
  b[2] = dtype;
  b[3] = dims.length;
  for (const [i, d] of dims.entries()) v.setUint32(4 + 4 * i, d, false);
  return b;
};

let fitted: MLPClassifier;

const cases: BadCase[] = [
  // --- hyper-parameters (constructor, setParams) ---
  {
    name: 'epochs negative',
    run: (d) => clf(d, { epochs: -1 }),
    error: ValidationError,
    message: /epochs must be an integer ≥ 1, got -1/,
  },
  {
    name: 'epochs fractional',
    run: (d) => clf(d, { epochs: 1.5 }),
    error: ValidationError,
    message: /epochs must be an integer/,
  },
  {
    name: 'epochs as a string',
    run: (d) => reg(d, { epochs: '10' }),
    error: ValidationError,
    message: /epochs must be an integer ≥ 1, got "10"/,
  },
  {
    name: 'batchSize 0',
    run: (d) => clf(d, { batchSize: 0 }),
    error: ValidationError,
    message: /batchSize must be an integer ≥ 1/,
  },
  {
    name: 'batchSize fractional',
    run: (d) => ae(d, { batchSize: 2.5 }),
    error: ValidationError,
    message: /batchSize must be an integer ≥ 1/,
  },
  {
    name: 'learningRate 0',
    run: (d) => clf(d, { learningRate: 0 }),
    error: ValidationError,
    message: /learningRate must be a finite number > 0/,
  },
  {
    name: 'learningRate negative',
    run: (d) => ae(d, { learningRate: -1e-3 }),
    error: ValidationError,
    message: /learningRate must be a finite number > 0/,
  },
  {
    name: 'learningRate NaN',
    run: (d) => reg(d, { learningRate: Number.NaN }),
    error: ValidationError,
    message: /learningRate must be a finite number/,
  },
  {
    name: 'learningRate Infinity',
    run: (d) => reg(d, { learningRate: Number.POSITIVE_INFINITY }),
    error: ValidationError,
    message: /learningRate must be a finite number/,
  },
  {
    name: 'unknown activation',
    run: (d) => clf(d, { activation: 'swish' }),
    error: ValidationError,
    message: /activation must be one of 'relu'/,
  },
  {
    name: 'unknown output activation',
    run: (d) => ae(d, { outputActivation: 'softmax2' }),
    error: ValidationError,
    message: /outputActivation must be one of/,
  },
  {
    name: 'unknown optimizer',
    run: (d) => reg(d, { optimizer: 'adamw' }),
    error: ValidationError,
    message: /optimizer must be one of 'adam', 'sgd'/,
  },
  {
    name: 'hiddenLayerSizes empty',
    run: (d) => clf(d, { hiddenLayerSizes: [] }),
    error: ValidationError,
    message: /hiddenLayerSizes must be an array of integers ≥ 1 with at least 1 entry/,
  },
  {
    name: 'hiddenLayerSizes with a zero',
    run: (d) => ae(d, { hiddenLayerSizes: [4, 0] }),
    error: ValidationError,
    message: /hiddenLayerSizes must be an array of integers ≥ 1/,
  },
  {
    name: 'hiddenLayerSizes fractional',
    run: (d) => clf(d, { hiddenLayerSizes: [2.5] }),
    error: ValidationError,
    message: /hiddenLayerSizes must be an array of integers/,
  },
  {
    name: 'hiddenLayerSizes a number',
    run: (d) => clf(d, { hiddenLayerSizes: 10 }),
    error: ValidationError,
    message: /hiddenLayerSizes must be an array/,
  },
  {
    name: 'dropout 1',
    run: (d) => clf(d, { dropout: 1 }),
    error: ValidationError,
    message: /dropout must be a finite number ≥ 0 and < 1/,
  },
  {
    name: 'noise negative',
    run: (d) => ae(d, { noise: -0.1 }),
    error: ValidationError,
    message: /noise must be a finite number ≥ 0/,
  },
  {
    name: 'validationFraction 1',
    run: (d) => reg(d, { validationFraction: 1 }),
    error: ValidationError,
    message: /validationFraction must be a finite number ≥ 0 and < 1/,
  },
  {
    name: 'patience 0',
    run: (d) => reg(d, { patience: 0 }),
    error: ValidationError,
    message: /patience must be an integer ≥ 1/,
  },
  {
    name: 'randomState a string',
    run: (d) => clf(d, { randomState: 'seed' }),
    error: ValidationError,
    message: /randomState must be an integer/,
  },
  {
    name: 'scikit-learn spelling hidden_layer_sizes',
    run: (d) => clf(d, { hidden_layer_sizes: [3] }),
    error: ValidationError,
    message: /unknown parameter "hidden_layer_sizes". Known parameters: hiddenLayerSizes/,
  },
  {
    name: 'params not an object',
    run: () => new MLPRegressor([3] as never),
    error: ValidationError,
    message: /parameters must be an object/,
  },
  {
    name: 'autoencoder with nothing to train',
    run: (d) => ae(d, { epochs: 0, fineTuneEpochs: 0 }),
    error: ValidationError,
    message: /epochs and fineTuneEpochs are both 0/,
  },
  {
    name: 'setParams epochs 0',
    run: (d) => clf(d).setParams({ epochs: 0 }),
    error: ValidationError,
    message: /epochs must be an integer ≥ 1/,
  },
  {
    name: 'unregistered backend',
    run: (d) => clf(d, { backend: 'tpu' }).fit(X, labels),
    error: BackendUnavailableError,
    message: /Backend "tpu" is not registered. Registered: node, wasm, cpu/,
  },
  {
    name: 'logPath in a folder that does not exist',
    run: (d) => clf(d, { logPath: join(d, 'no', 'such', 'dir', 'log.csv') }).fit(X, labels),
    error: ValidationError,
    message: /logPath .* does not exist/,
  },
  {
    name: 'logPath with an extension no file logger writes',
    run: (d) => clf(d, { logPath: join(d, 'train.log') }).fit(X, labels),
    error: ValidationError,
    message: /logPath ".*train\.log" must end in \.csv, \.jsonl or \.ndjson/,
  },
  {
    name: 'exportPath that is an existing file (checked before training)',
    run: (d) => {
      writeFileSync(join(d, 'model.bin'), 'not a folder');
      const est = clf(d, { exportPath: join(d, 'model.bin'), logPath: null });
      return est.fit(X, labels).finally(() => {
        expect(est.isFitted).toBe(false);
        rmSync(join(d, 'model.bin'));
      });
    },
    error: ValidationError,
    message: /exportPath .* exists and is not a folder; a model is saved as a folder/,
  },
  {
    name: 'autoencoder exportPath under an existing file (checked before training)',
    run: (d) => {
      writeFileSync(join(d, 'f'), 'not a folder');
      const est = ae(d, { exportPath: join(d, 'f', 'model'), logPath: null });
      return est.fit(X).finally(() => {
        expect(est.isFitted).toBe(false);
        rmSync(join(d, 'f'));
      });
    },
    error: ValidationError,
    message: /exportPath .* exists and is not a folder/,
  },
  {
    name: 'a diverging fit with an exportPath',
    run: (d) => {
      const est = new MLPRegressor({
        hiddenLayerSizes: [4],
        epochs: 30,
        optimizer: 'sgd',
        learningRate: 1e3,
        activation: 'tanh',
        backend: 'cpu',
        randomState: 0,
        exportPath: join(d, 'model'),
      });
      // The one run stops a diverging fit (TrainingDivergedError): nothing is fitted and no file is written.
      return est
        .fit(
          X.map((r) => r.map((v) => v * 1e3)),
          targets.map((t) => t * 1e6),
        )
        .finally(() => {
          expect(est.isFitted).toBe(false);
          expect(existsSync(join(d, 'model'))).toBe(false);
        });
    },
    error: TrainingDivergedError,
    message: /training diverged in stage 'train', epoch \d+, batch \d+: the loss .*Lower learningRate/,
  },
  {
    name: 'save(dir) under an existing file',
    run: (d) => {
      writeFileSync(join(d, 'file'), 'x');
      return fitted.save(join(d, 'file', 'model')).finally(() => rmSync(join(d, 'file')));
    },
    error: ValidationError,
    message: /save\(dir\) .* exists and is not a folder/,
  },
  {
    name: 'hiddenLayerSizes huge (must not allocate gigabytes)',
    run: (d) => reg(d, { hiddenLayerSizes: [1_000_000_000] }).fit(X, targets),
    error: ValidationError,
    message: /hiddenLayerSizes/,
  },
  {
    name: 'autoencoder hiddenLayerSizes huge',
    run: (d) => ae(d, { hiddenLayerSizes: [100_000, 100_000] }).fit(X),
    error: ValidationError,
    message: /hiddenLayerSizes/,
  },
  // --- X ---
  {
    name: 'X of non-numeric strings',
    run: (d) =>
      clf(d).fit(
        [
          ['a', 'b', 'c'],
          ['d', 'e', 'f'],
        ] as never,
        [0, 1],
      ),
    error: ValidationError,
    message: /X\[0\]\[0\] is a string \("a"\), expected a number/,
  },
  {
    name: 'X of numeric strings (no silent coercion)',
    run: (d) => reg(d).fit(X.map((r) => r.map(String)) as never, targets),
    error: ValidationError,
    message: /expected a number/,
  },
  {
    name: 'X nested one level too deep',
    run: (d) => ae(d).fit(X.map((r) => r.map((v) => [v])) as never),
    error: ValidationError,
    message: /X\[0\]\[0\] is an array, expected a number/,
  },
  {
    name: 'X 1-D',
    run: (d) => reg(d).fit(X.map((r) => r[0]) as never, targets),
    error: ValidationError,
    message: /wrap each sample in an array/,
  },
  {
    name: 'X ragged',
    run: (d) => ae(d).fit([[1, 2], [3]]),
    error: ValidationError,
    message: /ragged: row 1 has 1 values but row 0 has 2/,
  },
  {
    name: 'X with NaN',
    run: (d) =>
      clf(d).fit(
        [
          [0, Number.NaN],
          [1, 1],
        ],
        [0, 1],
      ),
    error: ValidationError,
    message: /NaN at row 0, column 1: remove or impute/,
  },
  {
    name: 'X with -Infinity',
    run: (d) =>
      ae(d).fit([
        [0, 1],
        [Number.NEGATIVE_INFINITY, 1],
      ]),
    error: ValidationError,
    message: /-Infinity at row 1, column 0/,
  },
  {
    name: 'X empty',
    run: (d) => ae(d).fit([]),
    error: ValidationError,
    message: /X is empty \(0 rows\): pass at least one sample/,
  },
  {
    name: 'X huge declared dims',
    run: (d) => ae(d).fit({ data: new Float32Array(4), shape: [1e9, 1e9] }),
    error: ValidationError,
    message: /X.data has 4 values but shape \[1000000000, 1000000000\]/,
  },
  {
    name: 'X rank-3 tensor',
    run: (d) => ae(d).fit(tf.zeros([2, 2, 2]) as never),
    error: ValidationError,
    message: /must be a 2-D tensor \[samples, features\], got rank 3/,
  },
  {
    name: 'X a string tensor',
    run: (d) => ae(d).fit(tf.tensor2d([['a', 'b']]) as never),
    error: ValidationError,
    message: /numeric tensor .* got dtype string/,
  },
  {
    name: 'X a disposed tensor',
    run: (d) => {
      const t = tf.tensor2d(X);
      t.dispose();
      return ae(d).fit(t);
    },
    error: ValidationError,
    message: /disposed tensor: pass a live tensor/,
  },
  {
    name: 'X typed with Int8Array data',
    run: (d) => ae(d).fit({ data: new Int8Array(4), shape: [2, 2] } as never),
    error: ValidationError,
    message: /X.data must be a Float32Array or Float64Array, got a Int8Array/,
  },
  {
    name: 'validationData with other features',
    run: (d) => clf(d).fit(X, labels, { validationData: [[[1, 2]], [0]] }),
    error: ValidationError,
    message: /validationData\[0\] has 2 features per row, but .* 3/,
  },
  // --- y ---
  {
    name: 'labels with a single class',
    run: (d) =>
      clf(d).fit(
        X,
        X.map(() => 7),
      ),
    error: ValidationError,
    message: /single class \(7\); a classifier needs at least 2 classes/,
  },
  {
    name: 'labels of the wrong shape (2-D)',
    run: (d) => clf(d).fit(X, X.map((_, i) => [i % 2, 1 - (i % 2)]) as never),
    error: ValidationError,
    message: /labels must be numbers or strings \(1-D\)/,
  },
  {
    name: 'labels as a one-hot tensor',
    run: (d) => clf(d).fit(X, tf.oneHot(tf.tensor1d(labels, 'int32'), 2) as never),
    error: ValidationError,
    message: /for one-hot labels use tf.argMax\(y, 1\)/,
  },
  {
    name: 'labels shorter than X',
    run: (d) => clf(d).fit(X, labels.slice(2)),
    error: ValidationError,
    message: /X has 12 samples but y has 10 labels/,
  },
  {
    name: 'labels mixing numbers and strings',
    run: (d) => clf(d).fit(X, labels.map((l, i) => (i === 3 ? 'one' : l)) as never),
    error: ValidationError,
    message: /use one label type/,
  },
  {
    name: 'labels with NaN in a tensor',
    run: (d) => clf(d).fit(X, tf.tensor1d(labels.map((l, i) => (i === 0 ? Number.NaN : l)))),
    error: ValidationError,
    message: /finite/,
  },
  {
    name: 'regression targets of strings',
    run: (d) => reg(d).fit(X, targets.map(String) as never),
    error: ValidationError,
    message: /y\[0\] is a string .* expected a number/,
  },
  {
    name: 'regression targets with Infinity',
    run: (d) =>
      reg(d).fit(
        X,
        targets.map((t, i) => (i === 5 ? Number.POSITIVE_INFINITY : t)),
      ),
    error: ValidationError,
    message: /y\[5\] is Infinity: targets must be finite/,
  },
  {
    name: 'regression targets too long',
    run: (d) => reg(d).fit(X, [...targets, 1]),
    error: ValidationError,
    message: /X has 12 samples but y has 13 targets/,
  },
  // --- after fit / entry points ---
  {
    name: 'predict before fit',
    run: (d) => clf(d).predict(X),
    error: NotFittedError,
    message: /not fitted yet: call fit\(\)/,
  },
  {
    name: 'save before fit',
    run: (d) => ae(d).save(join(d, 'never')),
    error: NotFittedError,
    message: /before save\(\)/,
  },
  {
    name: 'predict with the wrong feature count',
    run: () => fitted.predict([[1, 2]]),
    error: ValidationError,
    message: /X has 2 features per row, but the estimator was fitted with 3/,
  },
  {
    name: 'score with labels of the wrong length',
    run: () => fitted.score(X, labels.slice(1)),
    error: ValidationError,
    message: /X has 12 samples but y has 11 labels/,
  },
  {
    name: 'export to an unknown format',
    run: (d) => fitted.export(join(d, 'x'), { format: 'pmml' }),
    error: UnknownFormatError,
    message: /No exporter for format "pmml". Registered formats: .*onnx/,
  },
  {
    name: 'export without a format',
    run: (d) => fitted.export(join(d, 'x'), {} as never),
    error: ValidationError,
    message: /options.format is required/,
  },
  {
    name: 'fromEncoder of an unfitted autoencoder',
    run: (d) => MLPClassifier.fromEncoder(ae(d)),
    error: NotFittedError,
    message: /StackedAutoencoder is not fitted yet/,
  },
  {
    name: 'load of a folder without a model',
    run: (d) => load(d),
    error: ModelFormatError,
    message: /No model at .*model.json not found. Save one with est.save\(dir\)/,
  },
  {
    name: 'load with an empty path',
    run: () => MLPClassifier.load(''),
    error: ValidationError,
    message: /dir must be a non-empty path string/,
  },
  {
    name: 'a plugin factory passed without calling it',
    run: () => new Registry().use(wasmBackend as never),
    error: PluginError,
    message: /Did you pass the factory without calling it\?/,
  },
  {
    name: 'a logger without a path',
    run: () => csvLogger({} as never),
    error: ValidationError,
    message: /path must be a non-empty file path/,
  },
  {
    name: 'default registry with a bad console option',
    run: () => createDefaultRegistry({ console: 'loud' as never }),
    error: ValidationError,
    message: /expected true, false or 'auto'/,
  },
  // --- loaders ---
  {
    name: 'IDX with a bad magic number',
    run: () => parseIdx(new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0])),
    error: IdxFormatError,
    message: /not an IDX file: bad magic number/,
  },
  {
    name: 'IDX truncated',
    run: () => parseIdx(new Uint8Array([...idxHeader(0x08, [10]), 1, 2, 3])),
    error: IdxFormatError,
    message: /truncated: its header announces shape \[10\]/,
  },
  {
    name: 'IDX header with absurd dimensions (must not allocate)',
    run: () => parseIdx(idxHeader(0x0d, [0xffffffff, 0xffffffff, 0xffffffff])),
    error: IdxFormatError,
    message: /truncated/,
  },
  {
    name: 'IDX unknown dtype',
    run: () => parseIdx(idxHeader(0x07, [1])),
    error: IdxFormatError,
    message: /unknown IDX dtype code 0x07/,
  },
  {
    name: 'IDX file that does not exist',
    run: (d) => readIdx(join(d, 'train-images-idx3-ubyte')),
    error: DatasetNotFoundError,
    message: /IDX file not found/,
  },
  {
    name: 'readIdx of a number',
    run: () => readIdx(42 as never),
    error: ValidationError,
    message: /takes a path or a Uint8Array, got number/,
  },
  {
    name: 'readIdx with a negative limit',
    run: () => readIdx(idxHeader(0x08, [0]), { limit: -1 }),
    error: ValidationError,
    message: /limit must be a positive integer, got -1/,
  },
  {
    name: 'CSV with a non-numeric cell',
    run: () => loadCsv('a,b,label\n1,2,0\n3,x,1\n'),
    error: CsvFormatError,
    message: /line 3, column 2 .* "x" is not a finite number/,
  },
  {
    name: 'CSV with ragged rows',
    run: () => loadCsv('1,2,0\n3,1\n'),
    error: CsvFormatError,
    message: /line 2|row 2|2 cells|columns/,
  },
  {
    name: 'CSV with an unclosed quote',
    run: () => loadCsv('1,2,0\n"3,1,1\n'),
    error: CsvFormatError,
    message: /quoted cell opened on line 2 is never closed/,
  },
  {
    name: 'CSV text with only a header',
    run: () => loadCsv('a,b,label\n'),
    error: CsvFormatError,
    message: /header but no data rows/,
  },
  {
    name: 'CSV with a quote as delimiter',
    run: () => loadCsv('1"2\n3"4\n', { delimiter: '"' }),
    error: ValidationError,
    message: /delimiter must be 'auto' or one character other than a quote/,
  },
  {
    name: 'CSV file that does not exist',
    run: (d) => loadCsv(join(d, 'nope.csv')),
    error: DatasetNotFoundError,
    message: /CSV file not found/,
  },
];

beforeAll(async () => {
  fitted = new MLPClassifier({ ...tiny });
  await fitted.fit(X, labels);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reliability: bad inputs', () => {
  it('the catalogue has at least 30 bad inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(`${c.name} → ${c.error.name}`, async () => {
      const dir = freshDir();
      const before = tf.memory().numTensors;
      let error: unknown;
      try {
        await c.run(dir);
      } catch (e) {
        error = e;
      }
      // Tensors the case built as bad input itself (rank-3, one-hot…) are created inside run(); dispose
      // nothing here: the check is that the library left nothing of its own behind.
      expect(error, 'it must throw').toBeInstanceOf(Error);
      expect(error, `${(error as Error).name}: ${(error as Error).message}`).toBeInstanceOf(c.error);
      expect((error as Error).name).toBe(c.error.name);
      expect((error as Error).message).toMatch(c.message);
      const leaked = tf.memory().numTensors - before;
      expect(leaked, 'tensors left behind').toBeLessThanOrEqual(inputTensors(c.name));
      expect(readdirSync(dir), 'no file written').toEqual([]);
    });
  }

  it('a data set smaller than batchSize clamps the batch to the data set (like scikit-learn), it is not an error', async () => {
    const dir = freshDir();
    const est = new MLPRegressor({ ...tiny, batchSize: 500, epochs: 3, logPath: join(dir, 'log.csv') });
    const before = tf.memory().numTensors;
    await est.fit(X, targets);
    expect(est.isFitted).toBe(true);
    const h = est.history!;
    expect(h.epochs).toHaveLength(3);
    // One batch of all 12 samples per epoch: same result as batchSize = 12.
    const same = new MLPRegressor({ ...tiny, batchSize: 12, epochs: 3 });
    await same.fit(X, targets);
    expect(await est.predict(X)).toEqual(await same.predict(X));
    expect(readdirSync(dir)).toEqual(['log.csv']);
    expect(tf.memory().numTensors - before).toBe(2 * 2 * 2);
  });

  it('a failed fit never half-trains: the previous model and its files are untouched', async () => {
    const dir = freshDir();
    const est = clf(dir);
    await est.fit(X, labels);
    const files = readdirSync(dir).sort();
    const before = await est.predictProba(X);
    const n = tf.memory().numTensors;
    await expect(
      est.fit(
        X,
        X.map(() => 1),
      ),
    ).rejects.toThrow(ValidationError);
    expect(() => est.setParams({ learningRate: -1 })).toThrow(ValidationError);
    await expect(est.fit([[1, 2, Number.NaN]], [0])).rejects.toThrow(ValidationError);
    expect(tf.memory().numTensors).toBe(n);
    expect(await est.predictProba(X)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(files);
    expect(clone(est).isFitted).toBe(false);
  });
});

/** Bad inputs that are tensors themselves (made inside run()) and so remain allocated by the test. */
function inputTensors(name: string): number {
  if (name === 'X rank-3 tensor' || name === 'X a string tensor' || name === 'labels with NaN in a tensor')
    return 1;
  if (name === 'labels as a one-hot tensor') return 2;
  return 0;
}
