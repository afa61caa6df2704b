/**
 * Where each run of a sweep stands, read from its files alone (no scheduler
 * needed): which steps are done, the training's last complete epoch, and who
 * is working on it (the run's lock). What a step's completion means:
 * - train: the run folder's checkpoint.json says finished (all epochs, or
 *   stopped before the privacy budget would be exceeded);
 * - sample: `synthetic/` exists (it is renamed into place when complete);
 * - evaluate: `evaluate.json` exists (written atomically).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRun, lockStatus } from '../generators/index';
import type { Step } from './grid';
import { type PlannedRun, type SweepPlan, runPaths } from './plan';

export interface RunStatus {
  index: number;
  name: string;
  /** Steps of the plan that are done. */
  done: Step[];
  /** Every step of the plan is done. */
  finished: boolean;
  /** Training: last complete epoch and the planned epochs (null: unknown yet). */
  epoch: number;
  epochs: number | null;
  /** A live process working on the run (its task's lock), or null. */
  busy: { pid: number; host: string; since: string } | null;
  /** One line: "finished", "training: epoch 2 of 4", "running on node-3 (pid 12)", ... */
  text: string;
}

/** Whether a run's step is done (see the module header). */
export function stepDone(dir: string, run: PlannedRun, step: Step): boolean {
  const p = runPaths(dir, run.name);
  if (step === 'train') {
    try {
      return (JSON.parse(fs.readFileSync(path.join(p.train, 'checkpoint.json'), 'utf8')) as { finished?: boolean }).finished === true;
    } catch {
      return false;
    }
  }
  return fs.existsSync(step === 'sample' ? p.synthetic : p.evaluation);
}

function trainingProgress(dir: string, run: PlannedRun): { epoch: number; epochs: number | null } {
  const trainDir = runPaths(dir, run.name).train;
  let epochs: number | null = null;
  try {
    const settings = (JSON.parse(fs.readFileSync(path.join(trainDir, 'run.json'), 'utf8')) as { config?: { epochs?: number } }).config;
    epochs = typeof settings?.epochs === 'number' ? settings.epochs : null;
  } catch {
    return { epoch: 0, epochs: null };
  }
  try {
    return { epoch: describeRun(trainDir).epoch, epochs };
  } catch {
    return { epoch: 0, epochs }; // run.json written, no epoch committed yet
  }
}

/** The status of one run. */
export function runStatus(dir: string, run: PlannedRun): RunStatus {
  const done = run.steps.filter((s) => stepDone(dir, run, s));
  const finished = done.length === run.steps.length;
  const { epoch, epochs } = trainingProgress(dir, run);
  const lock = lockStatus(runPaths(dir, run.name).root);
  const busy = lock && !lock.verdict.stale ? { pid: lock.holder.pid, host: lock.holder.host, since: lock.holder.started } : null;
  const next = run.steps.find((s) => !done.includes(s));
  let text: string;
  if (finished) text = 'finished';
  else if (next === 'train') text = epoch > 0 || epochs !== null ? `training: epoch ${epoch} of ${epochs ?? '?'} done` : 'not started';
  else text = `trained; ${next} to do`;
  if (busy) text += ` (running: pid ${busy.pid} on ${busy.host} since ${busy.since})`;
  else if (lock) text += ' (its last task was killed; it resumes when run again)';
  return { index: run.index, name: run.name, done, finished, epoch, epochs, busy, text };
}

/** Every run's status, in plan order. */
export function sweepStatus(dir: string, plan: SweepPlan): RunStatus[] {
  return plan.runs.map((r) => runStatus(dir, r));
}

/** A status table: one line per run, then a count. */
export function statusText(statuses: readonly RunStatus[]): string {
  const width = Math.max(4, ...statuses.map((s) => s.name.length));
  const lines = statuses.map((s) => `${String(s.index).padStart(3)}  ${s.name.padEnd(width)}  ${s.text}`);
  const finished = statuses.filter((s) => s.finished).length;
  const running = statuses.filter((s) => s.busy).length;
  lines.push(`${finished} of ${statuses.length} runs finished${running ? `, ${running} running` : ''}.`);
  return lines.join('\n');
}
