/**
 * The DP Gaussian model (lib/generators/gaussian/model.ts): the exact statistics against a
 * naive two-pass reference, the clipping and sensitivity bounds the privacy
 * rests on, the noise's size, the ledger against the analytic Gaussian
 * mechanism, the eigen-decomposition and the sampler.
 */
import { describe, expect, it } from 'vitest';
import {
  addToLedger,
  calibrateGaussianNoise,
  clippedSums,
  projectPsd,
  releaseDpGaussian,
  sampleDpGaussian,
  releaseFromCohort,
  sampleGaussianCohort,
  type GaussianReleaseOptions,
} from '../../../lib/generators/gaussian/model';
import { PrivacyLedger } from '../../../lib/privacy';
import { normalCdf } from '../../../lib/privacy/special';
import { Random } from '../../../lib/random';
import { fakeCohort } from '../acgan/fixtures';

/** n patients of d correlated values; arm 1 shifted by `shift` in the first half of the values. */
function data(n: number, d: number, seed = 1, shift = 1) {
  const rng = new Random(seed);
  const x = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.bernoulli(0.4) ? 1 : 0;
    const common = rng.normal();
    for (let j = 0; j < d; j++) x[i * d + j] = 0.8 * common + 0.6 * rng.normal() + (y[i] && j < d / 2 ? shift : 0) + 0.1 * j;
  }
  return { x, y };
}

/** Arm means and the pooled within-arm covariance (divided by n), computed the plain two-pass way. */
function reference(x: ArrayLike<number>, y: ArrayLike<number>, d: number) {
  const n = y.length;
  const cnt = [0, 0];
  const mean = [new Array(d).fill(0), new Array(d).fill(0)];
  for (let i = 0; i < n; i++) {
    cnt[y[i]]++;
    for (let j = 0; j < d; j++) mean[y[i]][j] += x[i * d + j];
  }
  for (const a of [0, 1]) for (let j = 0; j < d; j++) mean[a][j] /= cnt[a];
  const cov = new Array(d * d).fill(0);
  for (let i = 0; i < n; i++) {
    const m = mean[y[i]];
    for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) cov[j * d + k] += ((x[i * d + j] - m[j]) * (x[i * d + k] - m[k])) / n;
  }
  return { cnt, mean, cov };
}

const exact = (clipNorm = Infinity): GaussianReleaseOptions => ({ clipNorm, meanNoise: 0, covarianceNoise: 0, seed: 0 });

describe('releaseDpGaussian without noise', () => {
  it('gives the arm counts, means and pooled within-arm covariance of a two-pass reference', () => {
    const d = 6;
    const { x, y } = data(500, d);
    const m = releaseDpGaussian(x, y, d, exact());
    const r = reference(x, y, d);
    expect(m.counts).toEqual(r.cnt);
    for (const a of [0, 1]) for (let j = 0; j < d; j++) expect(m.means[a][j]).toBeCloseTo(r.mean[a][j], 10);
    for (let i = 0; i < d * d; i++) expect(m.covariance[i]).toBeCloseTo(r.cov[i], 8);
    expect(m.clipped).toBe(0);
  });

  it('clips each patient to the clip norm before anything else', () => {
    // One patient per arm; arm 0's vector (3, 4) has norm 5 and is scaled to norm 1; arm 1's (0.3, 0.4) is kept.
    const m = releaseDpGaussian([3, 4, 0.3, 0.4], [0, 1], 2, exact(1));
    expect(m.clipped).toBe(1);
    expect(m.means[0][0]).toBeCloseTo(0.6, 12);
    expect(m.means[0][1]).toBeCloseTo(0.8, 12);
    expect(m.means[1]).toEqual([0.3, 0.4].map((v) => expect.closeTo(v, 12)));
    // Each arm holds one patient at its mean: no within-arm spread (up to the PSD floor).
    for (const v of m.covariance) expect(Math.abs(v)).toBeLessThan(1e-6);
  });

  it('refuses bad settings and bad data', () => {
    expect(() => releaseDpGaussian([1, 2], [0], 2, { clipNorm: 0, meanNoise: 0, covarianceNoise: 0, seed: 0 })).toThrow(/clip norm/);
    expect(() => releaseDpGaussian([1, 2], [0], 2, { clipNorm: 1, meanNoise: 1, covarianceNoise: 0, seed: 0 })).toThrow(/both noise multipliers/);
    expect(() => releaseDpGaussian([1, 2], [0], 2, { clipNorm: Infinity, meanNoise: 1, covarianceNoise: 1, seed: 0 })).toThrow(/finite clip/);
    expect(() => releaseDpGaussian([1, 2], [2], 2, exact())).toThrow(/patient 0 has arm 2/);
    expect(() => releaseDpGaussian([1, NaN], [0], 2, exact())).toThrow(/patient 0 has a non-finite/);
    expect(() => releaseDpGaussian([1, 2, 3], [0], 2, exact())).toThrow(/3 values for 1 patients of 2/);
  });
});

