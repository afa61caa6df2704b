import { libFile } from '../../host';
import { Random, type Seed } from '../../random';
import { WorkerPool, threadCount } from '../../compute/workers/channel';
import { checkFitInput, checkPredictInput, type Classifier, type FeatureMatrix } from './types';

/**
 * Random forest of CART trees with the Gini criterion, written for this
 * project (no library), matching scikit-learn's `RandomForestClassifier`
 * semantics:
 *
 * - each tree is grown on a bootstrap sample of `nRows` draws with
 *   replacement, represented as integer sample weights (the draw counts), as
 *   scikit-learn does; out-of-bag rows get weight 0 and take no part;
 * - at every node, features are drawn at random without replacement until
 *   `maxFeatures` non-constant ones (default floor(sqrt(nCols)) = 6 of 36)
 *   have been searched (constant features do not count, as in scikit-learn);
 * - the split of a feature is the midpoint between two consecutive distinct
 *   values (values closer than 1e-7 count as equal) that maximizes the
 *   weighted Gini decrease; features are compared as float32 like
 *   scikit-learn's trees; ties keep the first split found;
 * - trees are grown until leaves are pure or hold one distinct row
 *   (min_samples_split = 2, min_samples_leaf = 1, no depth limit);
 * - a leaf predicts the weighted class fractions; the forest averages them
 *   over trees (`predictProba`) and predicts class 1 when its average beats
 *   class 0's (a tie goes to class 0, like numpy's argmax);
 * - `featureImportances` is the mean decrease in impurity: per tree the
 *   weighted Gini decreases per feature, divided by the root weight and
 *   normalized to sum 1; averaged over the trees that split; normalized.
 *
 * Number of trees: the paper's code called `RandomForestClassifier()` on
 * Ubuntu 16.04's python-sklearn 0.17, whose default was 10 trees (100 since
 * scikit-learn 0.22). Default here: 10, the paper's setting and ten times
 * cheaper for scoring hundreds of epochs; pass `nEstimators: 100` for
 * today's scikit-learn default.
 *
 * Why our own code: measured on the 2000 x 36 test fixture (2 shared CPU
 * cores, one run), ml-random-forest 2.1.0 (on ml-cart 2.1.1) took 9.95 s to
 * fit 10 trees vs 0.059 s for scikit-learn 1.2.1 (170x slower: it evaluates
 * every candidate threshold by re-partitioning the node into fresh arrays),
 * and reached 0.678 accuracy vs scikit-learn's 0.726 (mean of 5 seeds) because
 * it draws the feature subset once per tree instead of per split. This
 * implementation, same fixture: 0.7276 (10 trees) and 0.7664 (100 trees),
 * mean of 5 seeds, vs scikit-learn's 0.7256 and 0.7684. On 6000 x 36 train /
 * 3000 test (`npx tsx bench/classifiers.ts --repeat 3`, one run, 2 CPU cores
 * under load average ~7): fit 0.38 s vs 0.44 s (10 trees) and 8.6 s vs 4.1 s
 * (100 trees), predict 0.75-0.3x scikit-learn's time; timings that noisy
 * only say "same order, up to ~2x slower to fit".
 *
 * Speed: the rows are presorted once per feature per fit (shared by all
 * trees); each tree keeps, per feature, its in-bag rows in sorted order and
 * stably partitions these lists at every split (skipped when both children
 * are leaves) from one buffer into a second, in one branch-free pass, so a
 * split search is one linear scan per candidate feature and nothing is
 * allocated per node. Tried and not kept: partitioning a feature's lists only
 * when a node searches it (a scatter from the newest ancestor it is sorted
 * for): it moved half the rows in three passes, no faster. Trees grow on
 * `threads` threads (worker
 * threads reading the presorted data from shared memory, each a contiguous
 * range of trees); the forest does not depend on the count.
 */
