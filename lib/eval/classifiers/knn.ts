import { symmetricEigen } from '../../compute/linalg';
import { ownMemoryKernels } from '../../compute/simd/index';
import { orderByFloat64 } from '../../compute/sort';
import { checkFitInput, checkPredictInput, type Classifier, type FeatureMatrix } from './types';

/**
 * k-nearest neighbours with scikit-learn's `KNeighborsClassifier()` defaults:
 * k = 5, Euclidean distance, uniform weights. `predictProba` is the fraction
 * of the k neighbours in class 1; `predict` is the majority (a tie, possible
 * only for even k, goes to class 0 like scikit-learn's mode). Training rows at
 * exactly the same distance are ranked by row index (scikit-learn's order for
 * such ties depends on its search algorithm).
 *
 * Exact search, a lower bound first and the exact distance second:
 *
 * - `fit` finds the principal axes of the training rows (eigenvectors of
 *   their covariance, largest variance first) and keeps each row's first
 *   HEAD = 12 coordinates on them (centred, rotated). On any subset of
 *   orthonormal axes, the squared distance between two rows' coordinates is
 *   a lower bound of their squared distance; on the leading axes it is most
 *   of it. Rows are stored in strips of about 192 by the first coordinate,
 *   sorted by the second within a strip.
 * - A query first takes the exact distances of the k stored rows around its
 *   place (its strip, its second coordinate) as a first k-th best. It then
 *   visits strips in order of their gap from it along the first axis, while
 *   that gap is within the k-th best; in a strip, the rows whose gap along
 *   the second coordinate is within what is left of it (a range found by
 *   binary search). Those rows' 12-coordinate bounds are computed in
 *   lib/compute/simd's float64 kernel `headBoundsBelow`, which keeps the
 *   rows within the k-th best; each kept row still within the (since
 *   lowered) k-th best gets its exact squared distance, summed over the
 *   features in column order (as a brute-force search computes it; it stops
 *   early once past the k-th best), and the k smallest (distance, row) pairs
 *   win.
 * - The bounds carry the rotation's rounding, so they are held to the k-th
 *   best plus a slack: 1e-9 of a bound on any squared distance ((training
 *   radius + the query's distance from the mean)^2), about seven orders of
 *   magnitude above that rounding (~d^2 2^-53 of the same bound). A slack can
 *   only make the search visit more rows; the answer is decided by exact
 *   distances alone, so it is brute force's, ties included.
 *
 * Deterministic, no seed needed.
 *
 * Why our own code: ml-knn 3.0.0 (k-d tree) gave the same accuracy as
 * scikit-learn on the 2000 x 36 fixture (0.734) but took 1.68 s to predict 500
 * rows vs 0.116 s for scikit-learn. A k-d tree on the principal coordinates
 * (tried) visited as many rows as a scan sorted by the first coordinate:
 * with median splits most of its levels cut the first coordinate again, and
 * a box bound is weaker than each row's own gap. The strips add the second
 * coordinate's gap, which about halves the rows visited on SPRINT-shaped data.
 * On the bench's 6000 x 36 -> 3000 data a query bounds ~1200 rows (20%) and
 * sums ~120 exact distances; predict took 87 ms with the bounds in scalar
 * code, 50 ms in the kernel. Tried and not kept (no gain): the predecessor
 * query's neighbours as a first k-th best, a residual-norm term in the
 * bound, float32 coordinates. `fit`'s sums (the covariance, the rotation)
 * run in the float64 SIMD kernels and its sorts are radix sorts (13 ms ->
 * 6 ms).
 */
export interface KNearestNeighborsOptions {
  /** Number of neighbours (default 5). */
  k?: number;
}

export class KNearestNeighbors implements Classifier {
  readonly name = 'knn';
  readonly k: number;
  /** Training rows in the original coordinates, in the stored order (see `stripStart`), row-major. */
  private train = new Float64Array(0);
  /** Each stored row's first HEAD principal coordinates (centred, rotated; zeros past d), contiguous. */
  private head = new Float64Array(0);
  /** Original row index of each stored training row (for tie-breaking). */
  private rowIndex: Int32Array = new Int32Array(0);
  private labels = new Uint8Array(0);
  /** Column means (the centre of the rotation). */
  private mean: Float64Array = new Float64Array(0);
  /** The leading principal axes as columns, d x HEAD: axes[j * HEAD + c] is axis c's component j (zero past the last axis). */
  private axes: Float64Array = new Float64Array(0);
  /** Largest distance of a training row from the mean (in the original coordinates). */
  private radius = 0;
  /** Strip s holds the stored rows [stripStart[s], stripStart[s + 1]), sorted by their second principal coordinate. */
  private stripStart = new Int32Array(0);
  /** Range of the first principal coordinate in each strip (strips are ordered by it). */
  private stripMin = new Float64Array(0);
  private stripMax = new Float64Array(0);
  private nCols = 0;

