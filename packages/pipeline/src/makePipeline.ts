import { Pipeline, type PipelineStep, type Step } from './Pipeline.js';

/**
 * Names for unnamed steps as scikit-learn's `make_pipeline` gives them: the lowercased class name, with
 * `-1`, `-2`, … appended when a name occurs more than once.
 */
export function nameSteps(estimators: ReadonlyArray<PipelineStep | 'passthrough'>): Step[] {
  const names = estimators.map((e) =>
    e === 'passthrough' ? 'passthrough' : e.constructor.name.toLowerCase(),
  );
  const total = new Map<string, number>();
  for (const n of names) total.set(n, (total.get(n) ?? 0) + 1);
  const seen = new Map<string, number>();
  return estimators.map((e, i) => {
    const n = names[i]!;
    if (total.get(n)! === 1) return [n, e];
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return [`${n}-${k}`, e];
  });
}

/**
 * A {@link Pipeline} whose step names are made from the class names (scikit-learn's `make_pipeline`):
 *
 * ```ts
 * const pipe = makePipeline(new StandardScaler(), new MLPClassifier());
 * Object.keys(pipe.namedSteps); // ['standardscaler', 'mlpclassifier']
 * ```
 */
export function makePipeline(...estimators: Array<PipelineStep | 'passthrough'>): Pipeline {
  return new Pipeline(nameSteps(estimators));
}
