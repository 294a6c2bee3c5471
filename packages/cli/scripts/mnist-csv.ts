// Writes MNIST digits as a CSV like the ones users bring (a `label` column, then 784 pixel columns 0–255):
//   tsx --conditions=source scripts/mnist-csv.ts 5000 digits.csv [train|test]
// The README's example runs on the files this makes.
import { writeFileSync } from 'node:fs';
import { loadMnist } from '@layerwise/datasets';

const [count = '5000', file = 'digits.csv', subset = 'train'] = process.argv.slice(2);
const n = Number(count);
const { X, y } = await loadMnist({ subset: subset === 'test' ? 'test' : 'train', limit: n });
const lines = [['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',')];
for (let i = 0; i < n; i++) {
  const pixels = Array.from(X.data.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
  lines.push([y[i], ...pixels].join(','));
}
writeFileSync(file, `${lines.join('\n')}\n`);
console.log(`${n} ${subset === 'test' ? 'test' : 'training'} digits written to ${file}`);