  constructor(options: KNearestNeighborsOptions = {}) {
    this.k = options.k ?? 5;
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError(`KNearestNeighbors: k must be a positive integer, got ${options.k}`);
  }

  fit(X: FeatureMatrix, nRows: number, nCols: number, y: Uint8Array): this {
    checkFitInput('KNearestNeighbors', X, nRows, nCols, y);
    if (nRows < this.k) throw new RangeError(`KNearestNeighbors.fit: ${nRows} rows, fewer than k = ${this.k}`);
    const d = nCols;
    const { mean, axes } = principalAxes(X, nRows, d, Math.min(d, HEAD));
    const { coords, norms2 } = principalCoordinates(X, nRows, d, mean, axes);
    let radius2 = 0;
    for (let i = 0; i < nRows; i++) radius2 = Math.max(radius2, norms2[i]);
    // Strips of rows by the first coordinate; within a strip, rows by the
    // second; ties by row index: rows by (second, index), then a stable
    // counting sort by strip.
    const first = new Float64Array(nRows);
    const second = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) {
      first[i] = coords[i * HEAD];
      second[i] = coords[i * HEAD + 1];
    }
    const rows = Int32Array.from({ length: nRows }, (_, i) => i);
    const byFirst = orderByFloat64(first, rows);
    const nStrips = Math.max(1, Math.round(nRows / STRIP_ROWS));
    this.stripStart = Int32Array.from({ length: nStrips + 1 }, (_, s) => Math.round((s * nRows) / nStrips));
    this.stripMin = new Float64Array(nStrips);
    this.stripMax = new Float64Array(nStrips);
    const stripOf = new Int32Array(nRows);
    for (let s = 0; s < nStrips; s++) {
      const a = this.stripStart[s];
      const b = this.stripStart[s + 1];
      this.stripMin[s] = first[byFirst[a]];
      this.stripMax[s] = first[byFirst[b - 1]];
      for (let q = a; q < b; q++) stripOf[byFirst[q]] = s;
    }
    const order = new Int32Array(nRows);
    const next = this.stripStart.slice(0, nStrips);
    for (const r of orderByFloat64(second, rows)) order[next[stripOf[r]]++] = r;
    this.train = new Float64Array(nRows * d);
    this.head = new Float64Array(nRows * HEAD);
    this.rowIndex = order;
    this.labels = new Uint8Array(nRows);
    for (let q = 0; q < nRows; q++) {
      const r = order[q];
      for (let j = 0; j < d; j++) this.train[q * d + j] = X[r * d + j];
      for (let c = 0; c < HEAD; c++) this.head[q * HEAD + c] = coords[r * HEAD + c];
      this.labels[q] = y[r];
    }
    this.mean = mean;
    this.axes = axes;
    this.radius = Math.sqrt(radius2);
    this.nCols = d;
    return this;
  }

  /** Number of class-1 rows among the k nearest training rows, per query row. */
  private votes(X: FeatureMatrix, nRows: number): Int32Array {
    checkPredictInput('KNearestNeighbors.predict', X, nRows, this.nCols);
    const { train, head, rowIndex, labels, k, mean, axes, stripStart, stripMin, stripMax } = this;
    const nStrips = stripMin.length;
    const n = rowIndex.length;
    const d = this.nCols;
    const { coords, norms2 } = principalCoordinates(X, nRows, d, mean, axes);
    // The bounds run in lib/compute/simd's headBoundsBelow, on a copy of the
    // coordinates in the kernels' memory, with the query's coordinates and
    // the kept rows and bounds beside them.
    let widest = 0;
    for (let s = 0; s < nStrips; s++) widest = Math.max(widest, stripStart[s + 1] - stripStart[s]);
    const { kernels, buffer } = ownMemoryKernels(8 * (n * HEAD + HEAD + widest) + 4 * widest);
    const headK = new Float64Array(buffer, 0, n * HEAD);
    const queryK = new Float64Array(buffer, headK.byteLength, HEAD);
    const keptBound = new Float64Array(buffer, queryK.byteOffset + queryK.byteLength, widest);
    const keptRow = new Int32Array(buffer, keptBound.byteOffset + keptBound.byteLength, widest);
    headK.set(head);
    const bestDist = new Float64Array(k);
    const bestRow = new Int32Array(k); // original row index
    const bestLabel = new Uint8Array(k);
    const query = new Float64Array(d);
    const out = new Int32Array(nRows);
    for (let q = 0; q < nRows; q++) {
      for (let j = 0; j < d; j++) query[j] = X[q * d + j];
      for (let c = 0; c < HEAD; c++) queryK[c] = coords[q * HEAD + c];
      const y0 = queryK[0];
      const y1 = queryK[1];
      const reach = this.radius + Math.sqrt(norms2[q]);
      const slack = 1e-9 * reach * reach + 1e-300;
      const home = Math.min(lowerBound(stripMax, y0), nStrips - 1); // the strip that holds y0, or the nearest

      // A first k-th best: the exact distances of the k stored rows around the
      // query's place in its strip (any k rows bound the k-th nearest distance).
      const from = stripStart[home] + lowerBound(head.subarray(stripStart[home] * HEAD + 1, stripStart[home + 1] * HEAD), y1, HEAD);
      const seedFirst = Math.max(0, Math.min(from - (k >> 1), n - k));
      let seed = 0;
      for (let r = seedFirst; r < seedFirst + k; r++) seed = Math.max(seed, distance(train, r * d, query, d, Infinity));
      bestDist.fill(Infinity);
      bestRow.fill(0x7fffffff);
      let kth = seed; // the k-th smallest exact squared distance so far (or the seed's)
      let threshold = kth + slack; // what the principal coordinates' bounds are held to

      // Strips in order of their gap from the query along the first
      // coordinate, while the gap is within the threshold; in each, the rows
      // whose gap along the second coordinate is too (the rows sorted by it).
      let sHi = home;
      let sLo = home - 1;
      while (sLo >= 0 || sHi < nStrips) {
        const gapLo = sLo >= 0 ? Math.max(0, y0 - stripMax[sLo]) : Infinity;
        const gapHi = sHi < nStrips ? Math.max(0, stripMin[sHi] - y0) : Infinity;
        const strip = gapLo <= gapHi ? sLo-- : sHi++;
        const g1 = Math.min(gapLo, gapHi);
        const base1 = g1 * g1;
        if (base1 > threshold) break; // the strips further out on both sides are beyond the k-th distance
        const first = stripStart[strip];
        const last = stripStart[strip + 1];
        let lo = first;
        let hi = last;
        if (threshold < Infinity) {
          // (With distances that overflow, every row: the coordinates may be too.)
          const half = Math.sqrt(threshold - base1);
          const column = head.subarray(first * HEAD + 1, last * HEAD);
          lo = first + lowerBound(column, y1 - half, HEAD);
          hi = first + upperBound(column, y1 + half, HEAD);
        }
        // The rows whose 12-coordinate bound is within the threshold, in row order.
        const kept = kernels.headBoundsBelow(headK.byteOffset, queryK.byteOffset, lo, hi, threshold, keptRow.byteOffset, keptBound.byteOffset);
        for (let i = 0; i < kept; i++) {
          if (keptBound[i] > threshold) continue; // the threshold fell since
          const r = keptRow[i];
          const dist = distance(train, r * d, query, d, kth);
          const orig = rowIndex[r];
          if (dist > kth || (dist === kth && orig > bestRow[k - 1])) continue;
          let p = k - 1;
          while (p > 0 && (bestDist[p - 1] > dist || (bestDist[p - 1] === dist && bestRow[p - 1] > orig))) {
            bestDist[p] = bestDist[p - 1];
            bestRow[p] = bestRow[p - 1];
            bestLabel[p] = bestLabel[p - 1];
            p--;
          }
          bestDist[p] = dist;
          bestRow[p] = orig;
          bestLabel[p] = labels[r];
          kth = Math.min(seed, bestDist[k - 1]);
          threshold = kth + slack;
        }
      }
      let ones = 0;
      for (let p = 0; p < k; p++) ones += bestLabel[p];
      out[q] = ones;
    }
    return out;
  }

  predictProba(X: FeatureMatrix, nRows: number): Float64Array {
    const v = this.votes(X, nRows);
    const out = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) out[i] = v[i] / this.k;
    return out;
  }

  predict(X: FeatureMatrix, nRows: number): Uint8Array {
    const v = this.votes(X, nRows);
    const out = new Uint8Array(nRows);
    for (let i = 0; i < nRows; i++) out[i] = 2 * v[i] > this.k ? 1 : 0;
    return out;
  }
}

