/**
 * Prototype of DP-MERF (Harder et al. 2021), measured and dropped (see
 * docs/private-utility.md): one Gaussian-mechanism release per arm of the sum
 * of random Fourier features phi(z) = [cos(Wz), sin(Wz)] / sqrt(D) (|phi| = 1)
 * and the count (L2 sensitivity sqrt(2) for add/remove of one patient), then
 * a free "generator": n_a particles per arm moved by Adam to match the noisy
 * mean embedding (post-processing, no further privacy cost). Space: the SPRINT
 * scaling of SBP/DBP and (meds - 2.2) / 1.2; bandwidths fixed in advance, a
 * mixture of lengthscales 3, 6 and 12 (in that space the patients' spread per
 * coordinate is about 1, so typical distances are about 8).
 */
import { N_FEATURES, type Cohort } from '../../../lib/data/cohort';
import { calibrateNoiseMultiplier } from '../../../lib/privacy/calibrate';
import { Random } from '../../../lib/random';

const CENTER = [130, 72, 2.2];
const SCALE = [15, 12, 1.2];
const V = 12;

export interface MerfOptions { epsilon: number; delta: number; seed: number; n: number; features?: number; iterations?: number; lr?: number }

export function dpMerf(train: Cohort, o: MerfOptions): { cohort: Cohort; sigma: number } {
  const D = o.features ?? 600;
  const d = N_FEATURES;
  const sigma = Number.isFinite(o.epsilon) ? calibrateNoiseMultiplier({ q: 1, steps: 1, delta: o.delta, targetEpsilon: o.epsilon }) : 0;
  const rng = new Random(o.seed).derive('merf');
  const lengths = [3, 6, 12];
  const W = new Float64Array(D * d);
  for (let k = 0; k < D; k++) {
    const l = lengths[k % lengths.length];
    for (let j = 0; j < d; j++) W[k * d + j] = rng.normal() / l;
  }
  const scaled = (src: Float32Array, i: number, maxima: readonly number[], out: Float64Array) => {
    for (let j = 0; j < d; j++) {
      const m = Math.floor(j / V);
      out[j] = (src[i * d + j] * maxima[m] - CENTER[m]) / SCALE[m];
    }
  };
  const inv = 1 / Math.sqrt(D);
  const emb = [new Float64Array(2 * D + 1), new Float64Array(2 * D + 1)];
  const z = new Float64Array(d);
  for (let i = 0; i < train.n; i++) {
    scaled(train.x, i, train.maxima, z);
    const e = emb[train.y[i]];
    for (let k = 0; k < D; k++) {
      let u = 0;
      for (let j = 0; j < d; j++) u += W[k * d + j] * z[j];
      e[k] += Math.cos(u) * inv;
      e[D + k] += Math.sin(u) * inv;
    }
    e[2 * D] += 1;
  }
  const noise = new Random(o.seed).derive('merf-noise');
  for (const e of emb) for (let k = 0; k < e.length; k++) e[k] += noise.normal(0, sigma * Math.SQRT2);
  const counts = emb.map((e) => Math.max(1, e[2 * D]));
  const nArm = [Math.round((o.n * counts[0]) / (counts[0] + counts[1]))];
  nArm.push(o.n - nArm[0]);
  const x = new Float32Array(o.n * d);
  const y = new Uint8Array(o.n);
  let offset = 0;
  const iters = o.iterations ?? 200;
  const lr = o.lr ?? 0.05;
  for (const a of [0, 1]) {
    const na = nArm[a];
    const target = emb[a].subarray(0, 2 * D).map((v) => v / counts[a]);
    const P = new Float64Array(na * d);
    for (let i = 0; i < P.length; i++) P[i] = rng.normal();
    const m1 = new Float64Array(P.length);
    const m2 = new Float64Array(P.length);
    const U = new Float64Array(na * D);
    const mean = new Float64Array(2 * D);
    const c = new Float64Array(D);
    for (let t = 1; t <= iters; t++) {
      mean.fill(0);
      for (let i = 0; i < na; i++) {
        for (let k = 0; k < D; k++) {
          let u = 0;
          for (let j = 0; j < d; j++) u += W[k * d + j] * P[i * d + j];
          U[i * D + k] = u;
          mean[k] += Math.cos(u);
          mean[D + k] += Math.sin(u);
        }
      }
      for (let k = 0; k < 2 * D; k++) mean[k] = (mean[k] * inv) / na - target[k];
      const b1 = 1 - 0.9 ** t, b2 = 1 - 0.999 ** t;
      for (let i = 0; i < na; i++) {
        for (let k = 0; k < D; k++) {
          const u = U[i * D + k];
          c[k] = ((-mean[k] * Math.sin(u) + mean[D + k] * Math.cos(u)) * 2 * inv) / na;
        }
        for (let j = 0; j < d; j++) {
          let g = 0;
          for (let k = 0; k < D; k++) g += c[k] * W[k * d + j];
          g *= na; // per-particle scale: Adam is scale-free, keep gradients O(1)
          const idx = i * d + j;
          m1[idx] = 0.9 * m1[idx] + 0.1 * g;
          m2[idx] = 0.999 * m2[idx] + 0.001 * g * g;
          P[idx] -= (lr * (m1[idx] / b1)) / (Math.sqrt(m2[idx] / b2) + 1e-8);
        }
      }
    }
    for (let i = 0; i < na; i++) {
      y[offset + i] = a;
      for (let j = 0; j < d; j++) {
        const m = Math.floor(j / V);
        const rawV = Math.max(0, Math.round(P[i * d + j] * SCALE[m] + CENTER[m]));
        x[(offset + i) * d + j] = rawV / train.maxima[m];
      }
    }
    offset += na;
  }
  return { cohort: { n: o.n, x, y, maskIds: Array.from({ length: o.n }, (_, i) => `R${i}`), maxima: [...train.maxima] as [number, number, number] }, sigma };
}
