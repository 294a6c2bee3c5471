/**
 * `@layerwise/preprocessing` — scikit-learn's preprocessing on layerwise's inputs: scalers
 * (`StandardScaler`, `MinMaxScaler`, `MaxAbsScaler`, `RobustScaler`, `Normalizer`), encoders
 * (`OneHotEncoder`, `OrdinalEncoder`, `LabelEncoder`), `SimpleImputer` and `PCA`. Each has `fit`, `transform`,
 * `fitTransform`, `inverseTransform` where defined, `getParams`/`setParams`/`clone` and `save`/`load` in
 * layerwise's safe model format. These are pure computations: the methods are synchronous.
 * @packageDocumentation
 */
export {
  BaseTransformer,
  type FittedData,
  type ReadMatrix,
  type ReadMatrixOptions,
  readMatrix,
  toOutput,
} from './base.js';
export { LabelEncoder, type LabelEncoderParams } from './LabelEncoder.js';
export {
  PREPROCESSING_CLASSES,
  PREPROCESSING_KINDS,
  PREPROCESSING_LOADERS,
  type PreprocessingTransformer,
} from './loaders.js';
export { MaxAbsScaler, type MaxAbsScalerParams } from './MaxAbsScaler.js';
export { MinMaxScaler, type MinMaxScalerParams } from './MinMaxScaler.js';
export { Normalizer, type NormalizerParams } from './Normalizer.js';
export {
  type CategoricalMatrix,
  type Category,
  OneHotEncoder,
  type OneHotEncoderParams,
} from './OneHotEncoder.js';
export { OrdinalEncoder, type OrdinalEncoderParams } from './OrdinalEncoder.js';
export { PCA, type PCAParams } from './PCA.js';
export { RobustScaler, type RobustScalerParams } from './RobustScaler.js';
export { type ImputeStrategy, SimpleImputer, type SimpleImputerParams } from './SimpleImputer.js';
export { StandardScaler, type StandardScalerParams } from './StandardScaler.js';
export { preprocessingWorkerKind, type TransformerWorkerKind } from './workerKind.js';
