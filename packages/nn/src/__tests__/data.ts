import { Rng } from '@layerwise/core';

/** `k` Gaussian blobs in `d` dimensions, labelled 0..k-1 (seeded). */
export function blobs(n: number, d = 4, k = 3, seed = 1): { X: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const centers = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.normal() * 3));
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    X.push(centers[c]!.map((m) => m + rng.normal() * 0.7));
    y.push(c);
  }
  return { X, y };
}

/** The seed's regression: y = 2x² − 1 for x in [-1, 1]. */
export function parabola(n: number, seed = 2): { X: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = rng.next() * 2 - 1;
    X.push([x]);
    y.push(2 * x * x - 1);
  }
  return { X, y };
}
