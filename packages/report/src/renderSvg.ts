import { ValidationError } from '@layerwise/core';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite spec (such as {@link lossChartSpec}'s) to an SVG document with Vega's headless
 * renderer: no canvas, no DOM, no network — the same in Node and in a browser.
 *
 * ```ts
 * const svg = await renderSvg(lossChartSpec(model.history.epochs));
 * ```
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const url = findDataUrl(compiled);
  if (url !== undefined) {
    throw new ValidationError(
      `renderSvg: the spec asks to load ${JSON.stringify(url)}; pass data inline (values).`,
    );
  }
  // A loader that refuses every URL: a report's data is inline, and rendering must never reach the network.
  const loader = vega.loader();
  loader.load = async (uri: string) => {
    throw new ValidationError(
      `renderSvg: the spec asks to load ${JSON.stringify(uri)}; pass data inline (values).`,
    );
  };
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The first `url` of a data source anywhere in a Vega spec (top level or nested in group marks). */
function findDataUrl(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const x of node) {
      const u = findDataUrl(x);
      if (u !== undefined) return u;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'data' && Array.isArray(value)) {
      for (const d of value) {
        const u = (d as { url?: unknown } | null)?.url;
        if (u !== undefined) return typeof u === 'string' ? u : JSON.stringify(u);
      }
    }
    const u = findDataUrl(value);
    if (u !== undefined) return u;
  }
  return undefined;
}
