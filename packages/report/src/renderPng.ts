import { ValidationError } from '@layerwise/core';
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './renderSvg.js';

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Pixels per SVG unit. Default 2 (sharp on high-density screens and in documents). */
  scale?: number;
  /** Font files (TTF/OTF) to use besides the system's fonts, e.g. for a machine without any. */
  fontFiles?: string[];
}

/**
 * Rasterises an SVG document — or a Vega-Lite spec, rendered with {@link renderSvg} first — to PNG bytes
 * with resvg (a native renderer shipped through npm; offline). Text uses the system's fonts (the first
 * installed of {@link CHART_FONT}).
 */
export async function renderPng(
  input: string | TopLevelSpec,
  options: RenderPngOptions = {},
): Promise<Uint8Array> {
  const svg = typeof input === 'string' ? input : await renderSvg(input);
  const scale = options.scale ?? 2;
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 8)) {
    throw new ValidationError(`renderPng: scale must be a number in (0, 8], got ${String(options.scale)}.`);
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      loadSystemFonts: true,
      ...(options.fontFiles ? { fontFiles: options.fontFiles } : {}),
      defaultFontFamily: 'DejaVu Sans',
    },
  });
  return new Uint8Array(resvg.render().asPng());
}
