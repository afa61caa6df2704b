/**
 * One run of a sweep, start to end: what a Slurm array task and a local
 * worker both execute (`sprint-gan sweep task`), so the two give the same
 * results.
 *
 * Idempotent and resumable: the run's folder is locked for the task
 * (lib/generators/lock.ts: a second task on the same run, e.g. from a
 * resubmission while the first still runs, is refused with its pid and
 * host; a killed task's lock is taken over), and each step runs only when
 * not done (./status.ts). Training always runs with --resume, so a task
 * killed mid-training (time limit, preemption, scancel) continues from the
 * last complete epoch, and the result equals an uninterrupted run's (the
 * training's determinism; test/generators/acgan/kill9.test.ts). Sampling
 * writes to `synthetic.partial` and renames it into place when complete;
 * evaluate's JSON is written atomically.
 *
 * The steps run as `sprint-gan` child processes with the sweep folder as
 * working directory (the plan's commands, exactly as `sweep plan` prints
 * them); `exec` can be replaced in tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { repoRoot, writeFileAtomic } from '../fs';
import { lockRunFolder } from '../generators/index';
import type { Step } from './grid';
import { type SweepPlan, SweepError, runPaths } from './plan';
import { stepDone } from './status';

/** Runs `sprint-gan <argv>` in `cwd`; resolves with the exit code and, when `capture`, stdout. */
export type StepExec = (argv: string[], opts: { cwd: string; capture: boolean }) => Promise<{ code: number; stdout: string }>;

/** The CLI's entry point in this checkout. */
export function sprintGanBin(): string {
  return path.join(repoRoot(), 'bin', 'sprint-gan.js');
}

/**
 * Runs `node bin/sprint-gan.js <argv>` as a child process: stderr (and stdout
 * unless captured) go to this process's. The data folder is always named on
 * the command line, so SPRINT_DATA_DIR is cleared for the child.
 */
export const cliExec: StepExec = (argv, { cwd, capture }) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sprintGanBin(), ...argv], {
      cwd,
      env: { ...process.env, SPRINT_DATA_DIR: '' },
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let stdout = '';
    child.stdout?.on('data', (b) => (stdout += b));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
  });

export interface TaskOptions {
  exec?: StepExec;
  log?: (line: string) => void;
  /** The plan id the task was submitted with: refused when the folder's plan has changed since. */
  planId?: string;
}

/**
 * Runs (or finishes) run `index` of the sweep in `dir`. Resolves with the
 * steps it ran (done steps are skipped); throws a SweepError naming the step
 * and its exit code when one fails, a RunLockedError when another live task
 * holds the run.
 */
export async function runTask(dir: string, plan: SweepPlan, index: number, opts: TaskOptions = {}): Promise<Step[]> {
  const exec = opts.exec ?? cliExec;
  const log = opts.log ?? ((l: string) => console.error(l));
  if (opts.planId !== undefined && opts.planId !== plan.id) {
    throw new SweepError(`${path.resolve(dir)}: the plan changed (now ${plan.id}) since this task was submitted with plan ${opts.planId}; submit again.`);
  }
  const run = plan.runs[index];
  if (!Number.isInteger(index) || !run) throw new SweepError(`run index ${index}: the plan of ${path.resolve(dir)} has runs 0..${plan.runs.length - 1}.`);
  const p = runPaths(dir, run.name);
  const lock = lockRunFolder(p.root, { log, command: `sprint-gan sweep task (run ${run.name})` });
  const ran: Step[] = [];
  try {
    for (const step of run.steps) {
      if (stepDone(dir, run, step)) {
        log(`${run.name}: ${step} already done, skipped.`);
        continue;
      }
      const argv = run.commands[step] as string[];
      log(`${run.name}: ${step}: sprint-gan ${argv.join(' ')}`);
      const r = await exec(argv, { cwd: dir, capture: step === 'evaluate' });
      if (r.code !== 0) throw new SweepError(`${run.name}: step ${step} failed (exit code ${r.code}); its output is above. Run the sweep again to retry: finished steps are kept.`);
      if (step === 'train' && !stepDone(dir, run, 'train')) throw new SweepError(`${run.name}: train exited without finishing the run (${p.train}/checkpoint.json).`);
      if (step === 'sample') fs.renameSync(p.partial, p.synthetic);
      if (step === 'evaluate') {
        try {
          JSON.parse(r.stdout);
        } catch {
          throw new SweepError(`${run.name}: evaluate did not print JSON: ${r.stdout.slice(0, 200)}`);
        }
        writeFileAtomic(p.evaluation, r.stdout);
      }
      ran.push(step);
    }
    log(`${run.name}: finished.`);
    return ran;
  } finally {
    lock.release();
  }
}
