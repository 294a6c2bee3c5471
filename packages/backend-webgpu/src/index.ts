/**
 * `@layerwise/backend-webgpu` — the tfjs WebGPU backend as a layerwise plugin (browsers with `navigator.gpu`).
 * @packageDocumentation
 */

export { type WebgpuBackendOptions, webgpuBackend } from './webgpuBackend.js';
