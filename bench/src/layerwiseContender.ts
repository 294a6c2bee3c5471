/** The layerwise contender: `StackedAutoencoder` from `@layerwise/autoencoder`. */
import type { Registry } from '@layerwise/core';
import type { LayerwiseSide } from './tfjsImpl.js';

/** Placeholder until @layerwise/autoencoder lands. */
export function layerwiseSide(_registry: Registry): LayerwiseSide {
  throw new Error('@layerwise/autoencoder is not available yet');
}
