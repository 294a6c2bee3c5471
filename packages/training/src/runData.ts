import { type MatrixLike, toFitMatrix, toMatrix, ValidationError } from '@layerwise/core';
import type * as tf from '@tensorflow/tfjs-core';
import {
  type DataSource,
  type EncodedBatchTargets,
  isDataSource,
  isOneShot,
  openOneShot,
  scanSource,
  streamedData,
} from './dataSource.js';
import type { PreparedData } from './fitRun.js';

/** Validated, encoded training targets of in-memory data. */
export interface EncodedTargets<S> {
  /** Targets tensor (class indices or values), one row per sample. */
  tensor: tf.Tensor;
  /** Output columns the model needs for them. */
  outputSize: number;
  /** Fitted state derived from the targets (classes…), committed only when the fit succeeds. */
  state: S;
  /** Per-row loss weights derived from the targets (class weights), if any. */
  rowWeights?: Float32Array;
}

/** Targets of a streamed fit: `collect` sees every batch's `y` in the scan, `finish` derives the state. */
export interface StreamedTargets<S> {
  collect(y: unknown, rows: number, batch: number): void;
  finish(): {
    state: S;
    outputSize: number;
    encode(y: unknown, rows: number, batch: number): EncodedBatchTargets;
  };
}

/**
 * How an estimator's targets become what the run trains on — the one part of the data an estimator
 * supplies (a reconstruction model supplies none: its targets are its inputs).
 */
export interface TargetHooks<S> {
  /** Validates and encodes in-memory targets (no state change). */
  encode(y: unknown, rows: number): EncodedTargets<S>;
  /**
   * Collects and encodes the targets of a data source; `classesGiven` when `fit`'s `classes` option lists the
   * labels (then `collect` receives that list once, instead of every batch's y).
   */
  stream(options: { classesGiven: boolean }): StreamedTargets<S>;
  /** Validates and encodes validation targets against the state derived from the training targets. */
  validation(y: unknown, rows: number, state: S): tf.Tensor;
  /**
   * `fit`'s `classes` option, for a data source whose labels cannot all be scanned first: `needed` when a
   * one-shot source must have it, `check` validates it. Without this hook the option is not the data's.
   */
  classes?: { needed: boolean; check(given: unknown): unknown[] };
}

/** What the run's data module needs to take X (and y) for one fit. */
export interface DataSpec<S> {
  /** The features: in-memory (array, typed matrix, tensor, table) or a {@link DataSource}. */
  X: unknown;
  /** The targets as given (ignored when `targets` is null). */
  y?: unknown;
  /** How targets are encoded; `null` = the targets are the inputs (an autoencoder). */
  targets: TargetHooks<S> | null;
  /** Rows a data source's batches are drawn from at random (a stream cannot be permuted); 0 or 1 = in order. */
  shuffleBuffer: number;
  /** Column names a table X is read by (a warm fit keeps its fitted ones). */
  featureNames?: readonly string[];
  /** When set, a data source is refused with this message (partialFit, warm start). */
  streamRefusal?: string;
  /** How many passes over the data this fit reads, and the message when a one-shot source cannot feed them. */
  passes: { count: number; oneShotMessage: string };
  /** The estimator's own checks of the width (and targets) before anything trains; throws ValidationError. */
  check?(features: number, from: 'X' | 'the source', targets: S | null): void;
  /** What a checkpoint must share with this fit (the targets' state is given once known). */
  signature(targets: S | null, streamed: boolean): Record<string, unknown>;
}

/** The run's data, plus what the estimator keeps from it: the targets' state and output width. */
export interface RunInputs<S> extends PreparedData {
  targets: { state: S | null; outputSize: number };
}

/**
 * The run's data module: takes X (and y) as the caller gave them — a data source (one-shot or re-readable)
 * or in-memory data — validates, scans and converts them, encodes the targets through the estimator's hooks,
 * reads `validationData`, and lists what it creates for the run to dispose. Nothing of the estimator changes.
 */
