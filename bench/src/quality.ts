/**
 * `pnpm bench -- --only quality` — model quality, layerwise and PyTorch side by side (issue 16): the same
 * recipes on the same class-balanced labelled subsets, each cell the mean of several seeds, scored on the
 * 10 000 test images.
 *
 *   options: --datasets mnist,fashion  --labels 100,1000,5000,all  --seeds 0,1,2  --recipes random,sae,dsae,best
 *            --all-epochs N (classifier epochs with all labels; default 3)  --threads N (wasm; default 1)
 *            --no-python  --no-layerwise  --quick (smoke: 2 000 unlabelled rows, 1 epoch, 100 labels, 1 seed)
 *            --no-save  --fresh (ignore the cached results; pretrained encoders stay cached)
 *
 * Labelled subsets: seed s, n labels → n/10 images of each class drawn with a seeded generator from the 60 000
 * training images; written to bench/.cache/subsets-<dataset>.json, which both sides read. Pretrained encoders
 * are cached per (dataset, seed, pretraining recipe) — layerwise as `StackedAutoencoder.save` folders,
 * PyTorch as state dicts — and every finished cell is cached in bench/.cache/cells.jsonl, so a run can be
 * continued or extended. Writes Markdown on stdout and bench/results/<date>-quality[-quick].json.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry, Rng } from '@layerwise/core';
import { loadFashionMnist, loadMnist } from '@layerwise/datasets';
import { cosineDecay, freezeLayers, learningRateScheduler, MLPClassifier } from '@layerwise/nn';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where subsets, data files, pretrained encoders and finished cells are cached (gitignored). */
export const CACHE = join(HERE, '..', '.cache');

/** The encoder of every recipe (issue 16). */
export const HIDDEN = [500, 250, 64];

/** Greedy pretraining of a recipe: `StackedAutoencoder` params (PyTorch reproduces them op for op). */
export interface PretrainSpec {
  activation: 'relu' | 'sigmoid' | 'tanh';
  outputActivation: 'sigmoid';
  epochs: number;
  fineTuneEpochs: number;
  noise: number;
  batchSize: number;
  learningRate: number;
}

/** The classifier of a recipe (Adam). `freezeEncoder`: epochs the pretrained layers stay fixed, per label count. */
export interface ClassifierSpec {
  learningRate: number;
  batchSize: number;
  dropout: number;
  freezeEncoder?: Record<string, number>;
  /** Pretrained hidden layers kept fixed for the whole fit (the `freezeLayers` callback). */
  freezeLayers?: number[];
  /** `'cosine'`: the rate decays from `learningRate` to 0 over the fit's epochs (`cosineDecay`). */
  schedule?: 'cosine';
  /**
   * How the PyTorch side treats Adam's step count of layers frozen by `freezeEncoder`: `'skip'` (default,
   * PyTorch's own way: a frozen parameter has no gradient, its step count and bias correction start when it
   * is unfrozen) or `'count'` (tfjs's and Keras's way, what layerwise does: one step count for all, frozen
   * layers get zero gradients, so an unfrozen layer starts with moments of 0 under a bias correction of ~1).
   * The layerwise side always counts.
   */
  frozenAdamSteps?: 'skip' | 'count';
}

/** A recipe: optional pretraining, then a classifier (random init when `pretrain` is null). */
export interface Recipe {
  title: string;
  pretrain: PretrainSpec | null;
  classifier: ClassifierSpec;
}

const ISSUE_PRETRAIN: PretrainSpec = {
  activation: 'relu',
  outputActivation: 'sigmoid',
  epochs: 3,
  fineTuneEpochs: 0,
  noise: 0,
  batchSize: 100,
  learningRate: 1e-3,
};
const ISSUE_CLASSIFIER: ClassifierSpec = { learningRate: 5e-4, batchSize: 32, dropout: 0.2 };

