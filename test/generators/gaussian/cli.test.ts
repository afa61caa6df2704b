/**
 * `sprint-gan gaussian` end to end in a child process: the written folder
 * loads as a SPRINT release and carries the arms' difference, release.json
 * holds the calibrated ledger, and bad options or an occupied folder are
 * refused without touching anything.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sprintGan } from '../../cli';
import { loadSprintSync } from '../../../lib/data/load';
import { preprocess } from '../../../lib/data/preprocess';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-cli-gaussian-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Mean SBP (mmHg) of each arm over the visits from month 6 on (the cohort's visits 3..11). */
function armSbp(dir: string): [number, number] {
  const c = preprocess(loadSprintSync(dir));
  const sum = [0, 0];
  const cnt = [0, 0];
  for (let i = 0; i < c.n; i++) {
    for (let v = 3; v < 12; v++) {
      sum[c.y[i]] += c.x[i * 36 + v] * c.maxima[0];
      cnt[c.y[i]]++;
    }
  }
  return [sum[0] / cnt[0], sum[1] / cnt[1]];
}

describe('sprint-gan gaussian', () => {
  it('writes a SPRINT folder whose arms differ as the real ones do, and a release.json with epsilon 1.6', async () => {
    const out = path.join(tmp, 'private');
    const r = await sprintGan(['gaussian', '--n', '2000', '--seed', '3', '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const release = JSON.parse(fs.readFileSync(path.join(out, 'release.json'), 'utf8'));
    expect(release.epsilon).toBeLessThanOrEqual(1.6);
    expect(release.epsilon).toBeGreaterThan(1.59);
    expect(release.delta).toBe(1e-5);
    expect(release.options.clipNorm).toBe(6);
    expect(release.options.meanNoise / release.options.covarianceNoise).toBeCloseTo(2, 10);
    expect(release.ledger.entries.map((e: { name: string }) => e.name)).toEqual(['Gaussian model: arm means', 'Gaussian model: covariance']);
    expect(release.data.nTrain).toBe(6000);
    // Nothing exact about the patients in the shareable file: the clipped count goes to the console only.
    expect(Object.keys(release).sort()).toEqual(['data', 'delta', 'epsilon', 'kind', 'ledger', 'n', 'options', 'scaling']);
    expect(r.stderr).toMatch(/\(\d+ clipped at 6: an exact count, for you, not in release\.json\)/);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, n: 2000, epsilon: release.epsilon });
    expect(r.stderr).toMatch(/epsilon 1\.(59|60)\d* at delta 0\.00001/);
    // The SPRINT targets: intensive < 120 mmHg, standard < 140. The embedded cohort's arms lie ~15 mmHg apart.
    const [standard, intensive] = armSbp(out);
    expect(standard - intensive).toBeGreaterThan(10);
    expect(standard - intensive).toBeLessThan(20);
    expect(preprocess(loadSprintSync(out)).n).toBe(2000);
  });

  it('--non-private: the exact model, no epsilon, nothing clipped', async () => {
    const out = path.join(tmp, 'exact');
    const r = await sprintGan(['gaussian', '--non-private', '--n', '500', '--out', out]);
    expect(r.code).toBe(0);
    const release = JSON.parse(fs.readFileSync(path.join(out, 'release.json'), 'utf8'));
    expect(release).toMatchObject({ epsilon: null, ledger: null, options: { clipNorm: null, meanNoise: 0, covarianceNoise: 0 } });
    expect(r.stderr).not.toContain('clipped');
    expect(r.stderr).toContain('non-private');
  });

  it('--mean-noise and --covariance-noise set the noise; the ledger composes them', async () => {
    const out = path.join(tmp, 'manual');
    const r = await sprintGan(['gaussian', '--mean-noise', '6', '--covariance-noise', '3', '--clip', '5', '--n', '300', '--out', out]);
    expect(r.code).toBe(0);
    const release = JSON.parse(fs.readFileSync(path.join(out, 'release.json'), 'utf8'));
    expect(release.options).toMatchObject({ clipNorm: 5, meanNoise: 6, covarianceNoise: 3 });
    expect(release.epsilon).toBeCloseTo(1.567, 2);
  });

  it('refuses to overwrite a folder that has patients in it, leaving them as they were', async () => {
    const out = path.join(tmp, 'occupied');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'bp.csv'), 'my data\n');
    const r = await sprintGan(['gaussian', '--n', '10', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sprint-gan gaussian: ${out} already has bp.csv; use --force to overwrite.`);
    expect(fs.readFileSync(path.join(out, 'bp.csv'), 'utf8')).toBe('my data\n');
    expect(fs.readdirSync(out)).toEqual(['bp.csv']);
  });

  it("bad data: the loader's message naming the file, line and column, exit 1, nothing written", async () => {
    const out = path.join(tmp, 'from-bad');
    const bad = path.join(__dirname, '..', '..', 'data', 'fixtures', 'bad', 'not-numeric');
    const r = await sprintGan(['gaussian', '--data', bad, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bp\.csv, line 9, column SBP: the value is not a number\. Found "14O"/);
    expect(fs.existsSync(out)).toBe(false);
  });

  for (const [args, message] of [
    [['--mean-noise', '6'], 'give both --mean-noise and --covariance-noise, or neither'],
    [['--mean-noise', '6', '--covariance-noise', '3', '--target-epsilon', '1'], '--target-epsilon calibrates the noise'],
    [['--non-private', '--clip', '3'], '--non-private takes no noise, clip or epsilon settings'],
    [['--n', '0'], "--n: expected a positive integer, got '0'"],
    [['--clip', 'x'], "--clip: expected a number, got 'x'"],
    [['--clip', 'inf'], "--clip: expected a number, got 'inf'"],
    [['--n', '0x10'], "--n: expected a positive integer, got '0x10'"],
    [['--mean-noise', '', '--covariance-noise', '3'], "--mean-noise: expected a number, got ''"],
    [['--mean-noise', '0', '--covariance-noise', '3'], 'noise multipliers must be positive'],
    [['--clip', '0'], "--clip: expected a positive number, got '0'"],
    [['--target-epsilon=0'], "--target-epsilon: expected a positive number, got '0'"],
    [['--seed', '1.5'], "--seed: expected a non-negative integer, got '1.5'"],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--delta', '2'], "--delta: expected a number in (0, 1), got '2'"],
  ] as [string[], string][]) {
    it(`refuses ${args.join(' ')} with what it expects (exit 2), writing nothing`, async () => {
      const out = path.join(tmp, `bad-${args.join('')}`);
      const r = await sprintGan(['gaussian', ...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('Usage: sprint-gan gaussian');
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});
