/**
 * `@layerwise/backend-cpu` — the pure-JavaScript tfjs CPU backend as a layerwise plugin.
 * @packageDocumentation
 */
export { cpuBackend } from './cpuBackend.js';
