/**
 * A sweep's results in one place: `sweep.json` (every run's settings, ε,
 * accuracies and fidelity numbers), `results.md` (the same as a table) and
 * `privacy-utility.html` (accuracy against ε, seeds as spread; lib/plots's
 * privacyUtility, also drawable in a notebook from `readSweepResults`).
 *
 * `sweep.json` holds only what the runs computed (no paths, hosts, times), so
 * a sweep run on Slurm and the same sweep run locally collect to the same
 * bytes. Runs not finished are listed with what they have so far.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fs';
import { describeRun } from '../generators/index';
import { type Figure, type PrivacyUtilityRun, privacyUtility, standaloneHtml } from '../plots/index';
import type { Scalar } from './grid';
import { type PlannedRun, type SweepPlan, readPlan, runPaths } from './plan';
import { runStatus } from './status';

/** Accuracy on real patients of classifiers trained on the run's synthetic patients. */
export type Accuracies = Record<string, number>;

/** One run's results, named as in the plan. */
export interface CollectedRun extends Pick<PlannedRun, 'index' | 'name' | 'setting' | 'model' | 'seed' | 'values'> {
  finished: boolean;
  /** Training: complete epochs, why it stopped, and its ε at δ (null: not private, or not trained yet). */
  epochs: number;
  stopReason: string | null;
  epsilon: number | null;
  delta: number | null;
  /** From evaluate (null until evaluated). */
  accuracy: Accuracies | null;
  /** The same classifiers trained on the real training patients (the reference). */
  realAccuracy: Accuracies | null;
  fidelity: {
    /** Spearman agreement of the 36x36 feature correlation matrices (the paper's Figure 4D-F). */
    correlationSpearman: number | null;
    /** SBP, DBP, medication classes: mean over patients and visits, and within-arm standard deviation. */
    syntheticMeans: number[];
    syntheticSpread: number[];
    realMeans: number[];
    realSpread: number[];
  } | null;
  armSeparability: { real: number; synthetic: number } | null;
}

export interface SweepResults {
  version: 1;
  planId: string;
  data: SweepPlan['data']['kind'];
  runs: CollectedRun[];
}

/** What `sprint-gan evaluate --json` prints (the parts collected). */
interface EvaluateJson {
  accuracy: Record<string, { synthetic: number; real: number | null }>;
  fidelity: { correlationSpearman: number | null; syntheticMeans: number[]; syntheticSpread: number[]; realMeans: number[]; realSpread: number[] };
  armSeparability: { real: number; synthetic: number };
}

function collectRun(dir: string, run: PlannedRun): CollectedRun {
  const p = runPaths(dir, run.name);
  const status = runStatus(dir, run);
  const out: CollectedRun = {
    index: run.index,
    name: run.name,
    setting: run.setting,
    model: run.model,
    seed: run.seed,
    values: run.values,
    finished: status.finished,
    epochs: 0,
    stopReason: null,
    epsilon: null,
    delta: null,
    accuracy: null,
    realAccuracy: null,
    fidelity: null,
    armSeparability: null,
  };
  if (fs.existsSync(path.join(p.train, 'checkpoint.json'))) {
    const summary = describeRun(p.train);
    const ckpt = JSON.parse(fs.readFileSync(path.join(p.train, 'checkpoint.json'), 'utf8')) as { stopReason: string | null };
    Object.assign(out, { epochs: summary.epoch, stopReason: ckpt.stopReason, epsilon: summary.epsilon, delta: summary.private ? summary.delta : null });
  }
  if (fs.existsSync(p.evaluation)) {
    const e = JSON.parse(fs.readFileSync(p.evaluation, 'utf8')) as EvaluateJson;
    const classifiers = Object.keys(e.accuracy);
    out.accuracy = Object.fromEntries(classifiers.map((c) => [c, e.accuracy[c].synthetic]));
    const real = classifiers.filter((c) => e.accuracy[c].real !== null);
    out.realAccuracy = real.length ? Object.fromEntries(real.map((c) => [c, e.accuracy[c].real as number])) : null;
    const f = e.fidelity;
    out.fidelity = { correlationSpearman: f.correlationSpearman, syntheticMeans: f.syntheticMeans, syntheticSpread: f.syntheticSpread, realMeans: f.realMeans, realSpread: f.realSpread };
    out.armSeparability = e.armSeparability;
  }
  return out;
}

