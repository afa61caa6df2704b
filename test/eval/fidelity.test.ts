import { describe, expect, it } from 'vitest';
import {
  armVisitMedians,
  averageRanks,
  correlationMatrix,
  correlationStructureAgreement,
  fidelityReport,
  lowerTriangle,
  measureMeans,
  median,
  pearson,
  spearman,
  withinArmSpread,
} from '../../lib/eval';
import { Random } from '../../lib/random';

/** A patient whose value for measure m at visit v is base[m] + v * slope[m]. */
function patient(base: [number, number, number], slope: [number, number, number]): number[] {
  const row: number[] = [];
  for (let m = 0; m < 3; m++) for (let v = 0; v < 12; v++) row.push(base[m] + v * slope[m]);
  return row;
}

describe('means and medians', () => {
  it('measureMeans averages each measure over patients and visits', () => {
    // Patient A: SBP 100..111 (mean 105.5), DBP 60, classes 1. Patient B: SBP 120 flat, DBP 80, classes 3.
    const x = Float64Array.from([...patient([100, 60, 1], [1, 0, 0]), ...patient([120, 80, 3], [0, 0, 0])]);
    expect(measureMeans({ n: 2, x })).toEqual([(105.5 + 120) / 2, 70, 2]);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('armVisitMedians per arm, measure and visit', () => {
    // Arm 0: three patients with SBP base 100, 110, 130 (+v): median 110 + v. Arm 1: two with DBP 70 and 74: median 72.
    const rows = [
      patient([100, 60, 0], [1, 0, 0]),
      patient([130, 60, 0], [1, 0, 0]),
      patient([110, 60, 0], [1, 0, 0]),
      patient([120, 70, 2], [0, 0, 0]),
      patient([120, 74, 3], [0, 0, 0]),
    ];
    const med = armVisitMedians({ n: 5, x: Float64Array.from(rows.flat()), y: Uint8Array.from([0, 0, 0, 1, 1]) });
    expect(med[0][0]).toEqual(Array.from({ length: 12 }, (_, v) => 110 + v));
    expect(med[1][1]).toEqual(new Array(12).fill(72));
    expect(med[1][2]).toEqual(new Array(12).fill(2.5));
  });
});

describe('within-arm spread', () => {
  it('population sd of each (arm, visit) feature, averaged over arms and visits (by hand)', () => {
    // Arm 0: SBP 100 and 110 at every visit (sd 5), DBP 60 and 60 (sd 0), classes 1 and 3 (sd 1).
    // Arm 1: SBP 120, 120, 150 (sd sqrt(200)), DBP 70, 76, 70 (sd sqrt(8)), classes 2 (sd 0).
    const rows = [
      patient([100, 60, 1], [0, 0, 0]),
      patient([110, 60, 3], [0, 0, 0]),
      patient([120, 70, 2], [0, 0, 0]),
      patient([120, 76, 2], [0, 0, 0]),
      patient([150, 70, 2], [0, 0, 0]),
    ];
    const s = withinArmSpread({ n: 5, x: Float64Array.from(rows.flat()), y: Uint8Array.from([0, 0, 1, 1, 1]) });
    expect(s[0]).toBeCloseTo((5 + Math.sqrt(200)) / 2, 12);
    expect(s[1]).toBeCloseTo((0 + Math.sqrt(8)) / 2, 12);
    expect(s[2]).toBeCloseTo(0.5, 12);
  });

  it('a slope over visits is not spread; scaling around the arm mean scales it; an empty arm is left out', () => {
    // Every patient of arm 0 shares the trend 100 + 3v: only the offsets (0 and 8) spread: sd 4 at each visit.
    const a = [patient([100, 60, 1], [3, 1, 0]), patient([108, 60, 1], [3, 1, 0])];
    const one = withinArmSpread({ n: 2, x: Float64Array.from(a.flat()), y: Uint8Array.from([0, 0]) });
    expect(one).toEqual([4, 0, 0]);
    // A collapsed copy: every value pulled halfway to the arm mean halves the spread.
    const rng = new Random(2);
    const n = 40;
    const y = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const x = Float64Array.from({ length: n * 36 }, (_, k) => 100 + 20 * rng.normal() + 30 * y[Math.floor(k / 36)]);
    const means = new Float64Array(72);
    for (let i = 0; i < n; i++) for (let f = 0; f < 36; f++) means[y[i] * 36 + f] += x[i * 36 + f] / (n / 2);
    const half = Float64Array.from(x, (v, k) => {
      const i = Math.floor(k / 36);
      const mu = means[y[i] * 36 + (k % 36)];
      return mu + (v - mu) / 2;
    });
    const full = withinArmSpread({ n, x, y });
    const halved = withinArmSpread({ n, x: half, y });
    for (let m = 0; m < 3; m++) expect(halved[m]).toBeCloseTo(full[m] / 2, 10);
  });
});

describe('correlations', () => {
  it('Pearson matrix by hand, NaN for a constant column (numpy corrcoef)', () => {
    // Columns: a = 1 2 3 4, b = 1 3 2 4, c = 4 3 2 1, k = 5 5 5 5.
    // r(a,b) = sum(da db) / sqrt(sum da^2 sum db^2) = (2.25 - 0.25 - 0.25 + 2.25) / 5 = 0.8; r(a,c) = -1; r(b,c) = -0.8.
    // numpy.corrcoef of [a, b, c] gives [[1, .8, -1], [.8, 1, -.8], [-1, -.8, 1]].
    const X = Float64Array.from([1, 1, 4, 5, 2, 3, 3, 5, 3, 2, 2, 5, 4, 4, 1, 5]);
    const r = correlationMatrix(X, 4, 4);
    const expected = [1, 0.8, -1, NaN, 0.8, 1, -0.8, NaN, -1, -0.8, 1, NaN, NaN, NaN, NaN, NaN];
    expected.forEach((e, i) => (Number.isNaN(e) ? expect(r[i]).toBeNaN() : expect(r[i]).toBeCloseTo(e, 14)));
    expect(Array.from(lowerTriangle(r, 4)).slice(0, 3).map((v) => +v.toFixed(12))).toEqual([0.8, -1, -0.8]);
  });

  it('lowerTriangle goes row by row below the diagonal', () => {
    expect(Array.from(lowerTriangle([0, 1, 2, 3, 4, 5, 6, 7, 8], 3))).toEqual([3, 6, 7]);
  });

  it('average ranks and Spearman with ties (scipy.stats.spearmanr)', () => {
    expect(Array.from(averageRanks([10, 20, 20, 30]))).toEqual([1, 2.5, 2.5, 4]);
    // b = 5 6 7 8 7 has ranks 1 2 3.5 5 3.5; with rank deviations (-2 -1 0 1 2) and (-2 -1 .5 2 .5):
    // rho = 8 / sqrt(10 * 9.5) = 0.8207826816681233 (scipy 1.10.1 gives the same).
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 14);
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 14);
    expect(spearman([1, 2, 3], [1, 1, 1])).toBeNaN();
    expect(spearman([1, 2, NaN, 4], [1, 2, 3, 4])).toBeNaN();
    expect(spearman([1, 2, NaN, 4], [1, 2, 3, 5], { nanPolicy: 'omit' })).toBeCloseTo(1, 14);
    expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(0.9933992677987828, 14);
  });

  it('correlation structure agreement: 1 for the same cohort, lower for shuffled features', () => {
    const rng = new Random(3);
    const n = 300;
    const x = new Float64Array(n * 36);
    for (let i = 0; i < n; i++) {
      const level = rng.normal();
      for (let f = 0; f < 36; f++) x[i * 36 + f] = level * (f % 12) + rng.normal(); // structured correlations
    }
    expect(correlationStructureAgreement({ n, x }, { n, x })).toBeCloseTo(1, 14);
    const noise = Float64Array.from(x, () => rng.normal());
    expect(Math.abs(correlationStructureAgreement({ n, x }, { n, x: noise }))).toBeLessThan(0.3);
  });

  it('fidelityReport bundles the statistics', () => {
    const rng = new Random(5);
    const n = 50;
    const x = Float64Array.from({ length: n * 36 }, () => rng.uniform());
    const y = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const report = fidelityReport({ n, x, y }, { n, x, y });
    expect(report.realMeans).toEqual(report.syntheticMeans);
    expect(report.realSpread).toEqual(withinArmSpread({ n, x, y }));
    expect(report.syntheticSpread).toEqual(report.realSpread);
    expect(report.realMedians.length).toBe(2);
    expect(report.realCorrelation.length).toBe(36 * 36);
    expect(report.correlationSpearman).toBeCloseTo(1, 14);
    expect(() => fidelityReport({ n: 2, x: new Float64Array(10), y: new Uint8Array(2) }, { n, x, y })).toThrow(/expected n \* 36 = 72/);
  });
});
