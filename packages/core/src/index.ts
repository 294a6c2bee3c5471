/**
 * `@layerwise/core` — contracts, the plugin registry, data handling, errors, seeded randomness, metrics
 * and the safe model format. Imports no plugin and no tfjs backend.
 * @packageDocumentation
 */

export * from './batches.js';
export * from './callbacks.js';
export * from './data.js';
export { EngineGuard, type EngineGuardState, engineGuard } from './engineGuard.js';
export * from './errors.js';
export * from './estimator.js';
export * from './events.js';
export {
  EXECUTOR,
  ExecutorAbortedError,
  type ExecutorJob,
  type ExecutorOutcome,
  type ExecutorPlugin,
  ExecutorUnavailableError,
  isExecutorPlugin,
  type PluginDescriptor,
  TaskPayloadError,
} from './executor.js';
export { gradientsRegistered } from './gradients.js';
export * from './metrics.js';
export * from './modelFormat.js';
export { hasNodeBuiltins, type NodeFsSync, nodeBuiltin, nodeFsSync } from './nodeFs.js';
export * from './params.js';
export * from './plugins.js';
export * from './registry.js';
export * from './rng.js';
export { initTfBackend } from './tfBackend.js';
export * from './validateExportableModel.js';
