import { describe, expect, it } from 'vitest';
import {
  argmax,
  noisyTopK,
  nonPrivateSelection,
  reportNoisyMaxScale,
  sampleLaplace,
  selectionEpsilon,
  topK,
} from '../../lib/eval';
import { Random } from '../../lib/random';

/**
 * P(candidate A wins | counts a, b) for two candidates with iid Lap(s) noise:
 * with D = a - b and Z = (noise_b - noise_a) (density (1 + |z|/s) e^{-|z|/s} / 4s),
 * P(Z < D) = 1 - (1/2)(1 + D/(2s)) e^{-D/s} for D >= 0, and 1 - P(-D) for D < 0.
 */
function pickProbability(a: number, b: number, s: number): number {
  const d = a - b;
  const tail = (t: number) => 0.5 * (1 + t / (2 * s)) * Math.exp(-t / s);
  return d >= 0 ? 1 - tail(d) : tail(-d);
}

describe('Laplace noise', () => {
  it('has mean 0 and variance 2 b^2', () => {
    const rng = new Random(1);
    const n = 200_000;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = sampleLaplace(rng, 3);
      s1 += v;
      s2 += v * v;
    }
    // sd of the mean: sqrt(18 / n) = 0.0095; of the variance estimate: ~ sqrt(var(X^2)/n) = sqrt((24 b^4 - 4 b^4)/n) = 0.09.
    expect(Math.abs(s1 / n)).toBeLessThan(0.05);
    expect(Math.abs(s2 / n - 18)).toBeLessThan(0.5);
  });
});

describe('noisyTopK (report-noisy-max, Laplace)', () => {
  const n = 1000; // scoring patients: accuracies are multiples of 1/1000

  it('with a huge epsilon picks the k best in order', () => {
    const scores = [0.7, 0.75, 0.72, 0.8, 0.61, 0.79];
    const r = noisyTopK({ scores, nPatients: n, k: 4, epsilonPerPick: 1e6, seed: 1 });
    expect(r.picks).toEqual([3, 5, 1, 2]);
    expect(r.epsilon).toBe(4e6);
  });

  it('with epsilon -> 0 is uniform (chi-square, 4 degrees of freedom, below the 0.001 critical value 18.47)', () => {
    const scores = [0.5, 0.6, 0.7, 0.8, 0.9];
    const trials = 20_000;
    const counts = [0, 0, 0, 0, 0];
    for (let t = 0; t < trials; t++) counts[noisyTopK({ scores, nPatients: n, k: 1, epsilonPerPick: 1e-9, seed: t }).picks[0]]++;
    const expected = trials / 5;
    const chi2 = counts.reduce((s, c) => s + ((c - expected) * (c - expected)) / expected, 0);
    expect(chi2).toBeLessThan(18.47);
  });

  it('matches the two-candidate closed form', () => {
    // Counts 730 vs 720, epsilon 0.1, add-remove: s = 10, D = 10 -> P = 1 - 0.5 * 1.5 * e^-1 = 0.72409.
    const eps = 0.1;
    const expected = pickProbability(730, 720, 1 / eps);
    expect(expected).toBeCloseTo(1 - 0.75 * Math.exp(-1), 12);
    const trials = 100_000;
    let wins = 0;
    for (let t = 0; t < trials; t++) if (noisyTopK({ scores: [0.73, 0.72], nPatients: n, k: 1, epsilonPerPick: eps, seed: `two-${t}` }).picks[0] === 0) wins++;
    // Binomial sd sqrt(p (1 - p) / trials) = 0.0014; allow 4 sd.
    expect(Math.abs(wins / trials - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / trials));
    // replace-one doubles the scale: D/s = 0.5.
    expect(noisyTopK({ scores: [0.73, 0.72], nPatients: n, k: 1, epsilonPerPick: eps, relation: 'replace-one' }).noiseScale).toBe(20);
  });

  it('the scale gives epsilon-DP on neighbouring count vectors (closed form, two candidates)', () => {
    const eps = 0.5;
    const worstRatio = (s: number, moves: Array<[number, number]>) => {
      let worst = 0;
      for (let d = -60; d <= 60; d++) {
        for (const [da, db] of moves) {
          const p = pickProbability(100 + d, 100, s);
          const q = pickProbability(100 + d + da, 100 + db, s);
          worst = Math.max(worst, p / q, q / p, (1 - p) / (1 - q), (1 - q) / (1 - p));
        }
      }
      return Math.log(worst);
    };
    // add-remove: one patient moves every count by 0 or +1 together (or 0 / -1 together).
    const addRemove: Array<[number, number]> = [[1, 0], [0, 1], [1, 1], [-1, 0], [0, -1], [-1, -1]];
    expect(worstRatio(reportNoisyMaxScale(eps, 'add-remove'), addRemove)).toBeLessThanOrEqual(eps + 1e-12);
    // replace-one: counts move by -1, 0, +1 independently; scale 1/eps would not suffice, 2/eps does.
    const replace: Array<[number, number]> = [[1, -1], [-1, 1], [1, 0], [0, 1], [-1, 0], [0, -1], [1, 1], [-1, -1]];
    expect(worstRatio(1 / eps, replace)).toBeGreaterThan(eps);
    expect(worstRatio(reportNoisyMaxScale(eps, 'replace-one'), replace)).toBeLessThanOrEqual(eps + 1e-12);
  });

  it('is seeded, picks distinct epochs, and states its cost', () => {
    const scores = Array.from({ length: 50 }, (_, e) => (700 + ((e * 37) % 41)) / n);
    const a = noisyTopK({ scores, nPatients: n, k: 10, epsilonPerPick: 0.05, seed: 9 });
    const b = noisyTopK({ scores, nPatients: n, k: 10, epsilonPerPick: 0.05, seed: 9 });
    expect(a.picks).toEqual(b.picks);
    expect(new Set(a.picks).size).toBe(10);
    // The original study's setting: 10 picks at epsilon 0.05 -> 0.5 in total.
    expect(a.epsilon).toBeCloseTo(0.5, 15);
    expect(selectionEpsilon(10, 0.05)).toBeCloseTo(0.5, 15);
    expect(a.noiseScale).toBe(20); // 1 / 0.05 correct predictions
    expect(a.noiseScaleAccuracy).toBeCloseTo(0.02, 15);
  });

  it('rejects scores that are not accuracies on nPatients patients', () => {
    expect(() => noisyTopK({ scores: [0.7005, 0.5], nPatients: n, k: 1, epsilonPerPick: 1 })).toThrow(/not an accuracy on 1000 patients/);
    expect(() => noisyTopK({ scores: [0.7, 0.5], nPatients: n, k: 3, epsilonPerPick: 1 })).toThrow(/k must be/);
    expect(() => noisyTopK({ scores: [0.7, 0.5], nPatients: n, k: 1, epsilonPerPick: 0 })).toThrow(/epsilon/);
  });
});

describe('non-private selections', () => {
  it('best, top 5 and last', () => {
    const forest = [0.6, 0.7, 0.65, 0.7, 0.5, 0.68, 0.62];
    const logistic = [0.7, 0.71, 0.73, 0.69, 0.74, 0.6, 0.72];
    expect(argmax(forest)).toBe(1); // tie 1 / 3: the earlier epoch
    expect(topK(forest, 3)).toEqual([1, 3, 5]);
    expect(nonPrivateSelection({ forest, logistic })).toEqual({
      bestForest: 1,
      bestLogistic: 4,
      topForest: [1, 3, 5, 2, 6],
      topLogistic: [4, 2, 6, 1, 0],
      last: 6,
    });
  });
});
