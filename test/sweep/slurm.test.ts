/**
 * The Slurm executor's pieces (lib/sweep/slurm.ts) without a cluster: array
 * ranges, the two scripts line by line, the submission order and dependency
 * through a fake sbatch. (A real cluster: test/sweep/slurm-cluster.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Grid } from '../../lib/sweep/grid';
import { expandGrid, makePlan } from '../../lib/sweep/plan';
import { arrayRanges, arrayScript, collectScript, jobName, parsableJobId, runSbatch, shellWord, submitSweep } from '../../lib/sweep/slurm';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-slurm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const grid: Grid = { file: '/g', models: ['acgan'], modelSwept: false, train: {}, seeds: [0, 1, 2, 3], steps: ['train'], sample: {}, evaluate: {}, data: null };
const plan = makePlan(grid, { kind: 'embedded', dir: '/d' }, expandGrid(grid, '/d'));
const ctx = { dir: path.join(tmp, 'my sweep'.replace(' ', '-')), plan, node: '/usr/bin/node', bin: '/repo/bin/sprint-gan.js' };

describe('arrayRanges', () => {
  it('writes consecutive indices as ranges, sorted, once each', () => {
    expect(arrayRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(arrayRanges([3])).toBe('3');
    expect(arrayRanges([8, 7, 7, 0])).toBe('0,7-8');
    expect(() => arrayRanges([])).toThrow(/no array task/);
  });
});

describe('shellWord, jobName, parsableJobId', () => {
  it('quotes what bash would split, names jobs after the folder, reads --parsable output', () => {
    expect(shellWord('/a/b-c.js')).toBe('/a/b-c.js');
    expect(shellWord("/a b/it's")).toBe(`'/a b/it'\\''s'`);
    expect(jobName('/x/noise sweep')).toBe('sweep-noise_sweep');
    expect(parsableJobId('123\n')).toBe('123');
    expect(parsableJobId('77;cluster-a\n')).toBe('77');
    expect(() => parsableJobId('sbatch: error')).toThrow(/not a job id/);
  });
});

describe('arrayScript and collectScript', () => {
  const r = { cpus: 2, time: '2:00:00', mem: '4G', partition: 'short', account: 'lab', gres: 'gpu:1', throttle: 4 };
  it('asks for the resources, throttles, logs per task, requeues, and runs the task of the array index', () => {
    const lines = arrayScript(ctx, [0, 1, 3], r).split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines.filter((l) => l.startsWith('#SBATCH'))).toEqual([
      `#SBATCH --job-name=${jobName(ctx.dir)}`,
      '#SBATCH --array=0-1,3%4',
      `#SBATCH --output=${ctx.dir}/logs/slurm-%A_%a.out`,
      '#SBATCH --open-mode=append',
      '#SBATCH --requeue',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --time=2:00:00',
      '#SBATCH --mem=4G',
      '#SBATCH --partition=short',
      '#SBATCH --account=lab',
      '#SBATCH --gres=gpu:1',
    ]);
    expect(lines).toContain('export SPRINT_THREADS=2');
    expect(lines).toContain(`exec /usr/bin/node /repo/bin/sprint-gan.js sweep task --dir ${ctx.dir} --index "$SLURM_ARRAY_TASK_ID" --plan ${plan.id}`);
    expect(arrayScript(ctx, [2], { cpus: 1 })).toContain('#SBATCH --array=2\n');
  });

  it('collects on one CPU without the GPU', () => {
    const s = collectScript(ctx, r);
    expect(s).toContain('#SBATCH --cpus-per-task=1\n');
    expect(s).not.toContain('--gres');
    expect(s).toContain(`#SBATCH --output=${ctx.dir}/logs/slurm-%j-collect.out`);
    expect(s).toContain(`exec /usr/bin/node /repo/bin/sprint-gan.js sweep collect --dir ${ctx.dir}\n`);
  });

  it('refuses a resource value that an #SBATCH line cannot carry', () => {
    expect(() => arrayScript(ctx, [0], { cpus: 1, partition: 'a b' })).toThrow(/--partition 'a b': a value for an #SBATCH line cannot hold spaces/);
  });
});

describe('submitSweep', () => {
  it('writes both scripts, submits the array, then the collect job after it (afterany), and records the jobs', async () => {
    const calls: string[][] = [];
    const ids = ['41', '42;c'];
    const sub = await submitSweep(ctx, [1, 2], { cpus: 1 }, { sbatch: async (args) => (calls.push(args), ids.shift() as string) });
    expect(sub).toMatchObject({ arrayJob: '41', collectJob: '42', indices: [1, 2] });
    expect(calls).toEqual([
      ['--parsable', path.join(ctx.dir, 'slurm', 'array.sbatch')],
      ['--parsable', '--dependency=afterany:41', path.join(ctx.dir, 'slurm', 'collect.sbatch')],
    ]);
    expect(fs.readFileSync(sub.arrayScript, 'utf8')).toBe(arrayScript(ctx, [1, 2], { cpus: 1 }));
    expect(fs.existsSync(path.join(ctx.dir, 'logs'))).toBe(true);
    const jobs = fs.readFileSync(path.join(ctx.dir, 'slurm', 'jobs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jobs).toEqual([expect.objectContaining({ planId: plan.id, arrayJob: '41', collectJob: '42', indices: [1, 2] })]);
  });

  it('only writes the scripts in a dry run', async () => {
    const dir = path.join(tmp, 'dry');
    const sub = await submitSweep({ ...ctx, dir }, [0], { cpus: 1 }, { dryRun: true, sbatch: async () => { throw new Error('submitted'); } });
    expect(sub.arrayJob).toBe('');
    expect(fs.readdirSync(path.join(dir, 'slurm')).sort()).toEqual(['array.sbatch', 'collect.sbatch']);
  });
});

describe('runSbatch', () => {
  it('says what to do when sbatch is not installed', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(runSbatch(['x'])).rejects.toThrow(/sbatch not found: submit from a machine with Slurm, or run the sweep locally \(`sprint-gan sweep run`\)/);
    } finally {
      process.env.PATH = saved;
    }
  });
});
