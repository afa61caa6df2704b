/**
 * The four classifiers of the paper's train-on-synthetic / test-on-real
 * evaluation, with scikit-learn's default settings, behind one interface.
 */
export { accuracy, countCorrect, modelWeights, type Classifier, type FeatureMatrix } from './types';
export { RandomForest, type RandomForestOptions } from './forest';
export { LogisticRegression, type LogisticRegressionOptions } from './logistic';
export { LinearSvm, type LinearSvmOptions } from './linear-svm';
export { KNearestNeighbors, type KNearestNeighborsOptions } from './knn';

import type { Seed } from '../../random';
import { KNearestNeighbors } from './knn';
import { LinearSvm } from './linear-svm';
import { LogisticRegression } from './logistic';
import { RandomForest } from './forest';
import type { Classifier } from './types';

/** Names of the classifiers of the paper. */
export const CLASSIFIER_NAMES = ['forest', 'logistic', 'svm', 'knn'] as const;
export type ClassifierName = (typeof CLASSIFIER_NAMES)[number];

/**
 * A fresh, unfitted classifier with its default (paper) settings; `seed`
 * feeds the random ones (forest, svm).
 */
export function createClassifier(name: ClassifierName, seed: Seed = 0): Classifier {
  switch (name) {
    case 'forest':
      return new RandomForest({ seed });
    case 'logistic':
      return new LogisticRegression();
    case 'svm':
      return new LinearSvm({ seed });
    case 'knn':
      return new KNearestNeighbors();
    default:
      throw new RangeError(`createClassifier: unknown classifier "${String(name)}", expected one of ${CLASSIFIER_NAMES.join(', ')}`);
  }
}
