/**
 * The local executor (lib/sweep/local.ts): the pool never runs more than
 * `jobs` tasks at once, runs each index once, survives failures; the
 * default concurrency is cores / threads; runLocal starts only unfinished
 * runs. (Real task processes: test/sweep/cli.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockRunFolder } from '../../lib/generators/lock';
import { defaultJobs, runLocal, runLogFile, runPool } from '../../lib/sweep/local';
import type { Grid } from '../../lib/sweep/grid';
import { expandGrid, makePlan, runPaths } from '../../lib/sweep/plan';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-local-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('defaultJobs', () => {
  it('is cores / threads per run, rounded down, at least 1', () => {
    expect(defaultJobs(2, 2)).toBe(1);
    expect(defaultJobs(1, 2)).toBe(2);
    expect(defaultJobs(2, 16)).toBe(8);
    expect(defaultJobs(3, 16)).toBe(5);
    expect(defaultJobs(4, 2)).toBe(1);
  });
});

describe('runPool', () => {
  it('runs every index once, at most jobs at a time, and reports each outcome (failures too)', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const ended: number[] = [];
    const outcomes = await runPool(
      [4, 1, 7, 2, 9],
      2,
      async (i) => {
        started.push(i);
        most = Math.max(most, ++running);
        await sleep(20 + (i % 3) * 10);
        running--;
        if (i === 7) throw new Error('spawn failed');
        return i === 2 ? 5 : 0;
      },
      (o) => ended.push(o.index),
    );
    expect(most).toBe(2);
    expect(started).toEqual([4, 1, 7, 2, 9]);
    expect(ended.sort()).toEqual([1, 2, 4, 7, 9]);
    expect(outcomes.map((o) => [o.index, o.code])).toEqual([[1, 0], [2, 5], [4, 0], [7, 1], [9, 0]]);
    expect(outcomes.every((o) => o.seconds >= 0.015)).toBe(true);
  });

  it('refuses a jobs count that is not a positive integer', async () => {
    await expect(runPool([1], 0, async () => 0)).rejects.toThrow(/jobs: expected a positive integer, got 0/);
  });
});

describe('runLocal', () => {
  it('starts only the unfinished runs and says what it did', async () => {
    const grid: Grid = { file: '/g', models: ['acgan'], modelSwept: false, train: {}, seeds: [0, 1, 2], steps: ['train'], sample: {}, evaluate: {}, data: null };
    const plan = makePlan(grid, { kind: 'embedded', dir: '/d' }, expandGrid(grid, '/d'));
    const dir = path.join(tmp, 'sweep');
    const train = runPaths(dir, 'seed-1').train;
    fs.mkdirSync(train, { recursive: true });
    fs.writeFileSync(path.join(train, 'checkpoint.json'), JSON.stringify({ finished: true }));
    const lines: string[] = [];
    const started: number[] = [];
    const outcomes = await runLocal(dir, plan, { jobs: 3, threads: 1, log: (l) => lines.push(l), start: async (i) => (started.push(i), i === 2 ? 1 : 0) });
    expect(started.sort()).toEqual([0, 2]);
    expect(outcomes.map((o) => o.code)).toEqual([0, 1]);
    expect(lines[0]).toBe(`2 of 3 runs to do (1 finished, skipped); 3 at a time, 1 thread each; logs in ${path.join(dir, 'logs')}.`);
    // A run another live process works on is not started again.
    const lock = lockRunFolder(runPaths(dir, 'seed-2').root);
    try {
      const more: string[] = [];
      const again: number[] = [];
      await runLocal(dir, plan, { jobs: 3, threads: 1, log: (l) => more.push(l), start: async (i) => (again.push(i), 0) });
      expect(again).toEqual([0]);
      expect(more[0]).toBe(`1 of 3 runs to do (1 finished; 1 in progress elsewhere: seed-2 (pid ${process.pid} on ${os.hostname()}), skipped); 3 at a time, 1 thread each; logs in ${path.join(dir, 'logs')}.`);
    } finally {
      lock.release();
    }
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.includes('seed-0'))).toMatch(/^\[\d\/2\] seed-0: finished \(\d+\.\d s\)$/);
    expect(lines.find((l) => l.includes('seed-2'))).toContain(`seed-2: failed (exit code 1), see ${runLogFile(dir, 'seed-2')}`);
  });
});
