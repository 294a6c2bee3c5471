import { ValidationError } from '@layerwise/core';
import { PNG } from 'pngjs';

/** Options of {@link reconstructionGrid}. */
export interface ReconstructionGridOptions {
  /** Images per row. Default 10. */
  cols?: number;
  /** Side of the square images in pixels. Default 28 (MNIST). */
  side?: number;
  /** Screen pixels per image pixel. Default 2. */
  scale?: number;
}

/**
 * A PNG grid of images: each block of two rows shows `cols` originals above their reconstructions, on a
 * dark background. `originals` and `reconstructions` hold `count` row-major `side × side` images with
 * values in [0, 1] (clipped).
 */
export function reconstructionGrid(
  originals: ArrayLike<number>,
  reconstructions: ArrayLike<number>,
  count: number,
  options: ReconstructionGridOptions = {},
): Uint8Array {
  const side = options.side ?? 28;
  const scale = options.scale ?? 2;
  if (!Number.isInteger(count) || count < 1) {
    throw new ValidationError(`reconstructionGrid: count must be a positive integer, got ${String(count)}.`);
  }
  if (!Number.isInteger(side) || side < 1 || !Number.isInteger(scale) || scale < 1) {
    throw new ValidationError('reconstructionGrid: side and scale must be positive integers.');
  }
  const cols = Math.min(options.cols ?? 10, count);
  const pixels = side * side;
  if (originals.length < count * pixels || reconstructions.length < count * pixels) {
    throw new ValidationError(`reconstructionGrid: need ${count} images of ${side}×${side} in both arrays.`);
  }
  const blocks = Math.ceil(count / cols);
  const cell = side * scale;
  const gap = 2;
  const blockGap = 8;
  const width = cols * (cell + gap) + gap;
  const height = blocks * (2 * (cell + gap) + blockGap) - blockGap + gap;
  const png = new PNG({ width, height });
  const data = png.data;
  for (let i = 0; i < data.length; i += 4) {
    data[i] = data[i + 1] = data[i + 2] = 40;
    data[i + 3] = 255;
  }
  const draw = (src: ArrayLike<number>, k: number, x0: number, y0: number) => {
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const v = src[k * pixels + Math.floor(y / scale) * side + Math.floor(x / scale)]!;
        const g = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
        const i = ((y0 + y) * width + x0 + x) * 4;
        data[i] = data[i + 1] = data[i + 2] = g;
      }
    }
  };
  for (let k = 0; k < count; k++) {
    const block = Math.floor(k / cols);
    const x0 = gap + (k % cols) * (cell + gap);
    const y0 = gap + block * (2 * (cell + gap) + blockGap);
    draw(originals, k, x0, y0);
    draw(reconstructions, k, x0, y0 + cell + gap);
  }
  return new Uint8Array(PNG.sync.write(png));
}
