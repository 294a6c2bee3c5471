import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { nodeBackend } from '@layerwise/backend-node';
import { wasmBackend } from '@layerwise/backend-wasm';
import {
  atomicWriteFile,
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
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import { AutoencoderOutlierDetector } from '@layerwise/outliers';
import type { LossSeries } from '@layerwise/report';
import { CliUsageError } from './CliUsageError.js';
import { type CliData, loadData, requireLabels } from './loadData.js';
import { type CliEstimator, modelKind, type OpenedModel, openModel, RUN_FILES } from './openModel.js';
import { applyScaler, type FeatureScaler, fitScaler, type ScaleMode } from './scaler.js';

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
    .use(onnxExporter());
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

/** Applies the model's scaler and checks the column count against what the model was trained on. */
function featuresFor(model: OpenedModel, data: CliData): TypedMatrix {
  const expected = model.estimator.nFeaturesIn;
  const got = data.X.shape[1];
  if (got !== expected) {
    const hint =
      got === expected + 1 && data.labelName === undefined
        ? ' (is a label column still in it? name it with --label-column)'
        : '';
    throw new ValidationError(
      `${data.source} has ${got} feature columns but the model in ${model.dir} was trained on ${expected}${hint}.`,
    );
  }
  return model.scaler ? applyScaler(model.scaler, data.X) : data.X;
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
  await mkdir(out, { recursive: true });
  const files = {
    log: join(out, RUN_FILES.log),
    summary: join(out, RUN_FILES.summary),
    scaler: join(out, RUN_FILES.scaler),
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
      await est.save(out);
      if (scaler) await scaler.save(files.scaler);

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
        exported = join(out, o.export);
        await est.export(exported, { format: o.export, overwrite: true } as never);
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
      const report = await writeReport(out, {
        title: `layerwise fit — ${kind}`,
        subtitle: `${basename(data.source)} → ${out}`,
        series,
        summary: summaryRows,
        images,
      });
      const summary = {
        tool: 'layerwise fit',
        kind,
        data: {
          source: data.source,
          format: data.format,
          rows: X.shape[0],
          features: X.shape[1],
          ...(data.format === 'csv' && data.labelName !== undefined ? { labelColumn: data.labelName } : {}),
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
          ...(scaler ? { scaler: RUN_FILES.scaler } : {}),
          ...(images.length ? { reconstructions: RUN_FILES.reconstructions } : {}),
          ...(exported ? { export: basename(exported) } : {}),
        },
      };
      await atomicWriteFile(files.summary, `${JSON.stringify(summary, null, 2)}\n`);

      const written: [string, string][] = [
        [`${MANIFEST_FILE} + weights`, `the model (layerwise predict|score|transform|info ${o.out})`],
        ...(scaler
          ? ([
              [
                `${RUN_FILES.scaler}/`,
                `the fitted ${scaler.kind} (--scale ${o.scale}), applied by predict/score/transform`,
              ],
            ] as [string, string][])
          : []),
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
      io.out(lines.join('\n'));
    } finally {
      est?.dispose();
    }
  } finally {
    await registry.dispose();
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
  body: (model: OpenedModel) => Promise<T>,
): Promise<T> {
  await modelKind(dir); // a bad folder fails here, before a backend is loaded
  const registry = await makeRegistry(io, { ...o, quiet: true });
  try {
    await registry.activateBackend(o.backend);
    const model = await openModel(dir, registry);
    try {
      return await body(model);
    } finally {
      model.estimator.dispose();
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
  await withModel(dir, o, io, async (model) => {
    const target = resolve(o.out ?? join(dir, o.format));
    const result = await model.estimator.export(target, { format: o.format, overwrite: true } as never);
    io.out(
      `${o.format} export of the ${model.kind} written to ${target}: ${result.files.map((f) => basename(f)).join(', ')}`,
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
  const manifest = parseManifest(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
  // Reads the weights and checks their size and SHA-256 against the manifest (throws when they differ).
  const loaded = await loadModelDir(dir).catch((e: unknown) => {
    throw e instanceof ModelFormatError ? new ModelFormatError(`${dir}: ${e.message}`, { cause: e }) : e;
  });
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
    format: `${manifest.format} v${manifest.formatVersion}`,
    createdAt: manifest.createdAt,
    parameters,
    layers,
    ...(classes ? { classes } : {}),
    params,
    weights: {
      file: manifest.weights.file,
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
