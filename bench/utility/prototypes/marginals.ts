/**
 * Prototypes of marginal-based private generators (measured and dropped; see
 * docs/private-utility.md):
 *
 * - `fitIndependent`: each column's histogram per arm (36 columns, one cell
 *   each per patient: L2 sensitivity 6), columns sampled independently.
 * - `fitBayesNet`: a fixed (data-independent) Bayesian network per arm over
 *   discretized columns, PrivBayes / MST style without private structure
 *   selection: meds_v | (meds_{v-1}, SBP_{v-1} bin); SBP_v | (SBP_{v-1},
 *   meds_v - meds_{v-1}); DBP_v | (DBP_{v-1}, SBP_v). Each factor's table is
 *   a noisy count table (one cell per patient per factor: 36 cells,
 *   sensitivity 6), sampled ancestrally.
 */
import { N_FEATURES, type Cohort } from '../../../lib/data/cohort';
import { calibrateNoiseMultiplier } from '../../../lib/privacy/calibrate';
import { Random } from '../../../lib/random';

const V = 12;
/** Bin edges fixed in advance (mmHg): lower edge of each bin. */
const SBP_EDGES = Array.from({ length: 48 }, (_, i) => 70 + 4 * i); // 70..258
const DBP_EDGES = Array.from({ length: 30 }, (_, i) => 30 + 4 * i); // 30..146
const MEDS_MAX = 7;

function binOf(edges: number[], v: number): number {
  let b = 0;
  while (b + 1 < edges.length && v >= edges[b + 1]) b++;
  return b;
}

function sigmaFor(epsilon: number, delta: number): number {
  return Number.isFinite(epsilon) ? calibrateNoiseMultiplier({ q: 1, steps: 1, delta, targetEpsilon: epsilon }) : 0;
}

function draw(rng: Random, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += Math.max(0, w[i]);
  if (!(s > 0)) return rng.int(0, w.length);
  let u = rng.uniform() * s;
  for (let i = 0; i < w.length; i++) {
    u -= Math.max(0, w[i]);
    if (u < 0) return i;
  }
  return w.length - 1;
}

function raw(c: Cohort, i: number, m: number, v: number): number {
  return Math.round(c.x[i * N_FEATURES + m * V + v] * c.maxima[m]);
}

const sizes = [SBP_EDGES.length, DBP_EDGES.length, MEDS_MAX + 1];
function colBin(m: number, value: number): number {
  return m === 0 ? binOf(SBP_EDGES, value) : m === 1 ? binOf(DBP_EDGES, value) : Math.min(MEDS_MAX, Math.max(0, value));
}
function binValue(rng: Random, m: number, b: number): number {
  return m === 2 ? b : (m === 0 ? SBP_EDGES : DBP_EDGES)[b] + rng.int(0, 4);
}

function cohortOf(x: Float32Array, y: Uint8Array, maxima: [number, number, number]): Cohort {
  return { n: y.length, x, y, maskIds: Array.from({ length: y.length }, (_, i) => `M${i}`), maxima: [...maxima] as [number, number, number] };
}

export function independentMarginals(train: Cohort, o: { epsilon: number; delta: number; seed: number; n: number }): { cohort: Cohort; sigma: number } {
  const sigma = sigmaFor(o.epsilon, o.delta);
  const rng = new Random(o.seed).derive('marginals');
  const hist = [0, 1].map(() => Array.from({ length: 36 }, (_, j) => new Float64Array(sizes[Math.floor(j / V)])));
  for (let i = 0; i < train.n; i++) for (let j = 0; j < 36; j++) {
    const m = Math.floor(j / V);
    hist[train.y[i]][j][colBin(m, raw(train, i, m, j % V))]++;
  }
  const sd = sigma * 6; // 36 cells per patient
  for (const h of hist) for (const col of h) for (let k = 0; k < col.length; k++) col[k] += rng.normal(0, sd);
  const armN = hist.map((h) => h.reduce((s, col) => s + col.reduce((a, b) => a + Math.max(0, b), 0), 0) / 36);
  const x = new Float32Array(o.n * N_FEATURES);
  const y = new Uint8Array(o.n);
  for (let i = 0; i < o.n; i++) {
    const a = rng.uniform() * (armN[0] + armN[1]) < armN[1] ? 1 : 0;
    y[i] = a;
    for (let j = 0; j < 36; j++) {
      const m = Math.floor(j / V);
      x[i * N_FEATURES + j] = binValue(rng, m, draw(rng, hist[a][j])) / train.maxima[m];
    }
  }
  return { cohort: cohortOf(x, y, train.maxima), sigma };
}

/** Coarse bins for conditioning (fixed in advance). */
const SBP_COARSE = [0, 120, 130, 140, 150, 160]; // lower edges, mmHg
const DBP_COARSE = [0, 60, 70, 80, 90];
const SBP_FINE = Array.from({ length: 20 }, (_, i) => (i === 0 ? 0 : 92 + 4 * i)); // <96, 96.., 168+
const DBP_FINE = Array.from({ length: 16 }, (_, i) => (i === 0 ? 0 : 44 + 4 * i)); // <48, 48.., 104+

