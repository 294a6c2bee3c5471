import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { ModelFormatError, type Registry, readModelKind } from '@layerwise/core';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import { AutoencoderOutlierDetector } from '@layerwise/outliers';
import { type FeatureScaler, loadScaler } from './scaler.js';

/** Any estimator the CLI trains and loads. */
export type CliEstimator = StackedAutoencoder | MLPClassifier | MLPRegressor | AutoencoderOutlierDetector;

/** File names `layerwise fit` writes into `--out` besides the model (`model.json` + weights). */
export const RUN_FILES = {
  log: 'train.csv',
  lossPng: 'loss.png',
  report: 'report.html',
  summary: 'summary.json',
  scaler: 'scaler',
  reconstructions: 'reconstructions.png',
} as const;

/** What `fit` remembered about its data, read back from summary.json (every field checked). */
export interface RunMemory {
  labelColumn?: string;
  columns?: string[];
}

/** A loaded model directory: the estimator, its kind, the scaling fit learned, what it knew of the data. */
export interface OpenedModel {
  dir: string;
  kind: 'StackedAutoencoder' | 'MLPClassifier' | 'MLPRegressor' | 'AutoencoderOutlierDetector';
  estimator: CliEstimator;
  scaler?: FeatureScaler;
  memory: RunMemory;
}

const LOADERS = {
  StackedAutoencoder: (dir: string, registry: Registry) => StackedAutoencoder.load(dir, { registry }),
  MLPClassifier: (dir: string, registry: Registry) => MLPClassifier.load(dir, { registry }),
  MLPRegressor: (dir: string, registry: Registry) => MLPRegressor.load(dir, { registry }),
  AutoencoderOutlierDetector: (dir: string, registry: Registry) =>
    AutoencoderOutlierDetector.load(dir, { registry }),
} as const;

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`${file} is not valid JSON (${(e as Error).message}).`);
  }
}

/** The kind of a model directory (validating its manifest), without loading weights. */
export async function modelKind(dir: string): Promise<OpenedModel['kind']> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new ModelFormatError(`model folder not found: ${dir}`);
  if (!s.isDirectory())
    throw new ModelFormatError(`${dir} is not a folder; pass the --out folder of layerwise fit.`);
  let kind: string;
  try {
    kind = await readModelKind(dir);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(`${dir}: ${e.message}`, { cause: e });
    throw e;
  }
  if (!Object.hasOwn(LOADERS, kind)) {
    throw new ModelFormatError(
      `${dir} holds an unknown estimator kind ${JSON.stringify(kind)}; expected one of ${Object.keys(LOADERS).join(', ')}.`,
    );
  }
  return kind as OpenedModel['kind'];
}

/**
 * Loads the model in `dir` (the `--out` folder of `layerwise fit`, or any folder `save()` wrote): validates
 * the manifest, sizes and checksum, then reads the saved scaler (`scaler/`) and `summary.json` when present.
 */
export async function openModel(dir: string, registry: Registry): Promise<OpenedModel> {
  const kind = await modelKind(dir);
  let estimator: CliEstimator;
  try {
    estimator = await LOADERS[kind](dir, registry);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(`${dir}: ${e.message}`, { cause: e });
    throw e;
  }
  const scalerDir = join(dir, RUN_FILES.scaler);
  const scaler = (await stat(scalerDir).catch(() => undefined)) ? await loadScaler(scalerDir) : undefined;
  const summary = (await readJson(join(dir, RUN_FILES.summary))) as
    | { data?: { labelColumn?: unknown; columns?: unknown } }
    | undefined;
  const memory: RunMemory = {};
  const data = summary && typeof summary === 'object' ? summary.data : undefined;
  if (data && typeof data === 'object') {
    if (typeof data.labelColumn === 'string') memory.labelColumn = data.labelColumn;
    if (Array.isArray(data.columns) && data.columns.every((c) => typeof c === 'string')) {
      memory.columns = data.columns as string[];
    }
  }
  return { dir, kind, estimator, ...(scaler ? { scaler } : {}), memory };
}
