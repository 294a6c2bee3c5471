/**
 * `@layerwise/report` — training charts from a declarative Vega-Lite spec: {@link lossChartSpec} (one
 * panel per stage) from estimators' `history.epochs`, {@link renderSvg} (headless, offline), and
 * {@link reportHtml} (a self-contained page). This entry runs anywhere, browsers included; PNG output and
 * file writing are in `@layerwise/report/node`.
 * @packageDocumentation
 */
export {
  CHART_FONT,
  LOSS_DATA,
  type LossChartOptions,
  type LossChartRow,
  type LossRecord,
  type LossSeries,
  lossChartRows,
  lossChartSpec,
  SERIES_COLORS,
  TRAINING_SERIES,
  VALIDATION_SERIES,
} from './lossChartSpec.js';
export { renderSvg } from './renderSvg.js';
export {
  escapeHtml,
  type ReportChart,
  type ReportContent,
  type ReportImage,
  reportHtml,
  type SummaryValue,
  toBase64,
} from './reportHtml.js';
