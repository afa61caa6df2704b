import { describe, expect, it } from 'vitest';
import { accuracy, RandomForest } from '../../lib/eval';
import { blobs } from './data';

describe('RandomForest', () => {
  it('finds the one split of a stump by hand (Gini, midpoint threshold, first of tied splits)', () => {
    // x = 1..6, y = 0 0 1 0 1 1. Gini proxy sum_k (L_k^2/L + R_k^2/R) per threshold:
    // 1.5: 1/1 + 13/5 = 3.6; 2.5: 4/2 + 10/4 = 4.5; 3.5: 5/3 + 5/3 = 3.33; 4.5: 10/4 + 4/2 = 4.5; 5.5: 13/5 + 1 = 3.6.
    // 2.5 and 4.5 tie; the first (2.5) wins, as in scikit-learn (DecisionTreeClassifier(max_depth=1) -> threshold 2.5).
    // Leaves: {0,0} -> P(1) = 0; {1,0,1,1} -> P(1) = 3/4.
    const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const y = Uint8Array.from([0, 0, 1, 0, 1, 1]);
    const rf = new RandomForest({ nEstimators: 1, bootstrap: false, maxDepth: 1 }).fit(x, 6, 1, y);
    expect(rf.nodeCounts).toEqual([3]);
    expect(Array.from(rf.predictProba(Float64Array.from([2, 2.49, 2.51, 3, 100]), 5))).toEqual([0, 0, 0.75, 0.75, 0.75]);
    expect(Array.from(rf.predict(Float64Array.from([2, 3]), 2))).toEqual([0, 1]);
    expect(Array.from(rf.featureImportances)).toEqual([1]);
  });

  it('grows pure leaves without a depth limit and picks the informative feature', () => {
    // Feature 1 separates the classes at 2.5; feature 0 is noise. With all features searched, the root splits on 1.
    const x = Float64Array.from([5, 1, 1, 2, 4, 3, 2, 4]); // rows: (5,1) (1,2) (4,3) (2,4)
    const y = Uint8Array.from([0, 0, 1, 1]);
    const rf = new RandomForest({ nEstimators: 1, bootstrap: false, maxFeatures: 'all' }).fit(x, 4, 2, y);
    expect(rf.nodeCounts).toEqual([3]);
    expect(Array.from(rf.featureImportances)).toEqual([0, 1]);
    expect(Array.from(rf.predict(x, 4))).toEqual([0, 0, 1, 1]);
  });

  it('fits the training set exactly without bootstrap (distinct rows) and separates blobs', () => {
    const train = blobs(400, 36, 3, 1);
    const test = blobs(400, 36, 3, 2);
    const full = new RandomForest({ nEstimators: 1, bootstrap: false }).fit(train.x, 400, 36, train.y);
    expect(accuracy(train.y, full.predict(train.x, 400))).toBe(1);
    const rf = new RandomForest({ nEstimators: 10, seed: 3 }).fit(train.x, 400, 36, train.y);
    expect(accuracy(test.y, rf.predict(test.x, 400))).toBeGreaterThan(0.97);
  });

  it('is deterministic per seed and reads Float32 and Float64 input alike', () => {
    const { x, y } = blobs(300, 8, 1, 4);
    const a = new RandomForest({ seed: 11 }).fit(x, 300, 8, y).predictProba(x, 300);
    const b = new RandomForest({ seed: 11 }).fit(Float32Array.from(x), 300, 8, y).predictProba(Float32Array.from(x), 300);
    const c = new RandomForest({ seed: 12 }).fit(x, 300, 8, y).predictProba(x, 300);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('has importances summing to 1, largest on the informative features', () => {
    // Only features 0 and 1 carry the label.
    const { x, y } = blobs(500, 6, 2, 5);
    for (let i = 0; i < 500; i++) for (let j = 2; j < 6; j++) x[i * 6 + j] = ((i * 7919 + j * 104729) % 1000) / 1000;
    const imp = new RandomForest({ nEstimators: 20, seed: 1 }).fit(x, 500, 6, y).featureImportances;
    expect(imp.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(Math.min(imp[0], imp[1])).toBeGreaterThan(Math.max(imp[2], imp[3], imp[4], imp[5]));
  });

  it('handles a single class and constant features', () => {
    const x = new Float64Array(20).fill(0.5);
    const rf = new RandomForest().fit(x, 10, 2, new Uint8Array(10).fill(1));
    expect(Array.from(rf.predict(x, 10))).toEqual(new Array(10).fill(1));
    const mixed = new RandomForest().fit(x, 10, 2, Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]));
    expect(mixed.nodeCounts.every((c) => c === 1)).toBe(true); // all features constant: root is a leaf
    expect(Array.from(mixed.featureImportances)).toEqual([0, 0]);
  });

  it('rejects inconsistent input with a clear message', () => {
    const rf = new RandomForest();
    expect(() => rf.fit(new Float64Array(5), 2, 3, new Uint8Array(2))).toThrow(/expected nRows \* nCols = 2 \* 3 = 6/);
    expect(() => rf.fit(new Float64Array(6), 2, 3, Uint8Array.from([0, 2]))).toThrow(/y\[1\] = 2/);
    expect(() => rf.fit(Float64Array.from([0, NaN, 0, 0, 0, 0]), 2, 3, new Uint8Array(2))).toThrow(/row 0, column 1/);
    expect(() => rf.predict(new Float64Array(3), 1)).toThrow(/call fit/);
    rf.fit(new Float64Array(6), 2, 3, Uint8Array.from([0, 1]));
    expect(() => rf.predict(new Float64Array(4), 1)).toThrow(/fitted on 3 columns/);
    expect(() => new RandomForest({ nEstimators: 0 })).toThrow(/nEstimators/);
  });
});
