/**
 * Prototype: discrete medication model (per-arm M0 histogram + Markov chain
 * over the change since RZ) + conditional Gaussian of SBP/DBP given the
 * medication summary and arm, released from one noisy second-moment matrix.
 */
import { N_FEATURES, type Cohort } from '../lib/data/cohort';
import { calibrateNoiseMultiplier } from '../lib/privacy/calibrate';
import { PrivacyLedger } from '../lib/privacy/ledger';
import { Random } from '../lib/random';
import { floorEigen, jacobiEigen, solveSpd } from './linalg';

export interface HybridOptions {
  epsilon: number;
  delta: number;
  seed: number;
  /** Share of the zCDP budget (1/sigma^2) given to the medication tables. */
  discreteShare?: number;
  clipNorm?: number;
  medsMax?: number;
  deltaMin?: number;
  deltaMax?: number;
  regressors?: Regressors;
  /** ridge = ridgeScale x (noise sd of a released covariance entry), plus `ridge`. */
  ridgeScale?: number;
  /** false: no ridge on the arm regressor (the last one). */
  ridgeArm?: boolean;
  /** Eigenvalue floor of the joint covariance = floorScale x noise sd of an entry x sqrt(dim). */
  floorScale?: number;
  ridge?: number;
  round?: boolean;
  /** Diagnosis: skip the noise of one part. */
  noiseless?: 'discrete' | 'continuous';
}

const CENTER = [130, 72];
const SCALE = [15, 12];
const V = 12;

export type Regressors = 'summary' | 'full' | 'deltas' | 'small';
const P_OF: Record<Regressors, number> = { summary: 4, full: 13, deltas: 12, small: 2 };
function regressorsOf(meds: number[], arm: number, kind: Regressors): number[] {
  if (kind === 'full') return [...meds.map((m) => (m - 2.2) / 1.2), arm - 0.5];
  if (kind === 'deltas') return [...meds.slice(1).map((m) => m - meds[0]), arm - 0.5];
  const d1 = meds[1] - meds[0];
  let dbar = 0;
  for (let v = 2; v < V; v++) dbar += meds[v] - meds[0];
  dbar /= V - 2;
  if (kind === 'small') return [dbar, arm - 0.5];
  return [(meds[0] - 2.2) / 1.2, d1, dbar, arm - 0.5];
}

export interface HybridModel {
  armP1: number;
  m0: number[][]; // [arm][K+1]
  trans: number[][][][]; // [arm][visit 1..11 -> index v-1][from][to]
  deltaMin: number;
  nStates: number;
  medsMax: number;
  bpMeanB: Float64Array; // 24
  muF: Float64Array;
  coef: Float64Array; // 24 x p (B)
  condChol: Float64Array; // 24 x 24 lower
  p: number;
  regressors: Regressors;
  round: boolean;
  epsilon: number | null;
}

function normalizeRow(row: number[], fallback: number): number[] {
  const r = row.map((v) => Math.max(0, v));
  const s = r.reduce((a, b) => a + b, 0);
  if (!(s > 0)) return row.map((_, i) => (i === fallback ? 1 : 0));
  return r.map((v) => v / s);
}

