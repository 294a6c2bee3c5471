import { join } from 'node:path';
import { type InputTransformSpec, ModelFormatError, readModelKind, type TypedMatrix } from '@layerwise/core';
import { MinMaxScaler, StandardScaler } from '@layerwise/preprocessing';

/** How `layerwise fit --scale` rescales the feature columns. */
export type ScaleMode = 'standard' | 'minmax' | 'none';

/** The fitted scaler `fit --scale` saves beside the model (`scaler/`); `predict`, `score`, `transform` apply it. */
export type FeatureScaler = StandardScaler | MinMaxScaler;

type Matrix = TypedMatrix & { data: Float32Array; shape: [number, number] };

/**
 * Fits `@layerwise/preprocessing`'s StandardScaler (mean 0, sd 1) or MinMaxScaler (to [0, 1], clipping
 * unseen data to that range: an MNIST border pixel that is always 0 in the training rows would otherwise
 * pass through unscaled as 0–255) on X.
 */
export function fitScaler(mode: 'standard' | 'minmax', X: Matrix): FeatureScaler {
  return mode === 'standard' ? new StandardScaler().fit(X) : new MinMaxScaler({ clip: true }).fit(X);
}

/** The scaler's transform of X, as a float32 matrix. */
export function applyScaler(scaler: FeatureScaler, X: Matrix): Matrix {
  const out = scaler.transform(X) as TypedMatrix;
  const data = out.data instanceof Float32Array ? out.data : Float32Array.from(out.data);
  return { data, shape: [X.shape[0], X.shape[1]] };
}

/** Loads the scaler saved in `dir` (safe format: manifest, sizes and checksum checked); only the two kinds fit writes. */
export async function loadScaler(dir: string): Promise<FeatureScaler> {
  const kind = await readModelKind(dir);
  if (kind === 'StandardScaler') return StandardScaler.load(dir);
  if (kind === 'MinMaxScaler') return MinMaxScaler.load(dir);
  throw new ModelFormatError(
    `${join(dir)} holds a ${JSON.stringify(kind)}, not the StandardScaler or MinMaxScaler that layerwise fit --scale saves.`,
  );
}

/**
 * The scaler as an exporter's per-feature input transform `z = (x − offset) / scale` (clipped to the
 * feature range for a clipping MinMaxScaler), so an exported model takes the raw CSV features.
 */
export function inputTransformOf(scaler: FeatureScaler): InputTransformSpec {
  if (scaler instanceof StandardScaler) {
    const { withMean, withStd } = scaler.getParams();
    const n = scaler.nFeaturesIn;
    const mean = scaler.mean;
    const sd = scaler.scale;
    return {
      source: 'StandardScaler',
      offset: Float32Array.from({ length: n }, (_, i) => (withMean && mean ? mean[i]! : 0)),
      scale: Float32Array.from({ length: n }, (_, i) => (withStd && sd ? sd[i]! : 1)),
    };
  }
  // MinMaxScaler: z = x · m + a = (x − (−a / m)) / (1 / m); m > 0 always (a constant feature gets m = 1).
  const m = scaler.scale;
  const a = scaler.min;
  const { clip, featureRange } = scaler.getParams();
  return {
    source: 'MinMaxScaler',
    offset: Float32Array.from(m, (mi, i) => -a[i]! / mi),
    scale: Float32Array.from(m, (mi) => 1 / mi),
    ...(clip ? { clip: [featureRange[0], featureRange[1]] as [number, number] } : {}),
  };
}
