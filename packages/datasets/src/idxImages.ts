import type { TypedMatrix } from '@layerwise/core';
import { ValidationError } from '@layerwise/core';
import { IdxFormatError } from './errors.js';
import { readIdx } from './readIdx.js';

/** Images as a `[n, height·width]` matrix with pixels in [0, 1], and their integer labels. */
export interface ImageDataset {
  X: TypedMatrix & { data: Float32Array; shape: [number, number] };
  y: Int32Array;
}

/** Which half of a data set: the training or the test images. */
export type Subset = 'train' | 'test';

/** Options shared by the image loaders. */
export interface ImageLoadOptions {
  /** `'train'` (default) or `'test'`. */
  subset?: Subset;
  /** Keep only the first `limit` images (and labels). */
  limit?: number;
}

/** Validates loader options, before any file is read. */
export function checkImageOptions(options: ImageLoadOptions, fn: string): { subset: Subset; limit?: number } {
  if (options === null || typeof options !== 'object') {
    throw new ValidationError(`${fn}() options must be an object like { subset: 'train', limit: 1000 }.`);
  }
  const subset = options.subset ?? 'train';
  if (subset !== 'train' && subset !== 'test') {
    throw new ValidationError(`${fn}(): subset must be 'train' or 'test', got ${JSON.stringify(subset)}.`);
  }
  const { limit } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new ValidationError(`${fn}(): limit must be a positive integer, got ${String(limit)}.`);
  }
  return limit === undefined ? { subset } : { subset, limit };
}

/**
 * Reads an IDX image file (uint8, `[n, rows, cols]`) and its label file (uint8, `[n]`), checks they agree,
 * and returns pixels scaled to [0, 1].
 */
export async function loadIdxImages(
  imagesPath: string,
  labelsPath: string,
  limit?: number,
): Promise<ImageDataset> {
  const opts = limit === undefined ? {} : { limit };
  const [images, labels] = await Promise.all([readIdx(imagesPath, opts), readIdx(labelsPath, opts)]);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new IdxFormatError(
      `${imagesPath} is not an IDX image file: expected uint8 of shape [n, rows, cols], got ${images.dtype} of shape [${images.shape.join(', ')}].`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new IdxFormatError(
      `${labelsPath} is not an IDX label file: expected uint8 of shape [n], got ${labels.dtype} of shape [${labels.shape.join(', ')}].`,
    );
  }
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) {
    throw new IdxFormatError(
      `${imagesPath} holds ${n} images but ${labelsPath} holds ${labels.shape[0]} labels: the files do not belong together.`,
    );
  }
  const pixels = images.data as Uint8Array;
  const data = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) data[i] = pixels[i]! / 255;
  return { X: { data, shape: [n, h * w] }, y: Int32Array.from(labels.data as Uint8Array) };
}
