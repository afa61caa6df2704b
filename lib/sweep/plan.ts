/**
 * A grid expanded into named runs, each with the exact `sprint-gan` commands
 * of its steps, stored as `<sweep folder>/plan.json`.
 *
 * Runs are every combination of the grid's lists (in the order the file
 * lists them, the first varying slowest), times the models, times the seeds
 * (fastest). A run is named after its listed values only, e.g.
 * `noise-1.1_seed-0`: adding a value to a list later adds runs and keeps the
 * existing names, so their folders are found and not retrained. Its index is
 * its position in the plan (the Slurm array task id).
 *
 * A sweep folder:
 *   plan.json                      this plan
 *   runs/<name>/train/             the run folder (`sprint-gan train --out`, --resume)
 *   runs/<name>/synthetic/         its sampled patients (complete: written to synthetic.partial, then renamed)
 *   runs/<name>/evaluate.json      `sprint-gan evaluate --json` of them
 *   logs/                          one log per run (local) or per array task (Slurm)
 *   slurm/                         the generated sbatch scripts and the submitted job ids
 *   sweep.json, results.md, privacy-utility.html   what `collect` writes
 *
 * The commands run with the sweep folder as working directory, so their
 * paths are relative to it (the folder can move) except the data folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { resolveDataSource } from '../data/index';
import { writeJsonAtomic } from '../fs';
import type { Grid, Scalar, Step } from './grid';

/** One run of a sweep. */
export interface PlannedRun {
  index: number;
  name: string;
  /** The name without the seed: runs with the same setting are its seeds. */
  setting: string;
  model: string;
  seed: number;
  /** The listed values of this run (train options, and the model when listed), not the seed. */
  values: Record<string, Scalar>;
  steps: Step[];
  /** Arguments of `sprint-gan` for each step (null: not a step of this sweep). */
  commands: { train: string[]; sample: string[] | null; evaluate: string[] | null };
}

export interface SweepPlan {
  version: 1;
  /** Hash of the runs: an array task checks it, so a plan changed after submission is not run with old indices. */
  id: string;
  /** The grid file it came from (informational). */
  gridFile: string;
  /** The data the runs train on and are evaluated against: a named folder ('real'), or the embedded cohort's files. */
  data: { kind: 'embedded' | 'real'; dir: string };
  runs: PlannedRun[];
}

export class SweepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepError';
  }
}

export const PLAN_FILE = 'plan.json';

/** Folder of run `name` inside sweep folder `dir`, and its parts. */
export function runPaths(dir: string, name: string) {
  const root = path.join(dir, 'runs', name);
  return {
    root,
    train: path.join(root, 'train'),
    synthetic: path.join(root, 'synthetic'),
    partial: path.join(root, 'synthetic.partial'),
    evaluation: path.join(root, 'evaluate.json'),
  };
}

/** A value as it appears in a run name: letters, digits, '.', '+' and '-' kept, anything else '_'. */
function nameText(v: Scalar): string {
  return String(v).replace(/[^A-Za-z0-9.+-]/g, '_');
}

/** Command-line arguments of an options object: `--key value`, `--flag` for true, nothing for false. */
export function optionArgs(options: Record<string, Scalar>): string[] {
  return Object.entries(options).flatMap(([k, v]) => (v === true ? [`--${k}`] : v === false ? [] : [`--${k}`, String(v)]));
}

/** Every combination of the lists, the first list varying slowest. */
function combinations(lists: [string, Scalar[]][]): Record<string, Scalar>[] {
  let out: Record<string, Scalar>[] = [{}];
  for (const [key, values] of lists) out = out.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return out;
}

/**
 * The runs of a grid with their commands. `data` is the folder the runs
 * train on and are evaluated against (resolved by the caller: the grid's,
 * SPRINT_DATA_DIR's, or the embedded cohort's).
 */
