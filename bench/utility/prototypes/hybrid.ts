/**
 * Prototype: discrete medication model (per-arm M0 histogram + Markov chain
 * over the change since RZ) + conditional Gaussian of SBP/DBP given the
 * medication summary and arm, released from noisy second-moment matrices.
 */
import { N_FEATURES, type Cohort } from '../../../lib/data/cohort';
import { calibrateNoiseMultiplier } from '../../../lib/privacy/calibrate';
import { PrivacyLedger } from '../../../lib/privacy/ledger';
import { Random } from '../../../lib/random';
import { normalCdf, normalSfInverse } from '../../../lib/privacy/special';
import { floorEigenvalues, symmetricEigen, solveSpd } from '../../../lib/compute/linalg';

export type Regressors = 'summary' | 'full' | 'deltas' | 'small' | 'none';

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
  ridge?: number;
  /** ridge += ridgeScale x (noise sd of a covariance entry). */
  ridgeScale?: number;
  /** Eigenvalue floor of the joint covariance = floorScale x noise sd of an entry x sqrt(dim). */
  floorScale?: number;
  /** Separate second moments (and regression) per arm. */
  perArm?: boolean;
  /** Noisy table cells below threshold x their noise sd are set to 0. */
  threshold?: number;
  round?: boolean;
  /** Test: non-private empirical marginals of each BP column (Gaussian copula). */
  copula?: boolean;
  /** Winsorize each BP value's deviation from the patient's median over the 12 visits at +-winsor x the measure's scale. */
  winsor?: number;
  /** First visit winsorized (1: RZ left alone, median over 1M..27M). */
  winsorFrom?: number;
  /** Test: multiply the residual sd by this. */
  spread?: number;
  /** Diagnosis: skip the noise of one part. */
  noiseless?: 'discrete' | 'continuous';
}

const CENTER = [130, 72];
const SCALE = [15, 12];
const V = 12;
const B = 24; // blood-pressure values per patient

/** Regressors of the blood pressure, without the arm (added last unless per-arm). */
function medsRegressors(meds: number[], kind: Regressors): number[] {
  if (kind === 'none') return [];
  if (kind === 'full') return meds.map((m) => (m - 2.2) / 1.2);
  if (kind === 'deltas') return meds.slice(1).map((m) => m - meds[0]);
  let dbar = 0;
  for (let v = 2; v < V; v++) dbar += meds[v] - meds[0];
  dbar /= V - 2;
  if (kind === 'small') return [dbar];
  return [(meds[0] - 2.2) / 1.2, meds[1] - meds[0], dbar];
}

function regressorsOf(meds: number[], arm: number, kind: Regressors, perArm: boolean): number[] {
  const r = medsRegressors(meds, kind);
  return perArm ? r : [...r, arm - 0.5];
}

interface Block { bpMean: Float64Array; muF: Float64Array; coef: Float64Array; root: Float64Array }

export interface HybridModel {
  armP1: number;
  m0: number[][];
  trans: number[][][][];
  deltaMin: number;
  medsMax: number;
  blocks: Block[];
  perArm: boolean;
  p: number;
  regressors: Regressors;
  round: boolean;
  epsilon: number | null;
  quantiles?: Float64Array[];
}

