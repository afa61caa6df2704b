/**
 * lib/sweep: many runs (seeds x settings x models) from one grid file, run
 * locally with a concurrency limit or as a Slurm job array, resumable and
 * idempotent, collected into one table and a privacy–utility figure
 * (issue 26; `sprint-gan sweep`). The top layer: it drives generators (run
 * folders, their locks), eval (through `sprint-gan evaluate`) and plots.
 *
 * - grid.ts     the grid file: read, checked, errors with file, line and key
 * - plan.ts     the grid expanded into named runs and their commands (plan.json)
 * - status.ts   where each run stands, from its files
 * - task.ts     one run, start to end, skipping done steps (what every executor runs)
 * - local.ts    the local executor: a pool of task processes
 * - slurm.ts    the Slurm executor: the array and collect scripts, sbatch
 * - collect.ts  sweep.json, results.md, privacy-utility.html
 */
export { STEPS, GridError, lineOfKey, parseGrid, readGrid } from './grid';
export type { Grid, GridSchema, OptionKinds, Scalar, Step } from './grid';
export { PLAN_FILE, SweepError, expandGrid, makePlan, optionArgs, planSweep, readPlan, runPaths, storePlan } from './plan';
export type { PlannedRun, SweepPlan } from './plan';
export { runStatus, stepDone, statusText, sweepStatus } from './status';
export type { RunStatus } from './status';
export { cliExec, runTask, sprintGanBin } from './task';
export type { StepExec, TaskOptions } from './task';
export { defaultJobs, runLocal, runLogFile, runPool, taskProcess } from './local';
export type { LocalRunOptions, StartTask, TaskOutcome } from './local';
export { arrayRanges, arrayScript, collectScript, jobName, parsableJobId, runSbatch, shellWord, submitSweep } from './slurm';
export type { Sbatch, ScriptContext, SlurmResources, Submission } from './slurm';
export { collectSweep, privacyUtilityRuns, readSweepResults, resultsTable, sweepFigure, writeCollected } from './collect';
export type { Accuracies, CollectedRun, SweepResults } from './collect';
