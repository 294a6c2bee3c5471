import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { lossChart, panelsFromHistory, reconstructionGrid } from '../src/pictures.js';
import { Raster } from '../src/raster.js';

describe('pictures', () => {
  it('reconstructionGrid: originals above reconstructions, decodable PNG', () => {
    const n = 3;
    const a = new Float32Array(n * 784).fill(1);
    const b = new Float32Array(n * 784).fill(0);
    const png = PNG.sync.read(reconstructionGrid(a, b, n, { cols: 3, scale: 1 }));
    expect(png.width).toBe(3 * 30 + 2);
    expect(png.height).toBe(2 * 30 + 2);
    const px = (x: number, y: number) => png.data[(y * png.width + x) * 4]!;
    expect(px(2 + 10, 2 + 10)).toBe(255); // an original: white
    expect(px(2 + 10, 2 + 30 + 10)).toBe(0); // its reconstruction: black
    expect(() => reconstructionGrid(a, b, 4)).toThrow(RangeError);
  });

  it('panelsFromHistory splits stages and layers in order', () => {
    const panels = panelsFromHistory('AE', [
      { stage: 'pretrain', layer: 0, epoch: 1, loss: 1 },
      { stage: 'pretrain', layer: 0, epoch: 2, loss: 0.5 },
      { stage: 'pretrain', layer: 1, epoch: 1, loss: 0.7 },
      { stage: 'finetune', epoch: 1, loss: 0.2, valLoss: 0.3 },
    ]);
    expect(panels.map((p) => [p.title, p.points.length])).toEqual([
      ['AE pretrain layer 1', 2],
      ['AE pretrain layer 2', 1],
      ['AE finetune', 1],
    ]);
  });

  it('lossChart draws lines in the series colours', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({
      stage: 'train',
      epoch: i + 1,
      loss: 1 / (i + 1),
      valLoss: 1.2 / (i + 1),
    }));
    const png = PNG.sync.read(
      lossChart([
        { title: 'classifier', points },
        { title: 'one', points: [points[0]!] },
      ]),
    );
    expect(png.width).toBeGreaterThan(700);
    let blue = 0;
    let orange = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if (r === 31 && g === 119 && b === 180) blue++;
      if (r === 255 && g === 127 && b === 14) orange++;
    }
    expect(blue).toBeGreaterThan(200);
    expect(orange).toBeGreaterThan(100);
  });

  it('Raster text uses the 5×7 font', () => {
    const r = new Raster(20, 10);
    expect(r.text(0, 0, 'ab', [0, 0, 0])).toBe(12);
    expect(Array.from(r.data.subarray(0, 4))).toEqual([255, 255, 255, 255]); // 'A' column 0 row 0 is blank
  });
});
