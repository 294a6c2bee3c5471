import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StackedAutoencoder, stackedAutoencoderKind } from '@layerwise/autoencoder';
import { type EstimatorKindPlugin, ModelFormatError, type Registry, readModelKind } from '@layerwise/core';
import { MLPClassifier, MLPRegressor, mlpClassifierKind, mlpRegressorKind } from '@layerwise/nn';
import { AutoencoderOutlierDetector, autoencoderOutlierDetectorKind } from '@layerwise/outliers';
import { PIPELINE_KIND, Pipeline } from '@layerwise/pipeline';
import { MinMaxScaler, StandardScaler } from '@layerwise/preprocessing';
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

/** The step names of the Pipeline `layerwise fit` saves: `scale` (when `--scale` is not none), then `model`. */
export const STEP_NAMES = { scale: 'scale', model: 'model' } as const;

/** What `fit` remembered about its data, read back from summary.json (every field checked). */
export interface RunMemory {
  labelColumn?: string;
  columns?: string[];
  /** `--scale` of the fit that wrote summary.json. */
  scale?: string;
}

/** A loaded model directory: the estimator, its kind, the scaling fit learned, what it knew of the data. */
export interface OpenedModel {
  dir: string;
  kind: 'StackedAutoencoder' | 'MLPClassifier' | 'MLPRegressor' | 'AutoencoderOutlierDetector';
  estimator: CliEstimator;
  scaler?: FeatureScaler;
  memory: RunMemory;
  /** `'pipeline'`: one saved Pipeline (today's `fit`); `'legacy'`: a bare model, maybe with a side `scaler/`. */
  layout: 'pipeline' | 'legacy';
  /** Things the user should know (printed to stderr), e.g. a stale side `scaler/` that was ignored. */
  notes: string[];
  /** Disposes the estimator (and the pipeline's steps). */
  dispose(): void;
}

