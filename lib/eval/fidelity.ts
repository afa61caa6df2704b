/**
 * Fidelity statistics: how closely a synthetic cohort reproduces the real
 * one, feature by feature and in its correlation structure (the statistics
 * of the paper's Analysis.ipynb). All functions are pure and deterministic.
 *
 * Matrices are row-major `[patient][measure][visit]` as in `Cohort.x`
 * (lib/data/cohort.ts): feature `m * 12 + v` is measure m at visit v.
 */
import { N_FEATURES, N_MEASURES, N_VISITS } from '../data/cohort';
import type { FeatureMatrix } from './classifiers/types';

/** The part of a cohort the statistics read. */
export interface LabelledPatients {
  /** Number of patients. */
  n: number;
  /** Row-major [patient][measure][visit], 36 values per patient. */
  x: FeatureMatrix;
  /** Arm per patient (0 standard, 1 intensive). */
  y: Uint8Array;
}

function checkPatients(who: string, p: LabelledPatients): void {
  if (!Number.isInteger(p.n) || p.n < 1) throw new RangeError(`${who}: n must be a positive integer, got ${p.n}`);
  if (p.x.length !== p.n * N_FEATURES) {
    throw new RangeError(`${who}: x has ${p.x.length} values, expected n * ${N_FEATURES} = ${p.n * N_FEATURES}`);
  }
  if (p.y.length !== p.n) throw new RangeError(`${who}: y has ${p.y.length} labels, expected n = ${p.n}`);
}

/** Mean of each measure over all patients and visits: [SBP, DBP, N_BPCLASSES] (in the units of x). */
export function measureMeans(p: Pick<LabelledPatients, 'n' | 'x'>): number[] {
  checkPatients('measureMeans', { ...p, y: new Uint8Array(p.n) });
  const sums = new Float64Array(N_MEASURES);
  for (let i = 0; i < p.n; i++) {
    for (let m = 0; m < N_MEASURES; m++) {
      const base = i * N_FEATURES + m * N_VISITS;
      for (let v = 0; v < N_VISITS; v++) sums[m] += p.x[base + v];
    }
  }
  return Array.from(sums, (s) => s / (p.n * N_VISITS));
}

/**
 * Within-arm spread of each measure: the population standard deviation of
 * every (arm, visit) feature over that arm's patients, averaged over the two
 * arms and the 12 visits: [SBP, DBP, N_BPCLASSES] (in the units of x). A
 * generator that collapses to a few trajectories per arm has a spread far
 * below the real one even when its means match. Arms without patients are
 * left out; NaN if both are empty.
 */
export function withinArmSpread(p: LabelledPatients): number[] {
  checkPatients('withinArmSpread', p);
  const total = new Float64Array(N_MEASURES);
  let arms = 0;
  for (let arm = 0; arm < 2; arm++) {
    let count = 0;
    const sum = new Float64Array(N_FEATURES);
    for (let i = 0; i < p.n; i++) {
      if (p.y[i] !== arm) continue;
      count++;
      for (let f = 0; f < N_FEATURES; f++) sum[f] += p.x[i * N_FEATURES + f];
    }
    if (count === 0) continue;
    arms++;
    const ss = new Float64Array(N_FEATURES);
    for (let i = 0; i < p.n; i++) {
      if (p.y[i] !== arm) continue;
      for (let f = 0; f < N_FEATURES; f++) {
        const d = p.x[i * N_FEATURES + f] - sum[f] / count;
        ss[f] += d * d;
      }
    }
    for (let f = 0; f < N_FEATURES; f++) total[Math.floor(f / N_VISITS)] += Math.sqrt(ss[f] / count);
  }
  return Array.from(total, (t) => (arms === 0 ? NaN : t / (arms * N_VISITS)));
}

/** Median of a list (mean of the two middle values for an even count, as numpy); NaN when empty. */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const k = sorted.length;
  if (k === 0) return NaN;
  const h = k >> 1;
  return k % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/**
 * Median of every measure at every visit, per arm: `result[arm][measure][visit]`
 * (the trajectories of the paper's Figure 3). NaN for an arm without patients.
 */
export function armVisitMedians(p: LabelledPatients): number[][][] {
  checkPatients('armVisitMedians', p);
  const result: number[][][] = [];
  for (let arm = 0; arm < 2; arm++) {
    let count = 0;
    for (let i = 0; i < p.n; i++) if (p.y[i] === arm) count++;
    const column = new Float64Array(count);
    const perMeasure: number[][] = [];
    for (let m = 0; m < N_MEASURES; m++) {
      const perVisit: number[] = [];
      for (let v = 0; v < N_VISITS; v++) {
        const f = m * N_VISITS + v;
        let j = 0;
        for (let i = 0; i < p.n; i++) if (p.y[i] === arm) column[j++] = p.x[i * N_FEATURES + f];
        perVisit.push(median(column));
      }
      perMeasure.push(perVisit);
    }
    result.push(perMeasure);
  }
  return result;
}

/**
 * Pearson correlation matrix of the columns (nCols x nCols, row-major), as
 * numpy's `corrcoef(X, rowvar=False)`. A constant column has no correlation:
 * its row and column (diagonal included) are NaN, as in numpy.
 */