/** Round 2's classifier: `best`'s, with the encoder frozen for the first quarter of the epochs. */
const WARM_CLASSIFIER: ClassifierSpec = {
  ...ISSUE_CLASSIFIER,
  learningRate: 2e-3,
  schedule: 'cosine',
  freezeEncoder: { '100': 50, '1000': 5, '5000': 3, all: 1 },
};

/** The chosen recipe (round 2): long denoising pretraining, the encoder frozen for the first quarter. */
const LONG_WARM: Recipe = {
  title: 'long pretraining, encoder frozen at first',
  pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, epochs: 10, fineTuneEpochs: 4 },
  classifier: WARM_CLASSIFIER,
};

/** The recipes of the table. `best` is the one chosen to make pretraining pay (see bench/README.md, Quality). */
export const RECIPES: Record<string, Recipe> = {
  random: { title: 'random init', pretrain: null, classifier: ISSUE_CLASSIFIER },
  sae: { title: 'plain SAE', pretrain: ISSUE_PRETRAIN, classifier: ISSUE_CLASSIFIER },
  dsae: {
    title: 'DSAE 0.3',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.3 },
    classifier: ISSUE_CLASSIFIER,
  },
  best: {
    title: 'best',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, fineTuneEpochs: 2 },
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 2e-3, schedule: 'cosine' },
  },
  // the best recipe with dropout 0.1 in the classifier (explored in PyTorch: better at 100 labels)
  bestDropout01: {
    title: 'best, dropout 0.1',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, fineTuneEpochs: 2 },
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 2e-3, schedule: 'cosine', dropout: 0.1 },
  },
  // the best recipe with its first (784 → 500) layer kept fixed, lr 1e-3 (explored in PyTorch: better at 100 labels)
  bestFreeze0: {
    title: 'best, layer 0 frozen',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, fineTuneEpochs: 2 },
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 1e-3, schedule: 'cosine', freezeLayers: [0] },
  },
  // the best recipe with the pretrained encoder kept fixed for the first epochs (only the new output layer
  // trains), then everything fine-tuned: the literature's "freeze at first"
  bestWarm: {
    title: 'best, encoder frozen at first',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, fineTuneEpochs: 2 },
    classifier: WARM_CLASSIFIER,
  },
  // the best recipe's pretraining with a gentler classifier (Adam 5e-4, cosine): keeps more of the features
  bestLowLr: {
    title: 'best, clf lr 5e-4',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, fineTuneEpochs: 2 },
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 5e-4, schedule: 'cosine' },
  },
  // the best recipe with dropout 0.5 in the classifier (stronger regularisation where labels are few)
  bestDropout05: {
    title: 'best, dropout 0.5',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, fineTuneEpochs: 2 },
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 2e-3, schedule: 'cosine', dropout: 0.5 },
  },
  // the best recipe with longer pretraining: 10 epochs per layer and 4 of whole-stack fine-tuning
  bestLong: {
    title: 'best, long pretraining',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, epochs: 10, fineTuneEpochs: 4 },
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 2e-3, schedule: 'cosine' },
  },
  // long pretraining with the classifier at dropout 0.5
  bestLongDropout05: {
    title: 'long pretraining, dropout 0.5',
    pretrain: { ...ISSUE_PRETRAIN, noise: 0.5, epochs: 10, fineTuneEpochs: 4 },
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 2e-3, schedule: 'cosine', dropout: 0.5 },
  },
  // long pretraining with the encoder frozen for the first epochs
  bestLongWarm: LONG_WARM,
  // bestLongWarm with PyTorch counting Adam steps through the frozen epochs as tfjs did (layerwise: the same
  // computation as bestLongWarm): tells whether the two ways of counting explain a gap between the sides
  bestLongWarmCount: {
    title: 'long pretraining, frozen at first, Adam steps counted while frozen',
    pretrain: LONG_WARM.pretrain,
    classifier: { ...LONG_WARM.classifier, frozenAdamSteps: 'count' },
  },
  // the best recipe's classifier from random weights: separates what pretraining gives from what the schedule gives
  randomBest: {
    title: 'random, best clf',
    pretrain: null,
    classifier: { ...ISSUE_CLASSIFIER, learningRate: 2e-3, schedule: 'cosine' },
  },
};