export function expandGrid(grid: Grid, data: string): PlannedRun[] {
  const lists = Object.entries(grid.train).filter((e): e is [string, Scalar[]] => Array.isArray(e[1]));
  const runs: PlannedRun[] = [];
  const names = new Map<string, string>();
  for (const combo of combinations(lists)) {
    for (const model of grid.models) {
      for (const seed of grid.seeds) {
        const values: Record<string, Scalar> = { ...(grid.modelSwept ? { model } : {}), ...combo };
        const setting = Object.entries(values).map(([k, v]) => `${k}-${nameText(v)}`).join('_');
        const name = setting ? `${setting}_seed-${seed}` : `seed-${seed}`;
        const what = JSON.stringify({ ...values, seed });
        const clash = names.get(name);
        if (clash !== undefined) {
          throw new SweepError(`${grid.file}: the runs ${clash} and ${what} would both be named "${name}" (values differ only in characters a folder name cannot hold); make the listed values differ in letters or digits.`);
        }
        names.set(name, what);
        const p = runPaths('.', name);
        // train's options in the grid file's order, each list replaced by this run's value.
        const options = Object.fromEntries(Object.entries(grid.train).map(([k, v]) => [k, Array.isArray(v) ? combo[k] : v]));
        const train = ['train', '--model', model, ...optionArgs(options), '--seed', String(seed), '--data', data, '--out', p.train, '--resume', '--quiet'];
        const sample = grid.steps.includes('sample') ? ['sample', '--run', p.train, ...optionArgs(grid.sample), '--seed', String(seed), '--out', p.partial, '--force'] : null;
        const evaluate = grid.steps.includes('evaluate') ? ['evaluate', '--synthetic', p.synthetic, '--real', data, ...optionArgs(grid.evaluate), '--seed', String(seed), '--json'] : null;
        runs.push({ index: runs.length, name, setting: setting || 'all', model, seed, values, steps: grid.steps, commands: { train, sample, evaluate } });
      }
    }
  }
  return runs;
}

/** The plan of a grid's runs. */
export function makePlan(grid: Grid, data: SweepPlan['data'], runs: PlannedRun[]): SweepPlan {
  const id = createHash('sha256').update(JSON.stringify(runs)).digest('hex').slice(0, 12);
  return { version: 1, id, gridFile: grid.file, data, runs };
}

/** The plan stored in a sweep folder; throws a {@link SweepError} saying what to do when there is none. */
export function readPlan(dir: string): SweepPlan {
  const file = path.join(dir, PLAN_FILE);
  if (!fs.existsSync(file)) {
    throw new SweepError(`${path.resolve(dir)} is not a sweep folder (no ${PLAN_FILE}); make one with \`sprint-gan sweep plan|run|submit --grid FILE --dir ${dir}\`.`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SweepPlan;
}

/** How a run's commands differ between two plans (first difference), or null. */
function difference(before: PlannedRun, now: PlannedRun): string | null {
  for (const step of ['train', 'sample', 'evaluate'] as const) {
    const a = before.commands[step];
    const b = now.commands[step];
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      return `its ${step} step was \`${a ? `sprint-gan ${a.join(' ')}` : 'not run'}\`, now \`${b ? `sprint-gan ${b.join(' ')}` : 'not run'}\``;
    }
  }
  return null;
}

/**
 * Stores `plan` in sweep folder `dir` (created). A folder that already holds
 * a plan takes a new one only when every run both have is planned the same
 * way (a grown grid adds runs); a folder with other content is refused, so
 * nothing of the user's is mixed into a sweep.
 */
export function storePlan(dir: string, plan: SweepPlan): void {
  const file = path.join(dir, PLAN_FILE);
  if (fs.existsSync(file)) {
    const before = readPlan(dir);
    const byName = new Map(before.runs.map((r) => [r.name, r]));
    for (const run of plan.runs) {
      const old = byName.get(run.name);
      const diff = old ? difference(old, run) : null;
      if (diff) {
        throw new SweepError(
          `${path.resolve(dir)} holds a sweep planned from another grid: run ${run.name}: ${diff}. ` +
            'Runs already made would not match their settings: use a new --dir for the new grid, or the grid this folder was planned from.',
        );
      }
    }
    if (before.id === plan.id) return;
  } else if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new SweepError(`${path.resolve(dir)} exists and is not a sweep folder (no ${PLAN_FILE}); choose a new or empty folder.`);
  }
  writeJsonAtomic(file, plan);
}

/**
 * Plans a grid into sweep folder `dir`: resolves the data (the grid's
 * folder, else SPRINT_DATA_DIR, else the embedded cohort, written once here
 * so that no task has to), expands the runs and stores the plan
 * ({@link storePlan}'s rules).
 */
export function planSweep(grid: Grid, dir: string, opts: { env?: NodeJS.ProcessEnv } = {}): SweepPlan {
  const data = resolveDataSource({ dataDir: grid.data ?? undefined, env: opts.env });
  const plan = makePlan(grid, data, expandGrid(grid, data.dir));
  storePlan(dir, plan);
  return plan;
}
