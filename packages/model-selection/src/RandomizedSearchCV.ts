import { Rng, ValidationError } from '@layerwise/core';
import { BaseSearchCV, type SearchOptions } from './BaseSearchCV.js';
import { type Distribution, isDistribution } from './distributions.js';
import type { SearchEstimator } from './estimator.js';
import { parameterGrid } from './GridSearchCV.js';

/** Per parameter name: a distribution (`uniform`, `logUniform`, `randInt`, `choice`) or an array (equally likely values). */
export type ParamDistributions = Record<string, Distribution | readonly unknown[]>;

/** Options of {@link RandomizedSearchCV}. */
export interface RandomizedSearchOptions extends SearchOptions {
  /** Number of candidates sampled. Default 10. */
  nIter?: number;
  /** Seed of the sampling (the folds' shuffling is the splitter's own). */
  randomState?: number | null;
}

/**
 * scikit-learn's `ParameterSampler`: when every value is an array, `nIter` distinct grid points (all of them
 * if the grid is smaller); otherwise `nIter` independent draws, names in sorted order.
 */
export function parameterSampler(
  distributions: ParamDistributions | readonly ParamDistributions[],
  nIter: number,
  randomState: number | null | undefined,
): Record<string, unknown>[] {
  const list = Array.isArray(distributions)
    ? (distributions as ParamDistributions[])
    : [distributions as ParamDistributions];
  for (const d of list) {
    if (typeof d !== 'object' || d === null) {
      throw new ValidationError(
        'RandomizedSearchCV: distributions must be an object { name: distribution | values }.',
      );
    }
    for (const [k, v] of Object.entries(d)) {
      if (!isDistribution(v) && !(Array.isArray(v) && v.length > 0)) {
        throw new ValidationError(
          `RandomizedSearchCV: distributions.${k} must be a distribution (uniform, logUniform, randInt, choice) or a non-empty array.`,
        );
      }
    }
  }
  const rng = new Rng(randomState ?? undefined);
  const allLists = list.every((d) => Object.values(d).every((v) => Array.isArray(v)));
  if (allLists) {
    const grid = parameterGrid(list as Record<string, unknown[]>[]);
    if (grid.length <= nIter) return grid;
    const pick = rng.permutation(grid.length).slice(0, nIter);
    return Array.from(pick, (i) => grid[i]!);
  }
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < nIter; i++) {
    const d = list[list.length === 1 ? 0 : rng.int(list.length)]!;
    const params: Record<string, unknown> = {};
    for (const k of Object.keys(d).sort()) {
      const v = d[k]!;
      params[k] = isDistribution(v) ? v.rvs(rng) : (v as unknown[])[rng.int((v as unknown[]).length)];
    }
    out.push(params);
  }
  return out;
}

/**
 * Search over sampled parameter settings with cross-validation, scikit-learn's `RandomizedSearchCV`;
 * the same fitted attributes and delegation as {@link GridSearchCV}.
 *
 * ```ts
 * const search = new RandomizedSearchCV(new MLPClassifier({ epochs: 5, randomState: 0 }),
 *   { learningRate: logUniform(1e-4, 1e-1), hiddenLayerSizes: [[32], [64]] }, { nIter: 8, randomState: 0 });
 * ```
 */
export class RandomizedSearchCV<E extends SearchEstimator = SearchEstimator> extends BaseSearchCV<E> {
  readonly paramDistributions: ParamDistributions | readonly ParamDistributions[];
  readonly nIter: number;
  readonly randomState: number | null;

  constructor(
    estimator: E,
    paramDistributions: ParamDistributions | readonly ParamDistributions[],
    options: RandomizedSearchOptions = {},
  ) {
    super(estimator, options, ['nIter', 'randomState'], 'RandomizedSearchCV');
    const nIter = options.nIter ?? 10;
    if (!Number.isInteger(nIter) || nIter < 1) {
      throw new ValidationError(`RandomizedSearchCV: nIter must be an integer ≥ 1, got ${String(nIter)}.`);
    }
    const rs = options.randomState ?? null;
    if (rs !== null && !Number.isInteger(rs)) {
      throw new ValidationError(
        `RandomizedSearchCV: randomState must be an integer or null, got ${String(rs)}.`,
      );
    }
    this.paramDistributions = paramDistributions;
    this.nIter = nIter;
    this.randomState = rs;
    parameterSampler(paramDistributions, 1, 0); // validates now
  }

  protected candidates(): Record<string, unknown>[] {
    return parameterSampler(this.paramDistributions, this.nIter, this.randomState);
  }
}
