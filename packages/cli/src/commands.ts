import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StackedAutoencoder, stackedAutoencoderKind } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { nodeBackend } from '@layerwise/backend-node';
import { wasmBackend } from '@layerwise/backend-wasm';
import {
  atomicWriteFile,
  type EstimatorKindPlugin,
  loadModelDir,
  MANIFEST_FILE,
  type MatrixLike,
  ModelFormatError,
  parseManifest,
  Registry,
  type TypedMatrix,
  ValidationError,
} from '@layerwise/core';
import { onnxExporter } from '@layerwise/exporter-onnx';
import { tfjsExporter } from '@layerwise/exporter-tfjs';
import { consoleLogger } from '@layerwise/logger-console';
import { csvLogger } from '@layerwise/logger-csv';
import { MLPClassifier, MLPRegressor, mlpClassifierKind, mlpRegressorKind } from '@layerwise/nn';
import { AutoencoderOutlierDetector, autoencoderOutlierDetectorKind } from '@layerwise/outliers';
import { PIPELINE_KIND, Pipeline, type Step } from '@layerwise/pipeline';
import { PREPROCESSING_KINDS } from '@layerwise/preprocessing';
import type { LossSeries } from '@layerwise/report';
import { CliUsageError } from './CliUsageError.js';
import { type CliData, loadData, requireLabels } from './loadData.js';
import {
  type CliEstimator,
  modelKind,
  type OpenedModel,
  openModel,
  RUN_FILES,
  STEP_NAMES,
} from './openModel.js';
import { applyScaler, type FeatureScaler, fitScaler, inputTransformOf, type ScaleMode } from './scaler.js';

/** Options every command takes. */
export interface GlobalOptions {
  /** No progress output. */
  quiet?: boolean;
  /** Print stack traces with errors. */
  debug?: boolean;
}

/** What the command prints to (stdout for results, stderr for progress). */
export interface CliIo {
  out: (text: string) => void;
  err: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
}

/** `--model` of `layerwise fit`. */
export type ModelName = 'sae' | 'classifier' | 'regressor' | 'outlier-detector';
/** `--backend` of every command. */
export type BackendName = 'auto' | 'wasm' | 'cpu' | 'node';
/** `--export` of `fit` and `--format` of `export`. */
export type ExportFormat = 'onnx' | 'tfjs-layers';

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

/**
 * The CLI's plugins. tfjs-node is registered only when asked for by name or when it loads here: an
 * installed-but-broken tfjs-node must not add a warning to every command's output.
 */
async function makeRegistry(
  io: CliIo,
  options: GlobalOptions & { backend: BackendName },
  logPath?: string,
): Promise<Registry> {
  const registry = new Registry();
  const node = nodeBackend();
  if (options.backend === 'node' || (await node.isAvailable())) registry.use(node);
  registry
    .use(wasmBackend())
    .use(cpuBackend())
    .use(consoleLogger({ verbose: options.quiet ? false : 'auto', stream: io.err }))
    .use(tfjsExporter())
    .use(onnxExporter())
    // The kinds a saved run folder (one Pipeline: a scaler, then the model) is loaded by.
    .use(mlpClassifierKind)
    .use(mlpRegressorKind)
    .use(stackedAutoencoderKind)
    .use(autoencoderOutlierDetectorKind);
  for (const kind of PREPROCESSING_KINDS) registry.use(kind as EstimatorKindPlugin);
  if (logPath) registry.use(csvLogger({ path: logPath }));
  return registry;
}

function fmt(x: number | undefined, digits = 4): string {
  if (x === undefined || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toFixed(digits);
}

function shapeText(sizes: readonly number[]): string {
  return `[${sizes.join(' → ')}]`;
}

/** A matrix of any kind the estimators return, as rows of numbers. */
function rowsOf(m: MatrixLike | ArrayLike<number>): number[][] {
  const t = m as TypedMatrix;
  if (t && typeof t === 'object' && 'shape' in t && 'data' in t && t.shape.length === 2) {
    const [n, d] = t.shape;
    return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d)));
  }
  if (Array.isArray(m) && Array.isArray(m[0])) return m as number[][];
  return Array.from(m as ArrayLike<number>, (v) => [v]);
}

