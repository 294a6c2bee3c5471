import {
  type Callback,
  type CallbackCheckpoint,
  type CallbackContext,
  checkModelDirTarget,
  HostMatrix,
  type ModelData,
  ModelFormatError,
  type NamedTensor,
  type Registry,
  Rng,
  type Stage,
  type TrainingAccelerator,
  trainValidationSplit,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import type { DenseStage } from './acceleratedStage.js';
import { EarlyStopping } from './callbacks.js';
import {
  assertSame,
  CHECKPOINT_VERSION,
  checkCheckpointParam,
  loadCheckpoint,
  progressFromData,
  progressToData,
  readOptimizer,
  type SavedOptimizer,
  type StageResume,
  saveCheckpoint,
} from './checkpoint.js';
import { type EventSink, type LossFn, withFitScope } from './engine.js';
import { checkFitOptions, checkSampleWeight } from './fitOptions.js';
import { makeHistory, type StageHistory, type TrainingHistory } from './history.js';
import type { TrainingParams } from './params.js';
import { type DataSpec, prepareRunData, type RunInputs } from './runData.js';
import { CallbackList, type StageConfig, type StageState, trainStage } from './trainStage.js';

/** Training and validation tensors of a run (or of one stage). */
export interface RunData {
  /** Streamed batches (a DataSource fit) instead of `x`/`y` (then `x` has 0 rows). */
  stream?: { epoch: () => AsyncIterable<{ x: tf.Tensor; y: tf.Tensor }>; rows: number };
  /** Training inputs: the caller's tensor, or host data read one batch at a time. */
  x: tf.Tensor2D | HostMatrix;
  /** Targets; `y === x` for reconstruction. */
  y: tf.Tensor | HostMatrix;
  validation?: { x: tf.Tensor2D; y: tf.Tensor };
  sampleWeight?: tf.Tensor1D;
}

/** The data an estimator prepared for a run (validated, before the validation split). */
export interface PreparedData {
  /** Training inputs: a tensor, or host data ({@link HostMatrix}) uploaded one batch at a time. */
  x: tf.Tensor2D | HostMatrix;
  /** Targets; `y === x` for reconstruction. */
  y: tf.Tensor | HostMatrix;
  /** An explicit validation set (`fit`'s `validationData`). */
  validation?: { x: tf.Tensor2D; y: tf.Tensor };
  /** Per-row weights the estimator derives (class weights), multiplied with `sampleWeight`. */
  rowWeights?: Float32Array;
  /** Tensors the run disposes at the end. */
  owned: tf.Tensor[];
  /** A streamed fit: rows and width from a scan, and one pass of re-batched tensors per call. */
  stream?: {
    rows: number;
    features: number;
    epoch: (rng: Rng) => AsyncIterable<{ x: tf.Tensor; y: tf.Tensor }>;
  };
  /** What a checkpoint must share with this fit (besides inputSize, samples and validation). */
  signature: Record<string, unknown>;
  /** Extra state written into checkpoints (the classes of a classifier…). */
  checkpointState?: Record<string, unknown>;
}

/** The model a run trains: its layers (variable groups, by layer index), the penalised kernels, its tensors. */
export interface RunModel {
  readonly layers: readonly (readonly tf.Variable[])[];
  readonly kernels: readonly tf.Variable[];
  /** Every weight as named tensors (for checkpoints). */
  tensors(): NamedTensor[];
  dispose(): void;
}

/** One stage of a run, supplied by the estimator. */
export interface RunStage {
  stage: Stage;
  layer?: number;
  epochs: number;
  variables: tf.Variable[];
  /** Kernels penalised by `alpha` in this stage. */
  kernels: readonly tf.Variable[];
  loss: LossFn;
  /**
   * This stage's data from the run's (e.g. codes of the layers below), or a promise of it; `dispose` frees what
   * it made.
   */
  data?: (data: RunData) => { data: RunData; dispose(): void } | Promise<{ data: RunData; dispose(): void }>;
  /**
   * The stage's model as a dense stack (what `loss` computes), so that a backend's training accelerator can
   * train it; omitted for a model it cannot describe (a custom forward).
   */
  dense?: DenseStage;
}

/** Training state carried from one fit to the next (warm start, partialFit). */
export interface CarriedState {
  /** Optimizer state at the end of the last stage (null = start the optimizer afresh). */
  optimizer: SavedOptimizer | null;
  /** The generator state shuffling and dropout continue from. */
  rngState: number;
}

/** What the one training run needs from an estimator: its layers, stages and loss. */
export interface RunSpec<M extends RunModel, S = unknown> {
  estimator: string;
  params: TrainingParams & { epochs: number; batchSize: number };
  /** Params as written in checkpoints and fitStart events (no functions). */
  storableParams: Record<string, unknown>;
  registry: Registry;
  /** `fit` options as given (checked here against `fitOptions`). */
  options: unknown;
  /** Valid `fit` option names. */
  fitOptions: readonly string[];
  /** The backend, when the caller activated it already (the engine guard); else the run activates `params.backend`. */
  backend?: string;
  /**
   * X and y as the caller gave them, and the estimator's hooks for them: the run's data module
   * ({@link prepareRunData}) validates, scans, converts and encodes them after the backend is active.
   */
  data?: DataSpec<S>;
  /**
   * @deprecated Give `data` instead (the run then owns the data). Validates inputs and makes tensors; called
   * after the backend is active. Used only when `data` is absent.
   */
  prepare?(options: Record<string, unknown>): PreparedData | Promise<PreparedData>;
  /**
   * A fresh model drawn from `rng`, or the model of a checkpoint from its `tensors`; `targets` is what the
   * data module derived from y (output width, classes…) when `data` is given.
   */
  build(
    features: number,
    rng: Rng,
    saved: ReadonlyMap<string, NamedTensor> | null,
    targets: RunInputs<S>['targets'],
  ): M;
  /** The stages training `model`; `rng` drives shuffling, dropout and noise. */
  stages(model: M, rng: Rng): RunStage[];
  accuracy?: boolean;
  /** Extra validation metrics from the validation loss (e.g. R²). */
  validationMetrics?: (data: RunData) => ((valLoss: number) => Record<string, number>) | undefined;
  /** Callbacks the estimator adds (e.g. freezing a pretrained encoder), before the user's. */
  callbacks?: Callback[];
  /**
   * Continue from carried state (warm start, partialFit): `build` then gets the current weights' copy from
   * the estimator, the generator and optimizer continue, and the single stage starts at epoch 1.
   */
  warm?: CarriedState | null;
  /** Read the optimizer state at the end, for the next warm fit (passed to `commit`). */
  keepState?: boolean;
  /**
   * Makes `model` the estimator's fitted state (the previous one is the estimator's to free); `targets` as
   * given to `build`.
   */
  commit(
    model: M,
    history: TrainingHistory,
    features: number,
    carried: CarriedState,
    targets: RunInputs<S>['targets'],
  ): void;
  /** Saves the fitted estimator (for `exportPath`). */
  save(dir: string): Promise<void>;
}

/** The deprecated path: the estimator prepared its data itself (`RunSpec.prepare`). */
function prepareWithEstimator<M extends RunModel, S>(
  owner: string,
  spec: RunSpec<M, S>,
  options: Record<string, unknown>,
): PreparedData | Promise<PreparedData> {
  if (!spec.prepare) throw new ValidationError(`${owner}: the run needs its data (RunSpec.data).`);
  return spec.prepare(options);
}

const EMPTY_OPTIMIZER = { iterations: 0, extra: {}, slots: [] as Float32Array[] };

/**
 * The one training run of every estimator: fit options, backend, data and weights, validation split,
 * checkpoint and resume, loggers, callbacks (early stopping included), divergence, the swap into the
 * estimator and the final save. Nothing of the estimator changes unless the whole run succeeds.
 */
export async function runTraining<M extends RunModel, S = unknown>(spec: RunSpec<M, S>): Promise<void> {
  const owner = spec.estimator;
  const p = spec.params;
  const options = checkFitOptions<Record<string, unknown>>(owner, spec.options, spec.fitOptions);
  if (p.exportPath) await checkModelDirTarget(p.exportPath);
  const ckpt = checkCheckpointParam(owner, p.checkpoint);
  const resumeDir = options.resume as string | undefined;
  // The checkpoint is read and checked before anything changes.
  const saved: ModelData | null =
    resumeDir === undefined ? null : await loadCheckpoint(owner, resumeDir, `Checkpoint:${owner}`);
  const backend = spec.backend ?? (await spec.registry.activateBackend(p.backend));
  const owned: tf.Tensor[] = [];
  let model: M | null = null;
  try {
    const prepared: PreparedData & Partial<Pick<RunInputs<S>, 'targets'>> = spec.data
      ? await prepareRunData(owner, spec.data, options, p)
      : await prepareWithEstimator(owner, spec, options);
    const targets = prepared.targets ?? { state: null, outputSize: 0 };
    owned.push(...prepared.owned);
    const weights = rowWeights(owner, prepared, options, p);
    // Resuming replays the validation split from the generator state the checkpointed fit started with.
    const warm = saved ? null : (spec.warm ?? null);
    const rng = saved
      ? Rng.fromState(saved.state.fitRngState as number)
      : warm
        ? Rng.fromState(warm.rngState)
        : new Rng(p.randomState ?? undefined);
    const fitRngState = rng.state;
    const fraction = prepared.stream ? 0 : (p.validationFraction ?? (p.earlyStopping ? 0.1 : 0));
    const { rows, features } = sizeOf(prepared);
    const signature = {
      ...prepared.signature,
      inputSize: features,
      samples: rows,
      validation: prepared.validation ? 'validationData' : fraction,
      ...(weights ? { weighted: true } : {}),
    };
    if (saved) {
      const sig = saved.state.signature;
      assertSame(
        owner,
        resumeDir!,
        typeof sig === 'object' && sig !== null ? (sig as Record<string, unknown>) : {},
        signature,
      );
    }
    // A stream's shuffling draws from the training generator, which exists once the model is built.
    let streamRng: Rng | null = null;
    const data = splitRunData(owner, prepared, fraction, weights, rng, owned, () => streamRng!);
    const savedTensors = saved ? new Map(saved.tensors.map((t) => [t.name, t])) : null;
    const m = spec.build(features, rng, savedTensors, targets);
    model = m;
    // Shuffling, dropout and noise continue from the generator state saved with the checkpoint.
    const trainRng = saved ? Rng.fromState(saved.state.rngState as number) : rng;
    streamRng = trainRng;
    const stages = spec.stages(m, trainRng);
    const start = resumePoint(owner, saved, savedTensors, stages, warm);
    const paramStopping = p.earlyStopping
      ? new EarlyStopping({ patience: p.patience, restoreBestWeights: true })
      : null;
    if (paramStopping && start.resume) {
      paramStopping.resumeFrom({
        best: start.resume.best,
        ...(start.resume.bestEpoch === undefined ? {} : { bestEpoch: start.resume.bestEpoch }),
        wait: start.resume.wait,
        snapshot: start.resume.snapshot,
      });
    }
    const given = [
      ...(spec.callbacks ?? []),
      ...p.callbacks,
      ...((options.callbacks as Callback[] | undefined) ?? []),
    ];
    const callbacks = new CallbackList(owner, [...(paramStopping ? [paramStopping] : []), ...given]);
    // Callbacks with state (reduceLROnPlateau, earlyStopping…) continue from the checkpoint's.
    const stateful = given.filter((c) => typeof c.checkpointState === 'function');
    if (start.resume) await resumeCallbacks(owner, resumeDir!, stateful, start.resume.callbacks);
    const checkpoints = ckpt
      ? new RunCheckpoints(ckpt, paramStopping, stateful, stages, () => m.tensors(), {
          kind: `Checkpoint:${owner}`,
          params: spec.storableParams,
          state: {
            checkpointVersion: CHECKPOINT_VERSION,
            estimator: owner,
            backend,
            signature,
            ...(prepared.checkpointState ?? {}),
            fitRngState,
          },
          rng: trainRng,
        })
      : null;
    const run: StagesRun<M> = {
      spec,
      backend,
      accelerator: spec.registry.backends().find((b) => b.name === backend)?.accelerator,
      model: m,
      stages,
      data,
      features,
      rng: trainRng,
      callbacks,
      checkpoints,
      start,
      endOptimizer: null,
    };
    const history = await withFitScope(spec.registry, p.logPath, (sink) => runStages(run, sink));
    spec.commit(m, history, features, { optimizer: run.endOptimizer, rngState: trainRng.state }, targets);
    model = null;
  } finally {
    model?.dispose();
    for (const t of owned) t.dispose();
  }
  if (p.exportPath) await spec.save(p.exportPath);
}

/** Rows and width of the prepared data (a stream's from its scan). */
function sizeOf(prepared: PreparedData): { rows: number; features: number } {
  const stream = prepared.stream;
  return stream
    ? { rows: stream.rows, features: stream.features }
    : { rows: prepared.x.shape[0], features: prepared.x.shape[1] };
}

/**
 * Per-row loss weights: `sampleWeight` times the estimator's row weights (class weights), or undefined.
 * A data source takes neither, nor a validation fraction.
 */
function rowWeights(
  owner: string,
  prepared: PreparedData,
  options: Record<string, unknown>,
  p: RunSpec<RunModel>['params'],
): Float32Array | undefined {
  if (prepared.stream) {
    const no = (what: string) => {
      throw new ValidationError(
        `${owner}.fit: ${what} needs in-memory data; it does not work with a data source.`,
      );
    };
    if (options.sampleWeight !== undefined || prepared.rowWeights) no('sampleWeight/classWeight');
    if (p.validationFraction !== null && p.validationFraction > 0) {
      no('validationFraction (pass validationData instead)');
    }
  }
  const rows = sizeOf(prepared).rows;
  const weights =
    options.sampleWeight === undefined ? undefined : checkSampleWeight(owner, options.sampleWeight, rows);
  const cw = prepared.rowWeights;
  if (!cw) return weights;
  return weights ? weights.map((w, i) => w * cw[i]!) : cw;
}

/**
 * The run's data: the prepared data, split into training and validation rows when `fraction` > 0 (host data:
 * the training part is a view, no copy; the validation part is uploaded once), with the training rows'
 * weights as a tensor. What it creates goes into `owned`.
 */
function splitRunData(
  owner: string,
  prepared: PreparedData,
  fraction: number,
  weights: Float32Array | undefined,
  rng: Rng,
  owned: tf.Tensor[],
  streamRng: () => Rng,
): RunData {
  const data: RunData = { x: prepared.x, y: prepared.y };
  const stream = prepared.stream;
  if (stream) data.stream = { epoch: () => stream.epoch(streamRng()), rows: stream.rows };
  if (prepared.validation) data.validation = prepared.validation;
  else if (fraction > 0) {
    const rows = prepared.x.shape[0];
    if (rows < 2) {
      throw new ValidationError(
        `${owner}.fit: validationFraction ${fraction} needs at least 2 samples, got ${rows}.`,
      );
    }
    const split = trainValidationSplit(rows, fraction, rng);
    const gather = <T extends tf.Tensor>(t: T | HostMatrix, idx: Int32Array): T => {
      const g = (
        t instanceof HostMatrix ? t.take(idx) : tf.tidy(() => tf.gather(t, tf.tensor1d(idx, 'int32')))
      ) as T;
      owned.push(g);
      return g;
    };
    const train = <T extends tf.Tensor>(t: T | HostMatrix): T | HostMatrix =>
      t instanceof HostMatrix ? t.view(split.train) : gather(t, split.train);
    data.x = train(prepared.x as tf.Tensor2D | HostMatrix) as tf.Tensor2D | HostMatrix;
    data.y = prepared.y === prepared.x ? data.x : train(prepared.y);
    const vx = gather<tf.Tensor2D>(prepared.x, split.validation);
    data.validation = { x: vx, y: prepared.y === prepared.x ? vx : gather(prepared.y, split.validation) };
    if (weights) weights = Float32Array.from(split.train, (i) => weights![i]!);
  }
  if (weights) {
    if (!weights.some((w) => w > 0)) {
      throw new ValidationError(`${owner}.fit: every training row has weight 0 after the validation split.`);
    }
    data.sampleWeight = tf.tensor1d(weights, 'float32');
    owned.push(data.sampleWeight);
  }
  return data;
}

/** Where a run starts: the stage index, the stages already done, and the state the first stage resumes from. */
interface StartPoint {
  index: number;
  completed: StageHistory[];
  resume: StageResume | undefined;
}

/**
 * Where a run starts: at the beginning; inside a checkpoint's stage; past a finished checkpoint's last
 * stage — which continues when it now has more epochs —; or, for a warm fit, at epoch 1 with the carried
 * optimizer state.
 */
function resumePoint(
  owner: string,
  saved: ModelData | null,
  savedTensors: ReadonlyMap<string, NamedTensor> | null,
  stages: RunStage[],
  warm: CarriedState | null,
): StartPoint {
  let index = saved ? (saved.state.stageIndex as number) : 0;
  let completed = saved ? [...(saved.state.completedStages as StageHistory[])] : [];
  if (index > stages.length || completed.length !== index) {
    throw new ModelFormatError(
      `Invalid ${owner} checkpoint: stageIndex ${index} does not match its ${completed.length} completed stages.`,
    );
  }
  let resume: StageResume | undefined;
  if (saved && index < stages.length && saved.state.progress !== null) {
    resume = progressFromData(owner, saved.state.progress, savedTensors!, shapes(stages[index]!));
  } else if (saved && index === stages.length && index > 0) {
    const last = completed[index - 1]!;
    const lastSpec = stages[index - 1]!;
    if (!last.stoppedEarly && last.epochs.length < lastSpec.epochs && last.stage === lastSpec.stage) {
      const fin = saved.state.finalProgress;
      const finalTensors = new Map(
        saved.tensors.filter((t) => t.name.startsWith('final.')).map((t) => [t.name.slice(6), t]),
      );
      resume =
        fin !== undefined && fin !== null
          ? progressFromData(owner, fin, finalTensors, shapes(lastSpec))
          : { records: last.epochs, best: null, wait: 0, snapshot: null, optimizer: EMPTY_OPTIMIZER };
      index -= 1;
      completed = completed.slice(0, -1);
    }
  }
  if (warm) {
    resume = {
      records: [],
      best: null,
      wait: 0,
      snapshot: null,
      optimizer: warm.optimizer ?? EMPTY_OPTIMIZER,
    };
  }
  return { index, completed, resume };
}

/**
 * Hands the stateful callbacks their states from the checkpoint a fit resumes, after checking that they are
 * the same kinds, in the same order, as when it was written (ValidationError otherwise, before anything runs).
 * A checkpoint without callback states (written before callbacks kept state, or by a fit without stateful
 * callbacks) leaves them to start afresh.
 */
async function resumeCallbacks(
  owner: string,
  dir: string,
  stateful: readonly Callback[],
  saved: readonly CallbackCheckpoint[] | undefined,
): Promise<void> {
  if (saved === undefined) return;
  const kinds = await Promise.all(stateful.map(async (c) => (await c.checkpointState!()).kind));
  const had = saved.map((c) => c.kind);
  if (kinds.length !== had.length || kinds.some((k, i) => k !== had[i])) {
    const list = (k: readonly string[]) => (k.length ? k.join(', ') : 'none');
    throw new ValidationError(
      `${owner}: the checkpoint in ${dir} was written by a fit with the stateful callbacks [${list(had)}]; this fit has [${list(kinds)}]. Pass the same callbacks (in the same order) to resume, so that it continues as the interrupted fit would have.`,
    );
  }
  stateful.forEach((c, i) => {
    c.resumeCheckpointState!(saved[i]!);
  });
}

/** The fixed part of a run's checkpoints: what every one of them records besides the progress. */
interface CheckpointBase {
  kind: string;
  params: Record<string, unknown>;
  state: Record<string, unknown>;
  /** The training generator, whose state each checkpoint records. */
  rng: Rng;
}

/** Writes a run's checkpoints: mid-stage every `every` epochs, and after each stage. */
class RunCheckpoints {
  constructor(
    readonly options: { dir: string; every: number },
    private readonly stopping: EarlyStopping | null,
    private readonly stateful: readonly Callback[],
    private readonly stages: readonly RunStage[],
    private readonly tensors: () => NamedTensor[],
    private readonly base: CheckpointBase,
  ) {}

  /** The state of a stage as a checkpoint keeps it (with the early-stopping state of the run's own stopper). */
  async progressOf(state: StageState): Promise<{ json: Record<string, unknown>; tensors: NamedTensor[] }> {
    const es = this.stopping?.state();
    const callbacks = await Promise.all(this.stateful.map((c) => c.checkpointState!()));
    return progressToData({
      callbacks,
      records: state.records,
      best: es?.best ?? null,
      ...(es?.bestEpoch === undefined ? {} : { bestEpoch: es.bestEpoch }),
      wait: es?.wait ?? 0,
      snapshot: es?.snapshot ?? null,
      optimizer: state.optimizer,
      learningRate: state.learningRate,
    });
  }

  async write(
    index: number,
    done: StageHistory[],
    progress: Record<string, unknown> | null,
    progressTensors: NamedTensor[],
    finalProgress: Record<string, unknown> | null = null,
  ): Promise<void> {
    const s = this.stages[index];
    await saveCheckpoint(this.options.dir, {
      kind: this.base.kind,
      params: this.base.params,
      state: {
        ...this.base.state,
        rngState: this.base.rng.state,
        stageIndex: index,
        stage: s ? `${s.stage}${s.layer === undefined ? '' : ` layer ${s.layer}`}` : 'done',
        completedStages: done,
        progress,
        ...(finalProgress ? { finalProgress } : {}),
      },
      tensors: [...this.tensors(), ...progressTensors],
    });
  }
}

/** What running the stages needs (built once the model and its stages exist). */
interface StagesRun<M extends RunModel> {
  // biome-ignore lint/suspicious/noExplicitAny: the stages do not read the targets' state type
  spec: RunSpec<M, any>;
  backend: string;
  accelerator: TrainingAccelerator | undefined;
  model: M;
  stages: RunStage[];
  data: RunData;
  features: number;
  rng: Rng;
  callbacks: CallbackList;
  checkpoints: RunCheckpoints | null;
  start: StartPoint;
  /** The optimizer state at the end of the last stage, when `keepState` (set as the run ends). */
  endOptimizer: SavedOptimizer | null;
}

/** Runs the stages from the start point, with the fit's events and callbacks; returns the history. */
async function runStages<M extends RunModel>(run: StagesRun<M>, sink: EventSink): Promise<TrainingHistory> {
  const { spec, stages, callbacks } = run;
  const owner = spec.estimator;
  const p = spec.params;
  const t0 = Date.now();
  sink.emit({
    type: 'fitStart',
    estimator: owner,
    backend: run.backend,
    samples: run.data.x.shape[0],
    features: run.features,
    params: spec.storableParams,
    verbose: p.verbose,
    time: t0,
  });
  const runContext = fitContext(
    owner,
    stages[0]?.stage ?? 'train',
    run.model.layers.length,
    p.learningRate,
    () => {
      callbacks.stopped = true;
    },
  );
  await callbacks.call('onTrainBegin', runContext);
  const done: StageHistory[] = [...run.start.completed];
  const metricsOf = spec.validationMetrics?.(run.data);
  for (let i = run.start.index; i < stages.length && !callbacks.stopped; i++) {
    const st = stages[i]!;
    const own = st.data ? await st.data(run.data) : { data: run.data, dispose() {} };
    let final: { json: Record<string, unknown>; tensors: NamedTensor[] } | null = null;
    const hooks: StageHooks = {
      ...(run.checkpoints
        ? {
            checkpoint: async (state) => {
              const prog = await run.checkpoints!.progressOf(state);
              await run.checkpoints!.write(i, [...done], prog.json, prog.tensors);
            },
          }
        : {}),
      ...(run.checkpoints || (spec.keepState && i === stages.length - 1)
        ? {
            done: async (state) => {
              if (run.checkpoints) final = await run.checkpoints.progressOf(state);
              if (spec.keepState && i === stages.length - 1)
                run.endOptimizer = await readOptimizer(state.optimizer);
            },
          }
        : {}),
    };
    try {
      done.push(await trainStage(stageConfig(run, i, own.data, sink, metricsOf, hooks)));
    } finally {
      own.dispose();
    }
    if (run.checkpoints) {
      const f = final as { json: Record<string, unknown>; tensors: NamedTensor[] } | null;
      // The final state of a finished stage is kept (renamed) so a longer fit can continue it.
      const tensors = (f?.tensors ?? []).map((t) => ({ ...t, name: `final.${t.name}` }));
      await run.checkpoints.write(i + 1, [...done], null, tensors, f ? f.json : null);
    }
  }
  await callbacks.call('onTrainEnd', runContext);
  sink.emit({ type: 'fitEnd', estimator: owner, seconds: (Date.now() - t0) / 1000, time: Date.now() });
  return makeHistory(run.backend, done);
}

/** What the run asks of a stage besides training: a mid-stage checkpoint, and the state at its end. */
interface StageHooks {
  checkpoint?: (state: StageState) => Promise<void>;
  done?: (state: StageState) => Promise<void>;
}

/** The configuration of stage `i` for `trainStage`. */
function stageConfig<M extends RunModel>(
  run: StagesRun<M>,
  i: number,
  d: RunData,
  sink: EventSink,
  metricsOf: ((valLoss: number) => Record<string, number>) | undefined,
  hooks: StageHooks,
): StageConfig {
  const p = run.spec.params;
  const st = run.stages[i]!;
  const every = run.checkpoints?.options.every ?? 0;
  return {
    estimator: run.spec.estimator,
    stage: st.stage,
    ...(st.layer === undefined ? {} : { layer: st.layer }),
    epochs: st.epochs,
    batchSize: p.batchSize,
    shuffle: p.shuffle,
    rng: run.rng,
    optimizer: p.optimizer,
    optimizerSettings: {
      beta1: p.beta1,
      beta2: p.beta2,
      epsilon: p.epsilon,
      momentum: p.momentum,
      nesterov: p.nesterov,
    },
    learningRate: p.learningRate,
    variables: st.variables,
    layers: run.model.layers,
    kernels: st.kernels,
    alpha: p.alpha,
    clipNorm: p.clipNorm,
    clipValue: p.clipValue,
    x: d.x,
    y: d.y,
    ...(d.stream ? { stream: d.stream } : {}),
    ...(d.sampleWeight ? { sampleWeight: d.sampleWeight } : {}),
    ...(d.validation ? { validation: d.validation } : {}),
    loss: st.loss,
    ...(st.dense && run.accelerator ? { dense: st.dense, accelerator: run.accelerator } : {}),
    accuracy: run.spec.accuracy === true,
    ...(metricsOf ? { validationMetrics: metricsOf } : {}),
    sink,
    callbacks: run.callbacks,
    ...(i === run.start.index && run.start.resume ? { resume: run.start.resume } : {}),
    ...(hooks.checkpoint
      ? {
          onEpochEnd: async (state: StageState) => {
            if (state.records.length % every === 0) await hooks.checkpoint!(state);
          },
        }
      : {}),
    ...(hooks.done ? { onStageDone: hooks.done } : {}),
  };
}

function shapes(stage: RunStage): number[][] {
  return stage.variables.map((v) => [...v.shape]);
}

/** The context of `onTrainBegin`/`onTrainEnd`: no stage is running, only `stop()` applies. */
function fitContext(
  estimator: string,
  stage: Stage,
  layerCount: number,
  learningRate: number,
  stop: () => void,
): CallbackContext {
  const outside = (what: string) => () => {
    throw new ValidationError(
      `${estimator} callback: ${what} works only while a stage runs (not in onTrainBegin/onTrainEnd).`,
    );
  };
  return {
    estimator,
    stage,
    epoch: 0,
    epochs: 0,
    batches: 0,
    logs: { lr: learningRate },
    learningRate,
    initialLearningRate: learningRate,
    layerCount,
    frozenLayers: [],
    stop,
    stopStage: stop,
    setLearningRate: outside('setLearningRate'),
    setFrozenLayers: outside('setFrozenLayers'),
    keepWeights: outside('keepWeights'),
    readWeights: outside('readWeights'),
  };
}
