import {
  type FeaturesLike,
  type InputKind,
  readTable,
  selectColumns,
  ValidationError,
} from '@layerwise/core';
import { type FileReader, readMatrix } from './base.js';

/** One category value: a number or a string. */
export type Category = number | string;

/** Input of the encoders: a numeric matrix, a table, or rows of numbers and strings (one type per column). */
export type CategoricalMatrix = FeaturesLike | (number | string)[][];

/** Categorical input read column by column. */
export interface Cells {
  columns: Category[][];
  rows: number;
  cols: number;
  kind: InputKind;
  f64: boolean;
  /** The table's column names (in the order read), or undefined for a matrix. */
  names: string[] | undefined;
}

/** Options of {@link readCategorical}. */
export interface ReadCategoricalOptions {
  where: string;
  expectedFeatures?: number;
  featureNames?: readonly string[];
}

/** The sorted unique values (numbers ascending, strings by code unit, as NumPy's `np.unique`). */
export function sortCategories(values: Category[]): Category[] {
  const u = [...new Set(values)];
  return typeof u[0] === 'number'
    ? (u as number[]).sort((a, b) => a - b)
    : (u as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads categorical input: a table (its columns by name, text columns too; reordered by `featureNames`), a
 * numeric matrix, or rows of numbers and strings (one type per column). Missing values, NaN, ragged rows and
 * mixed columns are ValidationErrors naming where.
 */
export function readCategorical(X: unknown, o: ReadCategoricalOptions): Cells {
  const { where } = o;
  const expected = o.expectedFeatures;
  let names: string[] | undefined;
  const table = readTable(X);
  if (table) {
    try {
      names = selectColumns(table, o.featureNames, 'X');
    } catch (e) {
      if (e instanceof ValidationError) throw new ValidationError(`${where}: ${e.message}`, { cause: e });
      throw e;
    }
    if (table.rows === 0) throw new ValidationError(`${where}: X (${table.source}) is empty (0 rows).`);
    const cols = names.map((n) => table.column(n));
    X = Array.from({ length: table.rows }, (_, r) =>
      cols.map((c) => {
        const v = c[r];
        return typeof v === 'bigint' ? Number(v) : v;
      }),
    );
  }
  const isCellArray =
    Array.isArray(X) &&
    X.length > 0 &&
    Array.isArray(X[0]) &&
    X.some((r) => Array.isArray(r) && r.some((v) => typeof v !== 'number'));
  if (!isCellArray) {
    const m = readMatrix(X, { where, ...(expected === undefined ? {} : { expectedFeatures: expected }) });
    const columns: Category[][] = Array.from({ length: m.cols }, () => new Array(m.rows));
    for (let i = 0; i < m.values.length; i++) columns[i % m.cols]![Math.floor(i / m.cols)] = m.values[i]!;
    return { columns, rows: m.rows, cols: m.cols, kind: m.kind, f64: m.f64, names };
  }
  const rowsArr = X as unknown[][];
  const cols = rowsArr[0]!.length;
  if (cols === 0) throw new ValidationError(`${where}: X has 0 features per row: pass at least one column.`);
  const columns: Category[][] = Array.from({ length: cols }, () => new Array(rowsArr.length));
  const types: string[] = new Array(cols);
  const label = (c: number) => (names ? `column ${c} (${JSON.stringify(names[c])})` : `column ${c}`);
  for (let r = 0; r < rowsArr.length; r++) {
    const row = rowsArr[r];
    if (!Array.isArray(row) || row.length !== cols) {
      throw new ValidationError(
        `${where}: X is ragged: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values but row 0 has ${cols}; every row needs the same number of features.`,
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) {
          throw new ValidationError(
            `${where}: X[${r}][${c}] (${label(c)}) is ${String(v)}: categories must be finite numbers or strings (impute missing values first).`,
          );
        }
      } else if (typeof v !== 'string') {
        throw new ValidationError(
          `${where}: X[${r}][${c}] (${label(c)}) is ${v === null || v === undefined ? 'missing (null)' : `a ${typeof v}`}, expected a number or a string (impute missing values first).`,
        );
      }
      types[c] ??= typeof v;
      if (typeof v !== types[c]) {
        throw new ValidationError(
          `${where}: ${label(c)} mixes numbers and strings (row ${r} is a ${typeof v}, row 0 a ${types[c]}): use one type per column.`,
        );
      }
      columns[c]![r] = v;
    }
  }
  if (expected !== undefined && cols !== expected) {
    throw new ValidationError(
      `${where}: X has ${cols} features per row, but the transformer was fitted with ${expected}: pass data with the same columns as at fit time.`,
    );
  }
  return { columns, rows: rowsArr.length, cols, kind: 'array', f64: false, names };
}

/** `state.categories` of a model file: one non-empty list of unique finite numbers or strings per feature. */
export function checkCategoryLists(file: FileReader, nFeatures: number): Category[][] {
  const c = file.state.categories;
  if (!Array.isArray(c) || c.length !== nFeatures)
    file.fail(`state.categories must be an array of ${nFeatures} category lists.`);
  (c as unknown[]).forEach((list, i) => {
    if (!Array.isArray(list) || list.length === 0)
      file.fail(`state.categories[${i}] must be a non-empty array.`);
    const t = typeof list[0];
    if (
      !(list as unknown[]).every(
        (v) =>
          (t === 'string' && typeof v === 'string') ||
          (t === 'number' && typeof v === 'number' && Number.isFinite(v)),
      ) ||
      new Set(list).size !== list.length
    ) {
      file.fail(`state.categories[${i}] must hold unique finite numbers or unique strings.`);
    }
  });
  return (c as Category[][]).map(sortCategories);
}
