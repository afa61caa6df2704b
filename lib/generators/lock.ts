/**
 * The run-folder lock: one writer at a time per run folder (DESIGN.md,
 * "a run folder has one writer at a time").
 *
 * Why: without it, `train --resume` on a folder whose first training was still
 * running crashed with ENOENT on a training state the first one had pruned,
 * and two identical `train` commands on one folder both ran to the end,
 * interleaving their writes (issue 26).
 *
 * How: `<folder>/lock.json` names the holder (pid, host, start, command and a
 * random token). It is created complete and atomically: written to a
 * temporary file, then hard-linked to `lock.json` (link(2) fails when the
 * name exists, also on NFS, where O_EXCL was long unreliable). While the
 * lock is held, a worker thread touches its mtime every `heartbeatMs`: the
 * main thread can be busy for minutes (an epoch without progress output
 * never yields to the event loop), a worker's timer still fires.
 *
 * A lock someone else holds is live, and refused, unless it is stale:
 * - same host: its pid no longer exists (kill -0 says ESRCH): killed (kill
 *   -9, OOM, scancel) without releasing;
 * - another host (a shared filesystem, e.g. a cluster's): its heartbeat is
 *   older than `staleMs` (default 2 minutes, 12 missed heartbeats; the
 *   hosts' clocks must agree to well within that, which NTP gives).
 * A stale lock is taken over with a warning. Taking over renames the stale
 * file to a unique name first and checks that what it moved is the lock it
 * judged (same token): of two processes taking over one stale lock, only one
 * moves it; a process that moved a fresh lock instead (the other one's) puts
 * it back with link(2) and tries again.
 *
 * A file named lock.json that is not such a lock (no pid/host/token) is
 * never moved or deleted: it may be the user's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { tmpName } from '../fs';

/** Name of the lock file inside a run folder. */
export const LOCK_FILE = 'lock.json';

/** Seconds between heartbeats, and after how long without one a lock from another host is stale. */
export const DEFAULT_HEARTBEAT_MS = 10_000;
export const DEFAULT_STALE_MS = 120_000;

/** What lock.json holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  started: string;
  /** What holds it (the command line), for the messages. */
  command: string;
  /** Random; tells this lock from a later one by the same pid. */
  token: string;
}

export class RunLockedError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | null,
  ) {
    super(message);
    this.name = 'RunLockedError';
  }
}

export interface LockOptions {
  /** Between heartbeats (default {@link DEFAULT_HEARTBEAT_MS}). */
  heartbeatMs?: number;
  /** A lock from another host without a heartbeat for this long is stale (default {@link DEFAULT_STALE_MS}). */
  staleMs?: number;
  /** Warnings (taking over a stale lock); default console.error. */
  log?: (line: string) => void;
  /** What holds the lock, for other processes' messages (default: this process's command line). */
  command?: string;
}

/** A held lock. */
export interface RunFolderLock {
  file: string;
  holder: LockHolder;
  /** Removes the lock (if it is still this one) and stops the heartbeat; idempotent. */
  release(): void;
}

/** Whether a lock is live or stale, and why (pure: everything it needs is passed in). */
export interface LockVerdict {
  stale: boolean;
  reason: string;
}

export interface LockFacts {
  /** This process's host name. */
  host: string;
  /** Milliseconds since the lock's last heartbeat. */
  heartbeatAgeMs: number;
  staleMs: number;
  /** Whether a pid exists on this host. */
  pidAlive: (pid: number) => boolean;
}

/** The rules of the module header: same host by pid, another host by heartbeat. */
export function judgeLock(holder: LockHolder, facts: LockFacts): LockVerdict {
  const age = `${Math.round(facts.heartbeatAgeMs / 1000)} s`;
  if (holder.host === facts.host) {
    return facts.pidAlive(holder.pid)
      ? { stale: false, reason: `pid ${holder.pid} is running on this host (${holder.host})` }
      : { stale: true, reason: `pid ${holder.pid} on this host (${holder.host}) no longer exists` };
  }
  return facts.heartbeatAgeMs > facts.staleMs
    ? { stale: true, reason: `its last heartbeat from ${holder.host} (pid ${holder.pid}) is ${age} old, more than ${Math.round(facts.staleMs / 1000)} s` }
    : { stale: false, reason: `pid ${holder.pid} on host ${holder.host} sent a heartbeat ${age} ago` };
}

/**
 * Whether `pid` is a running process on this host (EPERM: it exists, owned by
 * another user). A zombie (killed, but not yet reaped by its parent: in a
 * container whose init does not reap orphans it stays one for good) is not
 * running: it holds no files and writes nothing.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return processState(pid) !== 'Z';
}

/** The state letter of /proc/<pid>/stat (R, S, D, Z, …); null where there is no /proc (macOS) or it is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": comm may hold spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) || null;
  } catch {
    return null;
  }
}

function isHolder(v: unknown): v is LockHolder {
  const h = v as LockHolder;
  return !!h && typeof h === 'object' && Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.token === 'string';
}

/** A lock file's holder and heartbeat age; null when there is none; 'foreign' when the file is not one of ours. */
function readLockFile(file: string): { holder: LockHolder; heartbeatAgeMs: number } | null | 'foreign' {
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let holder: unknown;
  try {
    holder = JSON.parse(text);
  } catch {
    return 'foreign';
  }
  return isHolder(holder) ? { holder, heartbeatAgeMs: Date.now() - mtimeMs } : 'foreign';
}

