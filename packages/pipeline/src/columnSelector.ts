import { type TableColumns, ValidationError } from '@layerwise/core';

/** The kind of values a column holds, as {@link makeColumnSelector} sees it. */
export type ColumnDtype = 'number' | 'string' | 'boolean';

/** Options of {@link makeColumnSelector} (scikit-learn's `make_column_selector`). */
export interface ColumnSelectorOptions {
  /** Keep columns of these kinds: `'number'` (numbers, bigints), `'string'` (text), `'boolean'`. */
  dtypeInclude?: ColumnDtype | readonly ColumnDtype[];
  /** Drop columns of these kinds. */
  dtypeExclude?: ColumnDtype | readonly ColumnDtype[];
  /** Keep columns whose name matches this regular expression (searched anywhere in the name, like `re.search`). */
  pattern?: string;
}

const DTYPES: readonly ColumnDtype[] = ['number', 'string', 'boolean'];

function dtypeList(v: unknown, key: string): ColumnDtype[] | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  for (const d of list) {
    if (!DTYPES.includes(d as ColumnDtype)) {
      throw new ValidationError(
        `makeColumnSelector: ${key} must be one of ${DTYPES.map((x) => `'${x}'`).join(', ')} or an array of them, got ${JSON.stringify(d)}.`,
      );
    }
  }
  return list as ColumnDtype[];
}

/** The kind of values of a column: from its first non-missing value (typed arrays are numbers). */
export function columnDtype(values: ArrayLike<unknown>): ColumnDtype | 'unknown' {
  if (ArrayBuffer.isView(values)) return 'number';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'bigint') return 'number';
    if (typeof v === 'string') return 'string';
    if (typeof v === 'boolean') return 'boolean';
    return 'unknown';
  }
  return 'unknown';
}

/**
 * Picks a table's columns by the kind of values they hold and/or a name pattern (scikit-learn's
 * `make_column_selector`); give it as the columns of a {@link ColumnTransformer} entry. It is plain data
 * (it survives save/load and goes to `nJobs` workers).
 */
export class ColumnSelector {
  readonly dtypeInclude: readonly ColumnDtype[] | undefined;
  readonly dtypeExclude: readonly ColumnDtype[] | undefined;
  readonly pattern: string | undefined;
  readonly #regex: RegExp | undefined;

  constructor(options: ColumnSelectorOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError(
        "makeColumnSelector: options must be an object like { dtypeInclude: 'number' } or { pattern: '^temp' }.",
      );
    }
    const known = ['dtypeInclude', 'dtypeExclude', 'pattern'];
    const unknown = Object.keys(options).filter((k) => !known.includes(k));
    if (unknown.length > 0) {
      throw new ValidationError(
        `makeColumnSelector: unknown option "${unknown[0]}" (options: ${known.join(', ')}).`,
      );
    }
    this.dtypeInclude = dtypeList(options.dtypeInclude, 'dtypeInclude');
    this.dtypeExclude = dtypeList(options.dtypeExclude, 'dtypeExclude');
    if (options.pattern !== undefined) {
      if (typeof options.pattern !== 'string') {
        throw new ValidationError(
          `makeColumnSelector: pattern must be a regular expression as a string, got ${typeof options.pattern}.`,
        );
      }
      try {
        this.#regex = new RegExp(options.pattern);
      } catch (e) {
        throw new ValidationError(
          `makeColumnSelector: pattern ${JSON.stringify(options.pattern)} is not a valid regular expression (${(e as Error).message}).`,
          { cause: e },
        );
      }
    }
    this.pattern = options.pattern;
  }

  /** The names of the table's columns it selects, in the table's order. */
  select(table: Pick<TableColumns, 'names' | 'column'>): string[] {
    return table.names.filter((name) => {
      if (this.#regex && !this.#regex.test(name)) return false;
      if (!this.dtypeInclude && !this.dtypeExclude) return true;
      const d = columnDtype(table.column(name));
      if (this.dtypeInclude && !this.dtypeInclude.includes(d as ColumnDtype)) return false;
      if (this.dtypeExclude?.includes(d as ColumnDtype)) return false;
      return true;
    });
  }

  /** Plain data for model files and workers (the constructor's options). */
  toJSON(): ColumnSelectorOptions {
    return {
      ...(this.dtypeInclude ? { dtypeInclude: [...this.dtypeInclude] } : {}),
      ...(this.dtypeExclude ? { dtypeExclude: [...this.dtypeExclude] } : {}),
      ...(this.pattern !== undefined ? { pattern: this.pattern } : {}),
    };
  }
}

/**
 * scikit-learn's `make_column_selector`: a {@link ColumnSelector} picking a table's columns by kind and/or
 * name pattern, for {@link ColumnTransformer} / {@link makeColumnTransformer}.
 *
 * ```ts
 * makeColumnTransformer(
 *   [new StandardScaler(), makeColumnSelector({ dtypeInclude: 'number' })],
 *   [new OneHotEncoder(), makeColumnSelector({ dtypeInclude: 'string' })],
 * );
 * ```
 */
export function makeColumnSelector(options: ColumnSelectorOptions = {}): ColumnSelector {
  return new ColumnSelector(options);
}
