import { describe, expect, it } from 'vitest';
import { accuracy, KNearestNeighbors } from '../../lib/eval';
import { Random } from '../../lib/random';
import { blobs } from './data';

/**
 * Brute force: the fraction of class 1 among the k training rows nearest to
 * query q (squared distances summed in column order, ties by row index).
 */
function bruteForceProba(x: ArrayLike<number>, n: number, d: number, y: Uint8Array, queries: ArrayLike<number>, q: number, k: number): number {
  const dist = Array.from({ length: n }, (_, r) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (x[r * d + j] - queries[q * d + j]) ** 2;
    return s;
  });
  const nearest = Array.from({ length: n }, (_, r) => r).sort((a, b) => dist[a] - dist[b] || a - b).slice(0, k);
  return nearest.reduce((s, r) => s + y[r], 0) / k;
}

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
    for (let q = 0; q < 100; q++) expect(got[q]).toBe(bruteForceProba(x, n, d, y, queries, q, 5));
  });

  it('matches brute force on correlated 36-feature rows in raw units, near-ties and duplicates included', () => {
    // SPRINT-like rows in mmHg (large values, strong correlation across visits: the
    // principal axes matter), some rows duplicated and some moved by one ulp-sized
    // step, so distances tie exactly or differ in their last bits; queries include
    // training rows themselves (distance 0) and points far outside the cloud.
    const rng = new Random(21);
    const n = 700;
    const d = 36;
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const level = rng.normal(140, 15);
      const slope = rng.normal(-0.5, 0.4);
      for (let j = 0; j < d; j++) x[i * d + j] = Math.round(level + slope * (j % 12) + rng.normal(0, 6) + (j >= 24 ? -100 : j >= 12 ? -60 : 0));
    }
    for (let i = 0; i < 30; i++) x.copyWithin((i + 300) * d, i * d, (i + 1) * d);
    for (let i = 0; i < 30; i++) {
      x.copyWithin((i + 400) * d, (i + 50) * d, (i + 51) * d);
      x[(i + 400) * d + (i % d)] += 1e-9 * (i % 2 === 0 ? 1 : -1);
    }
    // Rows 500..699 lie exactly on a 2-D lattice (level + slope * visit): the leading
    // principal coordinates then carry their whole distance, so the lower bound equals
    // it up to rounding, and many distances tie exactly.
    for (let i = 500; i < n; i++) {
      const level = 120 + rng.int(0, 6);
      const slope = rng.int(-2, 3);
      for (let j = 0; j < d; j++) x[i * d + j] = level + slope * (j % 12) + (j >= 24 ? -100 : j >= 12 ? -60 : 0);
    }
    const y = Uint8Array.from({ length: n }, () => rng.int(0, 2));
    const nq = 150;
    const queries = new Float64Array(nq * d);
    for (let q = 0; q < nq; q++) {
      for (let j = 0; j < d; j++) {
        if (q < 50) queries[q * d + j] = x[(q * 7) * d + j]; // training rows
        else if (q < 100) queries[q * d + j] = x[(q * 3) * d + j] + rng.int(-3, 4);
        else if (q < 140) queries[q * d + j] = x[(400 + q * 2) * d + j] + (j === 0 ? 1 : 0); // beside lattice rows
        else queries[q * d + j] = rng.normal(0, 400); // far away
      }
    }
    for (const k of [1, 5, 8]) {
      const got = new KNearestNeighbors({ k }).fit(x, n, d, y).predictProba(queries, nq);
      for (let q = 0; q < nq; q++) expect(got[q], `k ${k}, query ${q}`).toBe(bruteForceProba(x, n, d, y, queries, q, k));
    }
  });

  it('takes a Float32Array as well as a Float64Array, and any number of features', () => {
    const rng = new Random(3);
    for (const d of [1, 2, 3, 13]) {
      const n = 60;
      const x = Float32Array.from({ length: n * d }, () => rng.normal(0, 1));
      const y = Uint8Array.from({ length: n }, () => rng.int(0, 2));
      const q = Float32Array.from({ length: 10 * d }, () => rng.normal(0, 1));
      const a = new KNearestNeighbors().fit(x, n, d, y).predictProba(q, 10);
      const b = new KNearestNeighbors().fit(Float64Array.from(x), n, d, y).predictProba(Float64Array.from(q), 10);
      expect(Array.from(a)).toEqual(Array.from(b));
      for (let i = 0; i < 10; i++) expect(a[i]).toBe(bruteForceProba(x, n, d, y, q, i, 5));
    }
  });

  it('is exact in few dimensions over many strips (every bound tight)', () => {
    // 3000 rows on a small integer grid in 2-D (some 16 strips, rows everywhere tied):
    // with d <= 12 the principal coordinates are the whole distance, so a bound that
    // prunes too much shows up as a wrong neighbour.
    const rng = new Random(5);
    const n = 3000;
    const x = Float64Array.from({ length: n * 2 }, () => rng.int(0, 40));
    const y = Uint8Array.from({ length: n }, () => rng.int(0, 2));
    const nq = 300;
    const queries = Float64Array.from({ length: nq * 2 }, (_, i) => rng.int(-5, 45) + (i % 3 === 0 ? 0.5 : 0));
    const got = new KNearestNeighbors({ k: 7 }).fit(x, n, 2, y).predictProba(queries, nq);
    for (let q = 0; q < nq; q++) expect(got[q], `query ${q}`).toBe(bruteForceProba(x, n, 2, y, queries, q, 7));
  });

  it('is exact when squared distances (or the covariance) overflow to Infinity (ties by row, as brute force ranks them)', () => {
    // 1e200: every square overflows; 4e152 (2000 rows): the covariance's sums do (the axes are then
    // whatever the eigensolver makes of them: any orthonormal basis is exact), the distances do not.
    for (const scale of [1e200, 4e152]) {
      const rng = new Random(7);
      const n = 2000;
      const d = 3;
      const x = Float64Array.from({ length: n * d }, () => rng.normal(0, 1) * scale);
      const y = Uint8Array.from({ length: n }, () => rng.int(0, 2));
      const nq = 30;
      const queries = Float64Array.from({ length: nq * d }, (_, i) => (i < 3 * d ? rng.normal(0, 1e-3) : rng.normal(0, 1) * scale));
      const got = new KNearestNeighbors({ k: 5 }).fit(x, n, d, y).predictProba(queries, nq);
      for (let q = 0; q < nq; q++) expect(got[q], `scale ${scale}, query ${q}`).toBe(bruteForceProba(x, n, d, y, queries, q, 5));
    }
  });

  it('is exact with k larger than a strip and k = every row (the first k-th best spans strips)', () => {
    const rng = new Random(6);
    const n = 600; // three strips of 200 rows
    const d = 7;
    const x = Float64Array.from({ length: n * d }, () => rng.normal(0, 1));
    const y = Uint8Array.from({ length: n }, () => rng.int(0, 2));
    const nq = 40;
    const queries = Float64Array.from({ length: nq * d }, () => rng.normal(0, 1.5));
    for (const k of [250, n]) {
      const got = new KNearestNeighbors({ k }).fit(x, n, d, y).predictProba(queries, nq);
      for (let q = 0; q < nq; q++) expect(got[q], `k ${k} query ${q}`).toBe(bruteForceProba(x, n, d, y, queries, q, k));
    }
  });
});
