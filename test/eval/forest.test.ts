import { describe, expect, it } from 'vitest';
import { accuracy, RandomForest } from '../../lib/eval';
import { Random } from '../../lib/random';
import { blobs } from './data';

/**
 * A plain recursive CART forest with the documented semantics (bootstrap draw
 * counts as weights; per node, features drawn without replacement from one
 * array kept across the tree's nodes until maxFeatures non-constant ones were
 * searched; rows sorted by (float32 value, row); midpoint thresholds between
 * values more than 1e-7 apart; first best Gini proxy wins; depth first, left
 * first). No presorting, no partitioning: each node sorts its own rows.
 * Returns the forest's mean class-1 fraction per query row.
 */
function referenceForest(x: Float64Array, n: number, d: number, y: Uint8Array, trees: number, seed: number, queries: Float64Array, nq: number): Float64Array {
  const maxFeatures = Math.max(1, Math.floor(Math.sqrt(d)));
  const v = (row: number, f: number) => Math.fround(x[row * d + f]);
  const out = new Float64Array(nq);
  const root = new Random(seed);
  for (let t = 0; t < trees; t++) {
    const rng = root.derive(t);
    const w = new Int32Array(n);
    for (let k = 0; k < n; k++) w[rng.int(0, n)]++;
    const features = Array.from({ length: d }, (_, f) => f);
    type Node = { leaf: true; p1: number } | { leaf: false; f: number; thr: number; left: Node; right: Node };
    const grow = (rows: number[]): Node => {
      let W0 = 0;
      let W1 = 0;
      for (const r of rows) (y[r] === 1 ? (W1 += w[r]) : (W0 += w[r]));
      const leaf: Node = { leaf: true, p1: W1 / (W0 + W1) };
      if (rows.length < 2 || W0 === 0 || W1 === 0) return leaf;
      let best = { proxy: -Infinity, f: -1, thr: 0, left: [] as number[], right: [] as number[] };
      let drawn = 0;
      let visited = 0;
      while (drawn < d && visited < maxFeatures) {
        const j = drawn + rng.int(0, d - drawn);
        const f = features[j];
        features[j] = features[drawn];
        features[drawn] = f;
        drawn++;
        const sorted = [...rows].sort((a, b) => v(a, f) - v(b, f) || a - b);
        if (v(sorted[sorted.length - 1], f) <= v(sorted[0], f) + 1e-7) continue;
        visited++;
        let l0 = 0;
        let l1 = 0;
        for (let p = 0; p < sorted.length - 1; p++) {
          const r = sorted[p];
          if (y[r] === 1) l1 += w[r];
          else l0 += w[r];
          const a = v(r, f);
          const b = v(sorted[p + 1], f);
          if (!(b > a + 1e-7)) continue;
          const r0 = W0 - l0;
          const r1 = W1 - l1;
          const proxy = (l0 * l0 + l1 * l1) / (l0 + l1) + (r0 * r0 + r1 * r1) / (r0 + r1);
          if (proxy > best.proxy) {
            let thr = a / 2 + b / 2;
            if (thr === b) thr = a;
            best = { proxy, f, thr, left: sorted.slice(0, p + 1), right: sorted.slice(p + 1) };
          }
        }
      }
      if (best.f < 0) return leaf;
      const left = grow(best.left);
      return { leaf: false, f: best.f, thr: best.thr, left, right: grow(best.right) };
    };
    const tree = grow(Array.from({ length: n }, (_, i) => i).filter((i) => w[i] > 0));
    for (let q = 0; q < nq; q++) {
      let node = tree;
      while (!node.leaf) node = Math.fround(queries[q * d + node.f]) <= node.thr ? node.left : node.right;
      out[q] += node.p1;
    }
  }
  for (let q = 0; q < nq; q++) out[q] /= trees;
  return out;
}

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

  it('grows the same trees as a plain recursive CART with the same semantics (bootstrap, ties, feature draws)', () => {
    // Values on a coarse grid (many ties and equal-value runs), an informative and
    // some noise features, 600 rows: the presorted, partitioned search must find
    // exactly the reference's splits, so the probabilities agree to the last bit.
    const rng = new Random(17);
    const n = 600;
    const d = 9;
    const x = new Float64Array(n * d);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = rng.int(0, 2);
      for (let j = 0; j < d; j++) x[i * d + j] = Math.round((rng.normal(y[i] * (j < 3 ? 0.8 : 0), 1)) * 4) / 4 + (j === 5 ? 0.1 : 0);
    }
    const nq = 200;
    const queries = Float64Array.from({ length: nq * d }, () => Math.round(rng.normal(0.4, 1.2) * 8) / 8);
    const got = new RandomForest({ nEstimators: 5, seed: 9 }).fit(x, n, d, y).predictProba(queries, nq);
    const want = referenceForest(x, n, d, y, 5, 9, queries, nq);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('grows the same forest on any number of threads (worker threads share the data, trees come back in order)', () => {
    // 2000 rows x 60 trees: enough work that the forest is split across worker threads.
    const { x, y } = blobs(2000, 12, 0.5, 4);
    const queries = blobs(300, 12, 0.5, 5).x;
    const fit = (threads: number) => {
      const rf = new RandomForest({ nEstimators: 60, seed: 2, threads }).fit(x, 2000, 12, y);
      return { p: Array.from(rf.predictProba(queries, 300)), imp: Array.from(rf.featureImportances), nodes: rf.nodeCounts };
    };
    const one = fit(1);
    for (const threads of [2, 3, 7]) expect(fit(threads), `${threads} threads`).toEqual(one);
  }, 60_000);

  it('takes its thread count from SPRINT_THREADS, and refuses a bad one with a clear message', () => {
    const saved = process.env.SPRINT_THREADS;
    try {
      process.env.SPRINT_THREADS = '3';
      expect(new RandomForest().threads).toBe(3);
      process.env.SPRINT_THREADS = 'all';
      expect(() => new RandomForest()).toThrow(/SPRINT_THREADS must be a positive integer \(threads to use\), got 'all'/);
      expect(() => new RandomForest({ threads: 0 })).toThrow(/threads must be a positive integer, got 0/);
    } finally {
      if (saved === undefined) delete process.env.SPRINT_THREADS;
      else process.env.SPRINT_THREADS = saved;
    }
  });
});