export function fitHybrid(train: Cohort, o: HybridOptions): HybridModel {
  const priv = Number.isFinite(o.epsilon);
  const share = o.discreteShare ?? 0.5;
  const K = o.medsMax ?? 7;
  const dMin = o.deltaMin ?? -2;
  const dMax = o.deltaMax ?? 3;
  const S = dMax - dMin + 1;
  const kind = o.regressors ?? 'summary';
  const C = o.clipNorm ?? 6;
  const rng = new Random(o.seed).derive('hybrid-noise');
  let sigmaD = 0, sigmaC = 0, eps: number | null = null;
  if (priv) {
    const sigma = calibrateNoiseMultiplier({ q: 1, steps: 1, delta: o.delta, targetEpsilon: o.epsilon });
    sigmaD = sigma / Math.sqrt(share);
    sigmaC = sigma / Math.sqrt(1 - share);
    const l = new PrivacyLedger();
    l.addDpSgd('meds', { q: 1, noiseMultiplier: sigmaD, steps: 1 });
    l.addDpSgd('moments', { q: 1, noiseMultiplier: sigmaC, steps: 1 });
    eps = l.epsilon(o.delta);
  }
  // --- discrete tables
  const m0 = [new Array(K + 1).fill(0), new Array(K + 1).fill(0)];
  const trans = [0, 1].map(() => Array.from({ length: V - 1 }, () => Array.from({ length: S }, () => new Array(S).fill(0))));
  const rawMeds = (i: number) => Array.from({ length: V }, (_, v) => Math.round(train.x[i * N_FEATURES + 24 + v] * train.maxima[2]));
  const p = P_OF[kind];
  const d = 24 + p + 1;
  const M = new Float64Array(d * d);
  const z = new Float64Array(d);
  for (let i = 0; i < train.n; i++) {
    const a = train.y[i];
    const meds = rawMeds(i).map((m) => Math.min(K, Math.max(0, m)));
    m0[a][meds[0]]++;
    let prev = -dMin;
    for (let v = 1; v < V; v++) {
      const dl = Math.min(dMax, Math.max(dMin, meds[v] - meds[0])) - dMin;
      trans[a][v - 1][prev][dl]++;
      prev = dl;
    }
    // continuous
    for (let m = 0; m < 2; m++) for (let v = 0; v < V; v++) z[m * V + v] = (train.x[i * N_FEATURES + m * V + v] * train.maxima[m] - CENTER[m]) / SCALE[m];
    const f = regressorsOf(meds, a, kind);
    for (let j = 0; j < p; j++) z[24 + j] = f[j];
    z[d - 1] = 1;
    let nn = 0;
    for (let j = 0; j < d; j++) nn += z[j] * z[j];
    const fac = priv && Math.sqrt(nn) > C ? C / Math.sqrt(nn) : 1;
    for (let j = 0; j < d; j++) z[j] *= fac;
    for (let j = 0; j < d; j++) for (let k = j; k < d; k++) M[j * d + k] += z[j] * z[k];
  }
  // noise
  if (priv) {
    const sdD = o.noiseless === 'discrete' ? 0 : sigmaD * Math.sqrt(V); // 12 cells per patient, add/remove
    for (const a of [0, 1]) {
      for (let k = 0; k <= K; k++) m0[a][k] += rng.normal(0, sdD);
      for (const t of trans[a]) for (const row of t) for (let k = 0; k < S; k++) row[k] += rng.normal(0, sdD);
    }
    const sdC = o.noiseless === 'continuous' ? 0 : sigmaC * C * C;
    for (let j = 0; j < d; j++) for (let k = j; k < d; k++) M[j * d + k] += rng.normal(0, j === k ? sdC : sdC / Math.SQRT2);
  }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) M[j * d + k] = M[k * d + j];
  // post-processing
  const n0 = Math.max(1, m0[0].reduce((s, v) => s + Math.max(0, v), 0));
  const n1 = Math.max(1, m0[1].reduce((s, v) => s + Math.max(0, v), 0));
  const w = Math.max(1, M[d * d - 1]);
  const q = d - 1;
  const mu = new Float64Array(q);
  for (let j = 0; j < q; j++) mu[j] = M[j * d + q] / w;
  const cov = new Float64Array(q * q);
  for (let j = 0; j < q; j++) for (let k = 0; k < q; k++) cov[j * q + k] = M[j * d + k] / w - mu[j] * mu[k];
  const entrySd = priv && o.noiseless !== 'continuous' ? (sigmaC * C * C) / w : 0;
  const covP = floorEigen(cov, q, Math.max(1e-3, (o.floorScale ?? 0) * entrySd * Math.sqrt(q)));
  // conditional of bp (0..23) on f (24..q-1)
  const Sff = new Float64Array(p * p);
  const Sfb = new Float64Array(p * 24);
  const ridge = (o.ridge ?? 1e-3) + (priv ? (o.ridgeScale ?? 0) * sigmaC * C * C / w : 0);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) Sff[j * p + k] = covP[(24 + j) * q + 24 + k] + (j === k ? (o.ridgeArm === false && j === p - 1 ? 1e-3 : ridge) : 0);
    for (let k = 0; k < 24; k++) Sfb[j * 24 + k] = covP[(24 + j) * q + k];
  }
  const Bt = solveSpd(Sff, p, Sfb, 24); // p x 24 = Sff^-1 Sfb
  const cond = new Float64Array(24 * 24);
  for (let j = 0; j < 24; j++) for (let k = 0; k < 24; k++) {
    let s = covP[j * q + k];
    for (let l = 0; l < p; l++) s -= Sfb[l * 24 + j] * Bt[l * 24 + k];
    cond[j * 24 + k] = s;
  }
  const condP = floorEigen(cond, 24, 1e-3);
  const { values, vectors } = jacobiEigen(condP, 24);
  // store root as V diag(sqrt w) (not triangular, fine for sampling)
  const root = new Float64Array(24 * 24);
  for (let j = 0; j < 24; j++) for (let i = 0; i < 24; i++) root[j * 24 + i] = vectors[j * 24 + i] * Math.sqrt(Math.max(values[i], 0));
  const coef = new Float64Array(24 * p);
  for (let j = 0; j < 24; j++) for (let l = 0; l < p; l++) coef[j * p + l] = Bt[l * 24 + j];
  return {
    armP1: n1 / (n0 + n1),
    m0: m0.map((h) => normalizeRow(h, 2)),
    trans: trans.map((t) => t.map((rows) => rows.map((row, from) => normalizeRow(row, from)))),
    deltaMin: dMin, nStates: S, medsMax: K,
    bpMeanB: mu.slice(0, 24), muF: mu.slice(24, q), coef, condChol: root, p, regressors: kind, round: o.round ?? true, epsilon: eps,
  };
}

