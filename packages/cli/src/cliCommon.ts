import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stackedAutoencoderKind } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { nodeBackend } from '@layerwise/backend-node';
import { wasmBackend } from '@layerwise/backend-wasm';
import {
  atomicWriteFile,
  type EstimatorKindPlugin,
  type MatrixLike,
  Registry,
  type TypedMatrix,
} from '@layerwise/core';
import { onnxExporter } from '@layerwise/exporter-onnx';
import { tfjsExporter } from '@layerwise/exporter-tfjs';
import { consoleLogger } from '@layerwise/logger-console';
import { csvLogger } from '@layerwise/logger-csv';
import { mlpClassifierKind, mlpRegressorKind } from '@layerwise/nn';
import { autoencoderOutlierDetectorKind } from '@layerwise/outliers';
import { PREPROCESSING_KINDS } from '@layerwise/preprocessing';
import type { CliEstimator } from './openModel.js';
import { type FeatureScaler, inputTransformOf } from './scaler.js';

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

/**
 * The CLI's plugins. tfjs-node is registered only when asked for by name or when it loads here: an
 * installed-but-broken tfjs-node must not add a warning to every command's output.
 */
export async function makeRegistry(
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

export function fmt(x: number | undefined, digits = 4): string {
  if (x === undefined || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toFixed(digits);
}

export function shapeText(sizes: readonly number[]): string {
  return `[${sizes.join(' → ')}]`;
}

/** A matrix of any kind the estimators return, as rows of numbers. */
export function rowsOf(m: MatrixLike | ArrayLike<number>): number[][] {
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

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

export async function writeOutput(
  io: CliIo,
  out: string | undefined,
  text: string,
  what: string,
): Promise<void> {
  if (out === undefined) {
    io.out(text.replace(/\n$/, ''));
    return;
  }
  await mkdir(resolve(out, '..'), { recursive: true });
  await atomicWriteFile(out, text);
  io.err.write(`${what} written to ${out}\n`);
}

/**
 * Exports the model with its scaler carried in (`inputTransform`: folded into the first layer for
 * tfjs-layers, Sub/Div(/Clip) nodes for ONNX), so the exported model takes the raw features.
 */
export async function exportModel(
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
