import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type StackedAutoencoder, stackedAutoencoderKind } from '@layerwise/autoencoder';
import { type EstimatorKindPlugin, ModelFormatError, type Registry, readModelKind } from '@layerwise/core';
import { type MLPClassifier, type MLPRegressor, mlpClassifierKind, mlpRegressorKind } from '@layerwise/nn';
import { type FeatureScaler, loadScaler } from './scaler.js';

/** Any estimator the CLI trains and loads. */
export type CliEstimator = StackedAutoencoder | MLPClassifier | MLPRegressor;

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
  kind: 'StackedAutoencoder' | 'MLPClassifier' | 'MLPRegressor';
  estimator: CliEstimator;
  scaler?: FeatureScaler;
  memory: RunMemory;
}

/** The estimator kinds the CLI trains and drives (predict, transform, export). */
const CLI_KINDS: readonly EstimatorKindPlugin<CliEstimator>[] = [
  stackedAutoencoderKind,
  mlpClassifierKind,
  mlpRegressorKind,
] as EstimatorKindPlugin<CliEstimator>[];
const CLI_KIND_NAMES: readonly string[] = CLI_KINDS.map((k) => k.name);

/** The kind `name` (one the CLI drives) resolved through `registry`: its registered kinds first, then the CLI's. */
function cliKind(name: OpenedModel['kind'], registry: Registry): EstimatorKindPlugin<CliEstimator> {
  const registered = [...registry.estimatorKinds()].reverse().find((k) => k.name === name);
  return (
    (registered as EstimatorKindPlugin<CliEstimator> | undefined) ?? CLI_KINDS.find((k) => k.name === name)!
  );
}

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
  if (!CLI_KIND_NAMES.includes(kind)) {
    throw new ModelFormatError(
      `${dir} holds an unknown estimator kind ${JSON.stringify(kind)}; expected one of ${CLI_KIND_NAMES.join(', ')}.`,
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
    estimator = await cliKind(kind, registry).load(dir, { registry });
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
