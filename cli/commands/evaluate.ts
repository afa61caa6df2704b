/**
 * `sprint-gan evaluate --synthetic DIR --real DIR [--json]`: train-on-synthetic,
 * test-on-real accuracy of the four classifiers, and fidelity statistics.
 *
 * Test set (`--test-split`):
 * - `first6000` (default): the real patients AFTER the paper's training split
 *   (lib/data `splitCohort` default: the first 6000 by MASKID, or the same
 *   proportion 6000/6502 for a smaller release). These are the patients the
 *   original tested on, and the ones a GAN trained with `sprint-gan train` on
 *   the same release never saw: testing on the training patients would
 *   reward a generator that copies them. The first part then also gives the
 *   real-trained baseline (same classifiers, same test patients).
 * - `all`: every real patient in the folder; for a real folder that is itself
 *   a holdout the generator never saw. No real baseline then.
 *
 * Units as the original (lib/eval/units.ts): synthetic values truncated to
 * integers and clipped at 0 (`--rounding` to compare), real ones as read.
 * Fidelity compares the synthetic patients with all real patients of --real.
 */
import type { Command } from '../main';
import { numberOption, parseCommandArgs, usageError } from '../options';
import { N_FEATURES, type Cohort } from '../../lib/data/cohort';
import { SprintDataError } from '../../lib/data/errors';
import { BP_FILE } from '../../lib/data/format';
import { loadSprintSync } from '../../lib/data/load';
import { preprocess } from '../../lib/data/preprocess';
import { splitCohort } from '../../lib/data/split';
import { CLASSIFIER_NAMES, countCorrect, createClassifier, modelWeights, type ClassifierName } from '../../lib/eval/classifiers/index';
import { CLASSIFIER_LABELS, fidelityJson, fidelityText, unconvergedNote } from '../../lib/eval/display';
import { fidelityReport, spearman } from '../../lib/eval/fidelity';
import { armSeparability } from '../../lib/eval/transfer';
import { realFeatures, syntheticFeatures, type SyntheticRounding } from '../../lib/eval/units';

const help = `Usage: sprint-gan evaluate --synthetic DIR --real DIR [options]

Trains each classifier (random forest, logistic regression, linear SVM,
k-nearest neighbours; scikit-learn's defaults as in the paper) on the synthetic
patients and reports its accuracy at predicting the treatment arm of real
patients, with the fidelity statistics (means, within-arm spread, correlation
structure, agreement of feature importances) and the arm separability of each
set (a forest trained and tested within it). Both folders hold SPRINT-format
baseline.csv and bp.csv (e.g. from 'sprint-gan sample' and the real release).

Options:
  --synthetic DIR     synthetic patients (SPRINT format)
  --real DIR          real patients (SPRINT format)
  --test-split S      first6000 (default): test on the real patients after the
                      paper's training split (first 6000 by MASKID, or 6000/6502
                      of a smaller release) and train a real baseline on the
                      rest; all: test on every real patient, no baseline
  --classifiers LIST  comma-separated subset of ${CLASSIFIER_NAMES.join(',')} (default: all)
  --rounding R        truncate (default, the original's astype(int)), round, none
  --seed S            seed of the forest and SVM (default 0)
  --json              print one JSON object instead of tables
  -h, --help          this text

Exits with status 1 and the loader's message (file, line, column) on bad input,
2 on bad options.`;

type TestSplit = 'first6000' | 'all';

function load(dir: string, what: string): Cohort {
  const tables = loadSprintSync(dir);
  for (const w of tables.warnings) console.error(`warning (${what}): ${w.message}`);
  const cohort = preprocess(tables);
  if (cohort.n === 0) {
    throw new SprintDataError('no participant has all 12 study visits (RZ..27M) complete', {
      code: 'no-cohort',
      file: `${dir}/${BP_FILE}`,
      expected: 'participants with SBP, DBP and N_BPCLASSES at RZ, 1M, 2M, 3M, 6M, ..., 27M',
      hint: `Check that ${what} folder holds the full files.`,
    });
  }
  return cohort;
}

