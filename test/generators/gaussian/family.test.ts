/**
 * The DP Gaussian as a generator family: the run folder holds exactly the
 * public release (never the exact clipped count), the noise is calibrated to
 * the target or refused when given noise would exceed it, and sampling from
 * the folder equals sampling the release in memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gaussian, gaussianReleaseOptions } from '../../../lib/generators/gaussian/family';
import { addToLedger, calibrateGaussianNoise, releaseFromCohort, sampleGaussianCohort } from '../../../lib/generators/gaussian/model';
import { PrivacyLedger } from '../../../lib/privacy/ledger';
import { PUBLIC_MAXIMA } from '../../../lib/data/scaling';
import { fakeCohort } from '../acgan/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-gaussian-family-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cohort = fakeCohort(80, 2);

describe('gaussian family', () => {
  it('calibrates the noise to the target epsilon, the means twice the covariance (default 1.6)', () => {
    expect(gaussianReleaseOptions({ targetEpsilon: 1, delta: 1e-6, seed: 3 })).toEqual({ clipNorm: 6, ...calibrateGaussianNoise(1, 1e-6), seed: 3 });
    expect(gaussianReleaseOptions({})).toEqual({ clipNorm: 6, ...calibrateGaussianNoise(1.6, 1e-5), seed: 0 });
    const o = gaussianReleaseOptions({ targetEpsilon: 1.6, delta: 1e-5 });
    expect(o.meanNoise / o.covarianceNoise).toBeCloseTo(2, 12);
    const eps = addToLedger(new PrivacyLedger(), o).epsilon(1e-5);
    expect(eps).toBeLessThanOrEqual(1.6 + 1e-9);
    expect(eps).toBeGreaterThan(1.59);
  });

  it('refuses given noise that would exceed the target, half-given noise, and non-private settings mixed with private ones', () => {
    expect(() => gaussianReleaseOptions({ meanNoise: 1, covarianceNoise: 0.5, targetEpsilon: 1.6 })).toThrow(/give epsilon \d+\.\d+ > target 1\.6 \(delta 0\.00001\); nothing released/);
    expect(() => gaussianReleaseOptions({ meanNoise: 1 })).toThrow(/give both noise multipliers/);
    expect(() => gaussianReleaseOptions({ meanNoise: 0, covarianceNoise: 0 })).toThrow(/must be positive/);
    expect(() => gaussianReleaseOptions({ nonPrivate: true, clipNorm: 6 })).toThrow(/non-private Gaussian takes no noise, clip or epsilon/);
    // Given noise within the target is used as given.
    const big = { meanNoise: 20, covarianceNoise: 10 };
    expect(gaussianReleaseOptions({ ...big, targetEpsilon: 1.6, seed: 1 })).toEqual({ clipNorm: 6, ...big, seed: 1 });
  });

  it('writes run.json, model.json and checkpoint.json: the public release, not the exact clipped count', async () => {
    const out = path.join(tmp, 'run');
    const r = await gaussian.train({ out, train: cohort, targetEpsilon: 1.6, seed: 5, log: () => {} });
    expect(fs.readdirSync(out).sort()).toEqual(['checkpoint.json', 'model.json', 'run.json']);
    expect(typeof r.clipped).toBe('number');
    for (const f of fs.readdirSync(out)) expect(fs.readFileSync(path.join(out, f), 'utf8')).not.toMatch(/clipped/);
    const model = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    const inMemory = releaseFromCohort(cohort, r.options);
    const { clipped, ...released } = inMemory;
    expect(clipped).toBe(r.clipped);
    expect(model).toEqual(released);
    expect(r.summary.cost.map((e) => e.name)).toEqual(['Gaussian model: arm means', 'Gaussian model: covariance']);
    // Sampling the folder is sampling the release.
    const fromRun = gaussian.sample(out, 40, { seed: 8, maxima: cohort.maxima });
    const direct = sampleGaussianCohort(inMemory, 40, cohort.maxima, 8);
    expect(Array.from(fromRun.x)).toEqual(Array.from(direct.x));
    expect(Array.from(fromRun.y)).toEqual(Array.from(direct.y));
    // The folder keeps no maxima: by default the patients are normalized on the public ones.
    expect(gaussian.sample(out, 40, { seed: 8 }).maxima).toEqual(PUBLIC_MAXIMA);
    expect(Array.from(gaussian.sample(out, 40, { seed: 8 }).x)).toEqual(Array.from(sampleGaussianCohort(inMemory, 40, PUBLIC_MAXIMA, 8).x));
    expect(() => gaussian.sample(out, 5, { epoch: 2 })).toThrow(/one release \(epoch 1\), not epoch 2/);
  });

  it('does not resume a release made with other settings, another number of patients or another source', async () => {
    const out = path.join(tmp, 'other');
    await gaussian.train({ out, train: cohort, targetEpsilon: 1.6, dataSource: 'here', log: () => {} });
    await expect(gaussian.train({ out, train: cohort, targetEpsilon: 1, dataSource: 'here', resume: true, log: () => {} })).rejects.toThrow(/other settings or data; use force/);
    await expect(gaussian.train({ out, train: fakeCohort(81, 9), targetEpsilon: 1.6, dataSource: 'here', resume: true, log: () => {} })).rejects.toThrow(/other settings or data/);
    await expect(gaussian.train({ out, train: cohort, targetEpsilon: 1.6, dataSource: 'there', resume: true, log: () => {} })).rejects.toThrow(/other settings or data/);
    // Two cohorts of one size and source cannot be told apart: anything that could is an exact function of the patients.
    const resumed = await gaussian.train({ out, train: fakeCohort(80, 9), targetEpsilon: 1.6, dataSource: 'here', resume: true, log: () => {} });
    expect(resumed.clipped).toBeNull();
  });
});
