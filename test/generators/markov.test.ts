import { describe, expect, it } from 'vitest';
import { N_FEATURES, type Cohort } from '../../lib/data/cohort';
import { parseSprint } from '../../lib/data/load';
import { preprocess } from '../../lib/data/preprocess';
import { simulateSprint } from '../../lib/data/simulate';
import { splitCohort } from '../../lib/data/split';
import { LogisticRegression } from '../../lib/eval/classifiers';
import { realFeatures, syntheticFeatures } from '../../lib/eval/units';
import * as markov from '../../lib/generators/markov';
import { PrivacyLedger } from '../../lib/privacy/ledger';
import { Random } from '../../lib/random';

const MAXIMA: [number, number, number] = [238, 127, 7];
const ENCODING: markov.EncodingSettings = { maxClasses: 7, changeMin: -2, changeMax: 3, winsor: 1.5, clipNorm: 6 };

/** A cohort from raw values: patients[i] = { sbp[12], dbp[12], meds[12], arm }. */
function cohortOf(patients: { sbp: number[]; dbp: number[]; meds: number[]; arm: number }[]): Cohort {
  const n = patients.length;
  const x = new Float32Array(n * N_FEATURES);
  const y = new Uint8Array(n);
  patients.forEach((p, i) => {
    [p.sbp, p.dbp, p.meds].forEach((vals, m) => vals.forEach((v, t) => (x[i * N_FEATURES + m * 12 + t] = v / MAXIMA[m])));
    y[i] = p.arm;
  });
  return { n, x, y, maskIds: patients.map((_, i) => `S${String(i + 1).padStart(5, '0')}`), maxima: [...MAXIMA] };
}

/** Plausible random patients (a titration step for most of arm 1). */
function randomPatients(n: number, seed: number) {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const arm = rng.bernoulli(0.5) ? 1 : 0;
    const level = rng.normal(140, 15);
    const k0 = rng.int(0, 5);
    const step = arm === 1 && rng.bernoulli(0.9) ? 1 + rng.int(0, 3) : 0;
    const meds = Array.from({ length: 12 }, (_, v) => (v >= step && step > 0 ? k0 + 1 : k0));
    const sbp = meds.map((k, v) => Math.round(level - (v > 0 ? (arm ? 15 : 4) : 0) - 5 * (k - k0) + rng.normal(0, 9)));
    const dbp = sbp.map((s) => Math.round(0.5 * s + rng.normal(5, 6)));
    return { sbp, dbp, meds, arm };
  });
}

/** A patient far outside every range: huge pressures, jumps of the class count, a count above the maximum. */
const OUTLIER = {
  sbp: [300, 60, 280, 75, 290, 70, 300, 65, 285, 72, 295, 68],
  dbp: [180, 20, 170, 25, 175, 22, 160, 30, 150, 28, 165, 24],
  meds: [0, 7, 0, 7, 12, 0, 5, 1, 7, 0, 7, 3],
  arm: 1,
};

function l2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

function withoutPatient(c: Cohort, i: number): Cohort {
  const keep = Array.from({ length: c.n }, (_, k) => k).filter((k) => k !== i);
  const x = new Float32Array(keep.length * N_FEATURES);
  keep.forEach((k, j) => x.set(c.x.subarray(k * N_FEATURES, (k + 1) * N_FEATURES), j * N_FEATURES));
  return { n: keep.length, x, y: Uint8Array.from(keep.map((k) => c.y[k])), maskIds: keep.map((k) => c.maskIds[k]), maxima: c.maxima };
}

// --- independent references (no code shared with lib/privacy) -----------------

