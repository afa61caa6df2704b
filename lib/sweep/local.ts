/**
 * The local executor: a sweep's unfinished runs on this machine, at most
 * `jobs` at a time, each as its own `sprint-gan sweep task` process (the
 * same thing a Slurm array task runs) with its output in
 * `logs/<run name>.log`.
 *
 * How many at a time: a run on the default wasm backend keeps two threads
 * busy (training on the main thread, DP noise drawn a step ahead on a worker;
 * `SPRINT_THREADS=1` keeps it to one, with the same numbers), so the default
 * is the machine's cores divided by the threads per run, at least 1.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { SweepPlan } from './plan';
import { sweepStatus } from './status';
import { sprintGanBin } from './task';

/** Concurrent runs for `threads` threads per run on this machine: cores / threads, at least 1. */
export function defaultJobs(threads: number, cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / threads));
}

/** How one run's task ended. */
export interface TaskOutcome {
  index: number;
  code: number;
  seconds: number;
}

/** Starts run `index`'s task; resolves with its exit code. */
export type StartTask = (index: number) => Promise<number>;

/**
 * Runs `start(i)` for every index, at most `jobs` at a time, in order;
 * `onEnd` hears about each as it ends. Resolves when all have ended
 * (failures do not stop the others).
 */
export async function runPool(indices: readonly number[], jobs: number, start: StartTask, onEnd?: (o: TaskOutcome) => void): Promise<TaskOutcome[]> {
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new Error(`jobs: expected a positive integer, got ${jobs}`);
  const outcomes: TaskOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < indices.length) {
      const index = indices[next++];
      const t0 = Date.now();
      let code: number;
      try {
        code = await start(index);
      } catch {
        code = 1;
      }
      const o = { index, code, seconds: (Date.now() - t0) / 1000 };
      outcomes.push(o);
      onEnd?.(o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, indices.length) }, worker));
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Log file of run `name` in sweep folder `dir`. */
export function runLogFile(dir: string, name: string): string {
  return path.join(dir, 'logs', `${name}.log`);
}

/**
 * The default {@link StartTask}: `sprint-gan sweep task` for the run, its
 * stdout and stderr appended to the run's log, `SPRINT_THREADS=threads`.
 */
export function taskProcess(dir: string, plan: SweepPlan, threads: number): StartTask {
  return (index) =>
    new Promise((resolve, reject) => {
      const file = runLogFile(dir, plan.runs[index].name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const fd = fs.openSync(file, 'a');
      const child = spawn(process.execPath, [sprintGanBin(), 'sweep', 'task', '--dir', path.resolve(dir), '--index', String(index), '--plan', plan.id], {
        stdio: ['ignore', fd, fd],
        env: { ...process.env, SPRINT_THREADS: String(threads) },
      });
      fs.closeSync(fd);
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
}

export interface LocalRunOptions {
  jobs?: number;
  /** Threads per run (SPRINT_THREADS of each task; default 2). */
  threads?: number;
  log?: (line: string) => void;
  /** Replaces the task processes (tests). */
  start?: StartTask;
}

/**
 * Runs every unfinished run of the sweep in `dir` locally; finished runs, and
 * runs another live process is working on (their lock), are skipped, and each
 * task skips its finished steps. Resolves with the outcomes of the runs it
 * started.
 */
export async function runLocal(dir: string, plan: SweepPlan, opts: LocalRunOptions = {}): Promise<TaskOutcome[]> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const threads = opts.threads ?? 2;
  const jobs = opts.jobs ?? defaultJobs(threads);
  const statuses = sweepStatus(dir, plan);
  const todo = statuses.filter((s) => !s.finished && !s.busy);
  const finished = statuses.filter((s) => s.finished).length;
  const busy = statuses.filter((s) => !s.finished && s.busy);
  const skipped = [finished ? `${finished} finished` : '', busy.length ? `${busy.length} in progress elsewhere: ${busy.map((s) => `${s.name} (pid ${s.busy?.pid} on ${s.busy?.host})`).join(', ')}` : ''].filter(Boolean);
  log(`${todo.length} of ${plan.runs.length} runs to do${skipped.length ? ` (${skipped.join('; ')}, skipped)` : ''}; ${jobs} at a time, ${threads} thread${threads === 1 ? '' : 's'} each; logs in ${path.join(dir, 'logs')}.`);
  let ended = 0;
  return runPool(
    todo.map((s) => s.index),
    jobs,
    opts.start ?? taskProcess(dir, plan, threads),
    (o) => {
      ended++;
      const name = plan.runs[o.index].name;
      log(`[${ended}/${todo.length}] ${name}: ${o.code === 0 ? 'finished' : `failed (exit code ${o.code}), see ${runLogFile(dir, name)}`} (${o.seconds.toFixed(1)} s)`);
    },
  );
}
