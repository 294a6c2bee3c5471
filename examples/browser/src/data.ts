import { MNIST_DIGITS, MNIST_IMAGES_PATH, MNIST_LABELS_PATH } from './assetPaths.js';

/** MNIST digits as a row-major matrix of pixels in [0, 1]. */
export interface Digits {
  /** `rows × 784` pixels, scaled to [0, 1]. */
  data: Float32Array;
  shape: [number, number];
  labels: Uint8Array;
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const url = new URL(path, document.baseURI);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not load ${url.href}: HTTP ${res.status}.`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Loads the first `rows` (≤ 1000) MNIST training digits the page ships with. */
export async function loadDigits(rows = MNIST_DIGITS): Promise<Digits> {
  const n = Math.max(1, Math.min(rows, MNIST_DIGITS));
  const [images, labels] = await Promise.all([fetchBytes(MNIST_IMAGES_PATH), fetchBytes(MNIST_LABELS_PATH)]);
  if (images.length !== MNIST_DIGITS * 784 || labels.length !== MNIST_DIGITS) {
    throw new Error(
      `MNIST slice has the wrong size (${images.length} image bytes, ${labels.length} labels).`,
    );
  }
  const data = new Float32Array(n * 784);
  for (let i = 0; i < data.length; i++) data[i] = images[i]! / 255;
  return { data, shape: [n, 784], labels: labels.slice(0, n) };
}
