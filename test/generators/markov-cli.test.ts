/**
 * `sprint-gan train --model markov` and `sprint-gan sample` on its run, end
 * to end in a child process: the recommended recipe alone releases at
 * epsilon 1.6 with the tuned defaults, resume and force behave as for the
 * other families, options of the other model are refused (both ways), and
 * the sampled folder carries release.json with the total epsilon and its
 * ledger, and synthetic ids.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sprintGan } from '../cli';
import { loadSprintSync } from '../../lib/data/load';
import { preprocess } from '../../lib/data/preprocess';
import { MARKOV_DEFAULTS, calibrateMarkovNoise } from '../../lib/generators/markov';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-cli-markov-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop() as string);

describe('sprint-gan train --model markov', () => {
  const run = path.join(tmp, 'run');

  it('--help lists the models as --model acgan|markov and the recommended recipe', async () => {
    const r = await sprintGan(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: sprint-gan train [--model acgan|markov] [options]');
    expect(r.stdout).toContain('--model acgan|markov   the generator (default acgan)');
    expect(r.stdout).toContain('sprint-gan train --model markov --target-epsilon 1.6 --out runs/markov');
    expect(r.stdout).toContain('Options of --model markov');
  });

  it('--target-epsilon 1.6 --out DIR alone: the tuned defaults, a public run folder, the total epsilon on the last line', async () => {
    const r = await sprintGan(['train', '--model', 'markov', '--target-epsilon', '1.6', '--out', run]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const line = lastJson(r.stdout);
    expect(line).toMatchObject({ out: run, model: 'markov', epochs: 1, stopReason: 'completed', delta: 1e-5, message: null });
    expect(line.epsilon).toBeLessThanOrEqual(1.6);
    expect(line.epsilon).toBeGreaterThan(1.59);
    expect(r.stderr).toMatch(/Released a Markov-Gaussian model of 6000 patients/);
    expect(fs.readdirSync(run).sort()).toEqual(['checkpoint.json', 'model.json', 'run.json']);
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    const { delta: _delta, ...defaults } = MARKOV_DEFAULTS;
    expect(info.config).toMatchObject({ ...defaults, noise: calibrateMarkovNoise(1.6, 1e-5), targetEpsilon: 1.6, delta: 1e-5, seed: 0 });
    expect(info.data).toEqual({ nTrain: 6000, source: expect.stringMatching(/^embedded synthetic cohort/), kind: 'embedded' });
  });

  it('refuses to overwrite the release, returns it on --resume and makes it again, the same, with --force', async () => {
    const model = fs.readFileSync(path.join(run, 'model.json'), 'utf8');
    const again = await sprintGan(['train', '--model', 'markov', '--out', run]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('holds a finished run. Use resume to continue it, or force to delete it and start over.');
    const resumed = await sprintGan(['train', '--model', 'markov', '--target-epsilon', '1.6', '--resume', '--out', run]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('the Markov-Gaussian release is already made');
    const other = await sprintGan(['train', '--model', 'markov', '--target-epsilon', '1', '--resume', '--out', run]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('its release has other settings or data; use force to release anew');
    const forced = await sprintGan(['train', '--model', 'markov', '--target-epsilon', '1.6', '--force', '--out', run]);
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(run, 'model.json'), 'utf8')).toBe(model);
  });

  it('sample writes SYN-M patients and a release.json with the total epsilon, its ledger and the data kind', async () => {
    const out = path.join(tmp, 'sampled');
    const r = await sprintGan(['sample', '--run', run, '--n', '1000', '--seed', '2', '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['baseline.csv', 'bp.csv', 'release.json']);
    const release = JSON.parse(fs.readFileSync(path.join(out, 'release.json'), 'utf8'));
    expect(release).toMatchObject({ kind: 'sprint-gan synthetic release', generator: 'markov', run, epochs: [1], n: 1000, seed: 2, arms: 'random', data: { kind: 'embedded' }, private: true, delta: 1e-5, notCovered: [] });
    expect(release.ledger.entries.map((e: { name: string }) => e.name)).toEqual(['Markov-Gaussian model: medication tables', 'Markov-Gaussian model: blood-pressure moments']);
    expect(release.epsilon).toBeGreaterThan(1.59);
    expect(release.epsilon).toBeLessThanOrEqual(1.6);
    expect(release.ledger.report.epsilon).toBe(release.epsilon);
    expect(r.stderr).toMatch(/\(markov\) epoch 1 .*epsilon 1\.(59|60)\d* at delta 0\.00001 in total/);
    expect(lastJson(r.stdout)).toMatchObject({ generator: 'markov', epoch: 1, n: 1000, epsilon: release.epsilon, release: path.join(out, 'release.json') });
    // The folder loads as a SPRINT release of 1000 synthetic patients, whose arms differ as SPRINT's do.
    const c = preprocess(loadSprintSync(out));
    expect(c.n).toBe(1000);
    expect(c.maskIds.every((id) => /^SYN-M\d{6}$/.test(id))).toBe(true);
    const sbp = [0, 0];
    const cnt = [0, 0];
    for (let i = 0; i < c.n; i++) for (let v = 3; v < 12; v++) (sbp[c.y[i]] += c.x[i * 36 + v] * c.maxima[0]), cnt[c.y[i]]++;
    expect(sbp[0] / cnt[0] - sbp[1] / cnt[1]).toBeGreaterThan(10);
  });

  it('--non-private: the exact model, no epsilon in the run or the release', async () => {
    const dir = path.join(tmp, 'exact');
    const r = await sprintGan(['train', '--model', 'markov', '--non-private', '--out', dir]);
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ model: 'markov', epsilon: null });
    const out = path.join(tmp, 'exact-sampled');
    expect((await sprintGan(['sample', '--run', dir, '--n', '10', '--out', out])).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'release.json'), 'utf8'))).toMatchObject({ private: false, epsilon: null, ledger: null });
  });

  it('given noise beyond --target-epsilon is refused and nothing is written', async () => {
    const dir = path.join(tmp, 'over');
    const r = await sprintGan(['train', '--model', 'markov', '--tables-noise', '1', '--moments-noise', '1', '--target-epsilon', '1.6', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/give epsilon \d+\.\d+ > target 1\.6 .*nothing released/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  for (const [args, message] of [
    [['--model', 'markov', '--noise', '1.1'], '--noise is an option of --model acgan, not of --model markov; remove it or choose --model acgan'],
    [['--model', 'markov', '--epochs', '3', '--backend', 'wasm'], '--epochs, --backend are options of --model acgan, not of --model markov'],
    [['--table-share', '0.3'], '--table-share is an option of --model markov, not of --model acgan (the default); remove it or choose --model markov'],
    [['--model', 'acgan', '--non-private'], '--non-private is an option of --model markov, not of --model acgan;'],
    [['--model', 'vae'], "--model: expected acgan or markov, got 'vae'"],
    [['--model', 'gaussian'], "--model: the private Gaussian baseline has its own command, 'sprint-gan gaussian'"],
  ] as [string[], string][]) {
    it(`refuses ${args.join(' ')} (exit 2, the usage), writing nothing`, async () => {
      const dir = path.join(tmp, `bad${args.join('')}`);
      const r = await sprintGan(['train', ...args, '--out', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`sprint-gan train: ${message}`);
      expect(r.stderr).toContain('Usage: sprint-gan train [--model acgan|markov]');
      expect(fs.existsSync(dir)).toBe(false);
    });
  }

  for (const [args, message] of [
    [['--tables-noise', '3'], 'give both --tables-noise and --moments-noise, or neither'],
    [['--table-share', '1'], "--table-share: expected a number in (0, 1), got '1'"],
    [['--non-private', '--target-epsilon', '1'], '--non-private takes no noise or epsilon settings'],
    [['--target-epsilon', ''], "--target-epsilon: expected a number, got ''"],
  ] as [string[], string][]) {
    it(`refuses --model markov ${args.join(' ')} with what it expects, writing nothing`, async () => {
      const dir = path.join(tmp, `bad-markov${args.join('')}`);
      const r = await sprintGan(['train', '--model', 'markov', ...args, '--out', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(fs.existsSync(dir)).toBe(false);
    });
  }
});