describe('the sensitivity the privacy rests on', () => {
  it('removing any one patient moves the arm statistics by at most sqrt(2) C and the second moment by at most C', () => {
    const d = 5;
    const C = 1.5;
    const { x, y } = data(40, d, 3, 4); // many patients longer than C
    const full = clippedSums(x, y, d, C);
    expect(full.clipped).toBeGreaterThan(10);
    let maxArm = 0;
    let maxSecond = 0;
    for (let drop = 0; drop < y.length; drop++) {
      const keep = [...Array(y.length).keys()].filter((i) => i !== drop);
      const xs = keep.flatMap((i) => Array.from(x.subarray(i * d, (i + 1) * d)));
      const part = clippedSums(xs, keep.map((i) => y[i]), d, C);
      let arm2 = 0;
      for (const a of [0, 1]) for (let j = 0; j <= d; j++) arm2 += (full.arms[a][j] - part.arms[a][j]) ** 2;
      let second2 = 0;
      for (let j = 0; j < d * d; j++) second2 += (full.second[j] - part.second[j]) ** 2;
      maxArm = Math.max(maxArm, Math.sqrt(arm2));
      maxSecond = Math.max(maxSecond, Math.sqrt(second2));
    }
    expect(maxArm).toBeLessThanOrEqual(Math.SQRT2 * C * (1 + 1e-12));
    expect(maxSecond).toBeLessThanOrEqual(C * (1 + 1e-12));
    // Clipped patients reach the bounds: the clip is what sets them.
    expect(maxArm).toBeGreaterThan(Math.SQRT2 * C * 0.999);
    expect(maxSecond).toBeGreaterThan(C * 0.999);
  });
});

describe('the noise', () => {
  it('has sd sigma_m sqrt(2) C on the arm sums and counts and sigma_q C on the second moment', () => {
    const C = 3;
    const n = 4000;
    const rng = new Random(4);
    const x = Array.from({ length: 2 * n }, () => rng.normal());
    const y = Array.from({ length: n }, (_, i) => i % 2);
    const base = releaseDpGaussian(x, y, 2, exact(C));
    const opts = { clipNorm: C, meanNoise: 3, covarianceNoise: 5 };
    const err: number[][] = [[], [], [], []];
    for (let seed = 0; seed < 300; seed++) {
      const m = releaseDpGaussian(x, y, 2, { ...opts, seed });
      err[0].push(m.counts[0] - base.counts[0]);
      err[1].push(m.means[0][0] - base.means[0][0]);
      err[2].push(m.covariance[0] - base.covariance[0]);
      err[3].push(m.covariance[1] - base.covariance[1]);
    }
    const sd = (v: number[]) => Math.sqrt(v.reduce((t, e) => t + e * e, 0) / v.length);
    const expected = [
      3 * Math.SQRT2, // counts, in patients: sigma_m sqrt(2) C / C
      (3 * Math.SQRT2 * C) / (n / 2), // an arm's mean: its sum's noise over its count
      (5 * C * C) / n, // the covariance's diagonal: sigma_q C on x x^T / C, times C, over n
      (5 * C * C) / n / Math.SQRT2, // off the diagonal, the mean of two independent noises
    ];
    for (let i = 0; i < 4; i++) expect(sd(err[i]) / expected[i]).toBeGreaterThan(0.85);
    for (let i = 0; i < 4; i++) expect(sd(err[i]) / expected[i]).toBeLessThan(1.15);
  });

  it('is seeded: the same seed gives the same model, another seed another', () => {
    const d = 4;
    const { x, y } = data(200, d);
    const o = { clipNorm: 3, meanNoise: 2, covarianceNoise: 2, seed: 5 };
    expect(releaseDpGaussian(x, y, d, o)).toEqual(releaseDpGaussian(x, y, d, o));
    expect(releaseDpGaussian(x, y, d, { ...o, seed: 6 }).means).not.toEqual(releaseDpGaussian(x, y, d, o).means);
  });
});

