/**
 * `@layerwise/backend-node` — native TensorFlow (`@tensorflow/tfjs-node` / `-gpu`, optional peers) as a
 * layerwise plugin.
 * @packageDocumentation
 */
export {
  explainNodeBackendFailure,
  type NodeBackendOptions,
  nodeBackend,
  TFJS_NODE_BACKEND_NAME,
} from './nodeBackend.js';
