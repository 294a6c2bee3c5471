/**
 * `@layerwise/core` — contracts, the plugin registry, data handling, errors, seeded randomness, metrics
 * and the safe model format. Imports no plugin and no tfjs backend.
 * @packageDocumentation
 */
export { gradientsRegistered } from './gradients.js';
export * from './errors.js';
export * from './data.js';
export * from './rng.js';
export * from './batches.js';
export * from './metrics.js';
export * from './events.js';
export * from './plugins.js';
export * from './registry.js';
export * from './params.js';
export * from './estimator.js';
export * from './modelFormat.js';
