/**
 * Membership-inference audit: statistics on hand-made cases, and the attacks
 * on planted releases (a memorizing "generator" must be caught; an
 * independent one must look like chance).
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/random';
import type { Cohort } from '../../lib/data/cohort';
import {
  ATTACKS,
  auditScores,
  auditTableText,
  clopperPearson,
  dcrScores,
  densityRatioScores,
  epsilonFromRates,
  epsilonLowerBound,
  hanleyMcNeilSe,
  maxCertifiableEpsilon,
  membershipSplit,
  rocAuc,
  rocCurve,
  runMembershipAudit,
  tprAtFpr,
  type PatientRows,
} from '../../lib/eval/audit/index';

describe('ROC statistics', () => {
  it('AUC on a hand-made case with a tie', () => {
    // Pairs (member, non-member): 0.9 beats both, 0.8 beats both, 0.5 ties 0.5 and beats 0.3 -> (2 + 2 + 1.5) / 6.
    expect(rocAuc([0.9, 0.8, 0.5], [0.5, 0.3])).toBeCloseTo(5.5 / 6, 12);
    expect(rocAuc([1, 1], [1, 1, 1])).toBe(0.5);
    expect(rocAuc([3, 4], [1, 2])).toBe(1);
    expect(rocAuc([1, 2], [3, 4])).toBe(0);
  });

  it('AUC equals the pairwise definition on random data with many ties', () => {
    const rng = new Random(3);
    const pos = Array.from({ length: 37 }, () => rng.int(0, 6));
    const neg = Array.from({ length: 29 }, () => rng.int(0, 5));
    let s = 0;
    for (const a of pos) for (const b of neg) s += a > b ? 1 : a === b ? 0.5 : 0;
    expect(rocAuc(pos, neg)).toBeCloseTo(s / (37 * 29), 12);
  });

  it('Hanley-McNeil SE: null value and a hand-computed case', () => {
    // At AUC 1/2 it is the Mann-Whitney null SD sqrt((m + n + 1) / (12 m n)).
    expect(hanleyMcNeilSe(0.5, 100, 80)).toBeCloseTo(Math.sqrt(181 / (12 * 100 * 80)), 12);
    // A = 0.9, n = 50 each: Q1 = 0.9/1.1, Q2 = 1.62/1.9,
    // SE^2 = (0.09 + 49 (Q1 - 0.81) + 49 (Q2 - 0.81)) / 2500 = 2.579862 / 2500 -> SE 0.032124.
    expect(hanleyMcNeilSe(0.9, 50, 50)).toBeCloseTo(0.032124, 5);
  });

  it('TPR at FPR picks the best threshold with FPR within the target', () => {
    const members = [10, 9, 8, 7, 1];
    const nonMembers = [8.5, 5, 4, 3, 2, 0, -1, -2, -3, -4];
    // Threshold 9: TPR 2/5, FPR 0; threshold 8.5 adds a false positive (FPR 0.1).
    expect(tprAtFpr(members, nonMembers, 0.05)).toMatchObject({ tp: 2, fp: 0, tpr: 0.4, fpr: 0 });
    expect(tprAtFpr(members, nonMembers, 0.1)).toMatchObject({ tp: 4, fp: 1, tpr: 0.8 });
    const roc = rocCurve(members, nonMembers);
    expect(roc.fpr[0]).toBe(0);
    expect(roc.tpr[0]).toBe(0);
    expect(roc.fpr.at(-1)).toBe(1);
    expect(roc.tpr.at(-1)).toBe(1);
  });
});

describe('epsilon lower bound', () => {
  it('point formula on known rates', () => {
    // TPR 0.9, FPR 0.01, delta 0: max(log(0.9/0.01), log(0.99/0.1)) = log 90.
    expect(epsilonFromRates(0.9, 0.01, 0)).toBeCloseTo(Math.log(90), 12);
    // The second term wins when the attack rarely misses members but often flags non-members.
    expect(epsilonFromRates(0.999, 0.5, 0)).toBeCloseTo(Math.log(0.5 / 0.001), 10);
    // delta is subtracted from the numerators.
    expect(epsilonFromRates(0.2, 0.1, 0.05)).toBeCloseTo(Math.max(Math.log(0.15 / 0.1), Math.log(0.85 / 0.8)), 12);
    // Chance-level attacks prove nothing.
    expect(epsilonFromRates(0.3, 0.3, 1e-5)).toBe(0);
    expect(epsilonFromRates(0.1, 0.5, 0)).toBe(0);
    expect(epsilonFromRates(0.5, 0, 0)).toBe(Infinity);
  });

  it('Clopper-Pearson matches textbook intervals', () => {
    // 95% two-sided (alpha 0.025 per side): 0/10 -> [0, 0.3085]; 5/10 -> [0.1871, 0.8129]; 10/10 -> [0.6915, 1].
    expect(clopperPearson(0, 10, 0.025).upper).toBeCloseTo(1 - Math.pow(0.025, 1 / 10), 8);
    expect(clopperPearson(0, 10, 0.025).lower).toBe(0);
    const mid = clopperPearson(5, 10, 0.025);
    expect(mid.lower).toBeCloseTo(0.187086, 5);
    expect(mid.upper).toBeCloseTo(0.812914, 5);
    expect(clopperPearson(10, 10, 0.025).lower).toBeCloseTo(Math.pow(0.025, 1 / 10), 8);
  });

  it('confidence version on known counts is below the point value', () => {
    const b = epsilonLowerBound({ tp: 90, nPos: 100, fp: 1, nNeg: 100 }, 0, 0.95);
    expect(b.point).toBeCloseTo(Math.log(90), 12);
    expect(b.tprLower).toBeCloseTo(clopperPearson(90, 100, 0.025).lower, 12);
    expect(b.fprUpper).toBeCloseTo(clopperPearson(1, 100, 0.025).upper, 12);
    expect(b.lower).toBeCloseTo(Math.log((b.tprLower - 0) / b.fprUpper), 12);
    expect(b.lower).toBeLessThan(b.point);
    expect(b.lower).toBeGreaterThan(2); // still clearly refutes epsilon = 1
    // A perfect attack on 200 + 200 patients certifies at most log((0.025^(1/200)) / (1 - 0.025^(1/200))).
    const p = Math.pow(0.025, 1 / 200);
    expect(maxCertifiableEpsilon(200, 200, 0)).toBeCloseTo(Math.log(p / (1 - p)), 8);
  });
});

/** A population of correlated 36-feature patients (AR(1) along the features), like a normalized cohort. */
function population(n: number, seed: number): Cohort {
  const rng = new Random(seed);
  const x = new Float32Array(n * 36);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(0, 2);
    let v = rng.normal(0, 1);
    for (let j = 0; j < 36; j++) {
      v = 0.8 * v + 0.6 * rng.normal(0, 1);
      x[i * 36 + j] = 0.5 + 0.08 * v - 0.05 * y[i];
    }
  }
  return { n, x, y, maskIds: Array.from({ length: n }, (_, i) => `P${i}`), maxima: [1, 1, 1] };
}