/** Classifier epochs per label count (issue 16); `all` is set by `--all-epochs`. */
export const EPOCHS: Record<string, number> = { '100': 200, '1000': 20, '5000': 10, all: 3 };

/** Options of {@link runQuality}. */
export interface QualityOptions {
  datasets: ('mnist' | 'fashion')[];
  labels: string[];
  seeds: number[];
  recipes: string[];
  allEpochs: number;
  threads: number;
  python: boolean;
  layerwise: boolean;
  quick: boolean;
  save: boolean;
  fresh: boolean;
  log: (line: string) => void;
}

/** Parses the command line (exported for the smoke test). */
export function parseQualityOptions(argv: string[]): QualityOptions {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      only: { type: 'string' },
      datasets: { type: 'string' },
      labels: { type: 'string' },
      seeds: { type: 'string' },
      recipes: { type: 'string' },
      'all-epochs': { type: 'string' },
      threads: { type: 'string' },
      'no-python': { type: 'boolean', default: false },
      'no-layerwise': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
    },
    strict: false,
  });
  const list = (v: unknown, d: string) =>
    String(v ?? d)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const q = values.quick === true;
  const datasets = list(values.datasets, 'mnist,fashion');
  for (const d of datasets)
    if (d !== 'mnist' && d !== 'fashion') throw new Error(`--datasets: mnist or fashion, got ${d}`);
  const labels = list(values.labels, q ? '100' : '100,1000,5000,all');
  for (const l of labels)
    if (!(l in EPOCHS)) throw new Error(`--labels: one of ${Object.keys(EPOCHS).join(', ')}, got ${l}`);
  const recipes = list(values.recipes, q ? 'random,dsae' : 'random,sae,dsae,best');
  for (const r of recipes)
    if (!(r in RECIPES)) throw new Error(`--recipes: one of ${Object.keys(RECIPES).join(', ')}, got ${r}`);
  const seeds = list(values.seeds, q ? '0' : '0,1,2').map(Number);
  if (!seeds.every((s) => Number.isInteger(s) && s >= 0)) throw new Error(`--seeds: integers ≥ 0`);
  const int = (v: unknown, d: number) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${String(v)}`);
    return n;
  };
  return {
    datasets: datasets as ('mnist' | 'fashion')[],
    labels,
    seeds,
    recipes,
    allEpochs: int(values['all-epochs'], 3),
    threads: int(values.threads, 1),
    python: values['no-python'] !== true,
    layerwise: values['no-layerwise'] !== true,
    quick: q,
    save: values['no-save'] !== true,
    fresh: values.fresh === true,
    log: (l) => process.stderr.write(`${l}\n`),
  };
}

/**
 * Class-balanced labelled subset: `perClass` indices of each of the 10 classes, drawn with a generator seeded
 * by (seed, count), in ascending order. `count` ≥ the row count gives every row.
 */
export function balancedSubset(y: ArrayLike<number>, count: number, seed: number): number[] {
  if (count >= y.length) return Array.from({ length: y.length }, (_, i) => i);
  const rng = new Rng(seed * 100_003 + count);
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]!]!.push(i);
  const out: number[] = [];
  for (const rows of byClass) {
    // Fisher–Yates on a copy, first perClass kept
    const a = [...rows];
    const k = Math.min(count / 10, a.length);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rng.next() * (a.length - i));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    out.push(...a.slice(0, k));
  }
  return out.sort((p, q) => p - q);
}

/** One result cell: one side, dataset, seed, recipe and label count. */
export interface Cell {
  side: 'layerwise' | 'pytorch';
  dataset: string;
  seed: number;
  recipe: string;
  labels: string;
  accuracy: number;
  key?: string;
}

interface Data {
  X: { data: Float32Array; shape: [number, number] };
  y: Int32Array;
  Xt: { data: Float32Array; shape: [number, number] };
  yt: Int32Array;
  files: { train: string; trainLabels: string; test: string; testLabels: string };
}

async function loadData(ds: 'mnist' | 'fashion', quick: boolean): Promise<Data> {
  const load = (subset: 'train' | 'test', limit?: number) =>
    ds === 'fashion'
      ? loadFashionMnist({ subset, ...(limit ? { limit } : {}) })
      : loadMnist({ subset, ...(limit ? { limit } : {}) });
  const tr = await load('train', quick ? 2000 : undefined);
  const te = await load('test', quick ? 1000 : undefined);
  const tag = `${ds}${quick ? '-quick' : ''}`;
  const files = {
    train: join(CACHE, `${tag}-train.f32`),
    trainLabels: join(CACHE, `${tag}-train-labels.u8`),
    test: join(CACHE, `${tag}-test.f32`),
    testLabels: join(CACHE, `${tag}-test-labels.u8`),
  };
  const raw = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(files.train, raw(tr.X.data));
  writeFileSync(files.trainLabels, Uint8Array.from(tr.y));
  writeFileSync(files.test, raw(te.X.data));
  writeFileSync(files.testLabels, Uint8Array.from(te.y));
  return { X: tr.X, y: tr.y, Xt: te.X, yt: te.y, files };
}

const hash = (v: unknown) => createHash('sha1').update(JSON.stringify(v)).digest('hex').slice(0, 12);

/** The key of a cell in the results cache: everything that decides its number. */
function cellKey(
  side: string,
  ds: string,
  seed: number,
  recipe: Recipe,
  labels: string,
  epochs: number,
  quick: boolean,
) {
  const parts: unknown[] = [
    side,
    ds,
    seed,
    recipe.pretrain,
    recipe.classifier,
    labels,
    epochs,
    quick,
    HIDDEN,
  ];
  // since 2026-12-02 20:10 a layer unfrozen by freezeEncoder starts as under a fresh Adam in layerwise
  // (per-variable bias correction): cells made before that are not reused
  if (side === 'layerwise' && recipe.classifier.freezeEncoder) parts.push('per-variable Adam steps');
  return hash(parts);
}

function rows(m: Data['X'], idx: number[]) {
  const cols = m.shape[1];
  const out = new Float32Array(idx.length * cols);
  idx.forEach((r, i) => {
    out.set(m.data.subarray(r * cols, (r + 1) * cols), i * cols);
  });
  return { data: out, shape: [idx.length, cols] as [number, number] };
}

/** Layerwise side of one (dataset, seed, recipe): pretrain (or load the cached encoder), then every label count. */
async function layerwiseJob(
  o: QualityOptions,
  registry: Registry,
  ds: string,
  data: Data,
  subsets: Record<string, Record<string, number[]>>,
  seed: number,
  name: string,
  labels: string[],
  epochs: Record<string, number>,
  done: (c: Cell) => void,
) {
  const recipe = RECIPES[name]!;
  let ae: StackedAutoencoder | null = null;
  if (recipe.pretrain) {
    const p = { ...recipe.pretrain, epochs: o.quick ? 1 : recipe.pretrain.epochs };
    const dir = join(CACHE, `lw-${ds}${o.quick ? '-quick' : ''}-s${seed}-${hash([HIDDEN, p])}`);
    if (existsSync(join(dir, 'manifest.json')) || existsSync(join(dir, 'model.json'))) {
      ae = await StackedAutoencoder.load(dir, { registry });
    } else {
      const t0 = performance.now();
      ae = new StackedAutoencoder({ hiddenLayerSizes: HIDDEN, ...p, randomState: 1000 + seed }, { registry });
      await ae.fit(data.X);
      await ae.save(dir);
      o.log(
        `layerwise pretrain ${ds} seed ${seed} ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
  }
  for (const l of labels) {
    const idx = subsets[String(seed)]![l]!;
    const X = rows(data.X, idx);
    const y = Int32Array.from(idx, (i) => data.y[i]!);
    const c = recipe.classifier;
    const params = {
      epochs: epochs[l]!,
      learningRate: c.learningRate,
      batchSize: c.batchSize,
      dropout: c.dropout,
      randomState: 2000 + seed,
      ...(ae && c.freezeEncoder?.[l] ? { freezeEncoder: c.freezeEncoder[l] } : {}),
      callbacks: [
        ...(ae && c.freezeLayers?.length ? [freezeLayers(c.freezeLayers)] : []),
        ...(c.schedule === 'cosine' ? [learningRateScheduler(cosineDecay({ decayEpochs: epochs[l]! }))] : []),
      ],
    };
    const clf = ae
      ? MLPClassifier.fromEncoder(ae, params, { registry })
      : new MLPClassifier({ ...params, hiddenLayerSizes: HIDDEN, activation: 'relu' }, { registry });
    await clf.fit(X, y);
    const accuracy = await clf.score(data.Xt, data.yt);
    clf.dispose();
    o.log(`layerwise ${ds} seed ${seed} ${name} ${l} labels: ${(accuracy * 100).toFixed(2)} %`);
    done({ side: 'layerwise', dataset: ds, seed, recipe: name, labels: l, accuracy });
  }
  ae?.dispose();
}

