/**
 * Issue 26 against a real Slurm: a single-node cluster started by this file
 * (./cluster.ts: munged, slurmctld, slurmd on localhost, stopped in
 * afterAll), then
 * 1. a 4-task array of tiny runs (`sweep submit`), its collect job run by
 *    Slurm after the array (afterany), against the same sweep run locally
 *    (`sweep run`): the same sweep.json and results.md, byte for byte;
 * 2. a task scancel'ed mid-training, the sweep submitted again (only that run
 *    is), and its collected result equal to the uninterrupted one.
 *
 * Without Slurm (or root) these are skipped with the reason and the install
 * line; in CI (CI set) they fail instead, since CI installs Slurm (.ci/run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { sprintGan } from '../cli';
import { type Cluster, slurmUnavailable, startCluster } from './cluster';
import { SWEEP_KILL_AFTER_MS, readCheckpoint, tinyGrid } from './fixtures';

const exec = promisify(execFile);
const unavailable = slurmUnavailable();
const required = !!process.env.CI;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-slurm-cluster-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

if (unavailable && required) {
  it('runs on a real Slurm cluster (required in CI)', () => {
    throw new Error(`CI is set but ${unavailable}`);
  });
} else if (unavailable) {
  console.warn(`test/sweep/slurm-cluster.test.ts: the Slurm tests are skipped: ${unavailable}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function grid(name: string, noise: number[], seeds: number[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify(tinyGrid(noise, seeds), null, 2));
  return file;
}

interface Submitted {
  arrayJob: string;
  collectJob: string;
  runs: number;
}

/** The runs of a sweep.json by name, without their plan index (which depends on the grid). */
function runsByName(dir: string): Record<string, unknown> {
  const sweep = JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as { runs: { name: string; index: number }[] };
  return Object.fromEntries(sweep.runs.map(({ index: _index, ...r }) => [r.name, r]));
}

describe.skipIf(!!unavailable)(`sprint-gan sweep on a local Slurm cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let cluster: Cluster;
  const local = path.join(tmp, 'local');

  beforeAll(async () => {
    cluster = await startCluster();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 90_000);

  async function submit(args: string[]): Promise<Submitted> {
    const r = await sprintGan(['sweep', 'submit', ...args, '--cpus', '1', '--time', '0:20:00'], cluster.env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Submitted;
  }

  async function waitFor(s: Submitted): Promise<void> {
    try {
      await cluster.waitFor([s.arrayJob, s.collectJob], 240_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.logs()}`);
    }
  }

  it('a 4-task array and its collect job give the same collected results as the same sweep run locally', async () => {
    const file = grid('four.json', [1.1, 1.5], [0, 1]);
    const slurm = path.join(tmp, 'slurm');
    const s = await submit(['--grid', file, '--dir', slurm, '--throttle', '4']);
    expect(s.runs).toBe(4);
    const script = fs.readFileSync(path.join(slurm, 'slurm', 'array.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-3%4\n');
    const ran = await sprintGan(['sweep', 'run', '--grid', file, '--dir', local, '--threads', '1'], {}, SWEEP_KILL_AFTER_MS);
    expect(ran.code, ran.stderr).toBe(0);
    await waitFor(s);
    for (let i = 0; i < 4; i++) expect(fs.readFileSync(path.join(slurm, 'logs', `slurm-${s.arrayJob}_${i}.out`), 'utf8')).toMatch(/: finished\.\n$/);
    expect(fs.readFileSync(path.join(slurm, 'logs', `slurm-${s.collectJob}-collect.out`), 'utf8')).toContain('| noise-1.5_seed-1 |');
    // sweep.json and results.md were written by the collect job, on Slurm.
    expect(fs.readFileSync(path.join(slurm, 'sweep.json'), 'utf8')).toBe(fs.readFileSync(path.join(local, 'sweep.json'), 'utf8'));
    expect(fs.readFileSync(path.join(slurm, 'results.md'), 'utf8')).toBe(fs.readFileSync(path.join(local, 'results.md'), 'utf8'));
  }, 400_000);

  it('a task scancel-ed mid-training resumes on resubmission to the uninterrupted result', async () => {
    const file = grid('two.json', [1.1], [0, 1]);
    const dir = path.join(tmp, 'cancelled');
    const first = await submit(['--grid', file, '--dir', dir]);
    const trainDir = path.join(dir, 'runs', 'noise-1.1_seed-0', 'train');
    for (const end = Date.now() + 180_000; ; ) {
      const c = readCheckpoint(path.join(trainDir, 'checkpoint.json'));
      if (c && c.epoch >= 1 && !c.finished) break;
      if ((c && c.finished) || Date.now() > end) throw new Error(`run 0 was not caught mid-training (checkpoint ${JSON.stringify(c)}): lengthen the epochs of tinyGrid in test/sweep/fixtures.ts`);
      await sleep(10);
    }
    await exec('scancel', [`${first.arrayJob}_0`], { env: cluster.env });
    await cluster.waitFor([`${first.arrayJob}_0`], 60_000);
    const killedAt = readCheckpoint(path.join(trainDir, 'checkpoint.json'));
    expect(killedAt?.finished, 'the cancelled run finished anyway: lengthen the epochs of tinyGrid').toBe(false);
    await waitFor(first);
    const status = await sprintGan(['sweep', 'status', '--dir', dir]);
    expect(status.stdout).toMatch(/0 {2}noise-1\.1_seed-0 {2}training: epoch [1-3] of 4 done \(its last task was killed; it resumes when run again\)/);
    expect(status.stdout).toContain('1 of 2 runs finished.');

    const again = await submit(['--dir', dir]);
    expect(again.runs).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'slurm', 'array.sbatch'), 'utf8')).toContain('#SBATCH --array=0\n');
    await waitFor(again);
    const log = fs.readFileSync(path.join(dir, 'logs', `slurm-${again.arrayJob}_0.out`), 'utf8');
    expect(log).toMatch(/Warning: taking over the lock of .*noise-1\.1_seed-0 .*no longer exists/);
    expect(log).toMatch(new RegExp(`Resuming .*noise-1\\.1_seed-0/train after epoch ${killedAt?.epoch} `));
    const resumed = runsByName(dir);
    const uninterrupted = runsByName(local);
    expect(Object.keys(resumed)).toEqual(['noise-1.1_seed-0', 'noise-1.1_seed-1']);
    for (const name of Object.keys(resumed)) expect(resumed[name]).toEqual(uninterrupted[name]);
  }, 400_000);
});