export interface RandomForestOptions {
  /** Number of trees (default 10, see above). */
  nEstimators?: number;
  /** Features searched per split: a count, or 'sqrt' (default) = max(1, floor(sqrt(nCols))), or 'all'. */
  maxFeatures?: number | 'sqrt' | 'all';
  /** Bootstrap sample per tree (default true); false grows every tree on all rows. */
  bootstrap?: boolean;
  /** Maximum depth (root = depth 0); default unlimited. */
  maxDepth?: number;
  /** Seed of the bootstrap and feature draws (default 0). Tree t uses `new Random(seed).derive(t)`. */
  seed?: Seed;
  /**
   * Threads growing trees (default: SPRINT_THREADS, else the cores
   * available). The forest is the same for any count: each tree has its
   * own random stream and the trees are combined in tree order.
   */
  threads?: number;
}

/** Two float32 values closer than this are the same split point (scikit-learn's FEATURE_THRESHOLD). */
const FEATURE_THRESHOLD = 1e-7;

/** One fitted tree, in flat arrays. Children of node k are `left[k]` and `left[k] + 1`. */
export interface Tree {
  /** Split feature, -1 for a leaf. */
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  /** Weighted fraction of class 1 among the node's training rows. */
  value: Float64Array;
}

export class RandomForest implements Classifier {
  readonly name = 'forest';
  readonly nEstimators: number;
  readonly bootstrap: boolean;
  readonly maxDepth: number;
  readonly seed: Seed;
  readonly threads: number;
  private readonly maxFeaturesOption: number | 'sqrt' | 'all';
  private trees: Tree[] = [];
  private nCols = 0;
  private importances = new Float64Array(0);

  constructor(options: RandomForestOptions = {}) {
    this.nEstimators = options.nEstimators ?? 10;
    if (!Number.isInteger(this.nEstimators) || this.nEstimators < 1) {
      throw new RangeError(`RandomForest: nEstimators must be a positive integer, got ${options.nEstimators}`);
    }
    this.maxFeaturesOption = options.maxFeatures ?? 'sqrt';
    this.bootstrap = options.bootstrap ?? true;
    this.maxDepth = options.maxDepth ?? Infinity;
    if (!(this.maxDepth >= 0)) throw new RangeError(`RandomForest: maxDepth must be >= 0, got ${options.maxDepth}`);
    this.seed = options.seed ?? 0;
    this.threads = options.threads ?? threadCount();
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`RandomForest: threads must be a positive integer, got ${options.threads}`);
  }

  /** Mean decrease in Gini impurity per feature, summing to 1 (all zeros if no tree split). */
  get featureImportances(): Float64Array {
    if (this.nCols === 0) throw new Error('RandomForest: call fit before reading featureImportances');
    return this.importances.slice();
  }

  /** Number of nodes per fitted tree (for tests and diagnostics). */
  get nodeCounts(): number[] {
    return this.trees.map((t) => t.feature.length);
  }

  fit(X: FeatureMatrix, nRows: number, nCols: number, y: Uint8Array): this {
    checkFitInput('RandomForest', X, nRows, nCols, y);
    const maxFeatures = resolveMaxFeatures(this.maxFeaturesOption, nCols);
    const n = nRows;
    const d = nCols;

    // Column-major float32 copy: xc[f * n + row]; in shared memory, for the worker threads.
    const xc = new Float32Array(new SharedArrayBuffer(n * d * 4));
    for (let i = 0; i < n; i++) {
      const rowBase = i * d;
      for (let f = 0; f < d; f++) xc[f * n + i] = X[rowBase + f];
    }
    const input: ForestInput = {
      xc,
      sorted: presort(xc, n, d),
      y: new Uint8Array(new SharedArrayBuffer(n)),
      n,
      d,
      maxFeatures,
      maxDepth: this.maxDepth,
      seed: this.seed,
      bootstrap: this.bootstrap,
    };
    input.y.set(y);

    const grown = growForest(input, this.nEstimators, this.threads);
    // Trees and their importances in tree order, whichever thread grew them.
    const sumImportances = new Float64Array(d);
    let splittingTrees = 0;
    this.trees = grown.map((g) => g.tree);
    for (const { tree, importances } of grown) {
      if (tree.feature.length > 1) {
        splittingTrees++;
        for (let f = 0; f < d; f++) sumImportances[f] += importances[f];
      }
    }
    let total = 0;
    for (let f = 0; f < d; f++) total += sumImportances[f];
    this.importances = new Float64Array(d);
    if (splittingTrees > 0 && total > 0) {
      for (let f = 0; f < d; f++) this.importances[f] = sumImportances[f] / total;
    }
    this.nCols = d;
    return this;
  }

  predictProba(X: FeatureMatrix, nRows: number): Float64Array {
    const [ones] = this.accumulate(X, nRows);
    const out = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) out[i] = ones[i] / this.trees.length;
    return out;
  }

  predict(X: FeatureMatrix, nRows: number): Uint8Array {
    const [ones, zeros] = this.accumulate(X, nRows);
    const out = new Uint8Array(nRows);
    for (let i = 0; i < nRows; i++) out[i] = ones[i] > zeros[i] ? 1 : 0;
    return out;
  }

  /** Sums over trees of the leaf fractions of class 1 and of class 0, per row. */
  private accumulate(X: FeatureMatrix, nRows: number): [Float64Array, Float64Array] {
    checkPredictInput('RandomForest.predict', X, nRows, this.nCols);
    const d = this.nCols;
    const ones = new Float64Array(nRows);
    const zeros = new Float64Array(nRows);
    const xs = X instanceof Float32Array ? X : Float32Array.from(X); // float32, like scikit-learn's trees
    // Tree by tree (each tree stays in cache), summing in tree order as scikit-learn.
    for (let t = 0; t < this.trees.length; t++) {
      const { feature, threshold, left, value } = this.trees[t];
      for (let i = 0; i < nRows; i++) {
        const base = i * d;
        let k = 0;
        while (feature[k] >= 0) k = xs[base + feature[k]] <= threshold[k] ? left[k] : left[k] + 1;
        ones[i] += value[k];
        zeros[i] += 1 - value[k];
      }
    }
    return [ones, zeros];
  }
}

