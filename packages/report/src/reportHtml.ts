import { ValidationError } from '@layerwise/core';
/** A value of the report's summary table. */
export type SummaryValue = string | number | boolean | null | undefined;

/** A picture of the report: PNG bytes, inlined as a data URI. */
export interface ReportImage {
  title: string;
  png: Uint8Array;
  /** Text under the picture. */
  caption?: string;
}

/** A chart of the report: an SVG document (from {@link renderSvg}), inlined. */
export interface ReportChart {
  title?: string;
  svg: string;
  caption?: string;
}

/** What {@link reportHtml} puts on the page, top to bottom: summary, charts, images. */
export interface ReportContent {
  /** Page title and heading. */
  title: string;
  /** A line under the heading. */
  subtitle?: string;
  /** Rows of the summary table, in order (`undefined` values are left out). */
  summary?: Record<string, SummaryValue> | readonly (readonly [string, SummaryValue])[];
  charts?: readonly ReportChart[];
  images?: readonly ReportImage[];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Base64 of bytes, without Node's Buffer (works in browsers too). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function formatValue(v: SummaryValue): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v.toLocaleString('en-US').replace(/,/g, '\u202f');
    return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
  }
  return v === null ? '—' : String(v);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * A self-contained HTML page: summary table, inline SVG charts and PNG pictures as data URIs. No script, no
 * external file, and a Content-Security-Policy that forbids loading anything from anywhere — it opens the
 * same offline, from an e-mail attachment or a CI artifact.
 */
export function reportHtml(content: ReportContent): string {
  if (!content || typeof content.title !== 'string') {
    throw new ValidationError('reportHtml: content.title (a string) is required.');
  }
  const rows = Array.isArray(content.summary)
    ? (content.summary as readonly (readonly [string, SummaryValue])[])
    : Object.entries(content.summary ?? {});
  const table = rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(formatValue(v))}</td></tr>`)
    .join('\n');
  const charts = (content.charts ?? []).map((c) => {
    const svg = c.svg.replace(/^<\?xml[^>]*>\s*/, '');
    if (!/^<svg[\s>]/.test(svg.trimStart()))
      throw new ValidationError('reportHtml: a chart svg must be an <svg> document.');
    return `<figure class="chart">${c.title ? `<h2>${escapeHtml(c.title)}</h2>` : ''}${svg}${
      c.caption ? `<figcaption>${escapeHtml(c.caption)}</figcaption>` : ''
    }</figure>`;
  });
  const images = (content.images ?? []).map((im) => {
    if (!(im.png instanceof Uint8Array) || PNG_SIGNATURE.some((b, i) => im.png[i] !== b)) {
      throw new ValidationError(`reportHtml: image "${im.title}" is not PNG bytes.`);
    }
    return `<figure class="image"><h2>${escapeHtml(im.title)}</h2><img alt="${escapeHtml(im.title)}" src="data:image/png;base64,${toBase64(im.png)}">${
      im.caption ? `<figcaption>${escapeHtml(im.caption)}</figcaption>` : ''
    }</figure>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)}</title>
<style>
body { font-family: Helvetica, Arial, "DejaVu Sans", sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 8px; }
.subtitle { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 0 0 24px; background: white; }
th, td { text-align: left; padding: 4px 14px 4px 8px; border-bottom: 1px solid #e4e4e4; font-size: 14px; }
th { font-weight: 600; color: #444; }
td { font-variant-numeric: tabular-nums; }
figure { margin: 0 0 24px; padding: 12px; background: white; border: 1px solid #e4e4e4; display: block; width: fit-content; max-width: 100%; box-sizing: border-box; }
figure svg, figure img { max-width: 100%; height: auto; display: block; }
figure img { image-rendering: pixelated; }
figcaption { color: #555; font-size: 13px; margin-top: 6px; }
</style>
</head>
<body>
<h1>${escapeHtml(content.title)}</h1>
${content.subtitle ? `<p class="subtitle">${escapeHtml(content.subtitle)}</p>` : ''}
${table ? `<table>\n${table}\n</table>` : ''}
${charts.join('\n')}
${images.join('\n')}
</body>
</html>
`;
}