function csvCell(v: unknown): string {
  const s = typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(7))) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

async function writeOutput(io: CliIo, out: string | undefined, text: string, what: string): Promise<void> {
  if (out === undefined) {
    io.out(text.replace(/\n$/, ''));
    return;
  }
  await mkdir(resolve(out, '..'), { recursive: true });
  await atomicWriteFile(out, text);
  io.err.write(`${what} written to ${out}\n`);
}

/** Column names from a header (loadCsv names header-less columns "0", "1", …: those say nothing). */
function namedColumns(columns: readonly string[] | undefined): columns is string[] {
  return columns !== undefined && columns.length > 0 && !columns.every((c, i) => c === String(i));
}

/**
 * The data's feature columns in the order the model was trained on, matched by name when both the data and
 * the model know names (a CSV with a header; summary.json's columns): reordered columns are put back in
 * order; a missing or unknown column is a usage error naming it. Without names, columns are taken by
 * position and only their count is checked.
 */
function alignColumns(model: OpenedModel, data: CliData): CliData['X'] {
  const trained = model.memory.columns;
  const expected = model.estimator.nFeaturesIn;
  const got = data.X.shape[1];
  if (
    data.format !== 'idx' &&
    namedColumns(trained) &&
    trained.length === expected &&
    namedColumns(data.columns)
  ) {
    const cols = data.columns;
    const same = cols.length === trained.length && cols.every((c, i) => c === trained[i]);
    if (!same) {
      const at = new Map<string, number>();
      for (const [i, c] of cols.entries()) {
        if (at.has(c) && trained.includes(c)) {
          throw new CliUsageError(
            `${data.source} has two columns named ${JSON.stringify(c)}; the model needs one.`,
          );
        }
        at.set(c, i);
      }
      const missing = trained.filter((c) => !at.has(c));
      if (missing.length > 0) {
        throw new CliUsageError(
          `${data.source} has no column ${JSON.stringify(missing[0])}${
            missing.length > 1
              ? ` (nor ${missing.length - 1} more: ${missing
                  .slice(1, 6)
                  .map((c) => JSON.stringify(c))
                  .join(', ')}${missing.length > 6 ? ', …' : ''})`
              : ''
          }, which the model in ${model.dir} was trained on.`,
        );
      }
      const known = new Set(trained);
      const extra = cols.filter((c) => !known.has(c));
      if (extra.length > 0) {
        throw new CliUsageError(
          `${data.source} has column${extra.length > 1 ? 's' : ''} ${extra
            .slice(0, 6)
            .map((c) => JSON.stringify(c))
            .join(
              ', ',
            )}${extra.length > 6 ? ', …' : ''} the model in ${model.dir} was not trained on: drop ${extra.length > 1 ? 'them' : 'it'}${data.labelName === undefined ? ', or name the label column with --label-column' : ''}.`,
        );
      }
      const n = data.X.shape[0];
      const d = trained.length;
      const src = data.X.data;
      const idx = trained.map((c) => at.get(c)!);
      const out = new Float32Array(n * d);
      for (let r = 0; r < n; r++) {
        const base = r * got;
        for (let j = 0; j < d; j++) out[r * d + j] = src[base + idx[j]!]!;
      }
      return { data: out, shape: [n, d] };
    }
  }
  if (got !== expected) {
    const hint =
      got === expected + 1 && data.labelName === undefined
        ? ' (is a label column still in it? name it with --label-column)'
        : '';
    throw new ValidationError(
      `${data.source} has ${got} feature columns but the model in ${model.dir} was trained on ${expected}${hint}.`,
    );
  }
  return data.X;
}

