/**
 * `@layerwise/pipeline` — scikit-learn's `Pipeline` and `makePipeline` for layerwise estimators: chain
 * transformers and a final estimator, tune them with nested `'<step>__<param>'` parameters, and save/load
 * the whole chain in layerwise's safe model format; `ColumnTransformer`, `makeColumnTransformer` and
 * `makeColumnSelector` send each group of a table's columns through its own transformer.
 * @packageDocumentation
 */
export {
  COLUMN_TRANSFORMER_KIND,
  type ColumnSelection,
  ColumnTransformer,
  type ColumnTransformerEntry,
  type ColumnTransformerGetParamsOptions,
  type ColumnTransformerOptions,
  type ColumnTransformerStep,
  columnTransformerKind,
  makeColumnTransformer,
} from './ColumnTransformer.js';
export {
  type ColumnDtype,
  ColumnSelector,
  type ColumnSelectorOptions,
  makeColumnSelector,
} from './columnSelector.js';
export { makePipeline, nameSteps } from './makePipeline.js';
export {
  type GetParamsOptions,
  PIPELINE_KIND,
  Pipeline,
  type PipelineFitOptions,
  type PipelineLoadOptions,
  type PipelineStep,
  type Step,
  type StepLoader,
} from './Pipeline.js';
export { type PipelineWorkerKind, pipelineKind, pipelineWorkerKind } from './workerKind.js';
