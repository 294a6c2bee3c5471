import { basename, join, resolve } from 'node:path';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { type MatrixLike, type Registry, type TypedMatrix, ValidationError } from '@layerwise/core';
import { MLPClassifier } from '@layerwise/nn';
import { AutoencoderOutlierDetector } from '@layerwise/outliers';
import { CliUsageError } from './CliUsageError.js';
import {
  type BackendName,
  type CliIo,
  type ExportFormat,
  exportModel,
  fmt,
  type GlobalOptions,
  makeRegistry,
  rowsOf,
  toCsv,
  writeOutput,
} from './cliCommon.js';
import { type CliData, loadData, requireLabels } from './loadData.js';
import { modelKind, type OpenedModel, openModel } from './openModel.js';
import { applyScaler } from './scaler.js';

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
