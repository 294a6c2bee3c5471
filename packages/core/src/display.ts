/**
 * Rich display in notebooks: Deno's Jupyter kernel (`deno jupyter`) shows any value with a
 * `[Symbol.for('Jupyter.display')]()` method as the MIME bundle it returns. Estimators, training histories and
 * charts of layerwise implement it with the helpers below: an HTML summary (kind, parameters, layers, fitted
 * state) and, once fitted, the loss per epoch as a Vega-Lite chart.
 */

/** The key Deno's Jupyter kernel looks up: `value[JUPYTER_DISPLAY]()` returns a {@link MimeBundle}. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** MIME type of a Vega-Lite v5 spec, rendered by JupyterLab, VS Code and Deno's kernel. */
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

/** What a display method returns: MIME type → content (`text/plain`, `text/html`, {@link VEGA_LITE_MIME}…). */
export type MimeBundle = Record<string, unknown>;

/** A training epoch as display reads it (the shape of `history.epochs[i]`). */
interface EpochLike {
  stage: string;
  layer?: number;
  epoch: number;
  loss: number;
  valLoss?: number;
}

interface HistoryLike {
  backend?: string;
  epochs: readonly EpochLike[];
}

interface LayerLike {
  name?: string;
  inputSize: number;
  units: number;
  activation?: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function isHistoryLike(x: unknown): x is HistoryLike {
  return typeof x === 'object' && x !== null && Array.isArray((x as HistoryLike).epochs);
}

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return `${v.name || 'function'}()`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    const name = (v as object).constructor?.name;
    if (name && name !== 'Object') return name;
    try {
      return JSON.stringify(v);
    } catch {
      return '{…}';
    }
  }
  return String(v);
}

function panelOf(e: EpochLike): string {
  return e.layer === undefined || e.layer === null ? e.stage : `${e.stage} layer ${e.layer + 1}`;
}

/**
 * A Vega-Lite v5 chart of the loss per epoch of a training history: one panel per stage (and per layer while
 * pretraining), each with its own axes, training loss solid, validation loss dashed. `undefined` when the
 * history has no finite loss. (`@layerwise/report`'s `lossChartSpec` draws the same data for files and pages.)
 */
