/**
 * `sprint-gan sweep`: many runs from one grid file (lib/sweep), locally or as
 * a Slurm job array, resumable, collected into one table and figure.
 * Subcommands: plan, run, submit, status, collect, and task (one run: what
 * the executors start).
 */
import * as path from 'node:path';
import type { Command } from '../main';
import { numberOption, parseCommandArgs, usageError } from '../options';
import { EVALUATE_OPTIONS } from './evaluate';
import { SAMPLE_OPTIONS } from './sample';
import { TRAIN_MODELS, TRAIN_OPTIONS } from './train';

const help = `Usage: sprint-gan sweep <plan|run|submit|status|collect> --dir DIR [options]

Many runs (seeds x settings x models) from one grid file, in one sweep folder.
Every run is idempotent: running or submitting a sweep again skips finished
runs, resumes unfinished ones from their last complete epoch, and never trains
a run twice (a run in progress elsewhere is refused by its lock).

  plan     --grid FILE --dir DIR     expand the grid, store DIR/plan.json, print the runs and their commands
  run      [--grid FILE] --dir DIR   run the unfinished runs here, then collect
             --jobs N                runs at a time (default: cores / threads per run)
             --threads T             threads per run (SPRINT_THREADS; default 2: one run
                                     on the wasm backend keeps two threads busy)
  submit   [--grid FILE] --dir DIR   submit the unfinished runs to Slurm: one job array
                                     (a task per run) and a collect job (afterany)
             --cpus N                CPUs per task, also its SPRINT_THREADS (default 2)
             --time T --mem M --partition P --account A --gres G   passed to #SBATCH
             --throttle N            at most N tasks at once (the array's %N)
             --dry-run               write DIR/slurm/*.sbatch and print them; submit nothing
  status   --dir DIR                 each run's state (steps done, epoch, who runs it)
  collect  --dir DIR                 DIR/sweep.json, DIR/results.md (printed) and
                                     DIR/privacy-utility.html; exit 1 while runs are unfinished
  task     --dir DIR --index I [--plan ID]   one run, start to end (what run and submit start)

Without --grid, run and submit use the plan already in DIR.

The grid file (JSON):
  {
    "train": { "arch": "tiny", "mode": "batched", "epochs": 2, "noise": [0.8, 1.1, 1.5] },
    "seeds": [0, 1, 2],
    "sample": { "n": 1000 },
    "evaluate": { "classifiers": "forest,logistic" }
  }
  train     options of 'sprint-gan train' without the dashes (true/false for flags);
            a list sweeps the option: runs are every combination, times the seeds
  seeds     default [0]; sampling and evaluation use the run's seed too
  model     the generator, or a list (default acgan; today train trains acgan only)
  steps     ["train"], ["train","sample"] or ["train","sample","evaluate"] (default)
  sample, evaluate   options of those commands, the same for every run
  data      SPRINT-format folder (relative to the grid file); default SPRINT_DATA_DIR,
            else the embedded cohort. Runs train on it and are tested on its patients
            after the paper's training split.

Runs are named after their listed values (noise-1.1_seed-0) and live in
DIR/runs/<name>/ (train/, synthetic/, evaluate.json); logs in DIR/logs/.

Example:
  sprint-gan sweep run --grid noise.json --dir sweeps/noise --threads 1
  sprint-gan sweep submit --grid noise.json --dir sweeps/noise --time 2:00:00 --cpus 2 --throttle 4`;

type Sweep = typeof import('../../lib/sweep/index');

function sweepLib(): Sweep {
  // Loaded here so `--help` stays instant.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('../../lib/sweep/index') as Sweep;
}

/** What a grid may name: the three commands' options and the models train trains. */
function gridSchema() {
  return { train: TRAIN_OPTIONS, sample: SAMPLE_OPTIONS, evaluate: EVALUATE_OPTIONS, models: TRAIN_MODELS };
}