/**
 * Rows sorted by value, per feature (ties by row index): sorted[f * n + k] is
 * the row of rank k. Each float32 value is mapped to an order-preserving
 * unsigned 32-bit key, and the rows are ordered by a least-significant-digit
 * radix sort on it (three stable passes of 11, 11 and 10 bits, starting from
 * row order, so equal values keep row order; the three digits counted in one
 * pass): O(n) per feature.
 */
function presort(xc: Float32Array, n: number, d: number): Int32Array {
  const sorted = new Int32Array(new SharedArrayBuffer(n * d * 4));
  const bits = new Uint32Array(xc.buffer, xc.byteOffset, xc.length);
  const keys = new Uint32Array(n);
  const keys2 = new Uint32Array(n);
  const rows2 = new Int32Array(n);
  // The three digits' counts, taken in one pass; then one stable scatter per digit.
  const c0 = new Int32Array(2048);
  const c1 = new Int32Array(2048);
  const c2 = new Int32Array(1024);
  for (let f = 0; f < d; f++) {
    const base = f * n;
    c0.fill(0);
    c1.fill(0);
    c2.fill(0);
    for (let i = 0; i < n; i++) {
      const b = bits[base + i];
      const key = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      keys[i] = key;
      c0[key & 2047]++;
      c1[(key >>> 11) & 2047]++;
      c2[key >>> 22]++;
    }
    startsFromCounts(c0);
    startsFromCounts(c1);
    startsFromCounts(c2);
    const rows = sorted.subarray(base, base + n);
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const at = c0[key & 2047]++;
      keys2[at] = key;
      rows2[at] = i;
    }
    for (let i = 0; i < n; i++) {
      const key = keys2[i];
      const at = c1[(key >>> 11) & 2047]++;
      keys[at] = key;
      rows[at] = rows2[i];
    }
    for (let i = 0; i < n; i++) rows2[c2[keys[i] >>> 22]++] = rows[i];
    rows.set(rows2);
  }
  return sorted;
}

/** counts[c] becomes the number of items in buckets before c (where bucket c starts). */
function startsFromCounts(counts: Int32Array): void {
  let sum = 0;
  for (let c = 0; c < counts.length; c++) {
    const k = counts[c];
    counts[c] = sum;
    sum += k;
  }
}

/** What growing a tree needs (typed arrays in shared memory, so worker threads read them in place). */
export interface ForestInput {
  /** Column-major float32 features, xc[f * n + row]. */
  xc: Float32Array;
  /** Rows by value per feature (see presort). */
  sorted: Int32Array;
  y: Uint8Array;
  n: number;
  d: number;
  maxFeatures: number;
  maxDepth: number;
  seed: Seed;
  bootstrap: boolean;
}

