/**
 * `@layerwise/pipeline` — scikit-learn's `Pipeline` and `makePipeline` for layerwise estimators: chain
 * transformers and a final estimator, tune them with nested `'<step>__<param>'` parameters, and save/load
 * the whole chain in layerwise's safe model format.
 * @packageDocumentation
 */
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