/** evaluate's options (also what a sweep's grid may set: lib/sweep/grid.ts). */
export const EVALUATE_OPTIONS = {
  synthetic: { type: 'string' },
  real: { type: 'string' },
  'test-split': { type: 'string' },
  classifiers: { type: 'string' },
  rounding: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const command: Command = {
  summary: 'train classifiers on synthetic patients, test on real ones; fidelity statistics',
  help,
  async run(argv: string[]): Promise<number> {
    let synthDir: string;
    let realDir: string;
    let split: TestSplit;
    let names: ClassifierName[];
    let rounding: SyntheticRounding;
    let seed: number;
    let json: boolean;
    try {
      const values = parseCommandArgs(argv, EVALUATE_OPTIONS);
      if (!values.synthetic) throw new Error('--synthetic DIR is required');
      if (!values.real) throw new Error('--real DIR is required');
      synthDir = values.synthetic;
      realDir = values.real;
      const s = values['test-split'] ?? 'first6000';
      if (s !== 'first6000' && s !== 'all') throw new Error(`--test-split must be first6000 or all, got '${s}'`);
      split = s;
      names = (values.classifiers ?? CLASSIFIER_NAMES.join(',')).split(',').map((x) => x.trim()) as ClassifierName[];
      for (const n of names) if (!CLASSIFIER_NAMES.includes(n)) throw new Error(`--classifiers: unknown classifier '${n}', expected some of ${CLASSIFIER_NAMES.join(', ')}`);
      const r = values.rounding ?? 'truncate';
      if (r !== 'truncate' && r !== 'round' && r !== 'none') throw new Error(`--rounding must be truncate, round or none, got '${r}'`);
      rounding = r;
      seed = numberOption('seed', values.seed, { integer: true, min: 0 }) ?? 0;
      json = values.json ?? false;
    } catch (err) {
      return usageError('evaluate', err, help);
    }
    try {
      const t0 = Date.now();
      const synthetic = load(synthDir, 'the --synthetic');
      const real = load(realDir, 'the --real');
      const parts = split === 'all' ? { train: null, test: real } : splitCohort(real);
      if (parts.test.n === 0) {
        console.error(`sprint-gan evaluate: ${realDir} has ${real.n} complete patients, none left after the training split; use --test-split all.`);
        return 1;
      }
      const sx = syntheticFeatures(synthetic, rounding);
      const testX = realFeatures(parts.test);
      const realTrainX = parts.train ? realFeatures(parts.train) : null;
      const results: Record<string, { synthetic: number; correct: number; real: number | null; weightSpearman: number | null; converged: boolean; realConverged: boolean | null }> = {};
      for (const name of names) {
        const model = createClassifier(name, seed).fit(sx, synthetic.n, N_FEATURES, synthetic.y);
        const correct = countCorrect(parts.test.y, model.predict(testX, parts.test.n));
        let realAcc: number | null = null;
        let agreement: number | null = null;
        let realConverged: boolean | null = null;
        if (parts.train && realTrainX) {
          const base = createClassifier(name, seed).fit(realTrainX, parts.train.n, N_FEATURES, parts.train.y);
          realConverged = base.converged !== false;
          realAcc = countCorrect(parts.test.y, base.predict(testX, parts.test.n)) / parts.test.n;
          const a = modelWeights(base);
          const b = modelWeights(model);
          agreement = a && b ? spearman(a, b, { nanPolicy: 'omit' }) : null;
        }
        results[name] = { synthetic: correct / parts.test.n, correct, real: realAcc, weightSpearman: agreement, converged: model.converged !== false, realConverged };
      }
      const realAll = { n: real.n, x: realFeatures(real), y: real.y };
      const syntheticAll = { n: synthetic.n, x: sx, y: synthetic.y };
      const fidelity = fidelityReport(realAll, syntheticAll);
      const separability = { real: armSeparability(realAll, seed), synthetic: armSeparability(syntheticAll, seed) };
      const seconds = (Date.now() - t0) / 1000;
      if (json) {
        console.log(
          JSON.stringify({
            synthetic: { dir: synthDir, n: synthetic.n },
            real: { dir: realDir, n: real.n, testSplit: split, nTrain: parts.train ? parts.train.n : 0, nTest: parts.test.n },
            rounding,
            seed,
            accuracy: results,
            fidelity: fidelityJson(fidelity),
            armSeparability: separability,
            seconds,
          }),
        );
        return 0;
      }
      const lines = [
        `Trained on ${synthetic.n} synthetic patients (${synthDir}); tested on ${parts.test.n} real patients of ${realDir}` +
          (parts.train ? ` (after the first ${parts.train.n}, the paper's training split; the real baseline trains on those).` : ' (all of them).'),
        '',
      ];
      const header = ['classifier', 'synthetic-trained', 'correct', ...(parts.train ? ['real-trained', 'weights Spearman'] : [])];
      const rows = names.map((n) => {
        const r = results[n];
        return [
          CLASSIFIER_LABELS[n],
          r.synthetic.toFixed(3),
          `${r.correct}/${parts.test.n}`,
          ...(parts.train ? [r.real === null ? 'n/a' : r.real.toFixed(3), r.weightSpearman === null ? 'n/a' : r.weightSpearman.toFixed(3)] : []),
        ];
      });
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const fmtRow = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
      lines.push(fmtRow(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmtRow), '');
      const note = unconvergedNote(
        names.map((n) => {
          const r = results[n];
          const fits = [r.converged, ...(r.realConverged === null ? [] : [r.realConverged])];
          return { classifier: n, unconverged: fits.filter((c) => !c).length, fits: fits.length };
        }),
      );
      if (note) lines.push(note, '');
      lines.push('Fidelity (synthetic vs all real patients of --real; units: mmHg, number of medication classes):', fidelityText({ synthetic: fidelity }));
      lines.push(
        '',
        `Arm separability (a forest trained on half of a set, tested on its other half): real ${separability.real.toFixed(3)}, ` +
          `synthetic ${separability.synthetic.toFixed(3)}.` +
          (separability.synthetic > separability.real + 0.03
            ? ' The synthetic arms are further apart than the real ones: a classifier trained on them can put its boundary anywhere in the gap.'
            : ''),
      );
      lines.push('', `(${seconds.toFixed(1)} s)`);
      console.log(lines.join('\n'));
      return 0;
    } catch (err) {
      if (err instanceof SprintDataError) {
        console.error(`sprint-gan evaluate: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