/** Leading principal coordinates kept per row for the lower bound (headBoundsBelow is written for 12). */
const HEAD = 12;
/** Rows per strip of the first principal coordinate (about). */
const STRIP_ROWS = 192;

/**
 * Each row's HEAD principal coordinates (n x HEAD, row-major: coords[i * HEAD + c]
 * is the sum over j, in order, of (X[i, j] - mean[j]) axes[j, c]) and its
 * squared distance from the mean. The sums run in lib/compute/simd's float64
 * column-sum kernel, a row at a time.
 */
function principalCoordinates(
  X: FeatureMatrix, n: number, d: number, mean: Float64Array, axes: Float64Array,
): { coords: Float64Array; norms2: Float64Array } {
  const { kernels, buffer } = ownMemoryKernels(8 * (n * d + d * HEAD + HEAD));
  const centred = new Float64Array(buffer, 0, n * d);
  const axesK = new Float64Array(buffer, centred.byteLength, d * HEAD);
  const row = new Float64Array(buffer, axesK.byteOffset + axesK.byteLength, HEAD);
  axesK.set(axes);
  const coords = new Float64Array(n * HEAD);
  const norms2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let norm2 = 0;
    for (let j = 0; j < d; j++) {
      const c = X[i * d + j] - mean[j];
      centred[i * d + j] = c;
      norm2 += c * c;
    }
    norms2[i] = norm2;
    kernels.weightedColumnSums(axesK.byteOffset, centred.byteOffset + 8 * i * d, d, HEAD, row.byteOffset);
    coords.set(row, i * HEAD);
  }
  return { coords, norms2 };
}

