/**
 * Collecting a sweep (lib/sweep/collect.ts) from real run folders (the DP
 * Gaussian family trains in milliseconds) and evaluate.json files written
 * as `sprint-gan evaluate --json` writes them: the runs' ε, accuracies and
 * fidelity numbers in plan order, the table, the figure rows, the files, and
 * unfinished runs marked as such. Also the status table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gaussian } from '../../lib/generators/gaussian/family';
import type { Grid } from '../../lib/sweep/grid';
import { type SweepPlan, expandGrid, makePlan, runPaths, storePlan } from '../../lib/sweep/plan';
import { collectSweep, privacyUtilityRuns, readSweepResults, resultsTable, sweepFigure, writeCollected } from '../../lib/sweep/collect';
import { statusText, sweepStatus } from '../../lib/sweep/status';
import { fakeCohort } from '../generators/acgan/fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-collect-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const grid: Grid = { file: '/g', models: ['acgan'], modelSwept: false, train: { noise: [1, 0] }, seeds: [0, 1], steps: ['train', 'sample', 'evaluate'], sample: {}, evaluate: {}, data: null };
let plan: SweepPlan;
const eps: number[] = [];

/** evaluate --json's shape, with numbers that tell the runs apart. */
function evaluation(k: number) {
  return {
    synthetic: { dir: `/somewhere/${k}`, n: 10 },
    accuracy: { forest: { synthetic: 0.5 + k / 10, correct: 5, real: 0.9, weightSpearman: 0.1, converged: true, realConverged: true }, logistic: { synthetic: 0.6, correct: 6, real: 0.8, weightSpearman: null, converged: true, realConverged: true } },
    fidelity: { realMeans: [130, 73, 2], syntheticMeans: [120 + k, 70, 2], realSpread: [14, 12, 1], syntheticSpread: [10 + k, 9, 1], realMedians: [], syntheticMedians: [], realCorrelation: [1], syntheticCorrelation: [1], correlationSpearman: 0.5 + k / 100 },
    armSeparability: { real: 0.9, synthetic: 0.7 },
    seconds: 3.25,
  };
}

beforeAll(async () => {
  plan = makePlan(grid, { kind: 'embedded', dir: '/d' }, expandGrid(grid, '/d'));
  storePlan(dir, plan);
  const cohort = fakeCohort(40, 2);
  // noise-1: private Gaussian releases; noise-0: non-private; run 3 (noise-0, seed 1) only trained.
  for (const run of plan.runs) {
    const p = runPaths(dir, run.name);
    const nonPrivate = run.values.noise === 0;
    const trained = await gaussian.train({ out: p.train, train: cohort, seed: run.seed, delta: 1e-5, log: () => {}, ...(nonPrivate ? { nonPrivate: true } : { targetEpsilon: 2 + run.seed }) });
    eps.push(trained.summary.epsilon as number);
    if (run.index === 3) continue;
    fs.mkdirSync(p.synthetic);
    fs.writeFileSync(p.evaluation, JSON.stringify(evaluation(run.index)));
  }
});

