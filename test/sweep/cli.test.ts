/**
 * `sprint-gan sweep` as a user runs it, with real processes and tiny runs:
 * bad grids and options refused with what to do; a local sweep runs,
 * collects, and a second `sweep run` trains nothing; a sweep killed mid-
 * training (the whole process group, SIGKILL) and run again collects to the
 * same bytes as the uninterrupted one. The same on a real Slurm cluster:
 * test/sweep/slurm-cluster.test.ts.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockRunFolder } from '../../lib/generators/lock';
import { SPRINT_GAN_BIN, sprintGan } from '../cli';
import { SWEEP_KILL_AFTER_MS, readCheckpoint, tinyGrid } from './fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-cli-'));
const live = new Set<ChildProcess>();
afterEach(() => {
  for (const c of live) if (c.pid) process.kill(-c.pid, 'SIGKILL');
  live.clear();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeGrid(name: string, grid: unknown): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof grid === 'string' ? grid : JSON.stringify(grid, null, 2));
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const checkpoint = (dir: string) => readCheckpoint(path.join(dir, 'checkpoint.json'));

describe('sprint-gan sweep', () => {
  it('refuses a malformed grid naming the file, line and key, and bad options with the usage', async () => {
    const bad = writeGrid('bad.json', '{\n  "train": {\n    "noize": [1.1]\n  }\n}\n');
    const r = await sprintGan(['sweep', 'plan', '--grid', bad, '--dir', path.join(tmp, 'never')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}, line 3, key "train.noize": sprint-gan train has no option --noize (did you mean "noise"?)`);
    expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
    const u = await sprintGan(['sweep', 'launch', '--dir', tmp]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown subcommand 'launch'; expected one of plan, run, submit, status, collect, task/);
    const v = await sprintGan(['sweep', 'status', '--dir', tmp, '--jobs', '2']);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain("--jobs is not an option of 'sweep status'");
  });

  it('submit --dry-run writes the scripts for the unfinished runs, leaving out one in progress elsewhere', async () => {
    const grid = writeGrid('dry.json', tinyGrid([1.1, 1.5], [0]));
    const dir = path.join(tmp, 'dry');
    expect((await sprintGan(['sweep', 'plan', '--grid', grid, '--dir', dir])).code).toBe(0);
    const lock = lockRunFolder(path.join(dir, 'runs', 'noise-1.1_seed-0'), { command: 'a task elsewhere' });
    try {
      const r = await sprintGan(['sweep', 'submit', '--dir', dir, '--cpus', '1', '--throttle', '3', '--dry-run']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`Not submitted again, in progress: noise-1.1_seed-0 (pid ${process.pid} on ${os.hostname()}).`);
      expect(r.stdout).toContain('#SBATCH --array=1%3\n');
      expect(fs.readFileSync(path.join(dir, 'slurm', 'array.sbatch'), 'utf8')).toContain('#SBATCH --array=1%3\n');
      expect(fs.existsSync(path.join(dir, 'slurm', 'jobs.jsonl'))).toBe(false);
    } finally {
      lock.release();
    }
  });

  it('runs a sweep locally and collects it; run again, it trains nothing; killed mid-training and run again, it collects the same bytes', async () => {
    const grid = writeGrid('tiny.json', tinyGrid([1.1], [0, 1]));
    const a = path.join(tmp, 'a');
    const first = await sprintGan(['sweep', 'run', '--grid', grid, '--dir', a, '--threads', '1'], {}, SWEEP_KILL_AFTER_MS);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('2 of 2 runs to do; 2 at a time, 1 thread each');
    expect(first.stdout).toMatch(/^\| run \| noise \| seed \| epochs \| ε \| forest \|/);
    expect(first.stdout).toMatch(/\| noise-1\.1_seed-1 \| 1\.1 \| 1 \| 4 \| \d+\.\d{3} \| 0\.\d{3} \|/);
    const sweepJson = fs.readFileSync(path.join(a, 'sweep.json'), 'utf8');
    const ckpt = path.join(a, 'runs', 'noise-1.1_seed-0', 'train', 'checkpoint.json');
    const mtime = fs.statSync(ckpt).mtimeMs;

    const again = await sprintGan(['sweep', 'run', '--dir', a]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 of 2 runs to do (2 finished, skipped)');
    expect(fs.statSync(ckpt).mtimeMs).toBe(mtime);
    expect(fs.readFileSync(path.join(a, 'sweep.json'), 'utf8')).toBe(sweepJson);
    const status = await sprintGan(['sweep', 'status', '--dir', a]);
    expect(status.stdout).toContain('2 of 2 runs finished.');

    // The same sweep, killed (sweep run, its tasks and their trainings: one process group) once a run is mid-training.
    const b = path.join(tmp, 'b');
    const child = spawn(process.execPath, [SPRINT_GAN_BIN, 'sweep', 'run', '--grid', grid, '--dir', b, '--threads', '1'], { detached: true, stdio: 'ignore', env: { ...process.env, SPRINT_DATA_DIR: '' } });
    live.add(child);
    const trainDir = path.join(b, 'runs', 'noise-1.1_seed-0', 'train');
    for (;;) {
      const c = checkpoint(trainDir);
      if (c && c.epoch >= 1 && !c.finished) break;
      if (child.exitCode !== null || (c && c.finished)) throw new Error('the sweep finished before it could be killed mid-training: lengthen the epochs of tinyGrid in test/sweep/fixtures.ts');
      await sleep(10);
    }
    process.kill(-(child.pid as number), 'SIGKILL');
    live.delete(child);
    expect(checkpoint(trainDir)?.finished).toBe(false);
    const resumed = await sprintGan(['sweep', 'run', '--dir', b, '--threads', '1'], {}, SWEEP_KILL_AFTER_MS);
    expect(resumed.code, resumed.stderr).toBe(0);
    const log = fs.readFileSync(path.join(b, 'logs', 'noise-1.1_seed-0.log'), 'utf8');
    expect(log).toMatch(/Warning: taking over the lock of .*noise-1\.1_seed-0 .*no longer exists/);
    expect(log).toMatch(/Resuming .*noise-1\.1_seed-0\/train after epoch [1-3] /);
    expect(fs.readFileSync(path.join(b, 'sweep.json'), 'utf8')).toBe(sweepJson);
    expect(fs.readFileSync(path.join(b, 'results.md'), 'utf8')).toBe(fs.readFileSync(path.join(a, 'results.md'), 'utf8'));
  }, 240_000);
});
