/**
 * The prediction half shared by the linear classifiers (logistic regression
 * and linear SVM): decision value w.x + b, class 1 when it is positive, and
 * sigmoid(w.x + b) as the class-1 score.
 */
import { checkPredictInput, sigmoid, type FeatureMatrix } from './types';

export abstract class LinearModel {
  /** Used in error messages, e.g. 'LogisticRegression'. */
  protected abstract readonly modelName: string;
  protected w = new Float64Array(0);
  protected b = 0;
  protected nCols = 0;

  /** w.x + b per row (scikit-learn's `decision_function`). */
  decisionFunction(X: FeatureMatrix, nRows: number): Float64Array {
    checkPredictInput(`${this.modelName}.predict`, X, nRows, this.nCols);
    return linearDecision(X, nRows, this.w, this.b);
  }

  /** sigmoid(decision value): the probability for logistic regression, a ranking score for the SVM. */
  predictProba(X: FeatureMatrix, nRows: number): Float64Array {
    const z = this.decisionFunction(X, nRows);
    for (let i = 0; i < nRows; i++) z[i] = sigmoid(z[i]);
    return z;
  }

  predict(X: FeatureMatrix, nRows: number): Uint8Array {
    const z = this.decisionFunction(X, nRows);
    const out = new Uint8Array(nRows);
    for (let i = 0; i < nRows; i++) out[i] = z[i] > 0 ? 1 : 0;
    return out;
  }
}

/** w.x_i + b for every row of a row-major matrix. */
export function linearDecision(X: FeatureMatrix, nRows: number, w: Float64Array, b: number): Float64Array {
  const d = w.length;
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let zi = b;
    const base = i * d;
    for (let j = 0; j < d; j++) zi += w[j] * X[base + j];
    out[i] = zi;
  }
  return out;
}