/** Runs the PyTorch side (one /usr/bin/python3 process for every job); resolves with its cells. */
function runTorch(o: QualityOptions, config: unknown, done: (c: Cell) => void): Promise<string | null> {
  const cfgFile = join(CACHE, 'torch-config.json');
  writeFileSync(cfgFile, JSON.stringify(config));
  const python = process.env.LAYERWISE_BENCH_PYTHON ?? '/usr/bin/python3';
  return new Promise((resolve) => {
    const child = spawn(python, [join(HERE, 'quality_torch.py'), cfgFile], {
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let version: string | null = null;
    let buf = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('ready' in msg) {
          if (!msg.ready) o.log(`PyTorch skipped: ${String(msg.reason)}`);
          else version = `torch ${String(msg.version)}`;
        } else done({ ...(msg as unknown as Cell), labels: String(msg.labels) });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.on('error', (e) => {
      o.log(`PyTorch skipped: ${e.message}`);
      resolve(null);
    });
    child.on('close', () => resolve(version));
  });
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));

/** Mean ± standard deviation (over seeds) of a list of accuracies, in percent. */
export function summarise(acc: number[]): string {
  if (acc.length === 0) return '—';
  const m = mean(acc) * 100;
  return acc.length > 1 ? `${m.toFixed(1)} ± ${(sd(acc) * 100).toFixed(1)}` : m.toFixed(1);
}

/** The Markdown table: one row per (dataset, label count), layerwise / PyTorch per recipe. */
export function qualityMarkdown(
  cells: Cell[],
  o: Pick<QualityOptions, 'datasets' | 'labels' | 'recipes' | 'seeds'>,
  epochs: Record<string, number>,
) {
  const head = ['data', 'labels', 'epochs', ...o.recipes.map((r) => RECIPES[r]!.title)];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  const gaps: string[] = [];
  for (const ds of o.datasets) {
    for (const l of o.labels) {
      const row = [
        ds === 'fashion' ? 'Fashion' : 'MNIST',
        l === 'all' ? '60 000' : Number(l).toLocaleString('en-US'),
        String(epochs[l]),
      ];
      for (const r of o.recipes) {
        const pick = (side: string) =>
          cells
            .filter((c) => c.side === side && c.dataset === ds && c.labels === l && c.recipe === r)
            .map((c) => c.accuracy);
        const a = pick('layerwise');
        const b = pick('pytorch');
        // a cell with fewer seeds than asked for says how many it has
        const n = (v: number[]) =>
          v.length > 0 && v.length < o.seeds.length ? ` (${v.length} seed${v.length > 1 ? 's' : ''})` : '';
        row.push(`${summarise(a)}${n(a)} / ${summarise(b)}${n(b)}`);
        // the gap is taken over the seeds both sides have (paired)
        const bySeed = (side: string) =>
          new Map(
            cells
              .filter((c) => c.side === side && c.dataset === ds && c.labels === l && c.recipe === r)
              .map((c) => [c.seed, c.accuracy]),
          );
        const la = bySeed('layerwise');
        const pb = bySeed('pytorch');
        const both = [...la.keys()].filter((k) => pb.has(k));
        const ma = mean(both.map((k) => la.get(k)!));
        const mb = mean(both.map((k) => pb.get(k)!));
        if (both.length && Math.abs(ma - mb) > 0.01)
          gaps.push(
            `${ds} ${l} labels ${r}: layerwise ${(ma * 100).toFixed(1)} vs PyTorch ${(mb * 100).toFixed(1)} (${both.length} seed${both.length > 1 ? 's' : ''})`,
          );
      }
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  return { table: lines.join('\n'), gaps };
}

/** Runs the quality bench; returns the Markdown and the cells. */
export async function runQuality(o: QualityOptions) {
  mkdirSync(CACHE, { recursive: true });
  const epochs: Record<string, number> = { ...EPOCHS, all: o.allEpochs };
  if (o.quick) Object.assign(epochs, { '100': 20, '1000': 3 });
  const cellsFile = join(CACHE, 'cells.jsonl');
  const cached = new Map<string, Cell>();
  if (!o.fresh && existsSync(cellsFile)) {
    for (const line of readFileSync(cellsFile, 'utf8').split('\n'))
      if (line.trim()) {
        const c = JSON.parse(line) as Cell;
        if (c.key) cached.set(c.key, c);
      }
  }
  const cells: Cell[] = [];
  const record = (c: Cell) => {
    const key = cellKey(c.side, c.dataset, c.seed, RECIPES[c.recipe]!, c.labels, epochs[c.labels]!, o.quick);
    const withKey = { ...c, key };
    cells.push(withKey);
    appendFileSync(cellsFile, `${JSON.stringify(withKey)}\n`);
  };
  const todo = (side: string, ds: string, seed: number, r: string) =>
    o.labels.filter((l) => {
      const key = cellKey(side, ds, seed, RECIPES[r]!, l, epochs[l]!, o.quick);
      const hit = cached.get(key);
      if (hit) cells.push(hit);
      return !hit;
    });
  const started = new Date();
  const loadStart = loadavg();
  const data: Record<string, Data> = {};
  const subsets: Record<string, Record<string, Record<string, number[]>>> = {};
  for (const ds of o.datasets) {
    data[ds] = await loadData(ds, o.quick);
    const s: Record<string, Record<string, number[]>> = {};
    for (const seed of o.seeds) {
      s[String(seed)] = {};
      for (const l of o.labels)
        s[String(seed)]![l] = balancedSubset(
          data[ds]!.y,
          l === 'all' ? Number.POSITIVE_INFINITY : Number(l),
          seed,
        );
    }
    subsets[ds] = s;
    // merged into what is there: runs with other --labels / --seeds (even at the same time) share the file
    const file = join(CACHE, `subsets-${ds}${o.quick ? '-quick' : ''}.json`);
    const old = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, number[]>>)
      : {};
    for (const [seed, bySize] of Object.entries(s)) old[seed] = { ...old[seed], ...bySize };
    writeFileSync(file, JSON.stringify(old));
  }
  if (o.layerwise) {
    const registry = new Registry().use(wasmBackend({ threads: o.threads }));
    for (const ds of o.datasets)
      for (const seed of o.seeds)
        for (const r of o.recipes) {
          const labels = todo('layerwise', ds, seed, r);
          if (labels.length)
            await layerwiseJob(o, registry, ds, data[ds]!, subsets[ds]!, seed, r, labels, epochs, record);
        }
    await registry.dispose();
  }
  // a side not run (--no-layerwise, --no-python) still shows its cached cells
  for (const side of [...(o.layerwise ? [] : ['layerwise']), ...(o.python ? [] : ['pytorch'])])
    for (const ds of o.datasets)
      for (const seed of o.seeds) for (const r of o.recipes) todo(side, ds, seed, r);
  let torchVersion: string | null = null;
  if (o.python) {
    const jobs: unknown[] = [];
    for (const ds of o.datasets)
      for (const seed of o.seeds)
        for (const r of o.recipes) {
          const labels = todo('pytorch', ds, seed, r);
          if (labels.length) jobs.push({ dataset: ds, seed, recipe: r, labels });
        }
    const recipes = Object.fromEntries(
      o.recipes.map((r) => {
        const rec = RECIPES[r]!;
        return [
          r,
          {
            ...rec,
            pretrain: rec.pretrain && { ...rec.pretrain, epochs: o.quick ? 1 : rec.pretrain.epochs },
          },
        ];
      }),
    );
    if (jobs.length) {
      const suffix = o.quick ? '-quick' : '';
      torchVersion = await runTorch(
        o,
        {
          cacheDir: CACHE,
          hiddenLayerSizes: HIDDEN,
          epochs,
          recipes,
          jobs,
          data: Object.fromEntries(o.datasets.map((d) => [d, data[d]!.files])),
          subsetsFiles: Object.fromEntries(
            o.datasets.map((d) => [d, join(CACHE, `subsets-${d}${suffix}.json`)]),
          ),
        },
        (c) => record({ ...c, side: 'pytorch' }),
      );
    }
  }
  const { table, gaps } = qualityMarkdown(cells, o, epochs);
  const command = `pnpm bench -- --only quality ${process.argv
    .slice(2)
    .filter((a) => a !== '--' && !a.startsWith('--only') && a !== 'quality')
    .join(' ')}`.trim();
  const md = [
    `### Quality: layerwise / PyTorch, accuracy on the ${o.quick ? '1 000 first' : '10 000'} test images (%, mean ± sd over seeds ${o.seeds.join(', ')})`,
    '',
    `\`${command}\`, ${started.toISOString().slice(0, 10)}${torchVersion ? `, ${torchVersion}` : ''}. Each cell: layerwise / PyTorch. Encoder [${HIDDEN.join(', ')}] ReLU; recipes in bench/src/quality.ts.`,
    '',
    table,
    '',
    gaps.length
      ? `Gaps > 1 point: ${gaps.join('; ')}.`
      : 'Every cell with both sides: layerwise within 1 point of PyTorch.',
  ].join('\n');
  const result = {
    date: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    loadAverage: { start: loadStart, end: loadavg() },
    options: { ...o, log: undefined },
    epochs,
    recipes: Object.fromEntries(o.recipes.map((r) => [r, RECIPES[r]])),
    torch: torchVersion,
    cells,
    markdown: md,
  };
  return { md, result };
}

/** `--only quality` entry point (called from main.ts). */
export async function runQualityFromArgv(argv: string[]): Promise<void> {
  const o = parseQualityOptions(argv);
  const { md, result } = await runQuality(o);
  process.stdout.write(`${md}\n`);
  if (o.save) {
    const dir = join(HERE, '..', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${result.date.slice(0, 10)}-quality${o.quick ? '-quick' : ''}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`wrote ${file}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runQualityFromArgv(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
