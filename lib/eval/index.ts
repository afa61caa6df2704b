/**
 * Evaluation of synthetic cohorts: train-on-synthetic / test-on-real
 * classifiers, fidelity statistics, and the (private) choice of epochs.
 *
 * - classifiers/  forest, logistic regression, linear SVM, kNN (one interface)
 * - fidelity.ts   means, medians, correlation structure, Spearman
 * - selection.ts  report-noisy-max (the mechanism and its cost formula)
 * - units.ts      raw units; generated values truncated + clipped as the original
 * - score.ts      per-epoch train-on-synthetic / test-on-real scores (scores.json)
 * - epochs.ts     best / top-k / last / private epoch choices; the release ledger
 * - runs.ts       the same over any run folder, through lib/generators' interface
 * - transfer.ts   the transfer table (real vs non-private vs private) + fidelity, on the holdout and a large test set
 * - transfer-cache.ts  the table saved with a fingerprint and reused (03 computes, 05 reads)
 * - utility-curve.ts  the privacy–utility curve's committed result file (06 draws it)
 * - display.ts    HTML and text tables
 * - audit/        membership-inference audit of a release (its own surface: lib/eval/audit/index.ts)
 */
export {
  accuracy,
  countCorrect,
  modelWeights,
  createClassifier,
  CLASSIFIER_NAMES,
  KNearestNeighbors,
  LinearSvm,
  LogisticRegression,
  RandomForest,
  type Classifier,
  type ClassifierName,
  type FeatureMatrix,
  type KNearestNeighborsOptions,
  type LinearSvmOptions,
  type LogisticRegressionOptions,
  type RandomForestOptions,
} from './classifiers/index';
export {
  armVisitMedians,
  averageRanks,
  correlationMatrix,
  correlationStructureAgreement,
  fidelityReport,
  lowerTriangle,
  measureMeans,
  withinArmSpread,
  median,
  pearson,
  spearman,
  type FidelityReport,
  type LabelledPatients,
  type SpearmanOptions,
} from './fidelity';
export {
  argmax,
  noisyTopK,
  nonPrivateSelection,
  reportNoisyMaxScale,
  sampleLaplace,
  selectionEpsilon,
  topK,
  type EpochScores,
  type NeighbouringRelation,
  type NoisyTopK,
  type NoisyTopKOptions,
  type NonPrivateSelection,
} from './selection';
export { realFeatures, syntheticFeatures, type SyntheticRounding } from './units';
export { cohortFingerprint } from '../data/cohort';
export {
  epochSampleSeed,
  readScoreFile,
  scoreEpochs,
  scoreProgressBar,
  scoreProgressLine,
  scoreSynthetic,
  ScoreSettingsError,
  type EpochScore,
  type SampleEpoch,
  type ScoreEpochsOptions,
  type ScoreFile,
  type ScoreProgress,
  type ScoreSettings,
} from './score';
export {
  addSelection,
  chooseEpochs,
  releaseLedger,
  selectionEntryName,
  topEpochs,
  type ChooseEpochsOptions,
  type EpochChoice,
  type NonPrivateEpochs,
  type PrivateEpochs,
  type ScoreMethod,
} from './epochs';
export {
  readRun,
  readRunScores,
  runLedger,
  runSampler,
  scoreRun,
  SCORES_FILE,
  type RunSummary,
  type ScoreRunOptions,
} from './runs';
export {
  armSeparability,
  meanSd,
  repeatRows,
  transferCell,
  transferTable,
  TRANSFER_SOURCES,
  type SyntheticSource,
  type TransferCell,
  type TransferFidelity,
  type TransferOptions,
  type TransferSource,
  type TransferTable,
  type LargeTestScores,
} from './transfer';
export { readUtilityCurve, utilityCurvePoints, UTILITY_CLASSIFIERS, type UtilityCurve, type UtilityCurvePoint, type UtilityCurveRow, type UtilityClassifier } from './utility-curve';
export { cachedTransferTable, transferFingerprint, serializeTransferTable, parseTransferTable, evalCodeFingerprint } from './transfer-cache';
export {
  CLASSIFIER_LABELS,
  fidelityHtml,
  fidelityJson,
  fidelityText,
  scoreTableHtml,
  scoreTableText,
  selectionHtml,
  selectionText,
  SOURCE_NAMES,
  transferTableHtml,
  transferTableText,
  unconvergedNote,
  type TransferTestSet,
} from './display';
