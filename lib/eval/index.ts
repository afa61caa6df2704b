/**
 * Evaluation of synthetic cohorts: train-on-synthetic / test-on-real
 * classifiers, fidelity statistics, and the (private) choice of epochs.
 */
export {
  accuracy,
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
} from './classifiers';
export {
  armVisitMedians,
  averageRanks,
  correlationMatrix,
  correlationStructureAgreement,
  fidelityReport,
  lowerTriangle,
  measureMeans,
  median,
  pearson,
  spearman,
  type FidelityReport,
  type LabelledPatients,
  type SpearmanOptions,
} from './fidelity';
export {
  argmax,
  composeWithTraining,
  noisyTopK,
  nonPrivateSelection,
  pureDpRdp,
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
