/**
 * Accuracy parity with scikit-learn on the committed fixture.
 *
 * Fixture: test/eval/fixtures/arm-{train,test}.csv (2000 / 500 rows, 36
 * SPRINT-shaped features, arm label), made by
 *   /usr/bin/python3 bench/sklearn/make_fixture.py --seed 6 --n-train 2000 --n-test 500 --out test/eval/fixtures/arm
 * Reference numbers below were printed by (Debian python3-sklearn 1.2.1,
 * numpy 1.24.2; scikit-learn is not a dependency of the project)
 *   /usr/bin/python3 bench/sklearn/reference.py test/eval/fixtures/arm-train.csv \
 *       test/eval/fixtures/arm-test.csv --trees 10 100 --seeds 20
 * (forest accuracies: mean over random_state 0..19). The standardized SVM's
 * numbers: make_pipeline(StandardScaler(), LinearSVC(dual=False)) on the same
 * files (same versions).
 */
import { describe, expect, it } from 'vitest';
import { accuracy, KNearestNeighbors, LinearSvm, LogisticRegression, RandomForest, spearman, type Classifier } from '../../lib/eval';
import { armFixture } from './fixture';

const SKLEARN = {
  forest10: 0.723, // RandomForestClassifier(n_estimators=10), sd over seeds 0.0155
  forest100: 0.7695, // RandomForestClassifier(), sd over seeds 0.0070
  logistic: 0.782, // LogisticRegression() (lbfgs)
  logisticLiblinear: 0.786, // LogisticRegression(solver='liblinear')
  svm: 0.794, // make_pipeline(StandardScaler(), LinearSVC(dual=False)) (converged, 4 iterations)
  svmPaper: 0.798, // LinearSVC() on the raw features (dual)
  knn: 0.734, // KNeighborsClassifier()
};
const SKLEARN_LOGISTIC_COEF = [5.826999, 2.836105, 0.620149, -0.516959, -1.20034, -2.009405, -2.066721, -2.280696, -2.062658, -1.673618, -2.917793, -1.483152, 4.964534, 1.976042, 1.449542, 0.630779, -1.16503, -2.186006, -1.506973, -1.998526, -0.6938, -1.230624, -0.47092, -0.602425, -3.29057, -0.962739, -0.564563, -0.252507, 0.850191, 1.009575, 0.583032, 0.923655, 0.519174, 1.343395, 0.805092, 0.337935];
const SKLEARN_LOGISTIC_INTERCEPT = 2.34882;
const SKLEARN_LIBLINEAR_COEF = [5.948701, 2.910685, 0.682483, -0.468742, -1.168366, -1.97629, -2.011469, -2.273182, -2.019552, -1.626329, -2.88814, -1.456378, 5.023185, 2.025644, 1.467643, 0.641383, -1.14623, -2.183747, -1.498922, -1.999167, -0.687406, -1.236039, -0.481391, -0.601548, -3.307316, -0.961784, -0.55842, -0.248737, 0.864683, 1.010537, 0.591826, 0.927113, 0.516413, 1.349909, 0.801761, 0.3536];
const SKLEARN_LIBLINEAR_INTERCEPT = 1.94166;
/** make_pipeline(StandardScaler(), LinearSVC(dual=False)): coef_ and intercept_ of the LinearSVC step. */
const SKLEARN_SCALED_SVM_COEF = [0.418853, 0.227558, 0.074293, -0.012551, -0.057843, -0.114667, -0.127109, -0.15546, -0.112814, -0.069142, -0.243607, -0.082868, 0.385041, 0.157915, 0.127049, 0.053139, -0.081062, -0.219008, -0.124022, -0.17039, -0.041628, -0.081416, -0.014493, -0.037368, -0.256505, -0.063629, -0.0566, -0.023418, 0.082275, 0.091074, 0.039808, 0.052908, 0.013367, 0.135263, 0.061849, 0.039471];
const SKLEARN_SCALED_SVM_INTERCEPT = 0.059372;
/** LinearSVC() on the raw features. */
const SKLEARN_SVM_COEF = [5.050458, 2.626267, 0.815782, -0.169041, -0.683306, -1.302108, -1.426319, -1.679377, -1.321029, -0.874822, -2.537021, -0.971195, 3.881505, 1.596519, 1.237247, 0.544238, -0.821916, -2.001343, -1.209977, -1.61983, -0.418508, -0.826743, -0.213851, -0.374962, -1.151283, -0.291987, -0.231815, -0.100243, 0.32968, 0.369829, 0.176585, 0.254938, 0.09475, 0.552216, 0.26633, 0.140923];
const SKLEARN_SVM_INTERCEPT = 0.476345;
/** RandomForestClassifier() feature_importances_, mean over random_state 0..19. */
const SKLEARN_FOREST100_IMPORTANCES = [0.07349, 0.03661, 0.02752, 0.02776, 0.03548, 0.04281, 0.04467, 0.0497, 0.05694, 0.04061, 0.05187, 0.03362, 0.04353, 0.02408, 0.02184, 0.02387, 0.02567, 0.02586, 0.02617, 0.02822, 0.0248, 0.0248, 0.0238, 0.02361, 0.01519, 0.00858, 0.0088, 0.01006, 0.01717, 0.01931, 0.01438, 0.01581, 0.01262, 0.01721, 0.01257, 0.01096];

