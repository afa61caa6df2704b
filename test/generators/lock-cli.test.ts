/**
 * Issue 26's run-folder lock with real processes: while `sprint-gan train`
 * holds a run folder, a second `train`, a `train --resume`, a `--force` and a
 * `sample --out` into it are refused with the holder's pid and host and
 * change nothing; once the holder is killed (SIGKILL), `--resume` takes the
 * lock over with a warning and finishes the run; a lock from another host
 * is refused while its heartbeat is recent and taken over once it is older
 * than the timeout.
 *
 * The holder is frozen with SIGSTOP right after it takes the lock: alive
 * (so its lock is live) for as long as the test needs, without spending CPU.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SPRINT_GAN_BIN } from '../cli';

const repo = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-cli-'));
const childEnv = { ...process.env, SPRINT_DATA_DIR: '', SPRINT_BACKEND: 'wasm' };
const live = new Set<ChildProcess>();

afterEach(() => {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const trainArgs = (out: string) => [
  'train', '--arch', 'tiny', '--mode', 'batched', '--batch-size', '16', '--train-size', '200',
  '--steps-per-epoch', '10', '--epochs', '2', '--noise', '1.1', '--clip', '1', '--lr', '1e-3', '--seed', '3', '--quiet', '--out', out,
];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, [SPRINT_GAN_BIN, ...args], { cwd: repo, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (b) => (stderr += b));
  const done = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stderr });
    });
  });
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file under dir with its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(dir, r)).toString('base64');
    }
  };
  walk('');
  return out;
}

describe('the run-folder lock, with real processes', () => {
  it('refuses every second writer while the holder lives, and hands a killed holder’s lock over to --resume', async () => {
    const out = path.join(tmp, 'run');
    const holder = start(trainArgs(out));
    const lockFile = path.join(out, 'lock.json');
    while (!fs.existsSync(lockFile)) {
      if (holder.child.exitCode !== null) throw new Error(`the holder ended before taking the lock:\n${(await holder.done).stderr}`);
      await sleep(20);
    }
    holder.child.kill('SIGSTOP');
    const before = snapshot(out);

    const attempts = await Promise.all([
      start(trainArgs(out)).done,
      start([...trainArgs(out), '--resume']).done,
      start([...trainArgs(out), '--force']).done,
      start(['sample', '--run', out, '--n', '10', '--out', out]).done,
    ]);
    const who = `pid ${holder.child.pid} on host ${os.hostname()} holds its lock`;
    for (const r of attempts) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${out} is in use: ${who}`);
    }
    expect(snapshot(out)).toEqual(before);

    holder.child.kill('SIGKILL');
    expect((await holder.done).signal).toBe('SIGKILL');
    const resumed = await start([...trainArgs(out), '--resume']).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`Warning: taking over the lock of ${out} from pid ${holder.child.pid} on ${os.hostname()} .*no longer exists`));
    expect(JSON.parse(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8'))).toMatchObject({ epoch: 2, finished: true });
    expect(fs.existsSync(lockFile)).toBe(false);
  }, 120_000);

  it('refuses a lock from another host with a recent heartbeat, and takes one over whose heartbeat is too old', async () => {
    const out = path.join(tmp, 'shared');
    fs.mkdirSync(out);
    const lockFile = path.join(out, 'lock.json');
    fs.writeFileSync(lockFile, JSON.stringify({ pid: 12345, host: 'compute-17', started: '2026-01-01T00:00:00.000Z', command: 'sprint-gan train', token: 'x' }));
    const refused = await start(trainArgs(out)).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is in use: pid 12345 on host compute-17 holds its lock/);
    expect(fs.readdirSync(out)).toEqual(['lock.json']);

    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(lockFile, old, old);
    const taken = await start(trainArgs(out)).done;
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.stderr).toMatch(/Warning: taking over the lock of .* from pid 12345 on compute-17 .*heartbeat from compute-17 \(pid 12345\) is 36\d\d s old, more than 120 s/);
    expect(fs.existsSync(lockFile)).toBe(false);
  }, 120_000);
});
