import { ValidationError } from '@layerwise/core';
import type { TopLevelSpec } from 'vega-lite';

/**
 * One epoch of one training stage — the shape of an estimator's `history.epochs[i]` (`EpochRecord` in
 * `@layerwise/nn`) and of a training log's epoch event. Only these fields are read.
 */
export interface LossRecord {
  /** `'pretrain'`, `'finetune'` or `'train'` (any string is drawn as its own stage). */
  stage: string;
  /** 0-based layer while pretraining (drawn as "layer k+1"). */
  layer?: number;
  /** 1-based epoch within the stage. */
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** Validation loss of the epoch, when the fit had validation data. */
  valLoss?: number;
}

/** The epochs of one estimator, named for the panel titles (`'autoencoder'`, `'classifier'`…). */
export interface LossSeries {
  /** Prefix of this estimator's panel titles, e.g. `'autoencoder'`. Default none. */
  name?: string;
  /** What its loss is, shown in the panel titles, e.g. `'MSE'`, `'cross-entropy'`. Default none. */
  lossName?: string;
  /** Its epochs in training order (`estimator.history.epochs`). */
  records: readonly LossRecord[];
}

/** One point of the chart's data (the rows of the Vega-Lite data source named {@link LOSS_DATA}). */
export interface LossChartRow {
  /** Panel title: estimator, stage, layer and loss name. */
  panel: string;
  /** Panel position (0-based, in training order): panels are sorted by it. */
  order: number;
  stage: string;
  layer: number | null;
  epoch: number;
  /** {@link TRAINING_SERIES} or {@link VALIDATION_SERIES}. */
  series: string;
  loss: number;
}

/** Options of {@link lossChartSpec}. */
export interface LossChartOptions {
  /** Chart title. Default none. */
  title?: string;
  /** Panels per row. Default `min(3, panels)`. */
  columns?: number;
  /** Width of one panel in pixels. Default 300. */
  width?: number;
  /** Height of one panel in pixels. Default 190. */
  height?: number;
}

/** Name of the Vega data source holding the {@link LossChartRow}s (for `view.change(LOSS_DATA, …)`). */
export const LOSS_DATA = 'loss';
/** Legend label of the training loss (solid line). */
export const TRAINING_SERIES = 'training loss';
/** Legend label of the validation loss (dashed line). */
export const VALIDATION_SERIES = 'validation loss';
/** Colours of the two series (Tableau blue and orange). */
export const SERIES_COLORS: Readonly<Record<string, string>> = {
  [TRAINING_SERIES]: '#1f77b4',
  [VALIDATION_SERIES]: '#ff7f0e',
};
/** Fonts asked for by the chart; the first one installed is used (browsers and resvg alike). */
export const CHART_FONT = 'Helvetica, Arial, "DejaVu Sans", "Liberation Sans", sans-serif';

function isSeriesList(input: readonly LossRecord[] | readonly LossSeries[]): input is readonly LossSeries[] {
  return input.length > 0 && typeof input[0] === 'object' && input[0] !== null && 'records' in input[0];
}

function stageName(r: LossRecord): string {
  return r.layer === undefined || r.layer === null ? r.stage : `${r.stage} layer ${r.layer + 1}`;
}

/**
 * Turns training histories into chart rows: one panel per stage (and per layer while pretraining), in
 * training order, with a training-loss point and (when there is one) a validation-loss point per epoch.
 * Non-finite losses are left out (a diverged epoch leaves a gap, not a broken axis).
 *
 * ```ts
 * const rows = lossChartRows([{ name: 'autoencoder', lossName: 'MSE', records: ae.history.epochs }]);
 * ```
 */