/** Conditional Gaussian of the first B coordinates given the next p, from a noisy moment matrix (last coordinate = 1). */
function conditional(M: Float64Array, d: number, p: number, entryNoise: number, o: HybridOptions): Block {
  const w = Math.max(1, M[d * d - 1]);
  const q = d - 1;
  const mu = new Float64Array(q);
  for (let j = 0; j < q; j++) mu[j] = M[j * d + q] / w;
  const cov = new Float64Array(q * q);
  for (let j = 0; j < q; j++) for (let k = 0; k < q; k++) cov[j * q + k] = M[j * d + k] / w - mu[j] * mu[k];
  const entrySd = entryNoise / w;
  const covP = floorEigenvalues(cov, q, Math.max(1e-3, (o.floorScale ?? 0) * entrySd * Math.sqrt(q)));
  const Sff = new Float64Array(p * p);
  const Sfb = new Float64Array(p * B);
  const ridge = (o.ridge ?? 1e-3) + (o.ridgeScale ?? 0) * entrySd;
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) Sff[j * p + k] = covP[(B + j) * q + B + k] + (j === k ? ridge : 0);
    for (let k = 0; k < B; k++) Sfb[j * B + k] = covP[(B + j) * q + k];
  }
  const Bt = p > 0 ? solveSpd(Sff, p, Sfb, B) : new Float64Array(0);
  const cond = new Float64Array(B * B);
  for (let j = 0; j < B; j++) for (let k = 0; k < B; k++) {
    let s = covP[j * q + k];
    for (let l = 0; l < p; l++) s -= Sfb[l * B + j] * Bt[l * B + k];
    cond[j * B + k] = s;
  }
  const { values, vectors } = symmetricEigen(floorEigenvalues(cond, B, 1e-3), B);
  const root = new Float64Array(B * B);
  for (let j = 0; j < B; j++) for (let i = 0; i < B; i++) root[j * B + i] = (o.spread ?? 1) * vectors[j * B + i] * Math.sqrt(Math.max(values[i], 0));
  const coef = new Float64Array(B * p);
  for (let j = 0; j < B; j++) for (let l = 0; l < p; l++) coef[j * p + l] = Bt[l * B + j];
  return { bpMean: mu.slice(0, B), muF: mu.slice(B, q), coef, root };
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
  const perArm = o.perArm ?? false;
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
  const m0 = [new Array(K + 1).fill(0), new Array(K + 1).fill(0)];
  const trans = [0, 1].map(() => Array.from({ length: V - 1 }, () => Array.from({ length: S }, () => new Array(S).fill(0))));
  const p = regressorsOf(new Array(V).fill(0), 0, kind, perArm).length;
  const d = B + p + 1;
  const Ms = perArm ? [new Float64Array(d * d), new Float64Array(d * d)] : [new Float64Array(d * d)];
  const z = new Float64Array(d);
  let quantiles: Float64Array[] | undefined;
  const scores: Float64Array[] = [];
  if (o.copula) {
    quantiles = [];
    for (let j = 0; j < B; j++) {
      const m = j < V ? 0 : 1;
      const vals = Float64Array.from({ length: train.n }, (_, i) => Math.round(train.x[i * N_FEATURES + j] * train.maxima[m]));
      const order = Array.from({ length: train.n }, (_, i) => i).sort((a, b) => vals[a] - vals[b]);
      const sc = new Float64Array(train.n);
      // average ranks for ties
      let r = 0;
      while (r < order.length) {
        let e = r;
        while (e + 1 < order.length && vals[order[e + 1]] === vals[order[r]]) e++;
        const u = ((r + e) / 2 + 0.5) / train.n;
        for (let k = r; k <= e; k++) sc[order[k]] = normalSfInverse(1 - u);
        r = e + 1;
      }
      scores.push(sc);
      quantiles.push(Float64Array.from(order.map((i) => vals[i])));
    }
  }
  for (let i = 0; i < train.n; i++) {
    const a = train.y[i];
    const meds = Array.from({ length: V }, (_, v) => Math.min(K, Math.max(0, Math.round(train.x[i * N_FEATURES + B + v] * train.maxima[2]))));
    m0[a][meds[0]]++;
    let prev = -dMin;
    for (let v = 1; v < V; v++) {
      const dl = Math.min(dMax, Math.max(dMin, meds[v] - meds[0])) - dMin;
      trans[a][v - 1][prev][dl]++;
      prev = dl;
    }
    for (let m = 0; m < 2; m++) for (let v = 0; v < V; v++) z[m * V + v] = (train.x[i * N_FEATURES + m * V + v] * train.maxima[m] - CENTER[m]) / SCALE[m];
    if (quantiles) for (let j = 0; j < B; j++) z[j] = scores[j][i];
    if (o.winsor) {
      for (let m = 0; m < 2; m++) {
        const from = o.winsorFrom ?? 0;
        const vals = Array.from(z.subarray(m * V + from, m * V + V)).sort((a, b) => a - b);
        const h = vals.length >> 1;
        const med = vals.length % 2 ? vals[h] : (vals[h - 1] + vals[h]) / 2;
        for (let v = from; v < V; v++) z[m * V + v] = Math.min(med + o.winsor, Math.max(med - o.winsor, z[m * V + v]));
      }
    }
    const f = regressorsOf(meds, a, kind, perArm);
    for (let j = 0; j < p; j++) z[B + j] = f[j];
    z[d - 1] = 1;
    let nn = 0;
    for (let j = 0; j < d; j++) nn += z[j] * z[j];
    const fac = priv && Math.sqrt(nn) > C ? C / Math.sqrt(nn) : 1;
    const M = Ms[perArm ? a : 0];
    for (let j = 0; j < d; j++) for (let k = j; k < d; k++) M[j * d + k] += z[j] * fac * z[k] * fac;
  }
  if (priv) {
    const sdD = o.noiseless === 'discrete' ? 0 : sigmaD * Math.sqrt(V);
    for (const a of [0, 1]) {
      for (let k = 0; k <= K; k++) m0[a][k] += rng.normal(0, sdD);
      for (const t of trans[a]) for (const row of t) for (let k = 0; k < S; k++) row[k] += rng.normal(0, sdD);
    }
    const sdC = o.noiseless === 'continuous' ? 0 : sigmaC * C * C;
    for (const M of Ms) for (let j = 0; j < d; j++) for (let k = j; k < d; k++) M[j * d + k] += rng.normal(0, j === k ? sdC : sdC / Math.SQRT2);
    if (o.noiseless !== 'discrete' && (o.threshold ?? 0) > 0) {
      const t = (o.threshold as number) * sdD;
      for (const a of [0, 1]) {
        for (let k = 0; k <= K; k++) if (m0[a][k] < t) m0[a][k] = 0;
        for (const tt of trans[a]) for (const row of tt) for (let k = 0; k < S; k++) if (row[k] < t) row[k] = 0;
      }
    }
  }
  for (const M of Ms) for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) M[j * d + k] = M[k * d + j];
  const n0 = Math.max(1, m0[0].reduce((s, v) => s + Math.max(0, v), 0));
  const n1 = Math.max(1, m0[1].reduce((s, v) => s + Math.max(0, v), 0));
  const entryNoise = priv && o.noiseless !== 'continuous' ? sigmaC * C * C : 0;
  return {
    armP1: n1 / (n0 + n1),
    m0: m0.map((h) => normalizeRow(h, 2)),
    trans: trans.map((t) => t.map((rows) => rows.map((row, from) => normalizeRow(row, from)))),
    deltaMin: dMin,
    medsMax: K,
    blocks: Ms.map((M) => conditional(M, d, p, entryNoise, o)),
    perArm,
    p,
    regressors: kind,
    round: o.round ?? true,
    epsilon: eps,
    quantiles,
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
  const z = new Float64Array(B);
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
    const f = regressorsOf(meds, a, model.regressors, model.perArm);
    const b = model.blocks[model.perArm ? a : 0];
    for (let k = 0; k < B; k++) z[k] = rng.normal();
    for (let j = 0; j < B; j++) {
      let s = b.bpMean[j];
      for (let l = 0; l < model.p; l++) s += b.coef[j * model.p + l] * (f[l] - b.muF[l]);
      for (let k = 0; k < B; k++) s += b.root[j * B + k] * z[k];
      const m = j < V ? 0 : 1;
      let raw = s * SCALE[m] + CENTER[m];
      if (model.quantiles) {
        const qs = model.quantiles[j];
        const pos = normalCdf(s) * qs.length - 0.5;
        const lo = Math.max(0, Math.min(qs.length - 1, Math.floor(pos)));
        const hi = Math.min(qs.length - 1, lo + 1);
        const t = Math.max(0, Math.min(1, pos - lo));
        raw = qs[lo] * (1 - t) + qs[hi] * t;
      }
      if (model.round) raw = Math.round(raw);
      x[i * N_FEATURES + j] = raw / maxima[m];
    }
    for (let v = 0; v < V; v++) x[i * N_FEATURES + B + v] = meds[v] / maxima[2];
  }
  return { n, x, y, maskIds: Array.from({ length: n }, (_, i) => `H${i}`), maxima: [...maxima] as [number, number, number] };
}