/** Who holds the folder's lock and whether it is live; null when nobody does. */
export function lockStatus(dir: string, opts: Pick<LockOptions, 'staleMs'> = {}): { holder: LockHolder; verdict: LockVerdict } | null {
  const read = readLockFile(path.join(dir, LOCK_FILE));
  if (read === null) return null;
  if (read === 'foreign') throw foreignLock(path.join(dir, LOCK_FILE));
  const verdict = judgeLock(read.holder, { host: os.hostname(), heartbeatAgeMs: read.heartbeatAgeMs, staleMs: opts.staleMs ?? DEFAULT_STALE_MS, pidAlive });
  return { holder: read.holder, verdict };
}

function foreignLock(file: string): RunLockedError {
  return new RunLockedError(`${file} exists but is not a sprint-gan run lock (no pid, host and token); it was left alone. Move it away if it is not needed.`, null);
}

/** The message of a refused lock: who holds it and what to do. */
export function lockedMessage(dir: string, holder: LockHolder, verdict: LockVerdict): string {
  return (
    `${dir} is in use: pid ${holder.pid} on host ${holder.host} holds its lock since ${holder.started} (${holder.command}); ${verdict.reason}. ` +
    `Wait for it to finish or stop it; a lock of a killed process is taken over automatically.`
  );
}

/** Touches `file`'s mtime every `ms` from a worker thread, until terminated. */
function startHeartbeat(file: string, ms: number): Worker {
  const source =
    "const { workerData } = require('node:worker_threads'); const fs = require('node:fs');" +
    'setInterval(() => { const t = new Date(); try { fs.utimesSync(workerData.file, t, t); } catch {} }, workerData.ms);';
  const worker = new Worker(source, { eval: true, workerData: { file, ms } });
  worker.unref();
  return worker;
}

/** Links a complete lock file into place; false when a lock file already exists. */
function placeLock(file: string, holder: LockHolder): boolean {
  const tmp = tmpName(file);
  fs.writeFileSync(tmp, JSON.stringify(holder, null, 1) + '\n');
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    // EEXIST: held. ENOENT: our temporary file was removed as a stale temp by the holder; look again.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Moves the stale lock `judged` out of the way; false when the file there was
 * another lock by then (it is put back, or was already gone). Exported for
 * the tests of that race.
 */
export function takeOver(file: string, judged: LockHolder): boolean {
  const moved = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, moved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // someone else moved it
    throw err;
  }
  const read = readLockFile(moved);
  if (read !== null && read !== 'foreign' && read.holder.token === judged.token) {
    fs.rmSync(moved, { force: true });
    return true;
  }
  // Not the lock judged stale: a fresh one placed meanwhile. Put it back (link fails if yet another exists).
  try {
    fs.linkSync(moved, file);
  } catch {
    /* a newer lock is in place; the moved one's holder finds out at release */
  }
  fs.rmSync(moved, { force: true });
  return false;
}

/**
 * Takes the lock of run folder `dir` (created if needed) for this process.
 * Throws {@link RunLockedError} naming the holder's pid and host while
 * another live process holds it; takes over a stale lock with a warning.
 * Release it with `release()` (also done, as a last resort, when the process
 * exits normally).
 */
export function lockRunFolder(dir: string, opts: LockOptions = {}): RunFolderLock {
  const out = path.resolve(dir);
  const file = path.join(out, LOCK_FILE);
  const log = opts.log ?? ((l: string) => console.error(l));
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  fs.mkdirSync(out, { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: opts.command ?? [path.basename(process.argv[1] ?? 'node'), ...process.argv.slice(2)].join(' '),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (placeLock(file, holder)) return heldLock(file, holder, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    const read = readLockFile(file);
    if (read === null) continue; // released meanwhile
    if (read === 'foreign') throw foreignLock(file);
    const verdict = judgeLock(read.holder, { host: holder.host, heartbeatAgeMs: read.heartbeatAgeMs, staleMs, pidAlive });
    if (!verdict.stale) throw new RunLockedError(lockedMessage(out, read.holder, verdict), read.holder);
    if (takeOver(file, read.holder)) {
      log(`Warning: taking over the lock of ${out} from pid ${read.holder.pid} on ${read.holder.host} (since ${read.holder.started}): ${verdict.reason}.`);
    }
  }
  throw new RunLockedError(`${out}: could not take its lock (other processes keep taking it); try again.`, null);
}

function heldLock(file: string, holder: LockHolder, heartbeatMs: number): RunFolderLock {
  const heartbeat = startHeartbeat(file, heartbeatMs);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    void heartbeat.terminate();
    const read = readLockFile(file);
    if (read !== null && read !== 'foreign' && read.holder.token === holder.token) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, holder, release };
}
