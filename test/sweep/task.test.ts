/**
 * One run's task (lib/sweep/task.ts) with the steps' commands replaced by a
 * fake that writes what each command writes: steps run in order and only
 * when not done, a failing step stops the task and keeps what is done,
 * the run's lock refuses a second task, and a task from an older plan is
 * refused. (The real commands: test/sweep/cli.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunLockedError, lockRunFolder } from '../../lib/generators/lock';
import type { Grid } from '../../lib/sweep/grid';
import { type SweepPlan, SweepError, expandGrid, makePlan, runPaths } from '../../lib/sweep/plan';
import { runStatus } from '../../lib/sweep/status';
import { type StepExec, runTask } from '../../lib/sweep/task';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-task-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let k = 0;

const grid: Grid = {
  file: '/g.json',
  models: ['acgan'],
  modelSwept: false,
  train: { noise: [1, 2] },
  seeds: [0],
  steps: ['train', 'sample', 'evaluate'],
  sample: {},
  evaluate: {},
  data: null,
};

function newSweep(): { dir: string; plan: SweepPlan } {
  const dir = path.join(tmp, `sweep-${k++}`);
  fs.mkdirSync(dir);
  return { dir, plan: makePlan(grid, { kind: 'embedded', dir: '/data' }, expandGrid(grid, '/data')) };
}

/** A fake `sprint-gan`: records each call and writes what the command would. */
function fakeCli(overrides: Partial<Record<string, (cwd: string, argv: string[]) => { code: number; stdout?: string }>> = {}) {
  const calls: string[][] = [];
  const exec: StepExec = async (argv, { cwd, capture }) => {
    calls.push(argv);
    const own = overrides[argv[0]];
    if (own) return { stdout: '', ...own(cwd, argv) };
    const arg = (name: string) => path.join(cwd, argv[argv.indexOf(name) + 1]);
    if (argv[0] === 'train') {
      fs.mkdirSync(arg('--out'), { recursive: true });
      fs.writeFileSync(path.join(arg('--out'), 'checkpoint.json'), JSON.stringify({ epoch: 2, steps: 20, finished: true }));
    } else if (argv[0] === 'sample') {
      fs.mkdirSync(arg('--out'), { recursive: true });
      fs.writeFileSync(path.join(arg('--out'), 'bp.csv'), 'patients');
    }
    expect(capture).toBe(argv[0] === 'evaluate');
    return { code: 0, stdout: argv[0] === 'evaluate' ? '{"accuracy":{}}\n' : '' };
  };
  return { exec, calls };
}

const quiet = () => {};

describe('runTask', () => {
  it('runs train, sample, evaluate in the sweep folder, moves the sample into place, stores the evaluation, releases the lock', async () => {
    const { dir, plan } = newSweep();
    const cli = fakeCli();
    expect(await runTask(dir, plan, 1, { exec: cli.exec, log: quiet })).toEqual(['train', 'sample', 'evaluate']);
    expect(cli.calls).toEqual([plan.runs[1].commands.train, plan.runs[1].commands.sample, plan.runs[1].commands.evaluate]);
    const p = runPaths(dir, plan.runs[1].name);
    expect(fs.readFileSync(path.join(p.synthetic, 'bp.csv'), 'utf8')).toBe('patients');
    expect(fs.existsSync(p.partial)).toBe(false);
    expect(fs.readFileSync(p.evaluation, 'utf8')).toBe('{"accuracy":{}}\n');
    expect(fs.readdirSync(p.root).sort()).toEqual(['evaluate.json', 'synthetic', 'train']);
    expect(runStatus(dir, plan.runs[1])).toMatchObject({ finished: true, done: ['train', 'sample', 'evaluate'], text: 'finished' });
    expect(runStatus(dir, plan.runs[0])).toMatchObject({ finished: false, done: [], text: 'not started' });
  });

  it('skips the steps already done: nothing for a finished run, the rest for a trained one', async () => {
    const { dir, plan } = newSweep();
    await runTask(dir, plan, 0, { exec: fakeCli().exec, log: quiet });
    const again = fakeCli();
    const lines: string[] = [];
    expect(await runTask(dir, plan, 0, { exec: again.exec, log: (l) => lines.push(l) })).toEqual([]);
    expect(again.calls).toEqual([]);
    expect(lines).toContain('noise-1_seed-0: train already done, skipped.');
    const p = runPaths(dir, plan.runs[0].name);
    fs.rmSync(p.evaluation);
    fs.rmSync(p.synthetic, { recursive: true });
    const rest = fakeCli();
    expect(await runTask(dir, plan, 0, { exec: rest.exec, log: quiet })).toEqual(['sample', 'evaluate']);
  });

  it('stops at a failing step, naming it and its exit code, keeps what is done, and releases the lock', async () => {
    const { dir, plan } = newSweep();
    const cli = fakeCli({ sample: () => ({ code: 3 }) });
    await expect(runTask(dir, plan, 0, { exec: cli.exec, log: quiet })).rejects.toThrow(/noise-1_seed-0: step sample failed \(exit code 3\)/);
    expect(cli.calls.map((c) => c[0])).toEqual(['train', 'sample']);
    expect(runStatus(dir, plan.runs[0])).toMatchObject({ done: ['train'], text: 'trained; sample to do', busy: null });
    expect(fs.existsSync(path.join(runPaths(dir, plan.runs[0].name).root, 'lock.json'))).toBe(false);
  });

  it('refuses a training that exits 0 unfinished, and an evaluation that is not JSON', async () => {
    const { dir, plan } = newSweep();
    await expect(runTask(dir, plan, 0, { exec: fakeCli({ train: () => ({ code: 0 }) }).exec, log: quiet })).rejects.toThrow(/train exited without finishing the run/);
    await expect(runTask(dir, plan, 1, { exec: fakeCli({ evaluate: () => ({ code: 0, stdout: 'oops' }) }).exec, log: quiet })).rejects.toThrow(/evaluate did not print JSON: oops/);
    expect(fs.existsSync(runPaths(dir, plan.runs[1].name).evaluation)).toBe(false);
  });

  it('refuses a run another live task holds, running nothing', async () => {
    const { dir, plan } = newSweep();
    const lock = lockRunFolder(runPaths(dir, plan.runs[0].name).root, { command: 'the other task' });
    const cli = fakeCli();
    try {
      await expect(runTask(dir, plan, 0, { exec: cli.exec, log: quiet })).rejects.toThrow(RunLockedError);
      expect(runStatus(dir, plan.runs[0]).text).toMatch(new RegExp(`not started \\(running: pid ${process.pid} on ${os.hostname()}`));
    } finally {
      lock.release();
    }
    expect(cli.calls).toEqual([]);
  });

  it('refuses a task of an older plan, and an index outside the plan', async () => {
    const { dir, plan } = newSweep();
    await expect(runTask(dir, plan, 0, { exec: fakeCli().exec, planId: 'abc', log: quiet })).rejects.toThrow(/the plan changed \(now [0-9a-f]{12}\) since this task was submitted with plan abc; submit again/);
    await expect(runTask(dir, plan, 2, { exec: fakeCli().exec, log: quiet })).rejects.toThrow(SweepError);
    await expect(runTask(dir, plan, 2, { exec: fakeCli().exec, log: quiet })).rejects.toThrow(/run index 2: the plan of .* has runs 0\.\.1/);
  });
});
