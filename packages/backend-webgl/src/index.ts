/**
 * `@layerwise/backend-webgl` — the tfjs WebGL backend as a layerwise plugin (browsers; 32-bit floats only).
 * @packageDocumentation
 */

export { type WebglBackendOptions, webglBackend } from './webglBackend.js';