describe('addToLedger', () => {
  /** delta(eps) of the Gaussian mechanism with sensitivity 1 and noise sd sigma (Balle & Wang 2018, Theorem 8). */
  const analyticDelta = (eps: number, sigma: number) => normalCdf(1 / (2 * sigma) - eps * sigma) - Math.exp(eps) * normalCdf(-1 / (2 * sigma) - eps * sigma);

  it('composes the two releases into an epsilon just above the exact Gaussian mechanism of noise (1/6^2 + 1/3^2)^(-1/2)', () => {
    const eps = addToLedger(new PrivacyLedger(), { clipNorm: 6, meanNoise: 6, covarianceNoise: 3, seed: 0 }).epsilon(1e-5);
    // Two Gaussian mechanisms compose exactly into one with 1/sigma^2 = 1/36 + 1/9.
    const sigma = 1 / Math.sqrt(1 / 36 + 1 / 9);
    // The ledger is valid: at its epsilon the exact delta is at most 1e-5 ...
    expect(analyticDelta(eps, sigma)).toBeLessThanOrEqual(1e-5);
    // ... and tight: 10% less epsilon would exceed it.
    expect(analyticDelta(eps * 0.9, sigma)).toBeGreaterThan(1e-5);
    expect(eps).toBeCloseTo(1.567, 2);
  });

  it('names both releases and refuses a non-private one', () => {
    const rows = addToLedger(new PrivacyLedger(), { clipNorm: 1, meanNoise: 2, covarianceNoise: 4, seed: 0 }, 'prior').report(1e-5).rows;
    expect(rows.map((r) => r.name)).toEqual(['prior: arm means', 'prior: covariance']);
    expect(() => addToLedger(new PrivacyLedger(), exact(1))).toThrow(/not private/);
  });
});

describe('calibrateGaussianNoise', () => {
  it('gives noise multipliers at the requested ratio whose ledger epsilon is the target (from below)', () => {
    for (const [target, ratio] of [[1.6, 2], [0.5, 1], [3, 3]]) {
      const n = calibrateGaussianNoise(target, 1e-5, ratio);
      expect(n.meanNoise / n.covarianceNoise).toBeCloseTo(ratio, 12);
      const eps = addToLedger(new PrivacyLedger(), { clipNorm: 1, ...n, seed: 0 }).epsilon(1e-5);
      expect(eps).toBeLessThanOrEqual(target);
      expect(eps).toBeGreaterThan(target - 1e-3);
    }
    // The measured setting: about 6 and 3 at epsilon 1.6.
    expect(calibrateGaussianNoise(1.6, 1e-5).meanNoise).toBeCloseTo(5.885, 2);
    expect(() => calibrateGaussianNoise(1.6, 1e-5, 0)).toThrow(/ratio/);
  });
});

describe('projectPsd', () => {
  it('leaves a positive definite matrix alone and lifts negative eigenvalues to the floor', () => {
    expect(projectPsd([2, 1, 1, 2], 2)).toEqual([2, 1, 1, 2].map((v) => expect.closeTo(v, 12)));
    // [[1, 2], [2, 1]] has eigenvalues 3 (vector (1, 1)/sqrt 2) and -1 (vector (1, -1)/sqrt 2): -1 becomes 3e-4.
    const p = projectPsd([1, 2, 2, 1], 2);
    const lo = 3e-4;
    expect(p[0]).toBeCloseTo((3 + lo) / 2, 12);
    expect(p[1]).toBeCloseTo((3 - lo) / 2, 12);
  });
});