/** erfc by the Numerical Recipes Chebyshev fit (fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
const Phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

/** Exact epsilon of the Gaussian mechanism with noise multiplier s at delta (Balle & Wang 2018, Thm. 8), by bisection. */
function exactGaussianEpsilon(s: number, delta: number): number {
  const d = (eps: number) => Phi(1 / (2 * s) - eps * s) - Math.exp(eps) * Phi(-1 / (2 * s) - eps * s);
  let lo = 0;
  let hi = 50;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (d(mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * RDP of the composed Gaussian mechanisms, alpha (1/s1^2 + 1/s2^2) / 2, converted with
 * eps = rdp + log(1 - 1/alpha) - (log delta + log alpha) / (alpha - 1) (Balle et al. 2020,
 * Thm. 21), minimized over a fine continuous grid of orders.
 */
function rdpReferenceEpsilon(sigmas: number[], delta: number): number {
  const inv = sigmas.reduce((s, v) => s + 1 / (v * v), 0);
  let best = Infinity;
  for (let a = 1.001; a < 2000; a *= 1.0005) {
    const e = (a * inv) / 2 + Math.log(1 - 1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (e < best) best = e;
  }
  return best;
}

describe('markov: sensitivity of the released statistics', () => {
  const base = cohortOf([...randomPatients(300, 1), OUTLIER]);
  const outlierIndex = base.n - 1;

  it('each patient adds 1 to exactly 12 medication cells: L2 sensitivity sqrt(12), the outlier included', () => {
    const full = markov.exactStatistics(base, ENCODING);
    for (const i of [0, 1, 2, 150, outlierIndex]) {
      const without = markov.exactStatistics(withoutPatient(base, i), ENCODING);
      const diff = full.counts.map((v, k) => v - without.counts[k]);
      expect(diff.every((v) => v === 0 || v === 1)).toBe(true);
      expect(diff.reduce((a, b) => a + b, 0)).toBe(12);
      expect(l2(full.counts, without.counts)).toBeCloseTo(Math.sqrt(12), 12);
    }
    // one entry-table cell and one cell in each of the 11 transition tables of the patient's arm
    const layout = markov.tableLayout(ENCODING);
    const without = markov.exactStatistics(withoutPatient(base, outlierIndex), ENCODING);
    const touched = Array.from(full.counts.keys()).filter((k) => full.counts[k] !== without.counts[k]);
    expect(touched[0]).toBe(layout.entryCell(1, 0));
    for (let v = 1; v < 12; v++) {
      const lo = layout.transitionCell(1, v, 0, 0);
      expect(touched.filter((k) => k >= lo && k < lo + layout.states * layout.states)).toHaveLength(1);
    }
  });

  it("a patient's moment contribution has L2 norm |z'|^2 <= C^2, exactly C^2 for a clipped outlier", () => {
    const full = markov.exactStatistics(base, ENCODING);
    const without = markov.exactStatistics(withoutPatient(base, outlierIndex), ENCODING);
    expect(full.clipped - without.clipped).toBe(1);
    expect(l2(full.moments, without.moments)).toBeCloseTo(36, 9);
    for (const i of [0, 7, 99]) {
      const w = markov.exactStatistics(withoutPatient(base, i), ENCODING);
      const z = new Float64Array(markov.MOMENT_DIM);
      const norm = markov.momentVector(base, i, markov.patientClasses(base, i, ENCODING), ENCODING, z);
      expect(l2(full.moments, w.moments)).toBeCloseTo(Math.min(norm, 6) ** 2, 9);
      expect(l2(full.moments, w.moments)).toBeLessThanOrEqual(36 + 1e-9);
    }
  });

  it('the moment vector is the documented encoding: scaled, winsorized pressure, clamped classes, regressors, 1', () => {
    const c = cohortOf([OUTLIER]);
    const k = markov.patientClasses(c, 0, ENCODING);
    // 12 -> 7 (maxClasses); changes clamped to -2..3 around k0 = 0: 7 -> 3
    expect(Array.from(k)).toEqual([0, 3, 0, 3, 3, 0, 3, 1, 3, 0, 3, 3]);
    const z = new Float64Array(markov.MOMENT_DIM);
    markov.momentVector(c, 0, k, ENCODING, z);
    const sbp = OUTLIER.sbp.map((v) => (v - 130) / 15);
    const med = [...sbp.slice(1)].sort((a, b) => a - b)[5];
    expect(z[0]).toBeCloseTo(sbp[0], 5); // RZ is not winsorized
    sbp.forEach((v, t) => t > 0 && expect(z[t]).toBeCloseTo(Math.min(med + 1.5, Math.max(med - 1.5, v)), 5));
    expect(z[2]).toBeCloseTo(med + 1.5, 5); // 280 mmHg, far above the median of 1M..27M (75)
    expect(z[24]).toBeCloseTo((0 - 2.2) / 1.2, 12);
    expect(z[25]).toBe(3);
    expect(z[26]).toBeCloseTo(k.slice(2).reduce((a, b) => a + b, 0) / 10, 12);
    expect(z[27]).toBe(0.5);
    expect(z[28]).toBe(1);
  });
});

describe('markov: noise', () => {
  const c = cohortOf(randomPatients(200, 2));
  const noise = { tables: 3.7, moments: 5.1 };

  it('adds Gaussian noise of sd sigma_t sqrt(12) to the counts and sigma_m C^2 to the moments, independent of the data', () => {
    const exact = markov.exactStatistics(c, ENCODING);
    const dt: number[] = [];
    const dm: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      const r = markov.noisyStatistics(c, { noise, seed, clipNorm: 6 });
      r.counts.forEach((v, k) => dt.push(v - exact.counts[k]));
      r.moments.forEach((v, k) => dm.push(v - exact.moments[k]));
    }
    const stats = (d: number[]) => {
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
      const kurt = d.reduce((a, b) => a + ((b - mean) / sd) ** 4, 0) / d.length;
      return { mean, sd, kurt };
    };
    const t = stats(dt);
    const m = stats(dm);
    const sdT = 3.7 * Math.sqrt(12);
    const sdM = 5.1 * 36;
    // n = 6464 and 3480 draws: the sd estimate is within 4 standard errors (sd / sqrt(2n))
    expect(Math.abs(t.sd / sdT - 1)).toBeLessThan(4 / Math.sqrt(2 * dt.length));
    expect(Math.abs(m.sd / sdM - 1)).toBeLessThan(4 / Math.sqrt(2 * dm.length));
    expect(Math.abs(t.mean)).toBeLessThan((4 * sdT) / Math.sqrt(dt.length));
    expect(Math.abs(m.mean)).toBeLessThan((4 * sdM) / Math.sqrt(dm.length));
    expect(t.kurt).toBeGreaterThan(2.7); // Gaussian: 3
    expect(t.kurt).toBeLessThan(3.3);
    // the same seed on another cohort draws the same noise
    const other = cohortOf(randomPatients(150, 3));
    const a = markov.noisyStatistics(c, { noise, seed: 5 });
    const b = markov.noisyStatistics(other, { noise, seed: 5 });
    const ea = markov.exactStatistics(other, ENCODING);
    a.counts.forEach((v, k) => expect(v - exact.counts[k]).toBeCloseTo(b.counts[k] - ea.counts[k], 9));
  });

  it('the exact model (targetEpsilon Infinity) adds no noise and does not clip', () => {
    const r = markov.noisyStatistics(c, { targetEpsilon: Infinity, seed: 0 });
    const e = markov.exactStatistics(c, { ...ENCODING, clipNorm: Infinity });
    expect(Array.from(r.counts)).toEqual(Array.from(e.counts));
    expect(Array.from(r.moments)).toEqual(Array.from(e.moments));
    expect(markov.fit(c, { targetEpsilon: Infinity, seed: 0 }).privacy).toBeNull();
  });

  it('refuses settings that would not be private or are ambiguous', () => {
    expect(() => markov.fit(c, { seed: 0 })).toThrow(/targetEpsilon/);
    expect(() => markov.fit(c, { seed: 0, targetEpsilon: 1, noise })).toThrow(/either/);
    expect(() => markov.fit(c, { seed: 0, noise, clipNorm: Infinity })).toThrow(/clip norm/);
    expect(() => markov.fit(c, { seed: 0, noise: { tables: 0, moments: 1 } })).toThrow(/positive/);
    expect(() => markov.addToLedger(new PrivacyLedger(), markov.fit(c, { targetEpsilon: Infinity, seed: 0 }))).toThrow(/not private/);
  });
});

describe('markov: accounting', () => {
  const c = cohortOf(randomPatients(120, 4));

  it('epsilon of the two releases matches an independent RDP closed form and bounds the exact Gaussian epsilon', () => {
    for (const noise of [{ tables: 4, moments: 6 }, { tables: 1.5, moments: 1.5 }, { tables: 10, moments: 3 }]) {
      const model = markov.fit(c, { noise, seed: 0, delta: 1e-5 });
      const eps = model.privacy!.epsilon;
      const reference = rdpReferenceEpsilon([noise.tables, noise.moments], 1e-5);
      // the ledger minimizes over a discrete order grid: never below the continuous minimum, and close to it
      expect(eps).toBeGreaterThanOrEqual(reference - 1e-9);
      expect(eps - reference).toBeLessThan(0.01 * reference + 1e-3);
      // two Gaussian mechanisms compose exactly into one with 1/s^2 = 1/s1^2 + 1/s2^2: the ledger is a valid upper bound
      const s = 1 / Math.sqrt(1 / noise.tables ** 2 + 1 / noise.moments ** 2);
      expect(eps).toBeGreaterThan(exactGaussianEpsilon(s, 1e-5));
      const ledger = markov.addToLedger(new PrivacyLedger(), model);
      expect(ledger.epsilon(1e-5)).toBeCloseTo(eps, 12);
      expect(ledger.entries.map((e) => (e.kind === 'dp-sgd' ? e.noiseMultiplier : NaN))).toEqual([noise.tables, noise.moments]);
    }
  });

  it('targetEpsilon calibrates the total to the target, split by tableShare in 1/sigma^2', () => {
    for (const [target, share] of [[1.6, 0.5], [8, 0.5], [0.5, 0.3]] as const) {
      const model = markov.fit(c, { targetEpsilon: target, tableShare: share, seed: 0 });
      const p = model.privacy!;
      expect(p.epsilon).toBeLessThanOrEqual(target + 1e-9);
      expect(p.epsilon).toBeGreaterThan(target - 2e-3);
      const inv = 1 / p.tablesNoise ** 2 + 1 / p.momentsNoise ** 2;
      expect(1 / p.tablesNoise ** 2 / inv).toBeCloseTo(share, 9);
      expect(p.tablesSensitivity).toBeCloseTo(Math.sqrt(12), 12);
      expect(p.momentsSensitivity).toBe(36);
    }
    // at epsilon 1.6, delta 1e-5 the composed noise multiplier is 2.63 (3.72 for each release); it is the smallest that meets the target
    const p = markov.fit(c, { targetEpsilon: 1.6, seed: 0 }).privacy!;
    const s = 1 / Math.sqrt(1 / p.tablesNoise ** 2 + 1 / p.momentsNoise ** 2);
    expect(rdpReferenceEpsilon([s], 1e-5)).toBeLessThanOrEqual(1.6 + 1e-6);
    expect(rdpReferenceEpsilon([s * 0.99], 1e-5)).toBeGreaterThan(1.6 - 0.05);
  });
});

describe('markov: model and samples', () => {
  const c = cohortOf(randomPatients(400, 5));

  it('is deterministic from its seed and survives a JSON round trip', () => {
    const a = markov.fit(c, { targetEpsilon: 1.6, seed: 3 });
    const b = markov.fit(c, { targetEpsilon: 1.6, seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(markov.fit(c, { targetEpsilon: 1.6, seed: 4 }))).not.toBe(JSON.stringify(a));
    const parsed = markov.parseModel(JSON.parse(JSON.stringify(a)));
    const s1 = markov.sample(a, 500, 9, { maxima: MAXIMA });
    const s2 = markov.sample(parsed, 500, 9, { maxima: MAXIMA });
    expect(Array.from(s2.x)).toEqual(Array.from(s1.x));
    expect(Array.from(s2.y)).toEqual(Array.from(s1.y));
    expect(Array.from(markov.sample(a, 500, 10, { maxima: MAXIMA }).x)).not.toEqual(Array.from(s1.x));
    expect(() => markov.parseModel({ ...a, version: 2 })).toThrow(/version/);
    expect(() => markov.parseModel({ ...a, pressure: { ...a.pressure, root: [1] } })).toThrow(/shapes/);
  });

  it('samples whole mmHg and whole class counts in range, with synthetic ids and the requested arms', () => {
    const model = markov.fit(c, { targetEpsilon: 1, seed: 0 });
    const s = markov.sample(model, 1000, 1, { maxima: MAXIMA });
    expect(s.n).toBe(1000);
    expect(s.x).toHaveLength(1000 * 36);
    expect(s.maxima).toEqual(MAXIMA);
    expect(s.maskIds[0]).toBe('SYN-M000001');
    expect(s.maskIds.every((id) => /^SYN-M\d{6}$/.test(id))).toBe(true);
    const raw = realFeatures(s);
    for (let i = 0; i < s.n; i++) {
      for (let j = 0; j < 36; j++) {
        const v = raw[i * 36 + j];
        expect(Number.isInteger(v)).toBe(true);
        if (j >= 24) expect(v >= 0 && v <= 7).toBe(true);
        else expect(v).toBeGreaterThanOrEqual(0);
      }
    }
    // integer raw values survive the original's truncation unchanged
    expect(Array.from(syntheticFeatures(s))).toEqual(Array.from(raw));
    const arms = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    expect(Array.from(markov.sample(model, 1000, 1, { maxima: MAXIMA, arms }).y)).toEqual(arms);
    expect(() => markov.sample(model, 10, 1, { maxima: MAXIMA, arms: [0, 1] })).toThrow(/arms/);
    expect(markov.sample(model, 0, 1, { maxima: MAXIMA }).n).toBe(0);
  });

  it('the exact model reproduces the medication chain of its patients', () => {
    const model = markov.fit(c, { targetEpsilon: Infinity, seed: 0 });
    const s = markov.sample(model, 20000, 2, { maxima: MAXIMA });
    const share = (cc: Cohort, arm: number, test: (k: number[]) => boolean) => {
      const raw = realFeatures(cc);
      let hit = 0;
      let tot = 0;
      for (let i = 0; i < cc.n; i++) {
        if (cc.y[i] !== arm) continue;
        tot++;
        if (test(Array.from(raw.subarray(i * 36 + 24, i * 36 + 36)))) hit++;
      }
      return hit / tot;
    };
    const steppedBy3M = (k: number[]) => k[3] > k[0];
    expect(share(s, 1, steppedBy3M)).toBeCloseTo(share(c, 1, steppedBy3M), 1);
    expect(share(s, 0, steppedBy3M)).toBeCloseTo(share(c, 0, steppedBy3M), 1);
    expect(model.armShare).toBeCloseTo(Array.from(c.y).filter((v) => v === 1).length / c.n, 12);
  });
});

describe('markov: utility on a small simulated cohort', () => {
  it('logistic regression trained on its private patients (epsilon 1.6) predicts real held-out arms nearly as well as on real ones', () => {
    const release = simulateSprint({ seed: 11, participants: 4000 });
    const enc = new TextEncoder();
    const cohort = preprocess(parseSprint('baseline.csv', enc.encode(release.baselineCsv), 'bp.csv', enc.encode(release.bpCsv)));
    const { train, test } = splitCohort(cohort, { trainSize: 2000 });
    const score = (x: Float64Array, y: Uint8Array, n: number) => {
      const model = new LogisticRegression().fit(x, n, 36, y);
      const p = model.predict(realFeatures(test), test.n);
      return p.filter((v, i) => v === test.y[i]).length / test.n;
    };
    const real = score(realFeatures(train), train.y, train.n);
    const model = markov.fit(train, { targetEpsilon: 1.6, seed: 0 });
    const synthetic = markov.sample(model, 4000, 0, { maxima: train.maxima });
    const priv = score(syntheticFeatures(synthetic), synthetic.y, synthetic.n);
    expect(real).toBeGreaterThan(0.9);
    expect(priv).toBeGreaterThan(real - 0.05);
  });
});
