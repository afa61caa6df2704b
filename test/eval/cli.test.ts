import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sprintGan as cli } from '../cli';
import { tempDir } from './cohorts';

const BAD = path.join(__dirname, '..', 'data', 'fixtures', 'bad', 'not-numeric');
const tmp = tempDir('sprint-evaluate-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('sprint-gan evaluate', () => {
  const synthetic = path.join(tmp, 'synthetic');
  const real = path.join(tmp, 'real');
  beforeAll(async () => {
    expect((await cli(['synth', '--out', synthetic, '--seed', '11', '--participants', '400'])).code).toBe(0);
    expect((await cli(['synth', '--out', real, '--seed', '12', '--participants', '400'])).code).toBe(0);
  }, 60_000);

  it('--json: accuracy per classifier on the real holdout, real baseline, fidelity', async () => {
    const r = await cli(['evaluate', '--synthetic', synthetic, '--real', real, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.accuracy)).toEqual(['forest', 'logistic', 'svm', 'knn']);
    expect(out.real.testSplit).toBe('first6000');
    expect(out.real.nTrain + out.real.nTest).toBe(out.real.n);
    expect(out.real.nTrain).toBe(Math.round((out.real.n * 6000) / 6502));
    for (const a of Object.values(out.accuracy) as Array<{ synthetic: number; correct: number; real: number }>) {
      expect(a.synthetic).toBeCloseTo(a.correct / out.real.nTest, 12);
      expect(a.real).toBeGreaterThanOrEqual(0);
    }
    // Every solver converges (the linear SVM on standardized features); forest and kNN have none.
    expect(out.accuracy.svm).toMatchObject({ converged: true, realConverged: true });
    expect(out.accuracy.logistic).toMatchObject({ converged: true, realConverged: true });
    expect(out.accuracy.forest).toMatchObject({ converged: true, realConverged: true });
    // Same simulator, different seeds: the logistic model transfers.
    expect(out.accuracy.logistic.synthetic).toBeGreaterThan(0.7);
    expect(out.fidelity.realCorrelation).toHaveLength(36 * 36);
    expect(out.fidelity.correlationSpearman).toBeGreaterThan(0.8);
    expect(out.fidelity.realMeans[0]).toBeGreaterThan(100); // mmHg, not normalized
    expect(out.fidelity.realSpread[0]).toBeGreaterThan(5); // within-arm SBP sd in mmHg
    // Two draws of the same simulator: both sets' arms are about equally separable.
    expect(out.armSeparability.real).toBeGreaterThan(0.6);
    expect(Math.abs(out.armSeparability.synthetic - out.armSeparability.real)).toBeLessThan(0.15);
  }, 60_000);

  it('tables; --test-split all tests on every real patient without a baseline', async () => {
    const r = await cli(['evaluate', '--synthetic', synthetic, '--real', real, '--test-split', 'all', '--classifiers', 'logistic,knn']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tested on \d+ real patients of .* \(all of them\)/);
    expect(r.stdout).toMatch(/Logistic regression\s+0\.\d{3}\s+\d+\/\d+\n/);
    expect(r.stdout).not.toMatch(/Random forest/);
    expect(r.stdout).toMatch(/Spearman of the 630 feature correlations\s+0\.\d{3}/);
    expect(r.stdout).toMatch(/within-arm sd SBP: synthetic\s+\d+\.\d{2}/);
    expect(r.stdout).toMatch(/Arm separability \(.*\): real 0\.\d{3}, synthetic 0\.\d{3}\./);
    expect(r.stdout).not.toMatch(/iteration limit/);
    const svm = await cli(['evaluate', '--synthetic', synthetic, '--real', real, '--classifiers', 'svm']);
    expect(svm.code).toBe(0);
    expect(svm.stdout).toMatch(/Linear SVM\s+0\.\d{3}/);
    expect(svm.stdout).not.toMatch(/iteration limit/); // standardized, the SVM converges
  }, 60_000);

  it("bad input: the loader's typed message and exit 1; bad options: exit 2", async () => {
    const bad = await cli(['evaluate', '--synthetic', BAD, '--real', real]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bp\.csv, line 9, column SBP: the value is not a number\. Found "14O"/);
    const missing = await cli(['evaluate', '--synthetic', synthetic, '--real', path.join(tmp, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\/baseline\.csv: the file does not exist/);
    expect((await cli(['evaluate', '--synthetic', synthetic])).code).toBe(2);
    const seed = await cli(['evaluate', '--synthetic', synthetic, '--real', real, '--seed', '']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain("--seed: expected a non-negative integer, got ''");
    const split = await cli(['evaluate', '--synthetic', synthetic, '--real', real, '--test-split', 'last500']);
    expect(split.code).toBe(2);
    expect(split.stderr).toMatch(/--test-split must be first6000 or all/);
  }, 60_000);
});
