/**
 * The run-folder lock (lib/generators/lock.ts) in one process: the verdict
 * rules, taking and releasing, refusing a live holder, taking over a stale
 * one (dead pid here, silent heartbeat from another host), the take-over race,
 * a foreign lock.json left alone, and a heartbeat that beats while the main
 * thread is busy. test/generators/lock-cli.test.ts does the same with real
 * `sprint-gan` processes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunExistsError, claimRunFolder } from '../../lib/generators/folder';
import { LOCK_FILE, type LockHolder, RunLockedError, judgeLock, lockRunFolder, lockStatus, pidAlive, processState, takeOver } from '../../lib/generators/lock';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'run-lock-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newDir = () => path.join(tmp, `run-${n++}`);

const holder = (over: Partial<LockHolder> = {}): LockHolder => ({ pid: 4242, host: 'node-a', started: '2026-01-01T00:00:00.000Z', command: 'sprint-gan train', token: 'abc', ...over });

/** A pid that existed and no longer does: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  expect(pidAlive(r.pid as number)).toBe(false);
  return r.pid as number;
}

/** Writes a lock file as another process would have left it, with its heartbeat `ageMs` ago. */
function plant(dir: string, h: LockHolder, ageMs = 0): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, JSON.stringify(h));
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(file, t, t);
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('judgeLock', () => {
  const facts = { host: 'node-a', heartbeatAgeMs: 0, staleMs: 60_000, pidAlive: (pid: number) => pid === 4242 };
  it('on this host, goes by the pid alone', () => {
    expect(judgeLock(holder(), { ...facts, heartbeatAgeMs: 10 * 60_000 })).toMatchObject({ stale: false, reason: expect.stringContaining('pid 4242 is running') });
    expect(judgeLock(holder({ pid: 7 }), facts)).toMatchObject({ stale: true, reason: expect.stringContaining('pid 7 on this host (node-a) no longer exists') });
  });
  it('from another host, goes by the heartbeat (the pid means nothing here)', () => {
    const other = holder({ host: 'node-b', pid: 7 });
    expect(judgeLock(other, { ...facts, heartbeatAgeMs: 59_000 }).stale).toBe(false);
    expect(judgeLock(other, { ...facts, heartbeatAgeMs: 61_000 })).toMatchObject({ stale: true, reason: expect.stringContaining('node-b (pid 7) is 61 s old, more than 60 s') });
  });
});

