/**
 * The one small interface every classifier of the evaluation implements.
 *
 * Matrices are flat, row-major typed arrays (`X[row * nCols + col]`), the
 * layout of `Cohort.x` (lib/data/cohort.ts: 36 features per patient, measure
 * major then visit), so a cohort goes in without copying. Labels are 0/1 in a
 * `Uint8Array` (the treatment arm). Everything random takes an explicit seed.
 */

/** A row-major feature matrix. */
export type FeatureMatrix = Float32Array | Float64Array;

/** A binary classifier with scikit-learn-like semantics. */
export interface Classifier {
  /** Short name for tables ("forest", "logistic", "svm", "knn"). */
  readonly name: string;
  /**
   * Fits on `nRows` examples of `nCols` features. `y` holds 0/1 labels.
   * Returns `this`. Throws a RangeError on inconsistent shapes, labels other
   * than 0/1, or non-finite features.
   */
  fit(X: FeatureMatrix, nRows: number, nCols: number, y: Uint8Array): this;
  /** Predicted labels (0/1) for `nRows` rows with the fitted number of columns. */
  predict(X: FeatureMatrix, nRows: number): Uint8Array;
  /**
   * Score for class 1 per row, in [0, 1]. A probability for the forest,
   * logistic regression and kNN; for the linear SVM an uncalibrated
   * sigmoid of the decision value (see LinearSvm).
   */
  predictProba(X: FeatureMatrix, nRows: number): Float64Array;
  /**
   * Iterative solvers (logistic regression, linear SVM): false when the last
   * fit stopped at its iteration limit before meeting its tolerance, so the
   * model is an approximation that can move with the seed and the limit
   * (scikit-learn's ConvergenceWarning). Absent for the others.
   */
  readonly converged?: boolean;
}

/** Number of equal entries of `predicted` and `truth` (the correct predictions). */
export function countCorrect(truth: Uint8Array, predicted: Uint8Array): number {
  if (truth.length !== predicted.length) {
    throw new RangeError(`countCorrect: ${truth.length} true labels but ${predicted.length} predictions`);
  }
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++;
  return correct;
}

/** Fraction of equal entries: accuracy of `predicted` against `truth`. */
export function accuracy(truth: Uint8Array, predicted: Uint8Array): number {
  if (truth.length !== predicted.length) {
    throw new RangeError(`accuracy: ${truth.length} true labels but ${predicted.length} predictions`);
  }
  if (truth.length === 0) throw new RangeError('accuracy: no labels');
  return countCorrect(truth, predicted) / truth.length;
}

/**
 * What a fitted model learned, one value per feature: the forest's feature
 * importances or a linear model's coefficients; null for kNN (nothing per
 * feature) or no model.
 */
export function modelWeights(model: Classifier | null | undefined): Float64Array | null {
  if (!model) return null;
  const m = model as unknown as { featureImportances?: Float64Array; coefficients?: Float64Array };
  return m.featureImportances ?? m.coefficients ?? null;
}

/** Shape and content checks shared by every `fit`. */
export function checkFitInput(
  who: string,
  X: FeatureMatrix,
  nRows: number,
  nCols: number,
  y: Uint8Array,
): void {
  if (!Number.isInteger(nRows) || nRows < 1) throw new RangeError(`${who}.fit: nRows must be a positive integer, got ${nRows}`);
  if (!Number.isInteger(nCols) || nCols < 1) throw new RangeError(`${who}.fit: nCols must be a positive integer, got ${nCols}`);
  if (X.length !== nRows * nCols) {
    throw new RangeError(
      `${who}.fit: X has ${X.length} values, expected nRows * nCols = ${nRows} * ${nCols} = ${nRows * nCols} (row-major)`,
    );
  }
  if (y.length !== nRows) throw new RangeError(`${who}.fit: y has ${y.length} labels, expected nRows = ${nRows}`);
  for (let i = 0; i < nRows; i++) {
    if (y[i] > 1) throw new RangeError(`${who}.fit: y[${i}] = ${y[i]}, labels must be 0 or 1`);
  }
  checkFinite(`${who}.fit`, X, nCols);
}

/** Shape check for `predict`/`predictProba`. */
export function checkPredictInput(who: string, X: FeatureMatrix, nRows: number, nCols: number): void {
  if (nCols === 0) throw new Error(`${who}: call fit before predict`);
  if (!Number.isInteger(nRows) || nRows < 0) throw new RangeError(`${who}: nRows must be a non-negative integer, got ${nRows}`);
  if (X.length !== nRows * nCols) {
    throw new RangeError(
      `${who}: X has ${X.length} values, expected nRows * nCols = ${nRows} * ${nCols} = ${nRows * nCols} (the model was fitted on ${nCols} columns)`,
    );
  }
  checkFinite(who, X, nCols);
}

function checkFinite(who: string, X: FeatureMatrix, nCols: number): void {
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) {
      const row = Math.floor(i / nCols);
      throw new RangeError(`${who}: X[row ${row}, column ${i - row * nCols}] = ${X[i]}, features must be finite numbers`);
    }
  }
}

/** Both classes must be present for the linear models (as scikit-learn requires). */
export function checkBothClasses(who: string, y: Uint8Array): void {
  let ones = 0;
  for (let i = 0; i < y.length; i++) ones += y[i];
  if (ones === 0 || ones === y.length) {
    throw new RangeError(`${who}.fit: y contains only class ${ones === 0 ? 0 : 1}; two classes are needed`);
  }
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
