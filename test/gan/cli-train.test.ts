/**
 * `sprint-gan train`'s model and optimizer options, end to end in a child
 * process: --arch NAME, --beta1, --clip-generated, --g-lr, --embedding-init, --d-deviation,
 * --scaling, --diversity(-cap), --d-aux and --g-aux reach run.json; a bad name is refused with the list of names and nothing written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sprintGan } from '../cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-cli-train-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const train = (args: string[]) => sprintGan(['train', '--quiet', '--backend', 'wasm', ...args], { SPRINT_THREADS: '1' });

describe('sprint-gan train options', () => {
  it('--arch compact, --beta1, --clip-generated, --g-lr, --embedding-init, --d-deviation, --d-dropout, --scaling, --diversity, --d-aux and --g-aux reach the run', async () => {
    const out = path.join(tmp, 'compact');
    const r = await train(['--arch', 'compact', '--beta1', '0.9', '--mode', 'batched', '--batch-size', '4', '--train-size', '40',
      '--steps-per-epoch', '2', '--epochs', '1', '--noise', '1.1', '--clip', '1', '--clip-generated', '--lr', '1e-3', '--g-lr', '2e-4', '--embedding-init', 'ones', '--d-deviation', '--d-dropout', '0',
      '--scaling', 'sprint', '--diversity', '0.5', '--diversity-cap', '2', '--d-aux', 'real', '--g-aux', '0.3', '--out', out]);
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
    expect(run.config).toMatchObject({ diversityWeight: 0.5, diversityCap: 2, auxOnGenerated: false, generatorAuxWeight: 0.3 });
    expect(run.config.architecture.dDense).toEqual([32, 32]);
    expect(run.config.architecture.dConvFilters).toEqual([8, 16]);
    expect(run.config.architecture.gConvFilters).toBe(256);
    expect(run.discriminatorParams).toBe(8579 + 72); // --d-deviation: a second input channel in the first convolution
  });

  for (const [flag, value, message] of [
    ['--embedding-init', 'he', "--embedding-init: expected glorot or ones, got 'he'"],
    ['--d-aux', 'fake', "--d-aux: expected all or real, got 'fake'"],
    ['--scaling', 'zscore', "--scaling: unknown scaling 'zscore': expected one of max, sprint"],
    ['--arch', 'huge', "unknown architecture 'huge': expected one of paper, compact, tiny"],
    ['--d-dropout', '1', 'architecture: dropout must be a rate in [0, 1), got 1'],
  ]) {
    it(`refuses a bad ${flag} with what it expects, writing nothing`, async () => {
      const out = path.join(tmp, `bad${flag}`);
      const r = await train([flag, value, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});
