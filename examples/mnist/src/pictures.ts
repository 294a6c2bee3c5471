import { Raster, type Rgb } from './raster.js';

/**
 * A grid of images: each block of two rows shows `cols` originals above their reconstructions.
 * `originals` and `reconstructions` hold `count` row-major `side × side` images with values in [0, 1].
 */
export function reconstructionGrid(
  originals: ArrayLike<number>,
  reconstructions: ArrayLike<number>,
  count: number,
  options: { cols?: number; side?: number; scale?: number } = {},
): Buffer {
  const side = options.side ?? 28;
  const scale = options.scale ?? 2;
  const cols = Math.min(options.cols ?? 10, count);
  const pixels = side * side;
  if (originals.length < count * pixels || reconstructions.length < count * pixels) {
    throw new RangeError(`reconstructionGrid: need ${count} images of ${side}×${side} in both arrays.`);
  }
  const blocks = Math.ceil(count / cols);
  const cell = side * scale;
  const gap = 2;
  const blockGap = 8;
  const width = cols * (cell + gap) + gap;
  const height = blocks * (2 * (cell + gap) + blockGap) - blockGap + gap;
  const img = new Raster(width, height, [40, 40, 40]);
  const draw = (src: ArrayLike<number>, k: number, x0: number, y0: number) => {
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const v = Math.round(255 * Math.min(1, Math.max(0, src[k * pixels + r * side + c]!)));
        img.fillRect(x0 + c * scale, y0 + r * scale, scale, scale, [v, v, v]);
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
  return img.toPng();
}

/** One epoch of one stage, as in an estimator's `history.epochs`. */
export interface LossPoint {
  stage: string;
  layer?: number;
  epoch: number;
  loss: number;
  valLoss?: number;
}

/** A chart panel: one stage (pretraining of one layer, fine-tuning, classifier training). */
export interface LossPanel {
  title: string;
  points: LossPoint[];
}

/** Groups epoch records into panels, one per stage (and per layer while pretraining), in order. */
export function panelsFromHistory(prefix: string, epochs: readonly LossPoint[]): LossPanel[] {
  const panels: LossPanel[] = [];
  let key = '';
  for (const e of epochs) {
    const k = `${e.stage}:${e.layer ?? ''}`;
    if (k !== key || panels.length === 0) {
      key = k;
      const what = e.layer === undefined ? e.stage : `${e.stage} layer ${e.layer + 1}`;
      panels.push({ title: `${prefix} ${what}`.trim(), points: [] });
    }
    panels.at(-1)!.points.push(e);
  }
  return panels;
}

const TRAIN: Rgb = [31, 119, 180];
const VAL: Rgb = [255, 127, 14];
const AXIS: Rgb = [60, 60, 60];
const GRID: Rgb = [225, 225, 225];

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(1).replace('e', 'E');
  return Number(v.toPrecision(3)).toString();
}

function drawPanel(img: Raster, panel: LossPanel, x: number, y: number, w: number, h: number): void {
  img.fillRect(x, y, w, h, [255, 255, 255]);
  img.text(x + 8, y + 6, panel.title, AXIS, 2);
  const left = x + 64;
  const right = x + w - 12;
  const top = y + 30;
  const bottom = y + h - 30;
  const values = panel.points.flatMap((p) => (p.valLoss === undefined ? [p.loss] : [p.loss, p.valLoss]));
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) * 0.1 || 0.1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const maxEpoch = Math.max(1, ...panel.points.map((p) => p.epoch));
  const px = (epoch: number) =>
    maxEpoch === 1 ? (left + right) / 2 : left + ((epoch - 1) / (maxEpoch - 1)) * (right - left);
  const py = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    const yy = Math.round(py(v));
    img.line(left, yy, right, yy, GRID);
    const label = tickLabel(v);
    img.text(left - 6 - Raster.textWidth(label), yy - 3, label, AXIS);
  }
  img.line(left, top, left, bottom, AXIS);
  img.line(left, bottom, right, bottom, AXIS);
  const xTicks = Math.min(maxEpoch, 5);
  for (let t = 0; t < xTicks; t++) {
    const epoch = xTicks === 1 ? 1 : Math.round(1 + ((maxEpoch - 1) * t) / (xTicks - 1));
    const xx = Math.round(px(epoch));
    img.line(xx, bottom, xx, bottom + 4, AXIS);
    const label = String(epoch);
    img.text(xx - Raster.textWidth(label) / 2, bottom + 7, label, AXIS);
  }
  img.text((left + right) / 2 - Raster.textWidth('EPOCH') / 2, bottom + 18, 'epoch', AXIS);
  const series: [Rgb, (p: LossPoint) => number | undefined, number][] = [
    [TRAIN, (p) => p.loss, 0],
    [VAL, (p) => p.valLoss, 4],
  ];
  for (const [color, get, dash] of series) {
    let prev: [number, number] | undefined;
    for (const p of panel.points) {
      const v = get(p);
      if (v === undefined || !Number.isFinite(v)) {
        prev = undefined;
        continue;
      }
      const pt: [number, number] = [px(p.epoch), py(v)];
      if (prev) img.line(prev[0], prev[1], pt[0], pt[1], color, 2, dash);
      if (panel.points.length <= 30) img.dot(pt[0], pt[1], color, 5);
      prev = pt;
    }
  }
}

/**
 * A line chart of loss per epoch, one panel per stage (each with its own y-axis: reconstruction MSE and
 * cross-entropy live on different scales), training loss solid blue, validation loss dashed orange.
 */
export function lossChart(panels: readonly LossPanel[], options: { columns?: number } = {}): Buffer {
  const n = Math.max(1, panels.length);
  const columns = Math.min(options.columns ?? 3, n);
  const rows = Math.ceil(n / columns);
  const pw = 360;
  const ph = 240;
  const legend = 28;
  const img = new Raster(
    columns * pw + (columns + 1) * 8,
    rows * ph + (rows + 1) * 8 + legend,
    [235, 235, 235],
  );
  panels.forEach((panel, i) => {
    drawPanel(
      img,
      panel,
      8 + (i % columns) * (pw + 8),
      legend + 8 + Math.floor(i / columns) * (ph + 8),
      pw,
      ph,
    );
  });
  let lx = 12;
  img.line(lx, 14, lx + 24, 14, TRAIN, 2);
  lx += 30;
  lx += img.text(lx, 8, 'training loss', AXIS, 2) + 20;
  img.line(lx, 14, lx + 24, 14, VAL, 2, 4);
  lx += 30;
  img.text(lx, 8, 'validation loss', AXIS, 2);
  return img.toPng();
}
