import { nodeBuiltin, ValidationError } from '@layerwise/core';
import { DatasetNotFoundError } from './errors.js';
import { checkImageOptions, type ImageDataset, type ImageLoadOptions, loadIdxImages } from './idxImages.js';

/** Where Debian's `dataset-fashion-mnist` package installs the Fashion-MNIST IDX files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

function find(dir: string, base: string): string | undefined {
  const hint = 'In a browser, fetch the IDX files and pass their bytes to readIdx().';
  const { existsSync } = nodeBuiltin<typeof import('node:fs')>('node:fs', 'loadFashionMnist', hint);
  const { join } = nodeBuiltin<typeof import('node:path')>('node:path', 'loadFashionMnist', hint);
  for (const candidate of [`${base}.gz`, base, `${base}.idx`, `${base}.idx.gz`]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Loads Fashion-MNIST (70 000 28×28 clothing images, 10 classes) from a folder of IDX files named like the
 * originals (`train-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`…). The folder defaults to
 * {@link FASHION_MNIST_DEBIAN_DIR}, where `apt-get install dataset-fashion-mnist` puts them.
 * Pixels are scaled to [0, 1]; labels index {@link FASHION_MNIST_CLASSES}.
 */
export async function loadFashionMnist(
  path?: string | ImageLoadOptions,
  options: ImageLoadOptions = {},
): Promise<ImageDataset> {
  if (typeof path === 'object' && path !== null) {
    options = path;
    path = undefined;
  }
  if (path !== undefined && typeof path !== 'string') {
    throw new ValidationError(`loadFashionMnist(): path must be a folder path, got ${typeof path}.`);
  }
  const { subset, limit } = checkImageOptions(options, 'loadFashionMnist');
  const dir = path ?? FASHION_MNIST_DEBIAN_DIR;
  const prefix = subset === 'train' ? 'train' : 't10k';
  const images = find(dir, `${prefix}-images-idx3-ubyte`);
  const labels = find(dir, `${prefix}-labels-idx1-ubyte`);
  if (!images || !labels) {
    throw new DatasetNotFoundError(
      `Fashion-MNIST ${subset} files (${prefix}-images-idx3-ubyte[.gz], ${prefix}-labels-idx1-ubyte[.gz]) not found in ${dir}: ${
        path === undefined
          ? 'install them with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu) or pass the folder holding them'
          : 'pass the folder holding the IDX files'
      }.`,
    );
  }
  return loadIdxImages(images, labels, limit);
}