export interface GrownTree {
  tree: Tree;
  /** This tree's normalized impurity decreases per feature. */
  importances: Float64Array;
}

/** Trees [first, end) of the forest: tree t from the stream `new Random(seed).derive(t)`. */
export function growTreeRange(input: ForestInput, first: number, end: number): GrownTree[] {
  const { xc, sorted, y, n, d, maxFeatures, maxDepth } = input;
  const builder = new TreeBuilder(xc, sorted, y, n, d, maxFeatures, maxDepth);
  const root = new Random(input.seed);
  const weights = new Int32Array(n);
  const out: GrownTree[] = [];
  for (let t = first; t < end; t++) {
    const rng = root.derive(t);
    if (input.bootstrap) {
      weights.fill(0);
      for (let k = 0; k < n; k++) weights[rng.int(0, n)]++;
    } else {
      weights.fill(1);
    }
    out.push(builder.grow(weights, rng));
  }
  return out;
}

/** A forest worker's job: grow trees [first, end); the result comes back on the worker's port. */
export interface ForestJob {
  input: ForestInput;
  first: number;
  end: number;
}

/** Below this many (rows x trees) a forest is grown on one thread: a worker's round trip would cost more. */
const MIN_PARALLEL_WORK = 20_000;

/** Worker threads kept for the process's forests. */
const pool = new WorkerPool<ForestJob>(libFile('eval', 'classifiers', 'forest-worker.ts'), 'growing the forest on one thread', 'a forest worker');

/**
 * Grows trees [0, count) on up to `threads` threads: this one and worker
 * threads, each a contiguous range of trees. Returns them in tree order. If a
 * worker fails, its trees are grown here and one line says so; the forest is
 * the same either way.
 */
function growForest(input: ForestInput, count: number, threads: number): GrownTree[] {
  const parts = pool.failed || input.n * count < MIN_PARALLEL_WORK ? 1 : Math.min(threads, count);
  const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * count) / parts));
  const jobs: ForestJob[] = bounds.slice(1, -1).map((first, i) => ({ input, first, end: bounds[i + 2] }));
  let grown: GrownTree[] = [];
  const others = pool.run(
    jobs,
    () => 3_600_000, // generous: the first job also waits for the worker to start
    () => (grown = growTreeRange(input, bounds[0], bounds[1])),
    (i) => growTreeRange(input, jobs[i].first, jobs[i].end),
  );
  for (const trees of others) {
    if (!Array.isArray(trees)) throw new Error('a forest worker finished without sending its trees');
    grown.push(...(trees as GrownTree[]));
  }
  return grown;
}

function resolveMaxFeatures(option: number | 'sqrt' | 'all', nCols: number): number {
  if (option === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nCols)));
  if (option === 'all') return nCols;
  if (!Number.isInteger(option) || option < 1 || option > nCols) {
    throw new RangeError(`RandomForest: maxFeatures must be an integer in [1, ${nCols}], 'sqrt' or 'all', got ${option}`);
  }
  return option;
}

/**
 * Grows one tree at a time; owns every work buffer so that growing a tree
 * allocates only the final (trimmed) node arrays.
 */
class TreeBuilder {
  /**
   * Per feature f, the in-bag rows of the current tree in value order,
   * segment [f*m, (f+1)*m), in two buffers: a split partitions its node's
   * segments from the node's buffer into the other one (see `nodeBuffer`).
   */
  private readonly orders: [Int32Array, Int32Array];
  private readonly goLeft: Uint8Array;
  /** Per row, its weight in the current tree if it is in class 1, else 0. */
  private readonly ones: Int32Array;
  /** Per row, 1 if it is in the current tree's bootstrap sample, else 0. */
  private readonly inBag: Uint8Array;
  private readonly features: Int32Array;
  // Node arrays (capacity 2n - 1 nodes).
  private readonly nodeFeature: Int32Array;
  private readonly nodeThreshold: Float64Array;
  private readonly nodeLeft: Int32Array;
  private readonly nodeValue: Float64Array;
  // Per-node bookkeeping while growing: segment, depth, weighted class totals.
  private readonly nodeStart: Int32Array;
  private readonly nodeEnd: Int32Array;
  private readonly nodeDepth: Int32Array;
  /** Which of `orders` holds the node's rows. */
  private readonly nodeBuffer: Uint8Array;
  private readonly nodeW0: Float64Array;
  private readonly nodeW1: Float64Array;
  private readonly stack: Int32Array;