/** The plan: from --grid (planned into the folder), else the one stored there. */
function loadPlan(lib: Sweep, dir: string, grid: string | undefined) {
  if (!grid) return lib.readPlan(dir);
  return lib.planSweep(lib.readGrid(grid, gridSchema()), dir);
}

function planText(lib: Sweep, dir: string, plan: import('../../lib/sweep/index').SweepPlan): string {
  const lines = [
    `Sweep ${dir} (plan ${plan.id}): ${plan.runs.length} runs; data: ${plan.data.kind === 'embedded' ? 'the embedded cohort' : 'real'} (${plan.data.dir}).`,
    `Each run's commands, run in ${path.resolve(dir)}:`,
  ];
  const statuses = lib.sweepStatus(dir, plan);
  for (const run of plan.runs) {
    lines.push(`${String(run.index).padStart(3)}  ${run.name}  [${statuses[run.index].text}]`);
    for (const step of run.steps) {
      const argv = run.commands[step] as string[];
      lines.push(`       sprint-gan ${argv.join(' ')}${step === 'sample' ? ` && mv ${lib.runPaths('.', run.name).partial} ${lib.runPaths('.', run.name).synthetic}` : step === 'evaluate' ? ` > ${lib.runPaths('.', run.name).evaluation}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** Collects, writes and prints; 0 when every run is finished. */
function collect(lib: Sweep, dir: string, plan?: import('../../lib/sweep/index').SweepPlan): number {
  const results = lib.collectSweep(dir, plan);
  const files = lib.writeCollected(dir, results);
  console.log(lib.resultsTable(results));
  const shown = (f: string) => (path.relative(process.cwd(), f).startsWith('..') ? f : path.relative(process.cwd(), f));
  console.error(`Wrote ${files.map(shown).join(', ')}.`);
  return results.runs.every((r) => r.finished) ? 0 : 1;
}

const SUBCOMMANDS = ['plan', 'run', 'submit', 'status', 'collect', 'task'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export const command: Command = {
  summary: 'many runs from a grid file: locally or as a Slurm job array, resumable, collected',
  help,
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    let values: Record<string, string | boolean | undefined>;
    try {
      if (!SUBCOMMANDS.includes(sub as Subcommand)) throw new Error(sub ? `unknown subcommand '${sub}'; expected one of ${SUBCOMMANDS.join(', ')}` : `a subcommand is required: ${SUBCOMMANDS.join(', ')}`);
      values = parseCommandArgs(rest, {
        dir: { type: 'string' },
        grid: { type: 'string' },
        jobs: { type: 'string' },
        threads: { type: 'string' },
        cpus: { type: 'string' },
        time: { type: 'string' },
        mem: { type: 'string' },
        partition: { type: 'string' },
        account: { type: 'string' },
        gres: { type: 'string' },
        throttle: { type: 'string' },
        'dry-run': { type: 'boolean' },
        index: { type: 'string' },
        plan: { type: 'string' },
      });
      if (!values.dir) throw new Error('--dir DIR is required (the sweep folder)');
      if (sub === 'plan' && !values.grid) throw new Error('plan: --grid FILE is required');
      const allowed: Record<Subcommand, string[]> = {
        plan: ['dir', 'grid'],
        run: ['dir', 'grid', 'jobs', 'threads'],
        submit: ['dir', 'grid', 'cpus', 'time', 'mem', 'partition', 'account', 'gres', 'throttle', 'dry-run'],
        status: ['dir'],
        collect: ['dir'],
        task: ['dir', 'index', 'plan'],
      };
      for (const k of Object.keys(values)) if (!allowed[sub as Subcommand].includes(k)) throw new Error(`--${k} is not an option of 'sweep ${sub}'`);
      if (sub === 'task' && values.index === undefined) throw new Error('task: --index I is required');
    } catch (err) {
      return usageError('sweep', err, 'Run `sprint-gan sweep --help` for the subcommands and options.');
    }
    const dir = values.dir as string;
    const lib = sweepLib();
    switch (sub as Subcommand) {
      case 'plan': {
        const plan = loadPlan(lib, dir, values.grid as string);
        console.log(planText(lib, dir, plan));
        return 0;
      }
      case 'run': {
        const threads = numberOption('threads', values.threads as string | undefined, { integer: true, min: 1 }) ?? 2;
        const jobs = numberOption('jobs', values.jobs as string | undefined, { integer: true, min: 1 });
        const plan = loadPlan(lib, dir, values.grid as string | undefined);
        const outcomes = await lib.runLocal(dir, plan, { jobs, threads });
        const failed = outcomes.filter((o) => o.code !== 0).length;
        const code = collect(lib, dir, plan);
        if (failed) console.error(`${failed} run${failed === 1 ? '' : 's'} failed; see their logs. Run the same command again to retry them.`);
        return failed ? 1 : code;
      }
      case 'submit': {
        const resources = {
          cpus: numberOption('cpus', values.cpus as string | undefined, { integer: true, min: 1 }) ?? 2,
          throttle: numberOption('throttle', values.throttle as string | undefined, { integer: true, min: 1 }),
          time: values.time as string | undefined,
          mem: values.mem as string | undefined,
          partition: values.partition as string | undefined,
          account: values.account as string | undefined,
          gres: values.gres as string | undefined,
        };
        const plan = loadPlan(lib, dir, values.grid as string | undefined);
        const statuses = lib.sweepStatus(dir, plan);
        const busy = statuses.filter((s) => !s.finished && s.busy);
        if (busy.length) console.error(`Not submitted again, in progress: ${busy.map((s) => `${s.name} (pid ${s.busy?.pid} on ${s.busy?.host})`).join(', ')}.`);
        const todo = statuses.filter((s) => !s.finished && !s.busy).map((s) => s.index);
        if (todo.length === 0) {
          if (busy.length) return 0;
          console.error(`Every run of ${dir} is finished; nothing to submit. Collecting here.`);
          return collect(lib, dir, plan);
        }
        const ctx = { dir: path.resolve(dir), plan, node: process.execPath, bin: lib.sprintGanBin() };
        const sub = await lib.submitSweep(ctx, todo, resources, { dryRun: values['dry-run'] === true });
        if (values['dry-run']) {
          console.log(`# ${sub.arrayScript}\n${lib.arrayScript(ctx, todo, resources)}\n# ${sub.collectScript}\n${lib.collectScript(ctx, resources)}`);
          console.error(`Dry run: submit with\n  jid=$(sbatch --parsable ${sub.arrayScript}) && sbatch --dependency=afterany:$jid ${sub.collectScript}`);
          return 0;
        }
        console.log(JSON.stringify({ arrayJob: sub.arrayJob, collectJob: sub.collectJob, runs: todo.length, arrayScript: sub.arrayScript, collectScript: sub.collectScript }));
        console.error(
          `Submitted array job ${sub.arrayJob} (${todo.length} of ${plan.runs.length} runs; logs ${path.join(ctx.dir, 'logs')}/slurm-${sub.arrayJob}_<task>.out) ` +
            `and collect job ${sub.collectJob} (after the array ends). Follow with: squeue -j ${sub.arrayJob},${sub.collectJob}; sprint-gan sweep status --dir ${dir}`,
        );
        return 0;
      }
      case 'status': {
        console.log(lib.statusText(lib.sweepStatus(dir, lib.readPlan(dir))));
        return 0;
      }
      case 'collect':
        return collect(lib, dir);
      case 'task': {
        const index = numberOption('index', values.index as string, { integer: true, min: 0 }) as number;
        await lib.runTask(dir, lib.readPlan(dir), index, { planId: values.plan as string | undefined });
        return 0;
      }
    }
    return 2;
  },
};