export function correlationMatrix(X: FeatureMatrix, nRows: number, nCols: number): Float64Array {
  if (X.length !== nRows * nCols) {
    throw new RangeError(`correlationMatrix: X has ${X.length} values, expected ${nRows} * ${nCols} = ${nRows * nCols}`);
  }
  if (nRows < 2) throw new RangeError(`correlationMatrix: need at least 2 rows, got ${nRows}`);
  const mean = new Float64Array(nCols);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nCols; j++) mean[j] += X[i * nCols + j];
  for (let j = 0; j < nCols; j++) mean[j] /= nRows;
  const cov = new Float64Array(nCols * nCols);
  const centered = new Float64Array(nCols);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nCols; j++) centered[j] = X[i * nCols + j] - mean[j];
    for (let a = 0; a < nCols; a++) {
      const ca = centered[a];
      const row = a * nCols;
      for (let b = 0; b <= a; b++) cov[row + b] += ca * centered[b];
    }
  }
  const corr = new Float64Array(nCols * nCols);
  for (let a = 0; a < nCols; a++) {
    for (let b = 0; b <= a; b++) {
      const denom = Math.sqrt(cov[a * nCols + a] * cov[b * nCols + b]);
      let r = denom > 0 ? cov[a * nCols + b] / denom : NaN;
      if (r > 1) r = 1; // rounding
      if (r < -1) r = -1;
      corr[a * nCols + b] = r;
      corr[b * nCols + a] = r;
    }
  }
  return corr;
}

/** Entries strictly below the diagonal of a k x k row-major matrix, row by row: (1,0), (2,0), (2,1), ... */
export function lowerTriangle(matrix: ArrayLike<number>, k: number): Float64Array {
  if (matrix.length !== k * k) throw new RangeError(`lowerTriangle: ${matrix.length} values is not ${k} x ${k}`);
  const out = new Float64Array((k * (k - 1)) / 2);
  let q = 0;
  for (let i = 1; i < k; i++) for (let j = 0; j < i; j++) out[q++] = matrix[i * k + j];
  return out;
}

/** Ranks 1..n with ties given the average of the ranks they span (scipy's rankdata 'average'). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const r = (i + j) / 2 + 1; // average of ranks i+1 .. j+1
    for (let q = i; q <= j; q++) ranks[order[q]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation of two equal-length vectors; NaN if either is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`pearson: lengths differ (${a.length} vs ${b.length})`);
  const n = a.length;
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  const denom = Math.sqrt(saa * sbb);
  return denom > 0 ? Math.max(-1, Math.min(1, sab / denom)) : NaN;
}

export interface SpearmanOptions {
  /**
   * 'propagate' (default, as scipy): any NaN gives NaN. 'omit': pairs with a
   * NaN on either side are left out (e.g. the correlations of a constant
   * synthetic feature).
   */
  nanPolicy?: 'propagate' | 'omit';
}

/**
 * Spearman rank correlation: Pearson correlation of the average ranks (ties
 * averaged, as scipy.stats.spearmanr). NaN if a side is constant.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>, options: SpearmanOptions = {}): number {
  if (a.length !== b.length) throw new RangeError(`spearman: lengths differ (${a.length} vs ${b.length})`);
  const keepA: number[] = [];
  const keepB: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if ((options.nanPolicy ?? 'propagate') === 'propagate') return NaN;
      continue;
    }
    keepA.push(a[i]);
    keepB.push(b[i]);
  }
  return pearson(averageRanks(keepA), averageRanks(keepB));
}

/**
 * Spearman correlation between the strict lower triangles of the real and the
 * synthetic 36 x 36 feature correlation matrices: 1 when the synthetic cohort
 * orders all 630 pairwise correlations as the real one does.
 */
export function correlationStructureAgreement(
  real: Pick<LabelledPatients, 'n' | 'x'>,
  synthetic: Pick<LabelledPatients, 'n' | 'x'>,
  options: SpearmanOptions = {},
): number {
  const r = lowerTriangle(correlationMatrix(real.x, real.n, N_FEATURES), N_FEATURES);
  const s = lowerTriangle(correlationMatrix(synthetic.x, synthetic.n, N_FEATURES), N_FEATURES);
  return spearman(r, s, options);
}

/** Everything above for one real / synthetic pair. */
export interface FidelityReport {
  /** Per measure [SBP, DBP, N_BPCLASSES] means, in the units of x. */
  realMeans: number[];
  syntheticMeans: number[];
  /** Per measure within-arm standard deviations ({@link withinArmSpread}). */
  realSpread: number[];
  syntheticSpread: number[];
  /** [arm][measure][visit] medians. */
  realMedians: number[][][];
  syntheticMedians: number[][][];
  /** 36 x 36 row-major Pearson matrices. */
  realCorrelation: Float64Array;
  syntheticCorrelation: Float64Array;
  /** Spearman between the lower triangles (pairs with a NaN left out). */
  correlationSpearman: number;
}

export function fidelityReport(real: LabelledPatients, synthetic: LabelledPatients): FidelityReport {
  checkPatients('fidelityReport (real)', real);
  checkPatients('fidelityReport (synthetic)', synthetic);
  const realCorrelation = correlationMatrix(real.x, real.n, N_FEATURES);
  const syntheticCorrelation = correlationMatrix(synthetic.x, synthetic.n, N_FEATURES);
  return {
    realMeans: measureMeans(real),
    syntheticMeans: measureMeans(synthetic),
    realSpread: withinArmSpread(real),
    syntheticSpread: withinArmSpread(synthetic),
    realMedians: armVisitMedians(real),
    syntheticMedians: armVisitMedians(synthetic),
    realCorrelation,
    syntheticCorrelation,
    correlationSpearman: spearman(
      lowerTriangle(realCorrelation, N_FEATURES),
      lowerTriangle(syntheticCorrelation, N_FEATURES),
      { nanPolicy: 'omit' },
    ),
  };
}