/** Matches the data's columns to the model's (by name when known), then applies the model's scaler. */
function featuresFor(
  model: OpenedModel,
  data: CliData,
): TypedMatrix & { data: Float32Array; shape: [number, number] } {
  const X = alignColumns(model, data);
  return model.scaler ? applyScaler(model.scaler, X) : X;
}

/**
 * Exports the model with its scaler carried in (`inputTransform`: folded into the first layer for
 * tfjs-layers, Sub/Div(/Clip) nodes for ONNX), so the exported model takes the raw features.
 */
async function exportModel(
  registry: Registry,
  est: CliEstimator,
  scaler: FeatureScaler | undefined,
  target: string,
  format: ExportFormat,
): Promise<{ files: string[] }> {
  const exportable = est.toExportable();
  if (scaler) exportable.inputTransform = inputTransformOf(scaler);
  return registry.exporter(format).export(exportable, target, { overwrite: true });
}

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
  const out = resolve(o.out);
  const outStat = await stat(out).catch(() => undefined);
  if (outStat && !outStat.isDirectory())
    throw new CliUsageError(`--out ${o.out} exists and is not a folder.`);
  if (outStat && !o.overwrite && (await readdir(out)).length > 0) {
    throw new CliUsageError(
      `--out ${o.out} already holds files (a model from an earlier fit?): pass --overwrite to replace the folder, or choose another --out.`,
    );
  }
  const data = await loadData(dataPath, {
    ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}),
    defaultLabel: 'label',
    prefer: 'train',
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
  });
  if (o.model === 'regressor' && data.format === 'idx') {
    throw new CliUsageError('--model regressor needs a CSV with a numeric target column, not IDX images.');
  }
  const unsupervised = o.model === 'sae' || o.model === 'outlier-detector';
  if (o.contamination !== undefined && o.model !== 'outlier-detector') {
    throw new CliUsageError('--contamination is an option of --model outlier-detector only.');
  }
  const y = unsupervised ? undefined : requireLabels(data, `--model ${o.model}`);
  if (o.model === 'regressor' && y!.some((v) => typeof v !== 'number')) {
    throw new CliUsageError(
      `--model regressor needs a numeric target, but column "${data.labelName}" of ${data.source} holds text.`,
    );
  }
  const scaler: FeatureScaler | undefined = o.scale === 'none' ? undefined : fitScaler(o.scale, data.X);
  const X = scaler ? applyScaler(scaler, data.X) : data.X;
  // Everything is written into a fresh folder beside --out, which then replaces --out in one step: a
  // failed fit leaves the previous model as it was, and nothing of an earlier fit (a side scaler/) survives.
  await mkdir(dirname(out), { recursive: true });
  const staging = join(dirname(out), `.${basename(out)}.tmp-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  let done = false;
  try {
    const files = {
      log: join(staging, RUN_FILES.log),
      summary: join(staging, RUN_FILES.summary),
    };
    const registry = await makeRegistry(io, o, files.log);
    try {
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
      let est: CliEstimator | undefined;
      try {
        if (o.model === 'sae') {
          est = new StackedAutoencoder({ ...common, fineTuneEpochs: o.epochs }, { registry });
          await est.fit(X);
        } else if (o.model === 'outlier-detector') {
          est = new AutoencoderOutlierDetector(
            { ...common, fineTuneEpochs: o.epochs, contamination: o.contamination ?? 0.1 },
            { registry },
          );
          await est.fit(X);
        } else if (o.model === 'classifier') {
          est = new MLPClassifier(common, { registry });
          await est.fit(X, y!);
        } else {
          est = new MLPRegressor(common, { registry });
          await est.fit(X, y as number[]);
        }
        // ONE saved Pipeline: the scaler (when --scale) and the model, loaded and applied as one.
        const steps: Step[] = [
          ...(scaler ? ([[STEP_NAMES.scale, scaler]] as Step[]) : []),
          [STEP_NAMES.model, est],
        ];
        await new Pipeline(steps).save(staging);

        const history = est.history!;
        const last = history.epochs.at(-1);
        const score =
          est instanceof StackedAutoencoder
            ? -(await est.score(X))
            : est instanceof AutoencoderOutlierDetector
              ? est.labels.reduce((a, v) => a + v, 0) / est.labels.length
              : await est.score(X, y);
        const scoreName =
          o.model === 'sae'
            ? 'reconstruction MSE'
            : o.model === 'outlier-detector'
              ? 'fraction flagged as outliers'
              : o.model === 'classifier'
                ? 'accuracy'
                : 'R²';
        const valAcc = last?.metrics?.valAcc;

        let exported: string | undefined;
        if (o.export) {
          exported = join(staging, o.export);
          await exportModel(registry, est, scaler, exported, o.export);
        }

        // vega, vega-lite and resvg load only here, once there is something to draw.
        const { reconstructionGrid, writeReport } = await import('@layerwise/report/node');
        const lossName = o.model === 'classifier' ? 'cross-entropy' : 'MSE';
        const series: LossSeries[] = [
          {
            name: o.model === 'sae' || o.model === 'outlier-detector' ? 'autoencoder' : o.model,
            lossName,
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
        const kind = KIND_OF[o.model];
        const classes = est instanceof MLPClassifier ? est.classes.map(String) : undefined;
        const summaryRows: [string, string | number | undefined][] = [
          ['model', `${kind} ${shapeText(sizesOf(est))}`],
          ['data', `${basename(data.source)}: ${X.shape[0]} rows × ${X.shape[1]} features`],
          ['label column', data.labelName && !unsupervised ? data.labelName : undefined],
          ['classes', classes ? classes.join(' ') : undefined],
          ['scaling', o.scale],
          ['epochs per stage', o.epochs],
          ['backend', history.backend],
          ['seed', o.seed],
          ['final training loss', last ? fmt(last.loss) : undefined],
          ['final validation loss', last?.valLoss !== undefined ? fmt(last.valLoss) : undefined],
          ['validation accuracy', valAcc !== undefined ? fmt(valAcc) : undefined],
          [`${scoreName} (all rows)`, fmt(score)],
        ];
        const report = await writeReport(staging, {
          title: `layerwise fit — ${kind}`,
          subtitle: `${basename(data.source)} → ${out}`,
          series,
          summary: summaryRows,
          images,
        });
        const summary = {
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
          params: Object.fromEntries(
            Object.entries(est.getParams()).filter(([, v]) => typeof v !== 'function'),
          ),
          score: { name: scoreName, value: score, on: 'all rows' },
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
            ...(images.length ? { reconstructions: RUN_FILES.reconstructions } : {}),
            ...(exported ? { export: basename(exported) } : {}),
          },
        };
        await atomicWriteFile(files.summary, `${JSON.stringify(summary, null, 2)}\n`);

        const written: [string, string][] = [
          [
            `${MANIFEST_FILE} + step-*/`,
            `one Pipeline: ${scaler ? `the fitted ${scaler.kind} (--scale ${o.scale}), then ` : ''}the ${kind} (layerwise predict|score|transform|export|info ${o.out})`,
          ],
          [RUN_FILES.log, 'one row per epoch of every stage'],
          [RUN_FILES.lossPng, 'loss per epoch, one panel per stage'],
          ...(images.length
            ? ([[RUN_FILES.reconstructions, 'the first rows above their reconstructions']] as [
                string,
                string,
              ][])
            : []),
          [
            basename(report.html),
            `summary, loss curves${images.length ? ', reconstructions' : ''} (self-contained)`,
          ],
          [RUN_FILES.summary, 'data, params, scores'],
          ...(exported ? ([[`${basename(exported)}/`, `the ${o.export} export`]] as [string, string][]) : []),
        ];
        const width = Math.max(...written.map(([f]) => f.length));
        const lines = [
          `${kind} ${shapeText(sizesOf(est))} trained on ${X.shape[0]} rows × ${X.shape[1]} features of ${basename(data.source)}${
            classes ? ` (${classes.length} classes)` : ''
          }, backend ${history.backend}`,
          `final loss ${fmt(last?.loss)}${last?.valLoss !== undefined ? `, validation loss ${fmt(last.valLoss)}` : ''}${
            valAcc !== undefined ? `, validation accuracy ${fmt(valAcc)}` : ''
          }`,
          `${scoreName} on all ${X.shape[0]} rows: ${fmt(score)}`,
          '',
          `Written to ${out}:`,
          ...written.map(([f, what]) => `  ${f.padEnd(width)}  ${what}`),
        ];
        await replaceFolder(staging, out);
        done = true;
        io.out(lines.join('\n'));
      } finally {
        est?.dispose();
      }
    } finally {
      await registry.dispose();
    }
  } finally {
    if (!done) await rm(staging, { recursive: true, force: true });
  }
}

/** Options of the commands that load a model. */
export interface ApplyOptions extends GlobalOptions {
  out?: string;
  proba?: boolean;
  labelColumn?: string;
  backend: BackendName;
}

async function withModel<T>(
  dir: string,
  o: ApplyOptions,
  io: CliIo,
  body: (model: OpenedModel, registry: Registry) => Promise<T>,
): Promise<T> {
  await modelKind(dir); // a bad folder fails here, before a backend is loaded
  const registry = await makeRegistry(io, { ...o, quiet: true });
  try {
    await registry.activateBackend(o.backend);
    const model = await openModel(dir, registry);
    for (const note of model.notes) io.err.write(`layerwise: note: ${note}\n`);
    try {
      return await body(model, registry);
    } finally {
      model.dispose();
    }
  } finally {
    await registry.dispose();
  }
}

async function dataFor(model: OpenedModel, path: string, o: ApplyOptions): Promise<CliData> {
  return loadData(path, {
    ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}),
    ...(model.memory.labelColumn !== undefined ? { defaultLabel: model.memory.labelColumn } : {}),
    prefer: 'test',
  });
}

/** `layerwise predict`: labels (or class probabilities, or regression outputs) as CSV. */
export async function predictCommand(
  dir: string,
  dataPath: string,
  o: ApplyOptions,
  io: CliIo,
): Promise<void> {
  await withModel(dir, o, io, async (model) => {
    const est = model.estimator;
    if (est instanceof StackedAutoencoder) {
      throw new ValidationError(
        `${dir} holds a StackedAutoencoder, which has no predict: use layerwise transform for its codes.`,
      );
    }
    if (est instanceof AutoencoderOutlierDetector && o.proba) {
      throw new ValidationError(
        `${dir} holds an AutoencoderOutlierDetector, which has no predictProba: its predict writes 1 (inlier) / -1 (outlier) and the score (higher = more normal); drop --proba.`,
      );
    }
    const data = await dataFor(model, dataPath, o);
    const X = featuresFor(model, data);
    const name = model.memory.labelColumn ?? 'prediction';
    let text: string;
    if (est instanceof AutoencoderOutlierDetector) {
      const labels = Array.from((await est.predict(X)) as ArrayLike<number>);
      const scores = Array.from((await est.scoreSamples(X)) as ArrayLike<number>);
      text = toCsv(
        ['prediction', 'score'],
        labels.map((l, i) => [l, scores[i]]),
      );
    } else if (est instanceof MLPClassifier) {
      const labels = Array.from((await est.predict(X)) as ArrayLike<number | string>);
      if (o.proba) {
        const p = rowsOf(await est.predictProba(X));
        text = toCsv(
          [name, ...est.classes.map((c) => `proba_${c}`)],
          labels.map((l, i) => [l, ...p[i]!]),
        );
      } else
        text = toCsv(
          [name],
          labels.map((l) => [l]),
        );
    } else {
      if (o.proba) throw new ValidationError('--proba needs a classifier; this model is an MLPRegressor.');
      const rows = rowsOf((await est.predict(X)) as MatrixLike);
      const header = rows[0]!.length === 1 ? [name] : rows[0]!.map((_, j) => `${name}_${j}`);
      text = toCsv(header, rows);
    }
    await writeOutput(io, o.out, text, `${data.X.shape[0]} predictions`);
  });
}

/** `layerwise score`: accuracy (classifier), R² (regressor) or reconstruction MSE (autoencoder). */
export async function scoreCommand(dir: string, dataPath: string, o: ApplyOptions, io: CliIo): Promise<void> {
  await withModel(dir, o, io, async (model) => {
    const data = await dataFor(model, dataPath, o);
    const X = featuresFor(model, data);
    const est = model.estimator;
    if (est instanceof StackedAutoencoder) {
      const mse = -(await est.score(X));
      io.out(`reconstruction MSE ${fmt(mse, 5)} on ${X.shape[0]} rows of ${basename(data.source)}`);
      return;
    }
    if (est instanceof AutoencoderOutlierDetector) {
      const flags = Array.from((await est.predict(X)) as ArrayLike<number>);
      const flagged = flags.filter((v) => v === -1).length;
      io.out(
        `mean score ${fmt(await est.score(X), 5)}, ${flagged} of ${X.shape[0]} rows flagged as outliers (${fmt((100 * flagged) / X.shape[0], 1)} %) in ${basename(data.source)}`,
      );
      return;
    }
    const y = requireLabels(data, 'score');
    const value = await est.score(X, y);
    const name = est instanceof MLPClassifier ? 'accuracy' : 'R²';
    io.out(`${name} ${fmt(value)} on ${X.shape[0]} rows of ${basename(data.source)}`);
  });
}

/** `layerwise transform`: a stacked autoencoder's codes as CSV. */
export async function transformCommand(
  dir: string,
  dataPath: string,
  o: ApplyOptions,
  io: CliIo,
): Promise<void> {
  await withModel(dir, o, io, async (model) => {
    const est = model.estimator;
    if (!(est instanceof StackedAutoencoder)) {
      throw new ValidationError(
        `${dir} holds an ${model.kind}; transform needs a StackedAutoencoder (layerwise fit --model sae).`,
      );
    }
    const data = await dataFor(model, dataPath, o);
    const codes = rowsOf(await est.transform(featuresFor(model, data)));
    const header = codes[0]!.map((_, j) => `code_${j}`);
    await writeOutput(io, o.out, toCsv(header, codes), `${codes.length} codes`);
  });
}

/** `layerwise export`: the model as ONNX or a tfjs-layers model. */
export async function exportCommand(
  dir: string,
  o: ApplyOptions & { format: ExportFormat },
  io: CliIo,
): Promise<void> {
  await withModel(dir, o, io, async (model, registry) => {
    const target = resolve(o.out ?? join(dir, o.format));
    const result = await exportModel(registry, model.estimator, model.scaler, target, o.format);
    io.out(
      `${o.format} export of the ${model.kind}${model.scaler ? ` with its ${model.scaler.kind} carried in (it takes the raw features)` : ''} written to ${target}: ${result.files.map((f) => basename(f)).join(', ')}`,
    );
  });
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isFile()) total += (await stat(join(dir, e.name))).size;
  }
  return total;
}

/** `layerwise info`: what a model folder holds, with its checksum verified. */
export async function infoCommand(
  dir: string,
  o: GlobalOptions & { json?: boolean },
  io: CliIo,
): Promise<void> {
  await modelKind(dir); // a folder with a valid manifest of a known kind, or a one-line ModelFormatError
  const top = parseManifest(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
  // Reads the weights and checks their size and SHA-256 against the manifest (throws when they differ).
  const verified = (d: string) =>
    loadModelDir(d).catch((e: unknown) => {
      throw e instanceof ModelFormatError ? new ModelFormatError(`${dir}: ${e.message}`, { cause: e }) : e;
    });
  // A Pipeline (what fit saves): every step is verified; the last step is the model described.
  let modelSub = '';
  let pipeline: { name: string; kind: string }[] | undefined;
  if (top.kind === PIPELINE_KIND) {
    const steps = (Array.isArray(top.params.steps) ? top.params.steps : []) as {
      name?: unknown;
      kind?: unknown;
      dir?: unknown;
    }[];
    pipeline = steps.map((st) => ({ name: String(st.name), kind: String(st.kind) }));
    for (const st of steps) {
      if (st.kind === 'passthrough') continue;
      if (typeof st.dir !== 'string' || !/^step-\d+-[0-9a-f]{12}$/.test(st.dir)) {
        throw new ModelFormatError(`${dir}: its Pipeline manifest lists a step without a valid folder.`);
      }
      await verified(join(dir, st.dir));
      modelSub = st.dir;
    }
  }
  const modelDir = join(dir, modelSub);
  const manifest = modelSub ? parseManifest(await readFile(join(modelDir, MANIFEST_FILE), 'utf8')) : top;
  const loaded = await verified(modelDir);
  const parameters = loaded.tensors.reduce((a, t) => a + t.data.length, 0);
  const kernels = loaded.tensors.filter((t) => t.name.endsWith('.kernel') && t.shape.length === 2);
  const layers = kernels.map((t) => ({
    name: t.name.replace(/\.kernel$/, ''),
    in: t.shape[0]!,
    out: t.shape[1]!,
  }));
  const files: { file: string; bytes: number }[] = [];
  for (const f of (await readdir(dir)).sort()) {
    const fs = await stat(join(dir, f));
    if (fs.isFile()) files.push({ file: f, bytes: fs.size });
    else if (fs.isDirectory()) files.push({ file: `${f}/`, bytes: await folderBytes(join(dir, f)) });
  }
  const state = manifest.state as { classes?: unknown };
  const classes = Array.isArray(state.classes) ? state.classes.map(String) : undefined;
  const params = Object.fromEntries(
    Object.entries(manifest.params).filter(
      ([, v]) => (v !== null && typeof v !== 'object') || Array.isArray(v),
    ),
  );
  const info = {
    dir: resolve(dir),
    kind: manifest.kind,
    ...(pipeline ? { pipeline } : {}),
    format: `${manifest.format} v${manifest.formatVersion}`,
    createdAt: manifest.createdAt,
    parameters,
    layers,
    ...(classes ? { classes } : {}),
    params,
    weights: {
      file: modelSub ? `${modelSub}/${manifest.weights.file}` : manifest.weights.file,
      bytes: manifest.weights.byteLength,
      sha256: manifest.weights.sha256,
    },
    checksum: 'verified',
    files,
  };
  if (o.json) {
    io.out(JSON.stringify(info, null, 2));
    return;
  }
  const n = (x: number) => x.toLocaleString('en-US');
  const pad = (k: string) => k.padEnd(11);
  const lines = [
    `${pad('kind')}${info.kind}`,
    ...(pipeline ? [`${pad('pipeline')}${pipeline.map((st) => `${st.name} (${st.kind})`).join(' → ')}`] : []),
    `${pad('format')}${info.format}, created ${info.createdAt}`,
    `${pad('parameters')}${n(parameters)}`,
    `${pad('layers')}${layers.map((l) => `${l.name} ${l.in}→${l.out}`).join(', ')}`,
    ...(classes ? [`${pad('classes')}${classes.join(' ')}`] : []),
    `${pad('params')}${Object.entries(params)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' ')}`,
    `${pad('weights')}${info.weights.file}, ${n(info.weights.bytes)} bytes, sha256 ${info.weights.sha256.slice(0, 16)}… verified`,
    `${pad('files')}${files.map((f) => `${f.file} (${n(f.bytes)} B)`).join(', ')}`,
  ];
  io.out(lines.join('\n'));
}