function draw(rng: Random, probs: number[]): number {
  let u = rng.uniform();
  for (let i = 0; i < probs.length; i++) { u -= probs[i]; if (u < 0) return i; }
  return probs.length - 1;
}

export function sampleHybrid(model: HybridModel, n: number, maxima: [number, number, number], seed: number): Cohort {
  const rng = new Random(seed).derive('hybrid-sample');
  const x = new Float32Array(n * N_FEATURES);
  const y = new Uint8Array(n);
  const z = new Float64Array(24);
  for (let i = 0; i < n; i++) {
    const a = rng.bernoulli(model.armP1) ? 1 : 0;
    y[i] = a;
    const M0 = draw(rng, model.m0[a]);
    const meds = [M0];
    let st = -model.deltaMin;
    for (let v = 1; v < V; v++) {
      st = draw(rng, model.trans[a][v - 1][st]);
      meds.push(Math.min(model.medsMax, Math.max(0, M0 + st + model.deltaMin)));
    }
    const f = regressorsOf(meds, a, model.regressors);
    for (let k = 0; k < 24; k++) z[k] = rng.normal();
    for (let j = 0; j < 24; j++) {
      let s = model.bpMeanB[j];
      for (let l = 0; l < model.p; l++) s += model.coef[j * model.p + l] * (f[l] - model.muF[l]);
      for (let k = 0; k < 24; k++) s += model.condChol[j * 24 + k] * z[k];
      const m = j < V ? 0 : 1;
      let raw = s * SCALE[m] + CENTER[m];
      if (model.round) raw = Math.round(raw);
      x[i * N_FEATURES + j] = raw / maxima[m];
    }
    for (let v = 0; v < V; v++) x[i * N_FEATURES + 24 + v] = meds[v] / maxima[2];
  }
  return { n, x, y, maskIds: Array.from({ length: n }, (_, i) => `H${i}`), maxima: [...maxima] as [number, number, number] };
}