export function lossChartRows(input: readonly LossRecord[] | readonly LossSeries[]): LossChartRow[] {
  const series: readonly LossSeries[] = isSeriesList(input)
    ? input
    : [{ records: input as readonly LossRecord[] }];
  const rows: LossChartRow[] = [];
  let order = -1;
  for (const s of series) {
    if (!s || !Array.isArray(s.records)) {
      throw new ValidationError(
        'lossChartRows: each series needs a records array (estimator.history.epochs).',
      );
    }
    let key: string | undefined;
    let panel = '';
    for (const r of s.records) {
      if (!r || typeof r.stage !== 'string' || !Number.isFinite(r.epoch)) {
        throw new ValidationError(
          'lossChartRows: each record needs a stage (string) and an epoch (number), like history.epochs.',
        );
      }
      const k = `${r.stage}:${r.layer ?? ''}`;
      if (k !== key) {
        key = k;
        order++;
        const title = [s.name, stageName(r)].filter(Boolean).join(' · ');
        panel = s.lossName ? `${title} (${s.lossName})` : title;
      }
      const base = { panel, order, stage: r.stage, layer: r.layer ?? null, epoch: r.epoch };
      if (Number.isFinite(r.loss)) rows.push({ ...base, series: TRAINING_SERIES, loss: r.loss });
      if (r.valLoss !== undefined && Number.isFinite(r.valLoss)) {
        rows.push({ ...base, series: VALIDATION_SERIES, loss: r.valLoss });
      }
    }
  }
  return rows;
}

/**
 * A declarative Vega-Lite chart of loss per epoch: one panel per stage (pretraining of each layer,
 * fine-tuning, classifier training), each with its own axes — reconstruction MSE and cross-entropy live on
 * different scales — training loss solid blue, validation loss dashed orange, one legend.
 *
 * Render it with {@link renderSvg} (anywhere), `renderPng` from `@layerwise/report/node`, or any Vega-Lite
 * runtime (vega-embed in a page). The rows sit in the data source named {@link LOSS_DATA}, so a live chart
 * can add epochs with `view.change(LOSS_DATA, vega.changeset().insert(rows))`.
 *
 * ```ts
 * const spec = lossChartSpec([
 *   { name: 'autoencoder', lossName: 'MSE', records: ae.history.epochs },
 *   { name: 'classifier', lossName: 'cross-entropy', records: clf.history.epochs },
 * ]);
 * ```
 */
export function lossChartSpec(
  input: readonly LossRecord[] | readonly LossSeries[],
  options: LossChartOptions = {},
): TopLevelSpec {
  const rows = lossChartRows(input);
  const panels = new Set(rows.map((r) => r.panel)).size;
  const columns = options.columns ?? Math.max(1, Math.min(3, panels));
  if (!Number.isInteger(columns) || columns < 1) {
    throw new ValidationError(
      `lossChartSpec: columns must be a positive integer, got ${String(options.columns)}.`,
    );
  }
  const series = [TRAINING_SERIES, VALIDATION_SERIES];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: { text: options.title, fontSize: 16, anchor: 'start' } } : {}),
    background: 'white',
    padding: 12,
    data: { name: LOSS_DATA, values: rows },
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: { field: 'order', op: 'min' },
      header: { title: null, labelFontSize: 14, labelFontWeight: 'bold', labelPadding: 6 },
    },
    columns,
    spec: {
      width: options.width ?? 300,
      height: options.height ?? 190,
      mark: { type: 'line', point: { size: 36, filled: true }, strokeWidth: 2 },
      encoding: {
        x: {
          field: 'epoch',
          type: 'quantitative',
          title: 'epoch',
          scale: { nice: false, zero: false, padding: 10 },
          axis: { tickMinStep: 1, format: 'd', grid: true },
        },
        y: {
          field: 'loss',
          type: 'quantitative',
          title: 'loss',
          scale: { zero: false, padding: 8 },
          axis: { format: '.4~g', tickCount: 5 },
        },
        color: {
          field: 'series',
          type: 'nominal',
          scale: { domain: series, range: series.map((s) => SERIES_COLORS[s]!) },
          legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'stroke' },
        },
        strokeDash: {
          field: 'series',
          type: 'nominal',
          scale: {
            domain: series,
            range: [
              [1, 0],
              [6, 4],
            ],
          },
          legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'stroke' },
        },
        tooltip: [
          { field: 'panel', type: 'nominal' },
          { field: 'epoch', type: 'quantitative' },
          { field: 'series', type: 'nominal' },
          { field: 'loss', type: 'quantitative', format: '.5g' },
        ],
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' }, axis: { x: 'independent', y: 'independent' } },
    config: {
      font: CHART_FONT,
      axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e4e4e4' },
      legend: { labelFontSize: 13, symbolStrokeWidth: 2.5, symbolSize: 400 },
      view: { stroke: '#bbbbbb' },
    },
  };
  return spec;
}
