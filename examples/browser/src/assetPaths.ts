// Where the page finds its data files (relative to the page). Shared by the page and by the Vite plugin
// (../assets.ts) that serves and emits them; browser-safe (no Node imports).

/** How many MNIST training digits the page ships with (784 bytes each). */
export const MNIST_DIGITS = 1000;

/** Raw pixels, `MNIST_DIGITS × 784` bytes, row-major, 0–255. */
export const MNIST_IMAGES_PATH = `data/mnist-train-${MNIST_DIGITS}-images.u8`;
/** Labels, `MNIST_DIGITS` bytes, 0–9. */
export const MNIST_LABELS_PATH = `data/mnist-train-${MNIST_DIGITS}-labels.u8`;

/** The folder of tfjs-backend-wasm's `.wasm` files. */
export const WASM_DIR = 'wasm/';

/** The `.wasm` files of tfjs-backend-wasm; tfjs picks one by what the browser supports. */
export const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;