/** Every run's results, in plan order (the plan read from `dir` unless given). */
export function collectSweep(dir: string, plan: SweepPlan = readPlan(dir)): SweepResults {
  return { version: 1, planId: plan.id, data: plan.data.kind, runs: plan.runs.map((r) => collectRun(dir, r)) };
}

/** The results `collect` wrote to a sweep folder's sweep.json (for notebooks). */
export function readSweepResults(dir: string): SweepResults {
  return JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as SweepResults;
}

const fixed = (v: number | null | undefined, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');

/** The classifiers evaluated in any run, in first-seen order. */
function classifiersOf(results: SweepResults): string[] {
  return [...new Set(results.runs.flatMap((r) => Object.keys(r.accuracy ?? {})))];
}

/**
 * The results as a Markdown table: one row per run with its listed values,
 * seed, ε, each classifier's accuracy on real patients, the correlation
 * agreement, synthetic SBP mean and within-arm sd, and arm separability;
 * then the real-trained reference (mean over the runs' seeds).
 */
export function resultsTable(results: SweepResults): string {
  const keys = [...new Set(results.runs.flatMap((r) => Object.keys(r.values)))];
  const classifiers = classifiersOf(results);
  const header = ['run', ...keys, 'seed', 'epochs', 'ε', ...classifiers, 'corr. agreement', 'SBP mean', 'SBP sd', 'arm sep.'];
  const rows = results.runs.map((r) => [
    r.finished ? r.name : `${r.name} (unfinished)`,
    ...keys.map((k) => (k in r.values ? String(r.values[k]) : '')),
    String(r.seed),
    String(r.epochs),
    r.epsilon === null ? (r.epochs > 0 && r.delta === null ? '∞' : '–') : fixed(r.epsilon),
    ...classifiers.map((c) => fixed(r.accuracy?.[c])),
    fixed(r.fidelity?.correlationSpearman),
    fixed(r.fidelity?.syntheticMeans[0], 1),
    fixed(r.fidelity?.syntheticSpread[0], 1),
    fixed(r.armSeparability?.synthetic),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [line(header), line(header.map((h, i) => (i === 0 || i <= keys.length ? '---' : '---:'))), ...rows.map(line)];
  const withReal = results.runs.filter((r) => r.realAccuracy);
  if (withReal.length > 0) {
    const mean = (c: string) => {
      const v = withReal.map((r) => r.realAccuracy?.[c]).filter((x): x is number => typeof x === 'number');
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    };
    const r0 = withReal[0];
    lines.push(
      '',
      `Trained on the real training patients instead (mean over ${withReal.length} run${withReal.length === 1 ? '' : 's'}): ` +
        classifiers.map((c) => `${c} ${fixed(mean(c))}`).join(', ') +
        `; real SBP mean ${fixed(r0.fidelity?.realMeans[0], 1)}, sd ${fixed(r0.fidelity?.realSpread[0], 1)}, arm separability ${fixed(r0.armSeparability?.real)}.`,
    );
  }
  const unfinished = results.runs.filter((r) => !r.finished).length;
  if (unfinished > 0) lines.push('', `${unfinished} of ${results.runs.length} runs are not finished: run or submit the sweep again, then collect.`);
  return lines.join('\n') + '\n';
}

/** The runs as lib/plots's privacy–utility rows. */
export function privacyUtilityRuns(results: SweepResults): PrivacyUtilityRun[] {
  return results.runs.filter((r) => r.accuracy).map((r) => ({ setting: r.setting, epsilon: r.epsilon, accuracy: r.accuracy as Accuracies }));
}

/** The privacy–utility figure of a sweep's results (null when no private run is evaluated). */
export function sweepFigure(results: SweepResults): Figure | null {
  const rows = privacyUtilityRuns(results);
  if (!rows.some((r) => r.epsilon !== null)) return null;
  return privacyUtility(rows);
}

/** Writes sweep.json, results.md and (when there is a private evaluated run) privacy-utility.html; returns the files written. */
export function writeCollected(dir: string, results: SweepResults): string[] {
  const files = [path.join(dir, 'sweep.json'), path.join(dir, 'results.md')];
  writeFileAtomic(files[0], JSON.stringify(results, null, 1) + '\n');
  writeFileAtomic(files[1], resultsTable(results));
  const fig = sweepFigure(results);
  if (fig) {
    files.push(path.join(dir, 'privacy-utility.html'));
    writeFileAtomic(files[2], standaloneHtml(fig, `Privacy–utility: ${path.basename(path.resolve(dir))}`));
  }
  return files;
}