describe('pidAlive', () => {
  it('is true for a running process and false for a reaped one', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(processState(process.pid)).toMatch(/^[RS]$/);
    deadPid();
  });

  it('is false for a zombie: killed but never reaped (a container whose init does not reap orphans keeps it so)', async () => {
    // sh starts a short-lived child, prints its pid, then becomes `sleep`, which never waits for it.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d) => resolve(String(d).trim()))));
      for (let i = 0; i < 200 && processState(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(processState(pid)).toBe('Z');
      expect(() => process.kill(pid, 0)).not.toThrow(); // kill(pid, 0) alone calls it alive
      expect(pidAlive(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('lockRunFolder', () => {
  it('takes the lock (creating the folder), refuses a second holder with its pid and host, and releases', () => {
    const dir = newDir();
    const lock = lockRunFolder(dir, { command: 'first' });
    const file = path.join(dir, LOCK_FILE);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'first' });
    // This process is alive, so its own lock refuses a second taker too.
    expect(() => lockRunFolder(dir)).toThrow(RunLockedError);
    expect(() => lockRunFolder(dir)).toThrow(`pid ${process.pid} on host ${os.hostname()} holds its lock`);
    expect(lockStatus(dir)).toMatchObject({ holder: { pid: process.pid }, verdict: { stale: false } });
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
    expect(lockStatus(dir)).toBeNull();
    lock.release(); // idempotent
    lockRunFolder(dir).release();
  });

  it('release leaves a lock that is no longer its own', () => {
    const dir = newDir();
    const lock = lockRunFolder(dir);
    const file = plant(dir, holder({ token: 'someone-else' }));
    lock.release();
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).token).toBe('someone-else');
  });

  it("takes over a dead process's lock on this host, with a warning", () => {
    const dir = newDir();
    const pid = deadPid();
    plant(dir, holder({ pid, host: os.hostname() }));
    const warnings: string[] = [];
    const lock = lockRunFolder(dir, { log: (l) => warnings.push(l) });
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^Warning: taking over the lock of .* from pid ${pid} on ${os.hostname()} .*no longer exists`))]);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('takes over a lock from another host whose heartbeat is older than staleMs, and refuses one with a recent heartbeat', () => {
    const dir = newDir();
    plant(dir, holder({ host: 'node-b' }), 5_000);
    expect(() => lockRunFolder(dir, { staleMs: 60_000 })).toThrow(/pid 4242 on host node-b holds its lock .*heartbeat 5 s ago/);
    plant(dir, holder({ host: 'node-b' }), 61_000);
    const warnings: string[] = [];
    const lock = lockRunFolder(dir, { staleMs: 60_000, log: (l) => warnings.push(l) });
    expect(warnings[0]).toMatch(/from pid 4242 on node-b .*61 s old, more than 60 s/);
    lock.release();
  });

  it('never moves or deletes a lock.json that is not a sprint-gan lock', () => {
    const dir = newDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, LOCK_FILE), 'my notes');
    expect(() => lockRunFolder(dir)).toThrow(/is not a sprint-gan run lock .*left alone/);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe('my notes');
  });

  it('beats while the main thread is busy (the heartbeat runs on a worker)', async () => {
    const dir = newDir();
    const lock = lockRunFolder(dir, { heartbeatMs: 20 });
    await sleep(300); // the worker has started
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(lock.file, old, old);
    const until = Date.now() + 400;
    while (Date.now() < until) {
      /* a synchronous epoch: no timer of this thread fires */
    }
    expect(Date.now() - fs.statSync(lock.file).mtimeMs).toBeLessThan(10_000);
    lock.release();
  });
});

describe('takeOver (two processes taking over one stale lock)', () => {
  it('moves the lock it judged stale', () => {
    const dir = newDir();
    const file = plant(dir, holder({ token: 'stale' }));
    expect(takeOver(file, holder({ token: 'stale' }))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
  it('puts back a fresh lock that replaced the judged one meanwhile, and reports failure', () => {
    const dir = newDir();
    const file = plant(dir, holder({ token: 'fresh' }));
    expect(takeOver(file, holder({ token: 'stale' }))).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).token).toBe('fresh');
  });
  it('fails quietly when the other taker already moved it', () => {
    const dir = newDir();
    fs.mkdirSync(dir);
    expect(takeOver(path.join(dir, LOCK_FILE), holder())).toBe(false);
  });
});

describe('claimRunFolder and the lock', () => {
  it("claims a folder left by a process killed while taking its lock (lock.json and the lock's temporary file)", () => {
    const dir = newDir();
    const pid = deadPid();
    plant(dir, holder({ pid, host: os.hostname() }));
    fs.writeFileSync(path.join(dir, `${LOCK_FILE}.tmp-${pid}-abc123`), '{}');
    const claimed = claimRunFolder(dir, {}, () => {});
    expect(claimed.resuming).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    claimed.release();
  });

  it('claims a folder left by a training killed while writing its first run.json (lock.json and run.json.tmp-*), removing the temporary file', () => {
    const dir = newDir();
    const pid = deadPid();
    plant(dir, holder({ pid, host: os.hostname() }));
    fs.writeFileSync(path.join(dir, `run.json.tmp-${pid}-k3x9q2`), '{"vers');
    for (const opts of [{ resume: true }, {}]) {
      const claimed = claimRunFolder(dir, opts, () => {});
      expect(claimed.resuming).toBe(false);
      expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);
      claimed.release();
      plant(dir, holder({ pid, host: os.hostname() }));
    }
  });

  it('still refuses a folder whose only files look temporary when no lock of ours was left there', () => {
    const dir = newDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'data.csv.tmp-12-abc'), 'mine');
    expect(() => claimRunFolder(dir, { resume: true }, () => {})).toThrow(/is not a sprint-gan run folder/);
    expect(fs.readdirSync(dir)).toEqual(['data.csv.tmp-12-abc']);
  });

  it("refuses the user's non-empty folder without putting a lock file into it", () => {
    const dir = newDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(() => claimRunFolder(dir, { force: true }, () => {})).toThrow(RunExistsError);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('releases the lock when it refuses a run (no resume, no force), and keeps the lock through force', () => {
    const dir = newDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify({ epoch: 1, steps: 1, finished: true, stopReason: 'completed', message: null }));
    expect(() => claimRunFolder(dir, {}, () => {})).toThrow(/holds a finished run/);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const claimed = claimRunFolder(dir, { force: true }, () => {});
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);
    claimed.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
