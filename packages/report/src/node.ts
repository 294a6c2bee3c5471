/**
 * `@layerwise/report/node` — the Node-only half of `@layerwise/report`: {@link renderPng} (resvg),
 * {@link reconstructionGrid} (PNG of images above their reconstructions) and {@link writeReport}
 * (`loss.png` + `report.html` into a folder). Re-exports the browser-safe entry too.
 * @packageDocumentation
 */
export * from './index.js';
export { type ReconstructionGridOptions, reconstructionGrid } from './reconstructionGrid.js';
export { type RenderPngOptions, renderPng } from './renderPng.js';
export { type WriteReportOptions, type WrittenReport, writeReport } from './writeReport.js';