/**
 * The squared distance of stored row `at` (offset into `train`) from the
 * query, summed in column order (what a brute-force search computes); once
 * past `limit` it stops (and returns a value past it).
 */
function distance(train: Float64Array, at: number, query: Float64Array, d: number, limit: number): number {
  let dist = 0;
  let j = 0;
  for (; j + 4 <= d && dist <= limit; j += 4) {
    const e0 = train[at + j] - query[j];
    const e1 = train[at + j + 1] - query[j + 1];
    const e2 = train[at + j + 2] - query[j + 2];
    const e3 = train[at + j + 3] - query[j + 3];
    dist += e0 * e0;
    dist += e1 * e1;
    dist += e2 * e2;
    dist += e3 * e3;
  }
  for (; j < d && dist <= limit; j++) {
    const e = train[at + j] - query[j];
    dist += e * e;
  }
  return dist;
}

/** First index i (of values.length / stride) with values[i * stride] > x; the values ascend. */
function upperBound(values: Float64Array, x: number, stride = 1): number {
  let lo = 0;
  let hi = Math.ceil(values.length / stride);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid * stride] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i (of values.length / stride) with values[i * stride] >= x; the values ascend. */
function lowerBound(values: Float64Array, x: number, stride = 1): number {
  let lo = 0;
  let hi = Math.ceil(values.length / stride);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid * stride] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Column means and the leading m principal axes of the rows (eigenvectors of
 * their covariance, by decreasing eigenvalue) as columns of a d x HEAD matrix
 * (zero past column m), estimated from at most ~2000 evenly spaced rows: the
 * axes only steer the pruning; the search is exact with any orthonormal basis.
 * The covariance's sums run in lib/compute/simd's float64 Gram kernel (each
 * sum over the rows in order, as a scalar loop would round it).
 */
function principalAxes(X: FeatureMatrix, n: number, d: number, m: number): { mean: Float64Array; axes: Float64Array } {
  const stride = Math.max(1, Math.floor(n / 2000));
  const used = Math.ceil(n / stride);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i += stride) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= used;
  // The centred rows (padded with zeros to kp columns), unit weights, the kernel's scratch space, the sums.
  const kp = (d + 3) & ~3;
  const { kernels, buffer } = ownMemoryKernels(8 * (2 * used * kp + used + kp * kp));
  const centred = new Float64Array(buffer, 0, used * kp).fill(0);
  const ones = new Float64Array(buffer, centred.byteLength, used).fill(1);
  const scratch = ones.byteOffset + ones.byteLength;
  const sums = new Float64Array(buffer, scratch + 8 * used * kp, kp * kp);
  for (let i = 0, u = 0; i < n; i += stride, u++) for (let j = 0; j < d; j++) centred[u * kp + j] = X[i * d + j] - mean[j];
  kernels.weightedGram(centred.byteOffset, ones.byteOffset, used, kp, scratch, sums.byteOffset);
  const cov = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      cov[a * d + b] = sums[a * kp + b];
      cov[b * d + a] = sums[a * kp + b];
    }
  }
  const { values, vectors } = symmetricEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  const axes = new Float64Array(d * HEAD);
  for (let c = 0; c < m; c++) for (let j = 0; j < d; j++) axes[j * HEAD + c] = vectors[j * d + order[c]];
  return { mean, axes };
}
