import { loadMnist } from '@layerwise/datasets';
import {
  type CvResults,
  crossValidate,
  GridSearchCV,
  MLPClassifier,
  Pipeline,
  StackedAutoencoder,
  StandardScaler,
  trainTestSplit,
} from 'layerwise';

/** Sizes of a run (the defaults are the full example; the test uses tiny ones). */
export interface RunOptions {
  /** MNIST training digits used (split 80/20 into search and held-out test). Default 5000. */
  samples?: number;
  /** Epochs of each MLP fit. Default 10. */
  epochs?: number;
  /** Folds. Default 3. */
  cv?: number;
  /** Worker threads. Default 2. */
  nJobs?: number;
  /** Epochs of the autoencoder pretraining (part 2). Default 5. */
  pretrainEpochs?: number;
  /** Learning rate of the classifiers of part 2. Default 0.001. */
  learningRate?: number;
}

/** The grid of part 1: 4 candidates over the classifier step of the pipeline. */
export const GRID = { clf__hiddenLayerSizes: [[64], [128]], clf__learningRate: [1e-3, 3e-3] };

async function digits(samples: number) {
  const { X, y } = await loadMnist({ limit: samples });
  const [Xtr, Xte, ytr, yte] = trainTestSplit(X, y, { testSize: 0.2, stratify: y, randomState: 0 });
  return { Xtr, Xte, ytr, yte };
}

/** cvResults as a text table: one row per candidate, the params, mean ± std test score, rank, fit time. */
export function cvTable(r: CvResults, paramNames: readonly string[]): string {
  const head = [...paramNames, 'meanTestScore', 'stdTestScore', 'rankTestScore', 'meanFitTime'];
  const rows = r.params.map((_, i) => [
    ...paramNames.map((n) =>
      JSON.stringify((r[`param${n.charAt(0).toUpperCase()}${n.slice(1)}`] as unknown[])[i]),
    ),
    r.meanTestScore[i]!.toFixed(4),
    r.stdTestScore[i]!.toFixed(4),
    String(r.rankTestScore[i]),
    `${r.meanFitTime[i]!.toFixed(1)} s`,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((s, c) => s.padStart(widths[c]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/** Part 1: GridSearchCV over Pipeline(StandardScaler, MLPClassifier). */
export async function runGridSearch(o: RunOptions = {}) {
  const { Xtr, Xte, ytr, yte } = await digits(o.samples ?? 5000);
  const pipe = new Pipeline([
    ['scale', new StandardScaler()],
    ['clf', new MLPClassifier({ epochs: o.epochs ?? 10, batchSize: 100, randomState: 0 })],
  ]);
  const search = new GridSearchCV(pipe, GRID, { cv: o.cv ?? 3, scoring: 'accuracy', nJobs: o.nJobs ?? 2 });
  const t0 = performance.now();
  await search.fit(Xtr, ytr);
  const seconds = (performance.now() - t0) / 1000;
  const testScore = await search.score(Xte, yte);
  return {
    table: cvTable(search.cvResults, Object.keys(GRID)),
    cvResults: search.cvResults,
    bestParams: search.bestParams,
    bestScore: search.bestScore,
    testScore,
    seconds,
    trainSamples: Xtr.shape[0],
    testSamples: Xte.shape[0],
  };
}

/** Part 2: cross-validates an MLPClassifier.fromEncoder classifier against the same network from scratch. */
export async function runEncoderCV(o: RunOptions = {}) {
  const { Xtr, ytr } = await digits(o.samples ?? 5000);
  const ae = new StackedAutoencoder({
    hiddenLayerSizes: [128],
    epochs: o.pretrainEpochs ?? 5,
    randomState: 0,
  });
  await ae.fit(Xtr);
  const params = {
    epochs: o.epochs ?? 10,
    batchSize: 100,
    learningRate: o.learningRate ?? 1e-3,
    randomState: 0,
  };
  const pretrained = MLPClassifier.fromEncoder(ae, params);
  const scratch = new MLPClassifier({ ...params, hiddenLayerSizes: [128] });
  const opts = { cv: o.cv ?? 3, scoring: 'accuracy', nJobs: o.nJobs ?? 2 } as const;
  const t0 = performance.now();
  const a = await crossValidate(pretrained, Xtr, ytr, opts);
  const b = await crossValidate(scratch, Xtr, ytr, opts);
  return { pretrained: a.testScore, scratch: b.testScore, seconds: (performance.now() - t0) / 1000 };
}

/** Mean ± population standard deviation, as scikit-learn users print them. */
export function meanStd(v: readonly number[]): string {
  const m = v.reduce((x, y) => x + y, 0) / v.length;
  const s = Math.sqrt(v.reduce((x, y) => x + (y - m) ** 2, 0) / v.length);
  return `${m.toFixed(4)} ± ${s.toFixed(4)}`;
}
