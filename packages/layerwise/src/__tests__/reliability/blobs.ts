// The data of issue 15's reproduction: 400 rows of 2-D Gaussian blobs in 3 classes (seeded).
import { Rng } from '../../index.js';

export function blobs(rows = 400, seed = 15): { X: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const centers = [
    [-2, -2],
    [2, -1],
    [0, 2.5],
  ];
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    X.push([centers[k]![0]! + 0.8 * rng.normal(), centers[k]![1]! + 0.8 * rng.normal()]);
    y.push(k);
  }
  return { X, y };
}
