// scikit-learn's bundled data sets (Debian python3-sklearn; CI installs it), standardised per column.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

export interface Table {
  x: Float32Array;
  labels: Int32Array;
  rows: number;
  cols: number;
}

function standardise(x: Float32Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    let m = 0;
    for (let i = 0; i < rows; i++) m += x[i * cols + j]!;
    m /= rows;
    let v = 0;
    for (let i = 0; i < rows; i++) v += (x[i * cols + j]! - m) ** 2;
    const sd = Math.sqrt(v / rows) || 1;
    for (let i = 0; i < rows; i++) x[i * cols + j] = (x[i * cols + j]! - m) / sd;
  }
}

function parse(text: string, skipFirst: boolean, scale: 'standard' | number): Table {
  const lines = text
    .trim()
    .split('\n')
    .slice(skipFirst ? 1 : 0);
  const rows = lines.length;
  const cols = lines[0]!.split(',').length - 1;
  const x = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  lines.forEach((line, i) => {
    const v = line.split(',').map(Number);
    for (let j = 0; j < cols; j++) x[i * cols + j] = v[j]!;
    labels[i] = v[cols]!;
  });
  if (scale === 'standard') standardise(x, rows, cols);
  else for (let i = 0; i < x.length; i++) x[i] = x[i]! / scale;
  return { x, labels, rows, cols };
}

/** breast_cancer: 569 × 30, 2 classes, standardised. */
export function breastCancer(): Table {
  const path = `${SKLEARN_DATA}/breast_cancer.csv`;
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install -y python3-sklearn`);
  return parse(readFileSync(path, 'utf8'), true, 'standard');
}

/** digits: 1 797 × 64, 10 classes, pixels scaled to [0, 1]. */
export function digits(): Table {
  const path = `${SKLEARN_DATA}/digits.csv.gz`;
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install -y python3-sklearn`);
  return parse(gunzipSync(readFileSync(path)).toString('utf8'), false, 16);
}