function withNoise(c: PatientRows, sd: number, seed: number): PatientRows {
  const rng = new Random(seed);
  return { n: c.n, x: Float32Array.from(c.x as Float32Array, (v) => v + rng.normal(0, sd)) };
}

describe('membership audit on planted releases', () => {
  const pool = population(600, 1);
  const split = membershipSplit(pool, { seed: 7 });
  const reference = population(400, 2);

  it('splits the pool in two seeded halves', () => {
    expect(split.members.n).toBe(300);
    expect(split.nonMembers.n).toBe(300);
    expect(new Set([...split.memberIndex, ...split.nonMemberIndex]).size).toBe(600);
    expect(membershipSplit(pool, { seed: 7 }).memberIndex).toEqual(split.memberIndex);
    expect(membershipSplit(pool, { seed: 8 }).memberIndex).not.toEqual(split.memberIndex);
    const i = split.memberIndex[5];
    expect(Array.from(split.members.x.subarray(5 * 36, 6 * 36))).toEqual(Array.from(pool.x.subarray(i * 36, (i + 1) * 36)));
  });

  it('catches a generator that memorizes its members (AUC > 0.95)', () => {
    // "Synthetic" = every member, twice, plus tiny noise.
    const copies: PatientRows = { n: 600, x: Float32Array.from([...split.members.x, ...split.members.x]) };
    const synthetic = withNoise(copies, 0.002, 3);
    const rows = runMembershipAudit({ members: split.members, nonMembers: split.nonMembers, synthetic, reference, delta: 1e-5 });
    expect(rows.map((r) => r.attack)).toEqual([ATTACKS.dcr, ATTACKS.densityRatio]);
    for (const r of rows) {
      expect(r.auc).toBeGreaterThan(0.95);
      expect(r.tprAtFpr[0].tpr).toBeGreaterThan(0.9);
      expect(r.tprAtFpr[1].tpr).toBeNull(); // 300 non-members cannot resolve 0.1%
      // The valid bound refutes any epsilon below 2.5 (the most 150 + 150 patients can certify is 3.69).
      expect(r.epsilonLower).toBeGreaterThan(2.5);
      expect(r.epsilonLower).toBeLessThanOrEqual(r.epsilonLowerMax + 1e-12);
    }
  });

  it('an independent generator looks like chance (|AUC - 0.5| < 4 SE)', () => {
    const synthetic = population(1000, 99); // same distribution, independent draws
    const rows = runMembershipAudit({ members: split.members, nonMembers: split.nonMembers, synthetic, reference, delta: 1e-5 });
    for (const r of rows) {
      const se0 = hanleyMcNeilSe(0.5, r.nMembers, r.nNonMembers);
      expect(Math.abs(r.auc - 0.5)).toBeLessThan(4 * se0);
      expect(r.epsilonLower).toBeLessThan(1);
    }
  });

  it('audits a score-function (discriminator-style) attack', () => {
    // A "discriminator" that remembers its members exactly.
    const memberSet = new Set(Array.from({ length: split.members.n }, (_, i) => split.members.x[i * 36]));
    const scoreFn = (p: PatientRows) => Array.from({ length: p.n }, (_, i) => (memberSet.has(p.x[i * 36]) ? 1 : 0));
    const synthetic = population(300, 5);
    const rows = runMembershipAudit({ members: split.members, nonMembers: split.nonMembers, synthetic, discriminator: scoreFn });
    expect(rows[0].attack).toBe(ATTACKS.discriminator);
    expect(rows[0].auc).toBe(1);
    expect(rows[0].epsilonPoint).toBe(Infinity);
    expect(rows[0].epsilonLower).toBeCloseTo(rows[0].epsilonLowerMax, 12);
  });

  it('density ratio and DCR scores are deterministic and finite', () => {
    const synthetic = population(200, 4);
    const a = densityRatioScores(split.members, synthetic, reference);
    const b = densityRatioScores(split.members, synthetic, reference);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.every(Number.isFinite)).toBe(true);
    expect(dcrScores(split.members, synthetic).every((v) => v <= 0)).toBe(true);
  });

  it('renders a table and validates inputs', () => {
    const row = auditScores('toy', [1, 2, 3, 4], [0, 1, 2, 3]);
    const text = auditTableText([{ model: 'toy model', accountantEpsilon: null, rows: [row] }]);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toContain('∞ (non-private)');
    expect(() => rocAuc([], [1])).toThrow(/no scores/);
    expect(() => dcrScores({ n: 2, x: new Float32Array(5) }, { n: 1, x: new Float32Array(2) })).toThrow(/split/);
  });

  it('refuses to compare patients normalized on different maxima (a synthetic release sampled on public maxima)', () => {
    const synthetic = { ...population(50, 6), maxima: [300, 200, 10] };
    const members = { ...split.members, maxima: [1, 1, 1] };
    expect(() => dcrScores(members, synthetic)).toThrow(/normalized on maxima 300, 200, 10.*sample the synthetic patients with \{ maxima \}/);
    expect(() => densityRatioScores(members, synthetic, reference)).toThrow(/maxima/);
    expect(() => runMembershipAudit({ members, nonMembers: split.nonMembers, synthetic, delta: 1e-5 })).toThrow(/maxima/);
    // the same maxima, or sets without any (plain rows), are compared as before
    expect(dcrScores(members, { ...synthetic, maxima: [1, 1, 1] })).toHaveLength(members.n);
    expect(dcrScores({ n: members.n, x: members.x }, synthetic)).toHaveLength(members.n);
  });
});
