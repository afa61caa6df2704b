/**
 * The run folder every generator family trains into: `run.json` (settings,
 * data description, which family), `checkpoint.json` (the commit point: the
 * last complete epoch, whether the run finished), and the family's own files.
 * A folder is claimed for a training here, with the same rules for every
 * family: an empty or new folder is used; a run is continued only when asked
 * (resume) or deleted only when asked (force); anything else is refused, so a
 * training never overwrites what the user already has.
 *
 * The claim also takes the folder's lock (./lock.ts) before it reads or
 * deletes anything, so a second training, resume or force on a folder in use
 * is refused with the holder's pid and host; the claimant releases it when its
 * training ends (`release()`, in a finally).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isTmpName } from '../fs';
import { LOCK_FILE, type LockOptions, type RunFolderLock, lockRunFolder } from './lock';

export class RunExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunExistsError';
  }
}

/** What every family's checkpoint.json holds. */
export interface RunCheckpoint {
  epoch: number;
  steps: number;
  finished: boolean;
  stopReason: 'completed' | 'privacy-budget' | null;
  message: string | null;
}

/** A run folder claimed for a training, and what it held before. */
export interface ClaimedFolder<Run, Ckpt extends RunCheckpoint = RunCheckpoint> {
  out: string;
  runFile: string;
  ckptFile: string;
  existingRun: Run | null;
  existingCkpt: Ckpt | null;
  /** Continuing the run already in the folder (resume asked and a run.json found). */
  resuming: boolean;
  /** The folder's lock, held until {@link release}. */
  lock: RunFolderLock;
  /** Releases the lock (call in a finally when the training ends or fails). */
  release(): void;
}

function readJson<T>(file: string): T | null {
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/**
 * What a folder holds besides its lock: lock.json and the lock's own
 * transient files (lock.json.tmp-*, lock.json.stale-*), which a process
 * killed while taking a lock can leave behind.
 */
function entries(out: string): string[] {
  return fs.existsSync(out) ? fs.readdirSync(out).filter((name) => name !== LOCK_FILE && !name.startsWith(`${LOCK_FILE}.`)) : [];
}

/**
 * Claims `dir` for a training. Refuses (RunExistsError) a non-empty folder
 * that is not a run folder, and a run folder without `resume` or `force`;
 * refuses (RunLockedError, ./lock.ts) a folder another live process holds.
 * With `force`, empties the run folder first. Creates the folder and holds
 * its lock until `release()`.
 */
export function claimRunFolder<Run, Ckpt extends RunCheckpoint = RunCheckpoint>(
  dir: string,
  opts: { resume?: boolean; force?: boolean; lock?: LockOptions },
  log: (line: string) => void,
): ClaimedFolder<Run, Ckpt> {
  const out = path.resolve(dir);
  const runFile = path.join(out, 'run.json');
  const ckptFile = path.join(out, 'checkpoint.json');
  const isRun = () => fs.existsSync(runFile) || fs.existsSync(ckptFile);
  const lockLeft = fs.existsSync(path.join(out, LOCK_FILE));
  // The user's folder is refused before a lock file is put into it.
  if (entries(out).length > 0 && !isRun() && !lockLeft) {
    throw new RunExistsError(`${out} exists and is not a sprint-gan run folder; choose an empty or new folder.`);
  }
  const lock = lockRunFolder(out, { log, ...opts.lock });
  try {
    // A training killed here (its lock.json stayed) can leave the temporary
    // file of a write it had not finished, even before its first run.json.
    // The lock is ours now, so no one is writing them: remove them.
    if (lockLeft) {
      for (const name of entries(out)) if (isTmpName(name)) fs.rmSync(path.join(out, name), { recursive: true, force: true });
    }
    // Read after locking: a writer that held the lock until now may have changed them.
    const existingRun = readJson<Run>(runFile);
    const existingCkpt = readJson<Ckpt>(ckptFile);
    if (entries(out).length > 0) {
      if (!existingRun && !existingCkpt) {
        throw new RunExistsError(`${out} exists and is not a sprint-gan run folder; choose an empty or new folder.`);
      }
      if (opts.force) {
        log(`Removing the existing run in ${out} (force).`);
        for (const name of entries(out)) fs.rmSync(path.join(out, name), { recursive: true, force: true });
      } else if (!opts.resume) {
        const what = existingCkpt?.finished ? 'a finished run' : `an unfinished run (last complete epoch ${existingCkpt?.epoch ?? 0})`;
        throw new RunExistsError(`${out} holds ${what}. Use resume to continue it, or force to delete it and start over.`);
      }
    }
    const resuming = !!opts.resume && !opts.force && !!existingRun;
    return {
      out,
      runFile,
      ckptFile,
      existingRun: opts.force ? null : existingRun,
      existingCkpt: opts.force ? null : existingCkpt,
      resuming,
      lock,
      release: () => lock.release(),
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
