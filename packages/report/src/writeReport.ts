import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type LossChartOptions, type LossRecord, type LossSeries, lossChartSpec } from './lossChartSpec.js';
import { type RenderPngOptions, renderPng } from './renderPng.js';
import { renderSvg } from './renderSvg.js';
import { type ReportImage, reportHtml, type SummaryValue } from './reportHtml.js';

/** What {@link writeReport} draws. */
export interface WriteReportOptions {
  /** Page title of report.html. */
  title: string;
  /** A line under the title. */
  subtitle?: string;
  /** The training histories: one panel per stage of each. */
  series: readonly LossSeries[] | readonly LossRecord[];
  /** The summary table of report.html. */
  summary?: Record<string, SummaryValue> | readonly (readonly [string, SummaryValue])[];
  /** Pictures to show in report.html (e.g. a {@link reconstructionGrid}), also written as PNG files when they have a `file` name. */
  images?: readonly (ReportImage & { file?: string })[];
  /** Layout of the loss chart. */
  chart?: LossChartOptions;
  /** Rasterisation of loss.png. */
  png?: RenderPngOptions;
  /** File names. Default `loss.png` and `report.html`. */
  files?: { lossPng?: string; html?: string };
}

/** The files {@link writeReport} wrote (absolute or relative as `dir` was). */
export interface WrittenReport {
  lossPng: string;
  html: string;
  images: string[];
}

/**
 * Writes the loss chart (`loss.png`, one panel per stage) and a self-contained `report.html` (summary, the
 * same chart as inline SVG, the pictures) into `dir`, creating it if needed.
 *
 * ```ts
 * await writeReport('runs/x', {
 *   title: 'MNIST autoencoder',
 *   series: [{ name: 'autoencoder', lossName: 'MSE', records: ae.history.epochs }],
 *   summary: { 'test accuracy': 0.98 },
 * });
 * ```
 */
export async function writeReport(dir: string, options: WriteReportOptions): Promise<WrittenReport> {
  const spec = lossChartSpec(options.series, options.chart);
  const svg = await renderSvg(spec);
  const png = await renderPng(svg, options.png);
  await mkdir(dir, { recursive: true });
  const lossPng = join(dir, options.files?.lossPng ?? 'loss.png');
  const html = join(dir, options.files?.html ?? 'report.html');
  const images: string[] = [];
  for (const im of options.images ?? []) {
    if (im.file) {
      const file = join(dir, im.file);
      await writeFile(file, im.png);
      images.push(file);
    }
  }
  await writeFile(lossPng, png);
  await writeFile(
    html,
    reportHtml({
      title: options.title,
      ...(options.subtitle ? { subtitle: options.subtitle } : {}),
      ...(options.summary ? { summary: options.summary } : {}),
      charts: [{ title: 'Loss per epoch, one panel per stage', svg }],
      images: options.images ?? [],
    }),
  );
  return { lossPng, html, images };
}