/** The estimator kinds the CLI trains and drives (predict, transform, export). */
const CLI_KINDS: readonly EstimatorKindPlugin<CliEstimator>[] = [
  stackedAutoencoderKind,
  mlpClassifierKind,
  mlpRegressorKind,
  autoencoderOutlierDetectorKind,
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
export async function modelKind(dir: string): Promise<OpenedModel['kind'] | typeof PIPELINE_KIND> {
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
  if (kind === PIPELINE_KIND) return PIPELINE_KIND;
  if (!CLI_KIND_NAMES.includes(kind)) {
    throw new ModelFormatError(
      `${dir} holds an unknown estimator kind ${JSON.stringify(kind)}; expected a Pipeline or one of ${CLI_KIND_NAMES.join(', ')}.`,
    );
  }
  return kind as OpenedModel['kind'];
}

/** The Pipeline's steps as the CLI uses them: an optional StandardScaler/MinMaxScaler, then the model. */
function splitPipeline(dir: string, pipe: Pipeline): { scaler?: FeatureScaler; estimator: CliEstimator } {
  const steps = pipe.steps.filter(([, e]) => e !== 'passthrough').map(([, e]) => e);
  const last = steps.at(-1);
  const model =
    last instanceof MLPClassifier ||
    last instanceof MLPRegressor ||
    last instanceof StackedAutoencoder ||
    last instanceof AutoencoderOutlierDetector
      ? last
      : undefined;
  const scaler = steps.length === 2 ? steps[0] : undefined;
  const scalerOk = scaler === undefined || scaler instanceof StandardScaler || scaler instanceof MinMaxScaler;
  if (!model || steps.length > 2 || !scalerOk) {
    pipe.dispose();
    throw new ModelFormatError(
      `${dir} holds a Pipeline of ${pipe.steps.map(([n, e]) => `${n} (${e === 'passthrough' ? e : e.constructor.name})`).join(', ')}; the CLI uses a Pipeline of an optional StandardScaler or MinMaxScaler and an MLPClassifier, MLPRegressor, StackedAutoencoder or AutoencoderOutlierDetector (as layerwise fit writes it).`,
    );
  }
  return { estimator: model, ...(scaler ? { scaler: scaler as FeatureScaler } : {}) };
}

async function readMemory(dir: string): Promise<RunMemory> {
  const summary = (await readJson(join(dir, RUN_FILES.summary))) as
    | { data?: { labelColumn?: unknown; columns?: unknown }; scale?: unknown }
    | undefined;
  const memory: RunMemory = {};
  const data = summary && typeof summary === 'object' ? summary.data : undefined;
  if (data && typeof data === 'object') {
    if (typeof data.labelColumn === 'string') memory.labelColumn = data.labelColumn;
    if (Array.isArray(data.columns) && data.columns.every((c) => typeof c === 'string')) {
      memory.columns = data.columns as string[];
    }
  }
  if (summary && typeof summary === 'object' && typeof summary.scale === 'string')
    memory.scale = summary.scale;
  return memory;
}

/**
 * Loads the model in `dir` (the `--out` folder of `layerwise fit`, or any folder `save()` wrote): validates
 * the manifest, sizes and checksum, and reads `summary.json` when present. Today's `fit` saves ONE
 * Pipeline (scaler + model). A folder from an older `fit` holds a bare model and maybe a side `scaler/`:
 * the scaler is applied only when `summary.json` (written last by that fit) says the model was trained on
 * scaled features with that kind of scaler; a side `scaler/` left from an earlier fit with `--scale` is
 * ignored (with a note), and a folder whose scaling cannot be told is refused.
 */
export async function openModel(dir: string, registry: Registry): Promise<OpenedModel> {
  const kind = await modelKind(dir);
  const memory = await readMemory(dir);
  const wrap = <T>(p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      if (e instanceof ModelFormatError) throw new ModelFormatError(`${dir}: ${e.message}`, { cause: e });
      throw e;
    });
  if (kind === PIPELINE_KIND) {
    const pipe = await wrap(Pipeline.load(dir, { registry }));
    const { estimator, scaler } = splitPipeline(dir, pipe);
    return {
      dir,
      kind:
        estimator instanceof StackedAutoencoder
          ? 'StackedAutoencoder'
          : estimator instanceof MLPClassifier
            ? 'MLPClassifier'
            : 'MLPRegressor',
      estimator,
      ...(scaler ? { scaler } : {}),
      memory,
      layout: 'pipeline',
      notes: [],
      dispose: () => pipe.dispose(),
    };
  }
  const modelKindName = kind as OpenedModel['kind'];
  const scalerDir = join(dir, RUN_FILES.scaler);
  const hasScaler = (await stat(scalerDir).catch(() => undefined)) !== undefined;
  const notes: string[] = [];
  let scaler: FeatureScaler | undefined;
  if (hasScaler || (memory.scale !== undefined && memory.scale !== 'none')) {
    const expected =
      memory.scale === 'standard' ? 'StandardScaler' : memory.scale === 'minmax' ? 'MinMaxScaler' : undefined;
    if (memory.scale === 'none') {
      notes.push(
        `${dir} comes from an older layerwise fit: its side ${RUN_FILES.scaler}/ is left from an earlier fit (summary.json says this model was trained with --scale none), so it is not applied. Refit with --overwrite to get a single saved Pipeline.`,
      );
    } else if (!hasScaler) {
      throw new ModelFormatError(
        `${dir}: summary.json says the model was trained with --scale ${memory.scale}, but the ${RUN_FILES.scaler}/ folder is missing; refit with layerwise fit --overwrite.`,
      );
    } else if (expected === undefined) {
      throw new ModelFormatError(
        `${dir} holds a side ${RUN_FILES.scaler}/ (an older layerwise fit) but no summary.json saying whether the model was trained on scaled features; refusing to guess. Refit with layerwise fit --overwrite (it saves one Pipeline).`,
      );
    } else {
      scaler = await wrap(loadScaler(scalerDir));
      if (scaler.kind !== expected) {
        throw new ModelFormatError(
          `${dir}: its ${RUN_FILES.scaler}/ holds a ${scaler.kind}, but summary.json says the model was trained with --scale ${memory.scale} (${expected}); refit with layerwise fit --overwrite.`,
        );
      }
    }
  }
  const estimator = await wrap<CliEstimator>(cliKind(modelKindName, registry).load(dir, { registry }));
  return {
    dir,
    kind: modelKindName,
    estimator,
    ...(scaler ? { scaler } : {}),
    memory,
    layout: 'legacy',
    notes,
    dispose: () => estimator.dispose(),
  };
}
