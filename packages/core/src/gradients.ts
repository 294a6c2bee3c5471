// Registers every tfjs gradient function exactly once, whichever way tfjs-core was imported
// (Node ESM, Node CJS, or a browser bundle). See package.json "imports" → "#tfjs-gradients".
import '#tfjs-gradients';

/** True once the gradient registrations have run (they run when `@layerwise/core` is imported). */
export const gradientsRegistered = true;
