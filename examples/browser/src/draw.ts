/**
 * Draws `count` digits (28×28, values in [0, 1]) in rows of `cols`: each row of originals directly above
 * the row of their reconstructions.
 */
export function drawReconstructionGrid(
  canvas: HTMLCanvasElement,
  originals: Float32Array,
  reconstructions: Float32Array,
  count: number,
  cols = 10,
  scale = 3,
): void {
  const cell = 28 * scale;
  const pairs = Math.ceil(count / cols);
  canvas.width = cols * cell;
  canvas.height = pairs * 2 * cell;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D canvas context.');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const tile = ctx.createImageData(28, 28);
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const sctx = small.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  const put = (src: Float32Array, index: number, x: number, y: number) => {
    for (let p = 0; p < 784; p++) {
      const v = Math.round(Math.min(1, Math.max(0, src[index * 784 + p]!)) * 255);
      tile.data[4 * p] = v;
      tile.data[4 * p + 1] = v;
      tile.data[4 * p + 2] = v;
      tile.data[4 * p + 3] = 255;
    }
    sctx.putImageData(tile, 0, 0);
    ctx.drawImage(small, x, y, cell, cell);
  };
  for (let i = 0; i < count; i++) {
    const col = i % cols;
    const pair = Math.floor(i / cols);
    put(originals, i, col * cell, pair * 2 * cell);
    put(reconstructions, i, col * cell, (pair * 2 + 1) * cell);
  }
  // A thin line between each pair of rows.
  ctx.fillStyle = '#444';
  for (let pair = 1; pair < pairs; pair++) ctx.fillRect(0, pair * 2 * cell - 1, canvas.width, 2);
}