function fineValue(rng: Random, edges: number[], b: number): number {
  const lo = b === 0 ? edges[1] - 12 : edges[b];
  const hi = b + 1 < edges.length ? edges[b + 1] : edges[b] + 12;
  return lo + rng.int(0, hi - lo);
}

export function bayesNet(train: Cohort, o: { epsilon: number; delta: number; seed: number; n: number }): { cohort: Cohort; sigma: number } {
  const sigma = sigmaFor(o.epsilon, o.delta);
  const rng = new Random(o.seed).derive('bayesnet');
  const S = SBP_FINE.length, D = DBP_FINE.length, Mn = MEDS_MAX + 1, Sc = SBP_COARSE.length;
  // tables[a][v]: meds (Mn x Sc x Mn) [prev meds][prev sbp coarse][meds]; v=0: [meds]
  const medsT = [0, 1].map(() => Array.from({ length: V }, (_, v) => new Float64Array(v === 0 ? Mn : Mn * Sc * Mn)));
  // sbp[a][v]: v=0: [sbp]; else [prev sbp fine][dmeds 0..2 (-,0,+)][sbp]
  const sbpT = [0, 1].map(() => Array.from({ length: V }, (_, v) => new Float64Array(v === 0 ? S : S * 3 * S)));
  // dbp[a][v]: v=0: [sbp coarse][dbp]; else [prev dbp fine][sbp coarse][dbp]
  const dbpT = [0, 1].map(() => Array.from({ length: V }, (_, v) => new Float64Array(v === 0 ? Sc * D : D * Sc * D)));
  for (let i = 0; i < train.n; i++) {
    const a = train.y[i];
    let pm = 0, ps = 0, pd = 0, psc = 0;
    for (let v = 0; v < V; v++) {
      const s = raw(train, i, 0, v), d = raw(train, i, 1, v);
      const m = Math.min(MEDS_MAX, Math.max(0, raw(train, i, 2, v)));
      const sb = binOf(SBP_FINE, s), sc = binOf(SBP_COARSE, s), db = binOf(DBP_FINE, d);
      if (v === 0) {
        medsT[a][0][m]++;
        sbpT[a][0][sb]++;
        dbpT[a][0][sc * D + db]++;
      } else {
        medsT[a][v][(pm * Sc + psc) * Mn + m]++;
        const dm = m < pm ? 0 : m === pm ? 1 : 2;
        sbpT[a][v][(ps * 3 + dm) * S + sb]++;
        dbpT[a][v][(pd * Sc + sc) * D + db]++;
      }
      pm = m; ps = sb; pd = db; psc = sc;
    }
  }
  const sd = sigma * 6; // 36 tables, one cell each per patient
  for (const T of [medsT, sbpT, dbpT]) for (const arm of T) for (const t of arm) for (let k = 0; k < t.length; k++) t[k] += rng.normal(0, sd);
  const armN = medsT.map((arm) => arm[0].reduce((s, v) => s + Math.max(0, v), 0));
  const x = new Float32Array(o.n * N_FEATURES);
  const y = new Uint8Array(o.n);
  for (let i = 0; i < o.n; i++) {
    const a = rng.uniform() * (armN[0] + armN[1]) < armN[1] ? 1 : 0;
    y[i] = a;
    let pm = 0, ps = 0, pd = 0, psc = 0;
    for (let v = 0; v < V; v++) {
      let m: number, sb: number;
      if (v === 0) {
        m = draw(rng, medsT[a][0]);
        sb = draw(rng, sbpT[a][0]);
      } else {
        m = draw(rng, medsT[a][v].subarray((pm * Sc + psc) * Mn, (pm * Sc + psc + 1) * Mn));
        const dm = m < pm ? 0 : m === pm ? 1 : 2;
        sb = draw(rng, sbpT[a][v].subarray((ps * 3 + dm) * S, (ps * 3 + dm + 1) * S));
      }
      const sVal = fineValue(rng, SBP_FINE, sb);
      const sc = binOf(SBP_COARSE, sVal);
      const db = v === 0 ? draw(rng, dbpT[a][0].subarray(sc * D, (sc + 1) * D)) : draw(rng, dbpT[a][v].subarray((pd * Sc + sc) * D, (pd * Sc + sc + 1) * D));
      const dVal = fineValue(rng, DBP_FINE, db);
      x[i * N_FEATURES + v] = sVal / train.maxima[0];
      x[i * N_FEATURES + V + v] = dVal / train.maxima[1];
      x[i * N_FEATURES + 2 * V + v] = m / train.maxima[2];
      pm = m; ps = sb; pd = db; psc = sc;
    }
  }
  return { cohort: cohortOf(x, y, train.maxima), sigma };
}
