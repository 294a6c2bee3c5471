import { ValidationError } from '@layerwise/core';
import { BaseSearchCV, type SearchOptions } from './BaseSearchCV.js';
import type { SearchEstimator } from './estimator.js';

/** Values to try per parameter name (nested: `clf__hiddenLayerSizes`). */
export type ParamGrid = Record<string, readonly unknown[]>;

function checkGrid(grids: readonly ParamGrid[], owner: string): void {
  for (const g of grids) {
    if (typeof g !== 'object' || g === null || Array.isArray(g)) {
      throw new ValidationError(
        `${owner}: paramGrid must be an object { name: [values…] } or an array of them.`,
      );
    }
    for (const [k, v] of Object.entries(g)) {
      if (!Array.isArray(v) || v.length === 0) {
        throw new ValidationError(
          `${owner}: paramGrid.${k} must be a non-empty array of values to try, got ${JSON.stringify(v)}.`,
        );
      }
    }
  }
}

/**
 * Every combination of a grid, in scikit-learn's `ParameterGrid` order (each grid in turn; names sorted;
 * the last name varies fastest).
 */
export function parameterGrid(paramGrid: ParamGrid | readonly ParamGrid[]): Record<string, unknown>[] {
  const grids = Array.isArray(paramGrid) ? (paramGrid as ParamGrid[]) : [paramGrid as ParamGrid];
  checkGrid(grids, 'parameterGrid');
  const out: Record<string, unknown>[] = [];
  for (const g of grids) {
    const keys = Object.keys(g).sort();
    let combos: Record<string, unknown>[] = [{}];
    for (const k of keys) combos = combos.flatMap((c) => g[k]!.map((v) => ({ ...c, [k]: v })));
    out.push(...combos);
  }
  return out;
}

/**
 * Exhaustive search over a parameter grid with cross-validation, scikit-learn's `GridSearchCV`. After
 * `fit`: `bestParams`, `bestScore`, `bestIndex`, `bestEstimator`, `cvResults`; `predict`, `predictProba`,
 * `transform` and `score` use the best estimator.
 *
 * ```ts
 * const search = new GridSearchCV(new MLPClassifier({ epochs: 5, randomState: 0 }),
 *   { hiddenLayerSizes: [[32], [64]], learningRate: [1e-3, 1e-2] }, { cv: 3, scoring: 'accuracy', nJobs: 2 });
 * await search.fit(X, y);
 * console.log(search.bestParams, search.bestScore);
 * ```
 */
export class GridSearchCV<E extends SearchEstimator = SearchEstimator> extends BaseSearchCV<E> {
  readonly paramGrid: ParamGrid | readonly ParamGrid[];

  constructor(estimator: E, paramGrid: ParamGrid | readonly ParamGrid[], options: SearchOptions = {}) {
    super(estimator, options, [], 'GridSearchCV');
    const grids = Array.isArray(paramGrid) ? (paramGrid as ParamGrid[]) : [paramGrid as ParamGrid];
    checkGrid(grids, 'GridSearchCV');
    this.paramGrid = paramGrid;
  }

  protected candidates(): Record<string, unknown>[] {
    return parameterGrid(this.paramGrid);
  }
}
