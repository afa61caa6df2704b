import { describe, expect, it } from 'vitest';
import { accuracy, countCorrect, KNearestNeighbors, LinearSvm, LogisticRegression, modelWeights, RandomForest } from '../../lib/eval';
import { blobs } from './data';
import { armFixture } from './fixture';

/** Root of a decreasing-minus-increasing function on [lo, hi] by bisection. */
function bisect(f: (w: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (f(lo) * f(mid) <= 0) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}
const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** Gradient of C * sum logloss + |w|^2/2 (+ b^2/2 if penalized), computed independently of the implementation. */
function logisticGradient(X: Float64Array, y: Uint8Array, n: number, d: number, w: Float64Array, b: number, C: number, penB: number): number[] {
  const g = new Array(d + 1).fill(0);
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let j = 0; j < d; j++) z += w[j] * X[i * d + j];
    const r = C * (sig(z) - y[i]);
    for (let j = 0; j < d; j++) g[j] += r * X[i * d + j];
    g[d] += r;
  }
  for (let j = 0; j < d; j++) g[j] += w[j];
  g[d] += penB * b;
  return g;
}

describe('LogisticRegression', () => {
  it('solves a symmetric 4-point case in closed form (gradient = 0)', () => {
    // x = -2, -1, 1, 2; y = 0, 0, 1, 1. By symmetry b = 0, and dL/dw = 0 reads
    // w = C * (4 sigmoid(-2w) + 2 sigmoid(-w)) with C = 1. scikit-learn 1.2.1
    // (LogisticRegression(tol=1e-12, max_iter=10000)) gives w = 1.00659431, b = -6e-18.
    const w = bisect((v) => v - (4 * sig(-2 * v) + 2 * sig(-v)), 0, 10);
    const lr = new LogisticRegression().fit(Float64Array.from([-2, -1, 1, 2]), 4, 1, Uint8Array.from([0, 0, 1, 1]));
    expect(lr.coefficients[0]).toBeCloseTo(w, 11);
    expect(lr.coefficients[0]).toBeCloseTo(1.00659431, 7);
    expect(lr.intercept).toBeCloseTo(0, 12);
    expect(lr.predictProba(Float64Array.from([1]), 1)[0]).toBeCloseTo(sig(w), 12);
  });

  it('meets the optimality condition on the fixture, with and without intercept penalty', () => {
    const { train } = armFixture();
    for (const penalizeIntercept of [false, true]) {
      const lr = new LogisticRegression({ penalizeIntercept }).fit(train.x, train.nRows, train.nCols, train.y);
      expect(lr.converged).toBe(true);
      const g = logisticGradient(train.x, train.y, train.nRows, train.nCols, lr.coefficients, lr.intercept, 1, penalizeIntercept ? 1 : 0);
      expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-8);
    }
  });

  it('takes Newton steps (exact Hessian: a few iterations) to the optimum for any number of features', () => {
    // The Hessian is summed in 4 x 4 tiles of features with edge cases for the rest:
    // each width below exercises a different remainder. A wrong Hessian entry still
    // converges under the line search, but slowly: the iteration count shows it.
    for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 36, 37]) {
      const train = blobs(300, d, 0.6, d);
      const lr = new LogisticRegression().fit(train.x, 300, d, train.y);
      expect(lr.converged, `d ${d}`).toBe(true);
      expect(lr.iterations, `d ${d}`).toBeLessThanOrEqual(10);
      const g = logisticGradient(train.x, train.y, 300, d, lr.coefficients, lr.intercept, 1, 0);
      expect(Math.max(...g.map(Math.abs)), `d ${d}`).toBeLessThan(1e-8);
    }
  });

  it('separates blobs and rejects a single class', () => {
    const train = blobs(400, 36, 2, 1);
    const test = blobs(400, 36, 2, 2);
    const lr = new LogisticRegression().fit(train.x, 400, 36, train.y);
    expect(accuracy(test.y, lr.predict(test.x, 400))).toBe(1);
    expect(() => new LogisticRegression().fit(train.x, 400, 36, new Uint8Array(400))).toThrow(/only class 0/);
  });
});

/** Squared-hinge primal gradient at (w, b) on rows x (penalized bias, x~ = [x, 1]), written out naively. */
function svmGradient(x: ArrayLike<number>, y: Uint8Array, n: number, d: number, w: ArrayLike<number>, b: number): number[] {
  const g = [...Array.from(w), b];
  for (let i = 0; i < n; i++) {
    const t = y[i] === 1 ? 1 : -1;
    let z = b;
    for (let j = 0; j < d; j++) z += w[j] * x[i * d + j];
    const slack = Math.max(0, 1 - t * z);
    for (let j = 0; j < d; j++) g[j] -= 2 * t * slack * x[i * d + j];
    g[d] -= 2 * t * slack;
  }
  return g;
}