const { train, test } = armFixture();
const fitScore = (c: Classifier) =>
  accuracy(test.y, c.fit(train.x, train.nRows, train.nCols, train.y).predict(test.x, test.nRows));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('accuracy within 0.01 of scikit-learn on the fixture', () => {
  it('random forest, 10 trees (mean over 20 seeds)', () => {
    let sum = 0;
    for (let seed = 0; seed < 20; seed++) sum += fitScore(new RandomForest({ nEstimators: 10, seed }));
    expect(Math.abs(sum / 20 - SKLEARN.forest10)).toBeLessThan(0.01);
  });

  it('random forest, 100 trees (mean over 5 seeds), importances rank-agree', () => {
    let sum = 0;
    const imp = new Float64Array(36);
    for (let seed = 0; seed < 5; seed++) {
      const rf = new RandomForest({ nEstimators: 100, seed });
      sum += fitScore(rf);
      rf.featureImportances.forEach((v, j) => (imp[j] += v / 5));
    }
    expect(Math.abs(sum / 5 - SKLEARN.forest100)).toBeLessThan(0.01);
    expect(maxAbsDiff(imp, SKLEARN_FOREST100_IMPORTANCES)).toBeLessThan(0.01);
    expect(spearman(imp, SKLEARN_FOREST100_IMPORTANCES)).toBeGreaterThan(0.95);
  });

  it('logistic regression (lbfgs objective and liblinear objective), same coefficients', () => {
    const lr = new LogisticRegression();
    expect(Math.abs(fitScore(lr) - SKLEARN.logistic)).toBeLessThan(0.01);
    // scikit-learn's lbfgs stops with max |gradient| = 0.012; ours is at the exact optimum.
    expect(maxAbsDiff(lr.coefficients, SKLEARN_LOGISTIC_COEF)).toBeLessThan(2e-3);
    expect(Math.abs(lr.intercept - SKLEARN_LOGISTIC_INTERCEPT)).toBeLessThan(2e-3);
    const lib = new LogisticRegression({ penalizeIntercept: true });
    expect(Math.abs(fitScore(lib) - SKLEARN.logisticLiblinear)).toBeLessThan(0.01);
    expect(maxAbsDiff(lib.coefficients, SKLEARN_LIBLINEAR_COEF)).toBeLessThan(2e-3);
    expect(Math.abs(lib.intercept - SKLEARN_LIBLINEAR_INTERCEPT)).toBeLessThan(2e-3);
  });

  it('linear SVM on standardized features (the default), same coefficients as the scikit-learn pipeline', () => {
    const svm = new LinearSvm();
    expect(Math.abs(fitScore(svm) - SKLEARN.svm)).toBeLessThan(0.01);
    expect(svm.converged).toBe(true);
    // scikit-learn's primal solver stops at its tolerance; ours goes a step or two further.
    expect(maxAbsDiff(svm.coefficients, SKLEARN_SCALED_SVM_COEF)).toBeLessThan(2e-3);
    expect(Math.abs(svm.intercept - SKLEARN_SCALED_SVM_INTERCEPT)).toBeLessThan(2e-3);
  });

  it("linear SVM in the paper's setting (raw features, dual solver), same coefficients as LinearSVC()", () => {
    const svm = new LinearSvm({ standardize: false, solver: 'dual' });
    expect(Math.abs(fitScore(svm) - SKLEARN.svmPaper)).toBeLessThan(0.01);
    expect(maxAbsDiff(svm.coefficients, SKLEARN_SVM_COEF)).toBeLessThan(1e-3);
    expect(Math.abs(svm.intercept - SKLEARN_SVM_INTERCEPT)).toBeLessThan(1e-3);
  });

  it('k nearest neighbours', () => {
    expect(Math.abs(fitScore(new KNearestNeighbors()) - SKLEARN.knn)).toBeLessThan(0.01);
  });
});