export async function prepareRunData<S>(
  owner: string,
  spec: DataSpec<S>,
  options: Record<string, unknown>,
  params: { batchSize: number; shuffle: boolean },
): Promise<RunInputs<S>> {
  if (isDataSource(spec.X)) {
    const batching = {
      batchSize: params.batchSize,
      shuffle: params.shuffle,
      shuffleBuffer: spec.shuffleBuffer,
    };
    return streamedInputs(owner, spec, spec.X, options, batching);
  }
  if (spec.targets?.classes && options.classes !== undefined) {
    throw new ValidationError(
      `${owner}.fit: the classes option is for a data source (a fit on arrays finds the classes in y).`,
    );
  }
  const owned: tf.Tensor[] = [];
  try {
    // Host data stay on the host and are uploaded one batch at a time (no copy of the whole set on the
    // backend, whose heap never shrinks); a tensor is used as it is.
    const xm = toFitMatrix(spec.X, {
      name: 'X',
      ...(spec.featureNames ? { featureNames: spec.featureNames } : {}),
    });
    if (xm.owned) owned.push(xm.x as tf.Tensor2D);
    const targets = spec.targets ? spec.targets.encode(spec.y, xm.rows) : null;
    if (targets) owned.push(targets.tensor);
    spec.check?.(xm.cols, 'X', targets ? targets.state : null);
    const validation = validationInputs(owner, spec, options, xm.cols, targets ? targets.state : null, owned);
    return {
      x: xm.x,
      y: targets ? targets.tensor : xm.x,
      ...(validation ? { validation } : {}),
      ...(targets?.rowWeights ? { rowWeights: targets.rowWeights } : {}),
      owned,
      signature: spec.signature(targets ? targets.state : null, false),
      ...(targets ? { checkpointState: { targets: targets.state } } : {}),
      targets: { state: targets ? targets.state : null, outputSize: targets ? targets.outputSize : xm.cols },
    };
  } catch (e) {
    for (const t of owned) t.dispose();
    throw e;
  }
}

/** A data source: scanned once (or opened, when one-shot), then re-batched for every pass the run reads. */
async function streamedInputs<S>(
  owner: string,
  spec: DataSpec<S>,
  X: DataSource,
  options: Record<string, unknown>,
  batching: { batchSize: number; shuffle: boolean; shuffleBuffer: number },
): Promise<RunInputs<S>> {
  if (spec.streamRefusal) throw new ValidationError(spec.streamRefusal);
  const hooks = spec.targets;
  const given = hooks?.classes ? options.classes : undefined;
  const t = hooks?.stream({ classesGiven: given !== undefined });
  let source = X;
  let scan: { rows: number; features: number };
  if (isOneShot(X)) {
    // One pass, read as it trains: the width (and a regressor's target columns) from the first batch,
    // a classifier's labels from `classes`; the row count stays unknown (0) until the pass ends.
    if (spec.passes.count !== 1) throw new ValidationError(spec.passes.oneShotMessage);
    if (hooks?.classes?.needed && given === undefined) {
      throw new ValidationError(
        `${owner}.fit: a one-shot data source cannot be scanned for its labels first; pass every class in fit's options, e.g. fit(source, { classes: [0, 1, 2] }).`,
      );
    }
    const opened = await openOneShot(owner, X);
    source = opened.source;
    if (t && given === undefined) t.collect(opened.first.y, opened.rows, 0);
    scan = { rows: 0, features: opened.features };
  } else {
    scan = await scanSource(
      owner,
      X,
      t && given === undefined ? (yb, rows, b) => t.collect(yb, rows, b) : undefined,
    );
  }
  if (t && given !== undefined) {
    const labels = hooks!.classes!.check(given);
    t.collect(labels, labels.length, 0);
  }
  const finished = t?.finish() ?? null;
  const state = finished ? finished.state : null;
  spec.check?.(scan.features, 'the source', state);
  const owned: tf.Tensor[] = [];
  try {
    const validation = validationInputs(owner, spec, options, scan.features, state, owned);
    const streamed = streamedData(owner, source, scan, batching, finished ? finished.encode : null, {
      ...(validation ? { validation } : {}),
      owned,
      signature: spec.signature(state, true),
    });
    return {
      ...streamed,
      ...(finished ? { checkpointState: { targets: state } } : {}),
      targets: { state, outputSize: finished ? finished.outputSize : scan.features },
    };
  } catch (e) {
    for (const x of owned) x.dispose();
    throw e;
  }
}

/** `fit`'s `validationData`: a pair `[X, y]`, or for a reconstruction model the matrix alone. */
function validationInputs<S>(
  owner: string,
  spec: DataSpec<S>,
  options: Record<string, unknown>,
  features: number,
  state: S | null,
  owned: tf.Tensor[],
): { x: tf.Tensor2D; y: tf.Tensor } | undefined {
  const vd = options.validationData;
  if (vd === undefined) return undefined;
  if (!spec.targets) {
    const vm = toMatrix(vd as MatrixLike, { name: 'validationData', expectedFeatures: features });
    if (vm.owned) owned.push(vm.tensor);
    return { x: vm.tensor, y: vm.tensor };
  }
  if (!Array.isArray(vd) || vd.length !== 2) {
    throw new ValidationError(`${owner}.fit: validationData must be a pair [X, y].`);
  }
  const vm = toMatrix(vd[0], { name: 'validationData[0]', expectedFeatures: features });
  if (vm.owned) owned.push(vm.tensor);
  const vy = spec.targets.validation(vd[1], vm.rows, state as S);
  owned.push(vy);
  return { x: vm.tensor, y: vy };
}
