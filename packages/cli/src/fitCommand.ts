import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { atomicWriteFile, MANIFEST_FILE, type Registry, type TypedMatrix } from '@layerwise/core';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import { AutoencoderOutlierDetector } from '@layerwise/outliers';
import { PIPELINE_KIND, Pipeline, type Step } from '@layerwise/pipeline';
import type { LossSeries } from '@layerwise/report';
import { CliUsageError } from './CliUsageError.js';
import {
  type BackendName,
  type CliIo,
  type ExportFormat,
  exportModel,
  fmt,
  type GlobalOptions,
  type ModelName,
  makeRegistry,
  shapeText,
} from './cliCommon.js';
import { type CliData, loadData, requireLabels } from './loadData.js';
import { type CliEstimator, type OpenedModel, RUN_FILES, STEP_NAMES } from './openModel.js';
import { applyScaler, type FeatureScaler, fitScaler, type ScaleMode } from './scaler.js';

/** Options of `layerwise fit`, parsed and checked. */
export interface FitCommandOptions extends GlobalOptions {
  model: ModelName;
  hidden: number[];
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  labelColumn?: string;
  scale: ScaleMode;
  out: string;
  export?: ExportFormat;
  backend: BackendName;
  seed: number;
  validationFraction: number;
  limit?: number;
  /** `--model outlier-detector`: the expected fraction of outliers (default 0.1). */
  contamination?: number | 'auto';
  /** Replace the model in an existing, non-empty `--out` folder (atomically, once the new one is complete). */
  overwrite?: boolean;
}

const KIND_OF: Record<ModelName, OpenedModel['kind']> = {
  sae: 'StackedAutoencoder',
  classifier: 'MLPClassifier',
  regressor: 'MLPRegressor',
  'outlier-detector': 'AutoencoderOutlierDetector',
};

/** Replaces folder `out` by the complete folder `staging` (two renames; the old folder is removed last). */
async function replaceFolder(staging: string, out: string): Promise<void> {
  const had = (await stat(out).catch(() => undefined)) !== undefined;
  const old = join(dirname(out), `.${basename(out)}.old-${randomBytes(4).toString('hex')}`);
  if (had) await rename(out, old);
  try {
    await rename(staging, out);
  } catch (e) {
    if (had) await rename(old, out);
    throw e;
  }
  if (had) await rm(old, { recursive: true, force: true });
}

/** Layer sizes of a fitted estimator, input first. */
function sizesOf(est: CliEstimator): number[] {
  if (est instanceof StackedAutoencoder || est instanceof AutoencoderOutlierDetector)
    return [est.nFeaturesIn, ...est.getParams().hiddenLayerSizes];
  return [est.layers[0]!.inputSize, ...est.layers.map((l) => l.units)];
}

/** Square images with values in [0, 1] (MNIST-like): the report shows reconstructions of them. */
function isImageData(X: TypedMatrix): boolean {
  const side = Math.round(Math.sqrt(X.shape[1]));
  if (side * side !== X.shape[1] || side < 8) return false;
  const n = Math.min(X.data.length, 200 * X.shape[1]);
  for (let i = 0; i < n; i++) if (!(X.data[i]! >= 0 && X.data[i]! <= 1)) return false;
  return true;
}

