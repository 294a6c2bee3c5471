import { SEMI_SUPERVISED_PRETRAINING, StackedAutoencoder } from '@layerwise/autoencoder';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry, Rng } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { MLPClassifier, semiSupervisedFineTuning } from '@layerwise/nn';

/** Options of {@link runSemiSupervised}; each has a command-line flag (see `main.ts`). */
export interface SemiSupervisedOptions {
  /** Unlabelled training digits the autoencoder is pretrained on (the first n of 60 000). Default 60 000. */
  unlabelled?: number;
  /** Labelled digits the classifiers are trained on: a class-balanced draw from the unlabelled ones. Default 1 000. */
  labels?: number;
  /** Classifier epochs. Default 20. */
  epochs?: number;
  /** Pretraining epochs per layer. Default 10 (`SEMI_SUPERVISED_PRETRAINING`). */
  pretrainEpochs?: number;
  /** Encoder layer sizes. Default [500, 250, 64]. */
  hiddenLayerSizes?: number[];
  /** Test digits scored on (the first n of 10 000). Default 10 000. */
  testSubset?: number;
  /** Seed of the labelled draw, the weights, shuffling, dropout and noise. Default 0. */
  seed?: number;
  /** Prints progress (default `console.log`). */
  print?: (line: string) => void;
}

/** One row of the comparison. */
export interface SemiSupervisedRow {
  init: 'pretrained' | 'random';
  accuracy: number;
}

/** What {@link runSemiSupervised} measured. */
export interface SemiSupervisedResult {
  unlabelled: number;
  labels: number;
  testSamples: number;
  rows: SemiSupervisedRow[];
  /** The comparison as a Markdown table. */
  table: string;
}

/**
 * `count / 10` indices of each class, drawn with a seeded generator (a class-balanced labelled subset) — the same
 * draw as the quality bench's (`bench/src/quality.ts`), so seed s gives the digits its cells were trained on.
 */
export function balancedIndices(y: ArrayLike<number>, count: number, seed: number): number[] {
  const rng = new Rng(seed * 100_003 + count);
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]!]!.push(i);
  const out: number[] = [];
  for (const rows of byClass) {
    const a = [...rows];
    const k = Math.min(Math.floor(count / 10), a.length);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rng.next() * (a.length - i));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    out.push(...a.slice(0, k));
  }
  return out.sort((p, q) => p - q);
}

/**
 * Pretrains a denoising stacked autoencoder on the unlabelled digits (`SEMI_SUPERVISED_PRETRAINING`), then trains
 * two classifiers of the same shape on a class-balanced labelled subset with the same params
 * (`semiSupervisedFineTuning(epochs)`): one from the encoder (`MLPClassifier.fromEncoder`), one from random
 * weights; scores both on the test digits.
 */
export async function runSemiSupervised(options: SemiSupervisedOptions = {}): Promise<SemiSupervisedResult> {
  const print = options.print ?? ((l: string) => console.log(l));
  const seed = options.seed ?? 0;
  const labels = options.labels ?? 1000;
  const epochs = options.epochs ?? 20;
  const hiddenLayerSizes = options.hiddenLayerSizes ?? [500, 250, 64];
  const train = await loadMnist({ subset: 'train', limit: options.unlabelled ?? 60_000 });
  const test = await loadMnist({
    subset: 'test',
    ...(options.testSubset ? { limit: options.testSubset } : {}),
  });
  const n = train.X.shape[0];
  const registry = new Registry().use(wasmBackend());
  try {
    print(`pretraining [${hiddenLayerSizes.join(', ')}] on ${n} unlabelled digits…`);
    const ae = new StackedAutoencoder(
      {
        hiddenLayerSizes,
        ...SEMI_SUPERVISED_PRETRAINING,
        ...(options.pretrainEpochs ? { epochs: options.pretrainEpochs } : {}),
        randomState: 1000 + seed,
      },
      { registry },
    );
    await ae.fit(train.X);

    const idx = balancedIndices(train.y, labels, seed);
    const X = new Float32Array(idx.length * 784);
    idx.forEach((r, i) => {
      X.set(train.X.data.subarray(r * 784, (r + 1) * 784), i * 784);
    });
    const Xl = { data: X, shape: [idx.length, 784] as [number, number] };
    const yl = Int32Array.from(idx, (i) => train.y[i]!);

    const rows: SemiSupervisedRow[] = [];
    for (const init of ['pretrained', 'random'] as const) {
      // The same params for both, except that only a pretrained encoder can be frozen for the first epochs.
      const { freezeEncoder, ...params } = { ...semiSupervisedFineTuning(epochs), randomState: 2000 + seed };
      const clf =
        init === 'pretrained'
          ? MLPClassifier.fromEncoder(ae, { ...params, freezeEncoder }, { registry })
          : new MLPClassifier({ ...params, hiddenLayerSizes, activation: 'relu' }, { registry });
      print(`training the ${init} classifier on ${idx.length} labelled digits, ${epochs} epochs…`);
      await clf.fit(Xl, yl);
      rows.push({ init, accuracy: await clf.score(test.X, test.y) });
      clf.dispose();
    }
    ae.dispose();
    const table = [
      `| initialisation | test accuracy (${test.X.shape[0]} digits) |`,
      '| --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.init === 'pretrained' ? `pretrained on ${n} unlabelled digits` : 'random'} | ${(r.accuracy * 100).toFixed(2)} % |`,
      ),
    ].join('\n');
    return { unlabelled: n, labels: idx.length, testSamples: test.X.shape[0], rows, table };
  } finally {
    await registry.dispose();
  }
}