describe('LinearSvm', () => {
  it('solves a symmetric 2-point case in closed form, with either solver', () => {
    // x = -1, 1; y = 0, 1; intercept_scaling 1 (bias penalized). By symmetry b = 0 and
    // min w^2/2 + 2C (1 - w)^2 gives w = 4C / (1 + 4C) = 0.8. scikit-learn 1.2.1 LinearSVC: coef 0.8, intercept 0.
    // Standardizing changes nothing here (mean 0, sd 1).
    for (const solver of ['primal', 'dual'] as const) {
      const svm = new LinearSvm({ tol: 1e-10, solver }).fit(Float64Array.from([-1, 1]), 2, 1, Uint8Array.from([0, 1]));
      expect(svm.converged).toBe(true);
      expect(svm.coefficients[0]).toBeCloseTo(0.8, 8);
      expect(svm.intercept).toBeCloseTo(0, 8);
      expect(Array.from(svm.predict(Float64Array.from([-0.1, 0.1]), 2))).toEqual([0, 1]);
    }
  });

  it('by default converges, on the standardized features, to the optimum (Newton: a few steps)', () => {
    const { train, test } = armFixture();
    const n = train.nRows;
    const d = train.nCols;
    const svm = new LinearSvm({ tol: 1e-10 }).fit(train.x, n, d, train.y);
    expect(svm.converged).toBe(true);
    expect(svm.iterations).toBeLessThan(30);
    const z = standardizedLike(train.x, train.x, n, n, d);
    const g = svmGradient(z, train.y, n, d, svm.coefficients, svm.intercept);
    expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-6);
    // Predictions on raw rows are those of the model on standardized rows.
    const raw = new LinearSvm({ standardize: false, tol: 1e-10 }).fit(z, n, d, train.y);
    for (let j = 0; j < d; j++) expect(svm.coefficients[j]).toBeCloseTo(raw.coefficients[j], 8);
    expect(Array.from(svm.predict(test.x, test.nRows))).toEqual(Array.from(raw.predict(standardizedLike(train.x, test.x, n, test.nRows, d), test.nRows)));
  });

  it("the paper's setting (raw features, dual solver) meets the primal optimality condition on the fixture", () => {
    const { train } = armFixture();
    const n = train.nRows;
    const d = train.nCols;
    const svm = new LinearSvm({ standardize: false, solver: 'dual', tol: 1e-6, maxIter: 20000 }).fit(train.x, n, d, train.y);
    expect(svm.converged).toBe(true);
    const g = svmGradient(train.x, train.y, n, d, svm.coefficients, svm.intercept);
    expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-3);
    // The primal solver reaches the same optimum.
    const primal = new LinearSvm({ standardize: false, tol: 1e-10 }).fit(train.x, n, d, train.y);
    for (let j = 0; j < d; j++) expect(primal.coefficients[j]).toBeCloseTo(svm.coefficients[j], 3);
  });

  it('the dual solver gives the same solution for any seed; both separate blobs', () => {
    const train = blobs(300, 10, 2, 3);
    const a = new LinearSvm({ solver: 'dual', seed: 1, tol: 1e-8, maxIter: 10000 }).fit(train.x, 300, 10, train.y).coefficients;
    const b = new LinearSvm({ solver: 'dual', seed: 2, tol: 1e-8, maxIter: 10000 }).fit(train.x, 300, 10, train.y).coefficients;
    for (let j = 0; j < 10; j++) expect(a[j]).toBeCloseTo(b[j], 5);
    const test = blobs(300, 10, 2, 4);
    for (const svm of [new LinearSvm(), new LinearSvm({ solver: 'dual' })]) expect(accuracy(test.y, svm.fit(train.x, 300, 10, train.y).predict(test.x, 300))).toBeGreaterThan(0.97);
    expect(() => new LinearSvm({ solver: 'sgd' as never })).toThrow(/solver must be 'primal' or 'dual'/);
  });
});

/** Rows standardized with the training rows' mean and population sd, computed here independently of the classifier. */
function standardizedLike(trainX: Float64Array, testX: Float64Array, n: number, m: number, d: number): Float64Array {
  const out = new Float64Array(m * d);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += trainX[i * d + j] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (trainX[i * d + j] - mean) ** 2 / n;
    for (let i = 0; i < m; i++) out[i * d + j] = (testX[i * d + j] - mean) / (Math.sqrt(v) || 1);
  }
  return out;
}

describe('countCorrect, accuracy, modelWeights', () => {
  it('count equal labels, refuse mismatched lengths, and give each model its per-feature weights', () => {
    const truth = Uint8Array.from([1, 0, 1, 1, 0]);
    const pred = Uint8Array.from([1, 1, 1, 0, 0]);
    expect(countCorrect(truth, pred)).toBe(3);
    expect(accuracy(truth, pred)).toBe(0.6);
    expect(() => countCorrect(truth, pred.subarray(1))).toThrow(/5 true labels but 4 predictions/);
    const n = 80;
    const d = 3;
    const { x, y } = blobs(n, d, 2.5, 7);
    const logistic = new LogisticRegression().fit(x, n, d, y);
    expect(modelWeights(logistic)).toEqual(logistic.coefficients);
    const forest = new RandomForest({ nEstimators: 3, seed: 1 }).fit(x, n, d, y);
    expect(modelWeights(forest)).toEqual(forest.featureImportances);
    expect(modelWeights(new KNearestNeighbors().fit(x, n, d, y))).toBeNull();
    expect(modelWeights(undefined)).toBeNull();
  });
});
