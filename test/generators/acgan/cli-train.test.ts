/**
 * `sprint-gan train`'s model and optimizer options, end to end in a child
 * process: --arch NAME, --beta1, --clip-generated, --g-lr, --embedding-init, --d-deviation,
 * --scaling, --diversity(-cap), --d-aux, --g-aux and --chunks reach run.json; a bad name or number is refused with what is expected and nothing written.
 * `sprint-gan sample` on the run trained here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sprintGan } from '../../cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-cli-train-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const train = (args: string[]) => sprintGan(['train', '--quiet', '--backend', 'wasm', ...args], { SPRINT_THREADS: '1' });

describe('sprint-gan train options', () => {
  it('--arch compact, --beta1, --clip-generated, --g-lr, --embedding-init, --d-deviation, --d-dropout, --scaling, --diversity, --d-aux, --g-aux and --chunks reach the run', async () => {
    const out = path.join(tmp, 'compact');
    const r = await train(['--arch', 'compact', '--beta1', '0.9', '--mode', 'batched', '--batch-size', '4', '--train-size', '40',
      '--steps-per-epoch', '2', '--epochs', '1', '--noise', '1.1', '--clip', '1', '--clip-generated', '--lr', '1e-3', '--g-lr', '2e-4', '--embedding-init', 'ones', '--d-deviation', '--d-dropout', '0',
      '--scaling', 'sprint', '--diversity', '0.5', '--diversity-cap', '2', '--d-aux', 'real', '--g-aux', '0.3', '--chunks', '2', '--out', out]);
    expect(r.stderr + r.stdout).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.config.beta1).toBe(0.9);
    expect(run.config.clipGenerated).toBe(true);
    expect(run.config.learningRate).toBe(1e-3);
    expect(run.config.generatorLearningRate).toBe(2e-4);
    expect(run.config.architecture.gEmbeddingInit).toBe('ones');
    expect(run.config.architecture.dDeviation).toBe(true);
    expect(run.config.architecture.dropout).toBe(0);
    expect(r.stderr + r.stdout).toContain('D dropout 0, D sees deviations');
    expect(run.config.scaling).toEqual({ center: [130, 72, 2.2], scale: [15, 12, 1.2] });
    expect(run.config).toMatchObject({ diversityWeight: 0.5, diversityCap: 2, auxOnGenerated: false, generatorAuxWeight: 0.3, chunks: 2 });
    expect(r.stderr).toContain('G arm-loss weight 0.3, batches in 2 chunks, noise 1.1');
    expect(run.config.architecture.dDense).toEqual([32, 32]);
    expect(run.config.architecture.dConvFilters).toEqual([8, 16]);
    expect(run.config.architecture.gConvFilters).toBe(256);
    expect(run.discriminatorParams).toBe(8579 + 72); // --d-deviation: a second input channel in the first convolution
  });

  it('sample writes N patients from the run, and refuses bad numbers or a folder it would overwrite, writing nothing', async () => {
    const run = path.join(tmp, 'compact'); // trained by the test above
    const out = path.join(tmp, 'sampled');
    const sample = (args: string[]) => sprintGan(['sample', '--run', run, '--backend', 'wasm', ...args], { SPRINT_THREADS: '1' });
    const ok = await sample(['--n', '10', '--epoch', '1', '--seed', '3', '--out', out]);
    expect(ok.stderr).toContain('Generated 10 patients');
    expect(ok.code).toBe(0);
    const baseline = fs.readFileSync(path.join(out, 'baseline.csv'), 'utf8');
    expect(baseline.trim().split('\n')).toHaveLength(11);
    expect(baseline.split('\n')[1]).toMatch(/^SYN-A000001,[01]$/);
    // release.json: the run, the epoch, the data's kind, the training's total epsilon with its ledger
    const release = JSON.parse(fs.readFileSync(path.join(out, 'release.json'), 'utf8'));
    expect(release).toMatchObject({ kind: 'sprint-gan synthetic release', generator: 'acgan', run, epochs: [1], n: 10, seed: 3, arms: 'random', data: { kind: 'embedded' }, private: true, delta: 1e-5, notCovered: [] });
    expect(release.ledger.entries).toEqual([{ kind: 'dp-sgd', name: 'DP-SGD training (1 epochs)', q: 4 / 40, noiseMultiplier: 1.1, steps: 2 }]);
    expect(release.epsilon).toBeCloseTo(release.ledger.report.epsilon, 12);
    expect(release.epsilon).toBeGreaterThan(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ generator: 'acgan', epoch: 1, n: 10, epsilon: release.epsilon, release: path.join(out, 'release.json') });
    for (const [args, message] of [
      [['--n', ''], "--n: expected a positive integer, got ''"],
      [['--n', '0'], "--n: expected a positive integer, got '0'"],
      [['--epoch', '0'], "--epoch: expected a positive integer, got '0'"],
      [['--seed', '1.5'], "--seed: expected a non-negative integer, got '1.5'"],
    ] as [string[], string][]) {
      const bad = path.join(tmp, `sampled${args.join('')}`);
      const r = await sample([...args, '--out', bad]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(fs.existsSync(bad)).toBe(false);
    }
    const again = await sample(['--n', '5', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has baseline.csv, bp.csv and release.json; use --force to overwrite');
    expect(fs.readFileSync(path.join(out, 'baseline.csv'), 'utf8')).toBe(baseline);
  });

  for (const [flag, value, message] of [
    ['--embedding-init', 'he', "--embedding-init: expected glorot or ones, got 'he'"],
    ['--d-aux', 'fake', "--d-aux: expected all or real, got 'fake'"],
    ['--scaling', 'zscore', "--scaling: unknown scaling 'zscore': expected one of max, sprint"],
    ['--arch', 'huge', "unknown architecture 'huge': expected one of paper, compact, tiny"],
    ['--d-dropout', '1', 'architecture: dropout must be a rate in [0, 1), got 1'],
    // An unset shell variable (--noise "$SIGMA") must not read as 0, a run without noise.
    ['--noise', '', "--noise: expected a number, got ''"],
    ['--noise', '0x1', "--noise: expected a number, got '0x1'"],
    ['--clip', 'none', "--clip: expected a number or 'inf', got 'none'"],
    ['--chunks', '3', 'chunks must be a power of two from 1 to 64 (1: one program for the whole batch), got 3'],
  ]) {
    it(`refuses ${flag} '${value}' with what it expects, writing nothing`, async () => {
      const out = path.join(tmp, `bad${flag}`);
      const r = await train([flag, value, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});