export function lossChartDisplaySpec(history: unknown): Record<string, unknown> | undefined {
  if (!isHistoryLike(history)) return undefined;
  const values: { panel: string; order: number; epoch: number; series: string; loss: number }[] = [];
  let order = -1;
  let key: string | undefined;
  for (const e of history.epochs) {
    const k = panelOf(e);
    if (k !== key) {
      key = k;
      order++;
    }
    if (Number.isFinite(e.loss))
      values.push({ panel: k, order, epoch: e.epoch, series: 'training loss', loss: e.loss });
    if (e.valLoss !== undefined && Number.isFinite(e.valLoss)) {
      values.push({ panel: k, order, epoch: e.epoch, series: 'validation loss', loss: e.valLoss });
    }
  }
  if (values.length === 0) return undefined;
  const series = ['training loss', 'validation loss'];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { field: 'panel', type: 'nominal', sort: { field: 'order', op: 'min' }, header: { title: null } },
    columns: Math.min(3, order + 1),
    spec: {
      width: 260,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'loss', type: 'quantitative', scale: { zero: false } },
        color: {
          field: 'series',
          type: 'nominal',
          scale: { domain: series, range: ['#1f77b4', '#ff7f0e'] },
          legend: { title: null, orient: 'top' },
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
        },
        tooltip: [
          { field: 'panel', type: 'nominal' },
          { field: 'epoch', type: 'quantitative' },
          { field: 'series', type: 'nominal' },
          { field: 'loss', type: 'quantitative', format: '.5g' },
        ],
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

function historyRows(history: HistoryLike): { rows: string[]; text: string } {
  const epochs = history.epochs;
  const last = epochs.at(-1);
  const stages = [...new Set(epochs.map(panelOf))];
  const rows = [
    ['backend', history.backend ?? '—'],
    ['stages', stages.join(', ') || '—'],
    ['epochs', String(epochs.length)],
    ['final loss', last ? show(last.loss) : '—'],
    ...(last?.valLoss !== undefined ? [['final validation loss', show(last.valLoss)]] : []),
  ];
  return {
    rows: rows.map(([k, v]) => `<tr><th>${esc(k!)}</th><td>${esc(v!)}</td></tr>`),
    text: `${epochs.length} epochs (${stages.join(', ')})${last ? `, final loss ${show(last.loss)}` : ''}`,
  };
}

/** The MIME bundle of a training history (`estimator.history`): a summary table and its loss chart. */
export function historyDisplay(history: unknown): MimeBundle {
  if (!isHistoryLike(history)) return { 'text/plain': String(history) };
  const { rows, text } = historyRows(history);
  const bundle: MimeBundle = {
    'text/plain': `TrainingHistory: ${text}`,
    'text/html': `<div class="layerwise-history"><strong>Training history</strong><table>${rows.join('')}</table></div>`,
  };
  const chart = lossChartDisplaySpec(history);
  if (chart) bundle[VEGA_LITE_MIME] = chart;
  return bundle;
}

/** Layer widths of an estimator: its `layers` (Dense layers), else `nFeaturesIn` → `hiddenLayerSizes`. */
function layersOf(e: Record<string, unknown>, params: Record<string, unknown>): string | undefined {
  let layers: readonly LayerLike[] | undefined;
  try {
    layers = e.layers as readonly LayerLike[] | undefined;
  } catch {
    layers = undefined; // a getter that throws before fit
  }
  try {
    if (Array.isArray(layers) && layers.length > 0 && typeof layers[0]?.units === 'number') {
      return layers
        .map(
          (l, i) =>
            `${i === 0 ? `${l.inputSize} → ` : ''}${l.units}${l.activation ? ` (${l.activation})` : ''}`,
        )
        .join(' → ');
    }
    const hidden = params.hiddenLayerSizes;
    if (Array.isArray(hidden)) {
      const n = e.isFitted === true && typeof e.nFeaturesIn === 'number' ? `${e.nFeaturesIn} → ` : '';
      return `${n}${hidden.join(' → ')}`;
    }
  } catch {
    // a getter that throws before fit: nothing to show
  }
  return undefined;
}

/** The parameters of a default-constructed estimator of the same class, or `undefined` if it needs arguments. */
function defaultParamsOf(estimator: object): Record<string, unknown> | undefined {
  try {
    const Ctor = estimator.constructor as new () => { getParams?: () => Record<string, unknown> };
    const fresh = new Ctor();
    return typeof fresh.getParams === 'function' ? fresh.getParams() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The MIME bundle of an estimator, fitted or not: an HTML table with its kind (class name), fitted state,
 * layer widths, feature count, classes and every hyper-parameter, plus the loss chart of its last fit
 * ({@link lossChartDisplaySpec}) when it has a history. Estimators call it from
 * `[Symbol.for('Jupyter.display')]()`, so a notebook cell ending in an estimator shows this.
 */
export function estimatorDisplay(estimator: object): MimeBundle {
  const e = estimator as Record<string, unknown>;
  const kind = estimator.constructor?.name ?? 'Estimator';
  const read = (key: string): unknown => {
    try {
      return e[key];
    } catch {
      return undefined;
    }
  };
  let params: Record<string, unknown> = {};
  try {
    if (typeof e.getParams === 'function') params = (e.getParams as () => Record<string, unknown>)() ?? {};
  } catch {
    params = {};
  }
  const fitted = read('isFitted') === true;
  const facts: [string, string][] = [['fitted', fitted ? 'yes' : 'no']];
  const layers = layersOf(e, params);
  if (layers) facts.push(['layers', layers]);
  if (fitted) {
    const nFeatures = read('nFeaturesIn');
    if (typeof nFeatures === 'number') facts.push(['features in', String(nFeatures)]);
    const classes = read('classes');
    if (Array.isArray(classes)) facts.push(['classes', show(classes)]);
  }
  const history = fitted ? read('history') : undefined;
  if (isHistoryLike(history)) {
    const last = history.epochs.at(-1);
    facts.push(['backend', history.backend ?? '—'], ['epochs', String(history.epochs.length)]);
    if (last) facts.push(['final loss', show(last.loss)]);
  }
  // nested `step__param` keys (Pipeline, searches) repeat what the steps show; changed values first, in bold
  const own = Object.entries(params).filter(([k, v]) => v !== undefined && !k.includes('__'));
  const defaults = defaultParamsOf(estimator);
  const changed = (k: string, v: unknown): boolean => !defaults || show(defaults[k]) !== show(v);
  const paramRows = [...own.filter(([k, v]) => changed(k, v)), ...own.filter(([k, v]) => !changed(k, v))].map(
    ([k, v]) =>
      changed(k, v) && defaults
        ? `<tr><th><strong>${esc(k)}</strong></th><td><code><strong>${esc(show(v))}</strong></code></td></tr>`
        : `<tr><th>${esc(k)}</th><td><code>${esc(show(v))}</code></td></tr>`,
  );
  const html =
    `<div class="layerwise-estimator"><strong>${esc(kind)}</strong>` +
    `<table>${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>` +
    (paramRows.length
      ? `<details><summary>parameters</summary><table>${paramRows.join('')}</table></details>`
      : '') +
    '</div>';
  // like scikit-learn's repr: only the parameters that differ from the defaults
  const shown = own.filter(([k, v]) => changed(k, v)).map(([k, v]) => `${k}=${show(v)}`);
  const bundle: MimeBundle = {
    'text/plain': `${kind}(${shown.join(', ')})${fitted ? ' [fitted]' : ''}`,
    'text/html': html,
  };
  const chart = isHistoryLike(history) ? lossChartDisplaySpec(history) : undefined;
  if (chart) bundle[VEGA_LITE_MIME] = chart;
  return bundle;
}

/**
 * Gives `target` a non-enumerable `[Symbol.for('Jupyter.display')]` method returning `display(target)` (JSON,
 * structured clones and equality checks ignore it). For plain objects such as training histories. Returns
 * `target`.
 */
export function withJupyterDisplay<T extends object>(target: T, display: (value: T) => MimeBundle): T {
  if (!Object.isExtensible(target) || Object.hasOwn(target, JUPYTER_DISPLAY)) return target;
  Object.defineProperty(target, JUPYTER_DISPLAY, {
    value(this: T) {
      return display(this);
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return target;
}
