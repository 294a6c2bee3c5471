/** Small statistics helpers: medians and paired ratios. */

/** The median of `xs` (NaN for an empty list). */
export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/**
 * The median of per-round ratios `a[i] / b[i]`: rounds are interleaved, so pairing each round with itself
 * cancels most of the load drift of a shared machine.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const r: number[] = [];
  for (let i = 0; i < n; i++) if (b[i]! > 0 && Number.isFinite(a[i]!)) r.push(a[i]! / b[i]!);
  return median(r);
}

/** Relative spread (max − min) / median, to say how noisy a measurement was. */
export function spread(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length < 2) return 0;
  return (Math.max(...v) - Math.min(...v)) / median(v);
}

/** Formats a number with a sensible count of digits. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}