  constructor(
    private readonly xc: Float32Array,
    private readonly sorted: Int32Array,
    private readonly y: Uint8Array,
    private readonly n: number,
    private readonly d: number,
    private readonly maxFeatures: number,
    private readonly maxDepth: number,
  ) {
    this.orders = [new Int32Array(n * d), new Int32Array(n * d)];
    this.goLeft = new Uint8Array(n);
    this.ones = new Int32Array(n);
    this.inBag = new Uint8Array(n);
    this.features = new Int32Array(d);
    const cap = 2 * n;
    this.nodeFeature = new Int32Array(cap);
    this.nodeThreshold = new Float64Array(cap);
    this.nodeLeft = new Int32Array(cap);
    this.nodeValue = new Float64Array(cap);
    this.nodeStart = new Int32Array(cap);
    this.nodeEnd = new Int32Array(cap);
    this.nodeDepth = new Int32Array(cap);
    this.nodeBuffer = new Uint8Array(cap);
    this.nodeW0 = new Float64Array(cap);
    this.nodeW1 = new Float64Array(cap);
    this.stack = new Int32Array(cap);
  }

  grow(weights: Int32Array, rng: Random): { tree: Tree; importances: Float64Array } {
    const { xc, sorted, y, n, d, orders, goLeft, inBag, features, ones } = this;
    const order = orders[0];
    // In-bag rows in each feature's order.
    let m = 0;
    for (let i = 0; i < n; i++) {
      inBag[i] = weights[i] > 0 ? 1 : 0;
      m += inBag[i];
    }
    for (let f = 0; f < d; f++) {
      let j = f * m;
      const src = f * n;
      for (let k = 0; k < n; k++) {
        const r = sorted[src + k];
        // Branch-free: every row is written, only an in-bag one is kept (an out-of-bag
        // write past this segment lands on the next one's first slot, filled next;
        // out-of-bag rows exist only when m < n, so it stays inside the array).
        order[j] = r;
        j += inBag[r];
      }
    }
    let w0 = 0;
    let w1 = 0;
    for (let i = 0; i < n; i++) {
      ones[i] = y[i] === 1 ? weights[i] : 0; // the class-1 weight: the split scan has no branch on the class
      if (y[i] === 1) w1 += weights[i];
      else w0 += weights[i];
    }
    for (let f = 0; f < d; f++) features[f] = f;

    const importances = new Float64Array(d);
    let nodeCount = 1;
    this.nodeStart[0] = 0;
    this.nodeEnd[0] = m;
    this.nodeDepth[0] = 0;
    this.nodeBuffer[0] = 0;
    this.nodeW0[0] = w0;
    this.nodeW1[0] = w1;
    let top = 0;
    this.stack[top++] = 0;

    while (top > 0) {
      const k = this.stack[--top];
      const s = this.nodeStart[k];
      const e = this.nodeEnd[k];
      const W0 = this.nodeW0[k];
      const W1 = this.nodeW1[k];
      const W = W0 + W1;
      this.nodeValue[k] = W1 / W;
      this.nodeFeature[k] = -1;
      this.nodeLeft[k] = -1;
      if (e - s < 2 || W0 === 0 || W1 === 0 || this.nodeDepth[k] >= this.maxDepth) continue;
      const order = orders[this.nodeBuffer[k]];

      // Search: features in random order until maxFeatures non-constant ones were scanned.
      let bestProxy = -Infinity;
      let bestFeature = -1;
      let bestPos = -1;
      let bestThreshold = 0;
      let bestL0 = 0;
      let bestL1 = 0;
      let drawn = 0;
      let visited = 0;
      while (drawn < d && visited < this.maxFeatures) {
        const j = drawn + rng.int(0, d - drawn);
        const f = features[j];
        features[j] = features[drawn];
        features[drawn] = f;
        drawn++;
        const base = f * m;
        const col = f * n;
        if (xc[col + order[base + e - 1]] <= xc[col + order[base + s]] + FEATURE_THRESHOLD) continue; // constant here
        visited++;
        let lw = 0;
        let l1 = 0;
        let v = xc[col + order[base + s]];
        for (let p = s; p < e - 1; p++) {
          const r = order[base + p];
          lw += weights[r];
          l1 += ones[r];
          const vNext = xc[col + order[base + p + 1]];
          if (vNext > v + FEATURE_THRESHOLD) {
            const l0 = lw - l1;
            const r0 = W0 - l0;
            const r1 = W1 - l1;
            const proxy = (l0 * l0 + l1 * l1) / lw + (r0 * r0 + r1 * r1) / (r0 + r1);
            if (proxy > bestProxy) {
              bestProxy = proxy;
              bestFeature = f;
              bestPos = p;
              let thr = v / 2 + vNext / 2;
              if (thr === vNext || !Number.isFinite(thr)) thr = v;
              bestThreshold = thr;
              bestL0 = l0;
              bestL1 = l1;
            }
          }
          v = vNext;
        }
      }
      if (bestFeature < 0) continue; // every feature constant in this node: leaf

      // Weighted Gini decrease: W*G(node) - WL*G(left) - WR*G(right) = proxy - (W0^2 + W1^2)/W.
      importances[bestFeature] += bestProxy - (W0 * W0 + W1 * W1) / W;

      const left = nodeCount;
      const right = nodeCount + 1;
      nodeCount += 2;
      this.nodeFeature[k] = bestFeature;
      this.nodeThreshold[k] = bestThreshold;
      this.nodeLeft[k] = left;
      const depth = this.nodeDepth[k] + 1;
      const mid = bestPos + 1;
      const r0 = W0 - bestL0;
      const r1 = W1 - bestL1;
      this.nodeStart[left] = s;
      this.nodeEnd[left] = mid;
      this.nodeStart[right] = mid;
      this.nodeEnd[right] = e;
      this.nodeDepth[left] = depth;
      this.nodeDepth[right] = depth;
      this.nodeW0[left] = bestL0;
      this.nodeW1[left] = bestL1;
      this.nodeW0[right] = r0;
      this.nodeW1[right] = r1;

      const leftGrows = mid - s >= 2 && bestL0 > 0 && bestL1 > 0 && depth < this.maxDepth;
      const rightGrows = e - mid >= 2 && r0 > 0 && r1 > 0 && depth < this.maxDepth;
      if (leftGrows || rightGrows) {
        // Stable partition of every feature's segment into the other buffer: the
        // left child's rows (a count known from the split) first, in order,
        // then the right child's. (The split feature's is [left | right] already; the pass copies it too.)
        const splitBase = bestFeature * m;
        for (let p = s; p < mid; p++) goLeft[order[splitBase + p]] = 1;
        for (let p = mid; p < e; p++) goLeft[order[splitBase + p]] = 0;
        const into = 1 - this.nodeBuffer[k];
        const out = orders[into];
        for (let f = 0; f < d; f++) {
          const base = f * m;
          let li = base + s;
          let ri = base + mid;
          // Branch-free (the side is a coin flip to the CPU).
          for (let p = base + s, end = base + e; p < end; p++) {
            const r = order[p];
            const l = goLeft[r];
            out[(li & -l) | (ri & (l - 1))] = r; // li if l, else ri
            li += l;
            ri += 1 - l;
          }
        }
        this.nodeBuffer[left] = into;
        this.nodeBuffer[right] = into;
      }
      // Depth first, left child first.
      this.stack[top++] = right;
      this.stack[top++] = left;
    }

    // MDI of this tree: divided by the root weight, then normalized to sum 1.
    let total = 0;
    for (let f = 0; f < d; f++) {
      importances[f] /= w0 + w1;
      total += importances[f];
    }
    if (total > 0) for (let f = 0; f < d; f++) importances[f] /= total;

    return {
      tree: {
        feature: this.nodeFeature.slice(0, nodeCount),
        threshold: this.nodeThreshold.slice(0, nodeCount),
        left: this.nodeLeft.slice(0, nodeCount),
        value: this.nodeValue.slice(0, nodeCount),
      },
      importances,
    };
  }
}