describe('collectSweep', () => {
  it('collects every run in plan order: settings, training, accuracies, fidelity; unfinished runs as far as they got', () => {
    const r = collectSweep(dir);
    expect(r).toMatchObject({ version: 1, planId: plan.id, data: 'embedded' });
    expect(r.runs.map((x) => [x.name, x.setting, x.seed, x.finished])).toEqual([
      ['noise-1_seed-0', 'noise-1', 0, true],
      ['noise-1_seed-1', 'noise-1', 1, true],
      ['noise-0_seed-0', 'noise-0', 0, true],
      ['noise-0_seed-1', 'noise-0', 1, false],
    ]);
    const [a, , c, d] = r.runs;
    expect(a).toEqual({
      index: 0, name: 'noise-1_seed-0', setting: 'noise-1', model: 'acgan', seed: 0, values: { noise: 1 }, finished: true,
      epochs: 1, stopReason: 'completed', epsilon: eps[0], delta: 1e-5,
      accuracy: { forest: 0.5, logistic: 0.6 }, realAccuracy: { forest: 0.9, logistic: 0.8 },
      fidelity: { correlationSpearman: 0.5, syntheticMeans: [120, 70, 2], syntheticSpread: [10, 9, 1], realMeans: [130, 73, 2], realSpread: [14, 12, 1] },
      armSeparability: { real: 0.9, synthetic: 0.7 },
    });
    expect(eps[0]).toBeGreaterThan(1.9);
    expect(eps[0]).toBeLessThanOrEqual(2);
    expect(c).toMatchObject({ epsilon: null, delta: null, accuracy: { forest: 0.7 } });
    expect(d).toMatchObject({ finished: false, epochs: 1, accuracy: null, fidelity: null });
  });

  it('writes sweep.json (no paths, hosts or times), results.md and the figure; reads sweep.json back', () => {
    const results = collectSweep(dir);
    const files = writeCollected(dir, results);
    expect(files.map((f) => path.basename(f))).toEqual(['sweep.json', 'results.md', 'privacy-utility.html']);
    const text = fs.readFileSync(files[0], 'utf8');
    expect(text).not.toContain(dir);
    expect(text).not.toContain('somewhere');
    expect(text).not.toContain(os.hostname());
    expect(text).not.toContain('seconds');
    expect(readSweepResults(dir)).toEqual(results);
    expect(fs.readFileSync(files[2], 'utf8')).toContain('<!DOCTYPE html>');
  });

  it('tabulates every run, the real-trained reference and what is unfinished', () => {
    const table = resultsTable(collectSweep(dir)).split('\n');
    expect(table[0]).toBe('| run | noise | seed | epochs | ε | forest | logistic | corr. agreement | SBP mean | SBP sd | arm sep. |');
    expect(table[1]).toBe('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(table[2]).toBe(`| noise-1_seed-0 | 1 | 0 | 1 | ${eps[0].toFixed(3)} | 0.500 | 0.600 | 0.500 | 120.0 | 10.0 | 0.700 |`);
    expect(table[4]).toBe('| noise-0_seed-0 | 0 | 0 | 1 | ∞ | 0.700 | 0.600 | 0.520 | 122.0 | 12.0 | 0.700 |');
    expect(table[5]).toBe('| noise-0_seed-1 (unfinished) | 0 | 1 | 1 | ∞ | – | – | – | – | – | – |');
    expect(table).toContain('Trained on the real training patients instead (mean over 3 runs): forest 0.900, logistic 0.800; real SBP mean 130.0, sd 14.0, arm separability 0.900.');
    expect(table).toContain('1 of 4 runs are not finished: run or submit the sweep again, then collect.');
  });

  it('gives the figure the evaluated runs, grouped by setting, and no figure without a private evaluated run', () => {
    const results = collectSweep(dir);
    expect(privacyUtilityRuns(results)).toEqual([
      { setting: 'noise-1', epsilon: eps[0], accuracy: { forest: 0.5, logistic: 0.6 } },
      { setting: 'noise-1', epsilon: eps[1], accuracy: { forest: 0.6, logistic: 0.6 } },
      { setting: 'noise-0', epsilon: null, accuracy: { forest: 0.7, logistic: 0.6 } },
    ]);
    expect(sweepFigure(results)?.data[0].x).toEqual([(eps[0] + eps[1]) / 2]);
    expect(sweepFigure({ ...results, runs: results.runs.filter((r) => r.epsilon === null) })).toBeNull();
  });
});

describe('statusText', () => {
  it('lists each run and counts the finished ones', () => {
    const text = statusText(sweepStatus(dir, plan)).split('\n');
    expect(text[0]).toBe('  0  noise-1_seed-0  finished');
    expect(text[3]).toBe('  3  noise-0_seed-1  trained; sample to do');
    expect(text[4]).toBe('3 of 4 runs finished.');
  });
});
