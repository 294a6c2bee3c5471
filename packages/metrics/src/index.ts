/**
 * `@layerwise/metrics` — scikit-learn's metrics with its names and numbers: classification scores,
 * confusion matrix and report, log loss, ROC AUC, regression errors, and scorers by scoring name.
 * `accuracyScore`, `meanSquaredError` and `r2Score` build on the implementations in `@layerwise/core`
 * (which the estimators' `score` uses), so there is one home for each computation.
 * @packageDocumentation
 */

export {
  type AccuracyOptions,
  type Average,
  accuracyScore,
  balancedAccuracyScore,
  type ConfusionMatrixOptions,
  confusionMatrix,
  f1Score,
  fbetaScore,
  type PrecisionRecallFscoreSupport,
  type PrecisionRecallOptions,
  precisionRecallFscoreSupport,
  precisionScore,
  recallScore,
} from './classification.js';
export {
  type ClassificationReportDict,
  type ClassificationReportOptions,
  classificationReport,
  formatFixed,
  type ReportRow,
} from './classificationReport.js';
export {
  getScorer,
  nearestNames,
  SCORING_NAMES,
  type ScorableEstimator,
  type Scorer,
  type Scoring,
} from './getScorer.js';
export type { ScoresLike } from './inputs.js';
export { type LogLossOptions, logLoss, type RocAucOptions, rocAucScore } from './probabilistic.js';
export { type MeanSquaredErrorOptions, meanAbsoluteError, meanSquaredError, r2Score } from './regression.js';
