/**
 * Plans (lib/sweep/plan.ts): the runs of a grid in order with their names
 * and exact commands, stable names when a list grows, and a sweep folder
 * that refuses a plan whose runs would not match what it holds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Grid } from '../../lib/sweep/grid';
import { PLAN_FILE, SweepError, expandGrid, makePlan, optionArgs, planSweep, readPlan, runPaths, storePlan } from '../../lib/sweep/plan';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-plan-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const grid = (over: Partial<Grid> = {}): Grid => ({
  file: '/g/grid.json',
  models: ['acgan'],
  modelSwept: false,
  train: { arch: 'tiny', noise: [0.8, 1.1], 'd-deviation': true, 'clip-generated': false },
  seeds: [0, 1],
  steps: ['train', 'sample', 'evaluate'],
  sample: { n: 100 },
  evaluate: { classifiers: 'forest' },
  data: null,
  ...over,
});

describe('optionArgs', () => {
  it('writes --key value, a bare flag for true, nothing for false', () => {
    expect(optionArgs({ noise: 1.1, arch: 'tiny', lr: 1e-7, 'd-deviation': true, 'clip-generated': false })).toEqual(['--noise', '1.1', '--arch', 'tiny', '--lr', '1e-7', '--d-deviation']);
  });
});

describe('expandGrid', () => {
  it('makes every combination times the seeds (seeds fastest), named after the listed values, with the exact commands', () => {
    const runs = expandGrid(grid({ train: { noise: [0.8, 1.1], lr: [0.01, 0.001], arch: 'tiny' } }), '/data');
    expect(runs.map((r) => r.name)).toEqual([
      'noise-0.8_lr-0.01_seed-0', 'noise-0.8_lr-0.01_seed-1', 'noise-0.8_lr-0.001_seed-0', 'noise-0.8_lr-0.001_seed-1',
      'noise-1.1_lr-0.01_seed-0', 'noise-1.1_lr-0.01_seed-1', 'noise-1.1_lr-0.001_seed-0', 'noise-1.1_lr-0.001_seed-1',
    ]);
    expect(runs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const r = runs[5];
    expect(r).toMatchObject({ setting: 'noise-1.1_lr-0.01', seed: 1, model: 'acgan', values: { noise: 1.1, lr: 0.01 } });
    expect(r.commands.train).toEqual(['train', '--model', 'acgan', '--noise', '1.1', '--lr', '0.01', '--arch', 'tiny', '--seed', '1', '--data', '/data', '--out', 'runs/noise-1.1_lr-0.01_seed-1/train', '--resume', '--quiet']);
    expect(r.commands.sample).toEqual(['sample', '--run', 'runs/noise-1.1_lr-0.01_seed-1/train', '--n', '100', '--seed', '1', '--out', 'runs/noise-1.1_lr-0.01_seed-1/synthetic.partial', '--force']);
    expect(r.commands.evaluate).toEqual(['evaluate', '--synthetic', 'runs/noise-1.1_lr-0.01_seed-1/synthetic', '--real', '/data', '--classifiers', 'forest', '--seed', '1', '--json']);
  });

  it('keeps the names of existing runs when a list grows', () => {
    const before = expandGrid(grid(), '/data').map((r) => r.name);
    const after = expandGrid(grid({ train: { arch: 'tiny', noise: [0.8, 1.1, 1.5], 'd-deviation': true, 'clip-generated': false }, seeds: [0, 1, 2] }), '/data').map((r) => r.name);
    for (const name of before) expect(after).toContain(name);
    expect(after).toHaveLength(9);
  });

  it('names a run by its seed alone when nothing is listed; lists models by name and passes each run its --model', () => {
    expect(expandGrid(grid({ train: { arch: 'tiny' }, seeds: [4] }), '/d').map((r) => [r.name, r.setting])).toEqual([['seed-4', 'all']]);
    const two = expandGrid(grid({ train: {}, models: ['acgan', 'markov'], modelSwept: true, seeds: [0] }), '/d');
    expect(two.map((r) => r.name)).toEqual(['model-acgan_seed-0', 'model-markov_seed-0']);
    expect(two[1].commands.train.slice(0, 3)).toEqual(['train', '--model', 'markov']);
    expect(expandGrid(grid({ train: {} }), '/d')[0].commands.train.slice(0, 3)).toEqual(['train', '--model', 'acgan']);
  });

  it('leaves out the steps the grid does not run', () => {
    const [r] = expandGrid(grid({ steps: ['train'], seeds: [0], train: {} }), '/d');
    expect(r.commands).toMatchObject({ sample: null, evaluate: null });
  });

  it('refuses two runs that would get the same folder name', () => {
    expect(() => expandGrid(grid({ train: { scaling: ['a/b', 'a b'] } }), '/d')).toThrow(/would both be named "scaling-a_b_seed-0"/);
  });
});

describe('storePlan', () => {
  const data = { kind: 'embedded' as const, dir: '/data' };
  it('stores a plan, keeps it for the same grid, grows it, and refuses one that changes a run', () => {
    const dir = path.join(tmp, 'sweep');
    const plan = makePlan(grid(), data, expandGrid(grid(), '/data'));
    storePlan(dir, plan);
    expect(readPlan(dir)).toEqual(plan);
    storePlan(dir, makePlan(grid(), data, expandGrid(grid(), '/data')));
    const grown = makePlan(grid({ seeds: [0, 1, 2] }), data, expandGrid(grid({ seeds: [0, 1, 2] }), '/data'));
    expect(grown.id).not.toBe(plan.id);
    storePlan(dir, grown);
    expect(readPlan(dir).runs).toHaveLength(6);
    const changed = grid({ sample: { n: 200 } });
    expect(() => storePlan(dir, makePlan(changed, data, expandGrid(changed, '/data')))).toThrow(
      /holds a sweep planned from another grid: run noise-0.8_seed-0: its sample step was `sprint-gan sample .*--n 100 .*`, now `sprint-gan sample .*--n 200 .*`/,
    );
    expect(readPlan(dir)).toEqual(grown);
  });

  it("refuses a folder that holds other things, and says how to make a sweep folder", () => {
    const dir = path.join(tmp, 'user');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(() => storePlan(dir, makePlan(grid(), data, []))).toThrow(SweepError);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    expect(() => readPlan(dir)).toThrow(/is not a sweep folder \(no plan\.json\); make one with `sprint-gan sweep plan\|run\|submit --grid FILE/);
  });
});

describe('planSweep', () => {
  it("resolves the grid's data folder and writes plan.json", () => {
    const dataDir = path.join(tmp, 'real');
    fs.mkdirSync(dataDir);
    const dir = path.join(tmp, 'planned');
    const plan = planSweep(grid({ data: dataDir, seeds: [0] }), dir);
    expect(plan.data).toEqual({ kind: 'real', dir: dataDir });
    expect(plan.runs[0].commands.train).toContain(dataDir);
    expect(fs.existsSync(path.join(dir, PLAN_FILE))).toBe(true);
    expect(runPaths(dir, 'x').evaluation).toBe(path.join(dir, 'runs', 'x', 'evaluate.json'));
  });
});