describe('sampleDpGaussian', () => {
  it('draws arms at the released proportion and values with the released means and covariance', () => {
    const d = 3;
    const model = {
      d,
      counts: [300, 700] as [number, number],
      means: [[0, 1, 2], [-1, 0, 5]] as [number[], number[]],
      covariance: [1, 0.5, 0, 0.5, 2, -0.3, 0, -0.3, 0.5],
      options: exact(),
      clipped: 0,
    };
    const n = 40000;
    const { x, y } = sampleDpGaussian(model, n, new Random(2));
    const r = reference(x, y, d);
    expect(r.cnt[1] / n).toBeCloseTo(0.7, 2);
    for (const a of [0, 1]) for (let j = 0; j < d; j++) expect(r.mean[a][j]).toBeCloseTo(model.means[a][j], 1);
    for (let i = 0; i < d * d; i++) expect(Math.abs(r.cov[i] - model.covariance[i])).toBeLessThan(0.05);
  });

  it('gives the same patients for a covariance changed in the last bits, repeated eigenvalues included', () => {
    // A released covariance has many eigenvalues floored to the same value; another JavaScript
    // engine (Deno's V8 computes Math.log and Math.cos correctly rounded, Node 20's does not)
    // releases it up to the last bits. Sampling through eigenvectors, which are arbitrary within a
    // repeated eigenvalue's eigenspace, turned that into patients up to 6% of the range apart.
    const d = 8;
    const rng = new Random(4);
    const u = Array.from({ length: d * 2 }, () => rng.normal());
    const cov = new Array<number>(d * d);
    // Rank 2 plus a floor: six eigenvalues equal to 0.01.
    for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) cov[j * d + k] = u[j] * u[k] + u[d + j] * u[d + k] + (j === k ? 0.01 : 0);
    const rounded = cov.map((v, i) => v * (1 + (((i * 7) % 5) - 2) * 2 ** -52));
    const model = (c: number[]) => ({ d, counts: [500, 500] as [number, number], means: [new Array(d).fill(0), new Array(d).fill(1)] as [number[], number[]], covariance: c, options: exact(), clipped: 0 });
    const a = sampleDpGaussian(model(cov), 200, new Random(9));
    const b = sampleDpGaussian(model(rounded), 200, new Random(9));
    let worst = 0;
    for (let i = 0; i < a.x.length; i++) worst = Math.max(worst, Math.abs(a.x[i] - b.x[i]));
    expect(worst).toBeLessThan(1e-6);
    expect(b.y).toEqual(a.y);
  });
});

describe('releaseFromCohort and sampleGaussianCohort', () => {
  it('round-trip a cohort: the sampled patients have its arms\' raw means and its maxima', () => {
    const c = fakeCohort(3000, 4);
    const model = releaseFromCohort(c, exact());
    const s = sampleGaussianCohort(model, 20000, c.maxima, 1);
    expect(s.n).toBe(20000);
    expect(s.maxima).toEqual(c.maxima);
    expect(s.maskIds[0]).toBe('SYN-G000001');
    expect(s.maskIds[19999]).toBe('SYN-G020000');
    // Raw mean of each measure by arm (value x maximum), real against sampled.
    const rawMeans = (k: typeof c) =>
      [0, 1].map((arm) =>
        [0, 1, 2].map((m) => {
          let sum = 0;
          let cnt = 0;
          for (let i = 0; i < k.n; i++) {
            if (k.y[i] !== arm) continue;
            for (let v = 0; v < 12; v++) sum += k.x[i * 36 + m * 12 + v] * k.maxima[m];
            cnt += 12;
          }
          return sum / cnt;
        }),
      );
    const [real, synth] = [rawMeans(c), rawMeans(s)];
    for (const arm of [0, 1]) {
      expect(Math.abs(synth[arm][0] - real[arm][0])).toBeLessThan(0.3); // SBP, mmHg (within-arm sd 10)
      expect(Math.abs(synth[arm][1] - real[arm][1])).toBeLessThan(0.2); // DBP, mmHg (sd 6)
      expect(Math.abs(synth[arm][2] - real[arm][2])).toBeLessThan(0.02); // classes (sd 0.3)
    }
    // The arms differ as in the cohort (arm 1 is 0.05 x maximum lower: 10 mmHg SBP).
    expect(synth[0][0] - synth[1][0]).toBeCloseTo(real[0][0] - real[1][0], 0);
  });
});