/** `layerwise fit`: trains, then writes model, log, charts, report and summary into `--out`. */
export async function fitCommand(dataPath: string, o: FitCommandOptions, io: CliIo): Promise<void> {
  const out = await checkOutFolder(o);
  const { data, y } = await fitData(dataPath, o);
  const scaler: FeatureScaler | undefined = o.scale === 'none' ? undefined : fitScaler(o.scale, data.X);
  const X = scaler ? applyScaler(scaler, data.X) : data.X;
  // Everything is written into a fresh folder beside --out, which then replaces --out in one step: a
  // failed fit leaves the previous model as it was, and nothing of an earlier fit (a side scaler/) survives.
  await mkdir(dirname(out), { recursive: true });
  const staging = join(dirname(out), `.${basename(out)}.tmp-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  let done = false;
  try {
    const registry = await makeRegistry(io, o, join(staging, RUN_FILES.log));
    let est: CliEstimator | undefined;
    try {
      est = await trainEstimator(o, X, y, registry);
      // ONE saved Pipeline: the scaler (when --scale) and the model, loaded and applied as one.
      const steps: Step[] = [
        ...(scaler ? ([[STEP_NAMES.scale, scaler]] as Step[]) : []),
        [STEP_NAMES.model, est],
      ];
      await new Pipeline(steps).save(staging);
      const run: FitRun = { o, out, staging, est, X, data, scaler, score: await scoreOf(o, est, X, y) };
      if (o.export) {
        run.exported = join(staging, o.export);
        await exportModel(registry, est, scaler, run.exported, o.export);
      }
      const report = await writeRunReport(run);
      await atomicWriteFile(
        join(staging, RUN_FILES.summary),
        `${JSON.stringify(runSummary(run, report), null, 2)}\n`,
      );
      await replaceFolder(staging, out);
      done = true;
      io.out(fitLines(run, report).join('\n'));
    } finally {
      est?.dispose();
      await registry.dispose();
    }
  } finally {
    if (!done) await rm(staging, { recursive: true, force: true });
  }
}

/** `--out` resolved: a folder that is new, empty, or replaced with `--overwrite`. */
async function checkOutFolder(o: FitCommandOptions): Promise<string> {
  const out = resolve(o.out);
  const outStat = await stat(out).catch(() => undefined);
  if (outStat && !outStat.isDirectory())
    throw new CliUsageError(`--out ${o.out} exists and is not a folder.`);
  if (outStat && !o.overwrite && (await readdir(out)).length > 0) {
    throw new CliUsageError(
      `--out ${o.out} already holds files (a model from an earlier fit?): pass --overwrite to replace the folder, or choose another --out.`,
    );
  }
  return out;
}

/** The training data and, for a supervised model, its labels, checked against `--model`. */
async function fitData(
  dataPath: string,
  o: FitCommandOptions,
): Promise<{ data: CliData; y: (number | string)[] | undefined }> {
  const data = await loadData(dataPath, {
    ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}),
    defaultLabel: 'label',
    prefer: 'train',
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
  });
  if (o.model === 'regressor' && data.format === 'idx') {
    throw new CliUsageError('--model regressor needs a CSV with a numeric target column, not IDX images.');
  }
  if (o.contamination !== undefined && o.model !== 'outlier-detector') {
    throw new CliUsageError('--contamination is an option of --model outlier-detector only.');
  }
  const y = unsupervised(o) ? undefined : requireLabels(data, `--model ${o.model}`);
  if (o.model === 'regressor' && y!.some((v) => typeof v !== 'number')) {
    throw new CliUsageError(
      `--model regressor needs a numeric target, but column "${data.labelName}" of ${data.source} holds text.`,
    );
  }
  return { data, y };
}

function unsupervised(o: FitCommandOptions): boolean {
  return o.model === 'sae' || o.model === 'outlier-detector';
}

/** The estimator `--model` names, built from the flags and fitted. */
async function trainEstimator(
  o: FitCommandOptions,
  X: TypedMatrix,
  y: (number | string)[] | undefined,
  registry: Registry,
): Promise<CliEstimator> {
  const common = {
    hiddenLayerSizes: o.hidden,
    epochs: o.epochs,
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
    validationFraction: o.validationFraction,
    randomState: o.seed,
    backend: o.backend,
    verbose: !o.quiet,
  };
  const est: CliEstimator =
    o.model === 'sae'
      ? new StackedAutoencoder({ ...common, fineTuneEpochs: o.epochs }, { registry })
      : o.model === 'outlier-detector'
        ? new AutoencoderOutlierDetector(
            { ...common, fineTuneEpochs: o.epochs, contamination: o.contamination ?? 0.1 },
            { registry },
          )
        : o.model === 'classifier'
          ? new MLPClassifier(common, { registry })
          : new MLPRegressor(common, { registry });
  try {
    if (est instanceof MLPClassifier) await est.fit(X, y! as number[] | string[]);
    else if (est instanceof MLPRegressor) await est.fit(X, y as number[]);
    else await est.fit(X);
  } catch (e) {
    est.dispose();
    throw e;
  }
  return est;
}

/** What a fit produced, for its report, summary and printed lines. */
interface FitRun {
  o: FitCommandOptions;
  out: string;
  staging: string;
  est: CliEstimator;
  X: TypedMatrix & { data: Float32Array; shape: [number, number] };
  data: CliData;
  scaler: FeatureScaler | undefined;
  score: { name: string; value: number };
  exported?: string;
}

/** The model's score on all its training rows, named as `--model` reads it. */
async function scoreOf(
  o: FitCommandOptions,
  est: CliEstimator,
  X: TypedMatrix,
  y: (number | string)[] | undefined,
): Promise<FitRun['score']> {
  const value =
    est instanceof StackedAutoencoder
      ? -(await est.score(X))
      : est instanceof AutoencoderOutlierDetector
        ? est.labels.reduce((a, v) => a + v, 0) / est.labels.length
        : await est.score(X, y as never);
  const name =
    o.model === 'sae'
      ? 'reconstruction MSE'
      : o.model === 'outlier-detector'
        ? 'fraction flagged as outliers'
        : o.model === 'classifier'
          ? 'accuracy'
          : 'R²';
  return { name, value };
}

/** The run's report: loss chart, summary table and, for image data, reconstructions. */
async function writeRunReport(run: FitRun): Promise<{ html: string; images: number }> {
  const { o, est, X, data } = run;
  const history = est.history!;
  // vega, vega-lite and resvg load only here, once there is something to draw.
  const { reconstructionGrid, writeReport } = await import('@layerwise/report/node');
  const series: LossSeries[] = [
    {
      name: unsupervised(o) ? 'autoencoder' : o.model,
      lossName: o.model === 'classifier' ? 'cross-entropy' : 'MSE',
      records: history.epochs,
    },
  ];
  const images = [];
  if (est instanceof StackedAutoencoder && isImageData(X)) {
    const count = Math.min(20, X.shape[0]);
    const sample = {
      data: X.data.subarray(0, count * X.shape[1]),
      shape: [count, X.shape[1]] as [number, number],
    };
    const recon = (await est.reconstruct(sample)) as TypedMatrix;
    images.push({
      title: 'Reconstructions',
      caption: `The first ${count} rows (rows 1, 3) above their reconstructions (rows 2, 4).`,
      png: reconstructionGrid(sample.data, recon.data, count, {
        side: Math.round(Math.sqrt(X.shape[1])),
        cols: 10,
      }),
      file: RUN_FILES.reconstructions,
    });
  }
  const last = history.epochs.at(-1);
  const valAcc = last?.metrics?.valAcc;
  const classes = classesOf(est);
  const summaryRows: [string, string | number | undefined][] = [
    ['model', `${KIND_OF[o.model]} ${shapeText(sizesOf(est))}`],
    ['data', `${basename(data.source)}: ${X.shape[0]} rows × ${X.shape[1]} features`],
    ['label column', data.labelName && !unsupervised(o) ? data.labelName : undefined],
    ['classes', classes ? classes.join(' ') : undefined],
    ['scaling', o.scale],
    ['epochs per stage', o.epochs],
    ['backend', history.backend],
    ['seed', o.seed],
    ['final training loss', last ? fmt(last.loss) : undefined],
    ['final validation loss', last?.valLoss !== undefined ? fmt(last.valLoss) : undefined],
    ['validation accuracy', valAcc !== undefined ? fmt(valAcc) : undefined],
    [`${run.score.name} (all rows)`, fmt(run.score.value)],
  ];
  const report = await writeReport(run.staging, {
    title: `layerwise fit — ${KIND_OF[o.model]}`,
    subtitle: `${basename(data.source)} → ${run.out}`,
    series,
    summary: summaryRows,
    images,
  });
  return { html: report.html, images: images.length };
}

function classesOf(est: CliEstimator): string[] | undefined {
  return est instanceof MLPClassifier ? est.classes.map(String) : undefined;
}

/** summary.json: data, params, scores and files of the run (what predict/score/info read back). */
function runSummary(run: FitRun, report: { images: number }): Record<string, unknown> {
  const { o, est, X, data, scaler } = run;
  const history = est.history!;
  const last = history.epochs.at(-1);
  const valAcc = last?.metrics?.valAcc;
  const kind = KIND_OF[o.model];
  const classes = classesOf(est);
  return {
    tool: 'layerwise fit',
    kind,
    model: PIPELINE_KIND,
    steps: [...(scaler ? [`${STEP_NAMES.scale}: ${scaler.kind}`] : []), `${STEP_NAMES.model}: ${kind}`],
    data: {
      source: data.source,
      format: data.format,
      rows: X.shape[0],
      features: X.shape[1],
      ...(data.format !== 'idx' && data.labelName !== undefined ? { labelColumn: data.labelName } : {}),
      columns: data.columns,
    },
    scale: o.scale,
    layers: sizesOf(est),
    ...(classes ? { classes } : {}),
    backend: history.backend,
    params: Object.fromEntries(Object.entries(est.getParams()).filter(([, v]) => typeof v !== 'function')),
    score: { name: run.score.name, value: run.score.value, on: 'all rows' },
    final: {
      loss: last?.loss,
      ...(last?.valLoss !== undefined ? { valLoss: last.valLoss } : {}),
      ...(valAcc !== undefined ? { valAcc } : {}),
    },
    stages: history.stages.map((s: (typeof history.stages)[number]) => ({
      stage: s.stage,
      ...(s.layer !== undefined ? { layer: s.layer } : {}),
      epochs: s.epochs.length,
      loss: s.epochs.at(-1)?.loss,
      ...(s.epochs.at(-1)?.valLoss !== undefined ? { valLoss: s.epochs.at(-1)!.valLoss } : {}),
    })),
    files: {
      model: MANIFEST_FILE,
      log: RUN_FILES.log,
      lossPng: RUN_FILES.lossPng,
      report: RUN_FILES.report,
      ...(report.images ? { reconstructions: RUN_FILES.reconstructions } : {}),
      ...(run.exported ? { export: basename(run.exported) } : {}),
    },
  };
}

/** What `fit` prints: the model, its losses and score, and every file written. */
function fitLines(run: FitRun, report: { html: string; images: number }): string[] {
  const { o, est, X, data, scaler, exported } = run;
  const history = est.history!;
  const last = history.epochs.at(-1);
  const valAcc = last?.metrics?.valAcc;
  const kind = KIND_OF[o.model];
  const classes = classesOf(est);
  const written: [string, string][] = [
    [
      `${MANIFEST_FILE} + step-*/`,
      `one Pipeline: ${scaler ? `the fitted ${scaler.kind} (--scale ${o.scale}), then ` : ''}the ${kind} (layerwise predict|score|transform|export|info ${o.out})`,
    ],
    [RUN_FILES.log, 'one row per epoch of every stage'],
    [RUN_FILES.lossPng, 'loss per epoch, one panel per stage'],
    ...(report.images
      ? ([[RUN_FILES.reconstructions, 'the first rows above their reconstructions']] as [string, string][])
      : []),
    [
      basename(report.html),
      `summary, loss curves${report.images ? ', reconstructions' : ''} (self-contained)`,
    ],
    [RUN_FILES.summary, 'data, params, scores'],
    ...(exported ? ([[`${basename(exported)}/`, `the ${o.export} export`]] as [string, string][]) : []),
  ];
  const width = Math.max(...written.map(([f]) => f.length));
  return [
    `${kind} ${shapeText(sizesOf(est))} trained on ${X.shape[0]} rows × ${X.shape[1]} features of ${basename(data.source)}${
      classes ? ` (${classes.length} classes)` : ''
    }, backend ${history.backend}`,
    `final loss ${fmt(last?.loss)}${last?.valLoss !== undefined ? `, validation loss ${fmt(last.valLoss)}` : ''}${
      valAcc !== undefined ? `, validation accuracy ${fmt(valAcc)}` : ''
    }`,
    `${run.score.name} on all ${X.shape[0]} rows: ${fmt(run.score.value)}`,
    '',
    `Written to ${run.out}:`,
    ...written.map(([f, what]) => `  ${f.padEnd(width)}  ${what}`),
  ];
}
