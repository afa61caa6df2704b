import { describe, expect, it } from 'vitest';
import { accuracy, KNearestNeighbors } from '../../lib/eval';
import { Random } from '../../lib/random';
import { blobs } from './data';

describe('KNearestNeighbors', () => {
  it('votes among the k nearest by hand', () => {
    // 1-D training points and labels:
    //   x: 0 1 2 3 4 10 11 12
    //   y: 0 0 1 1 0  1  1  1
    const x = Float64Array.from([0, 1, 2, 3, 4, 10, 11, 12]);
    const y = Uint8Array.from([0, 0, 1, 1, 0, 1, 1, 1]);
    const knn = new KNearestNeighbors().fit(x, 8, 1, y);
    // Query 2.4: nearest five are 2, 3, 1, 4, 0 -> labels 1 1 0 0 0 -> P = 2/5, predict 0.
    // Query 9: nearest five are 10, 11, 12, 4, 3 -> 1 1 1 0 1 -> P = 4/5, predict 1.
    expect(Array.from(knn.predictProba(Float64Array.from([2.4, 9]), 2))).toEqual([0.4, 0.8]);
    expect(Array.from(knn.predict(Float64Array.from([2.4, 9]), 2))).toEqual([0, 1]);
    // k = 3 at 2.4: 2, 3, 1 -> 1 1 0 -> predict 1.
    expect(Array.from(new KNearestNeighbors({ k: 3 }).fit(x, 8, 1, y).predict(Float64Array.from([2.4]), 1))).toEqual([1]);
  });

  it('uses Euclidean distance over all features and breaks distance ties by row order', () => {
    // Two features; query (0,0). Rows at distance 1: (1,0) label 1 (row 0), (0,1) label 0 (row 1), (-1,0) label 0 (row 2);
    // (3,4) at distance 5 (row 3, label 1). k = 2 keeps rows 0 and 1 (ties by row order): P = 1/2, predict 0 (tie -> class 0).
    const x = Float64Array.from([1, 0, 0, 1, -1, 0, 3, 4]);
    const y = Uint8Array.from([1, 0, 0, 1]);
    const knn = new KNearestNeighbors({ k: 2 }).fit(x, 4, 2, y);
    expect(Array.from(knn.predictProba(Float64Array.from([0, 0]), 1))).toEqual([0.5]);
    expect(Array.from(knn.predict(Float64Array.from([0, 0]), 1))).toEqual([0]);
  });

  it('separates blobs', () => {
    const train = blobs(400, 36, 1.5, 1);
    const test = blobs(200, 36, 1.5, 2);
    expect(accuracy(test.y, new KNearestNeighbors().fit(train.x, 400, 36, train.y).predict(test.x, 200))).toBeGreaterThan(0.97);
    expect(() => new KNearestNeighbors().fit(train.x.subarray(0, 36 * 4), 4, 36, train.y.subarray(0, 4))).toThrow(/fewer than k = 5/);
  });

  it('the pruned search returns exactly the brute-force neighbours, ties included', () => {
    // Integer-valued rows (many equal distances) and some duplicated rows.
    const rng = new Random(8);
    const n = 300;
    const d = 5;
    const x = Float64Array.from({ length: n * d }, () => rng.int(0, 4));
    for (let i = 0; i < 40; i++) x.copyWithin((i + 100) * d, i * d, (i + 1) * d);
    const y = Uint8Array.from({ length: n }, () => rng.int(0, 2));
    const queries = Float64Array.from({ length: 100 * d }, () => rng.int(0, 4) + (rng.bernoulli(0.5) ? 0 : 0.5));
    const got = new KNearestNeighbors().fit(x, n, d, y).predictProba(queries, 100);
    for (let q = 0; q < 100; q++) {
      // Brute force: sort by (distance, row) and take 5.
      const dist = Array.from({ length: n }, (_, r) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x[r * d + j] - queries[q * d + j]) ** 2;
        return s;
      });
      const nearest = Array.from({ length: n }, (_, r) => r).sort((a, b) => dist[a] - dist[b] || a - b).slice(0, 5);
      expect(got[q]).toBe(nearest.reduce((s, r) => s + y[r], 0) / 5);
    }
  });
});
