/**
 * `sprint-gan gaussian`: a differentially private Gaussian model of the
 * training patients (lib/generators/gaussian, through the generator
 * interface: released into a run folder, then sampled) written as a
 * SPRINT-format folder with the release's privacy ledger: the baseline the
 * DP-GAN has to beat.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from '../main';
import { numberOption, parseCommandArgs, usageError } from '../options';

const help = `Usage: sprint-gan gaussian --out DIR [options]

Releases each arm's mean and one within-arm covariance of the training
patients with the Gaussian mechanism (each patient's 36 values, in the GAN's
--scaling sprint space, clipped to L2 norm --clip), samples N patients from
the released model, and writes them as a SPRINT-format folder (baseline.csv,
bp.csv) with release.json: the settings, the privacy ledger and epsilon
(nothing else computed from the patients, so it can be shared with them).
Not a GAN: the simple private baseline that the DP-GAN's cohort is compared
with (README, "The baseline to beat: a private Gaussian").

Options:
  --target-epsilon E     epsilon of the release at --delta (default 1.6); the
                         two noise multipliers are calibrated to it, the
                         means' twice the covariance's
  --mean-noise S         set the noise multipliers yourself instead (both)
  --covariance-noise S
  --clip C               L2 clip norm of a patient's 36 values (default 6 =
                         sqrt(36): one unit of the scaling on every value)
  --delta D              delta (default 1e-5)
  --non-private          the exact model of the unclipped patients (for
                         reference; no privacy)
  --n N                  patients to write (default 6000)
  --data DIR             SPRINT-format folder; default SPRINT_DATA_DIR, else
                         the embedded synthetic cohort (its training split)
  --train-size N         training patients (default 6000 or the paper's share)
  --seed S               seed of the noise and of the sampling (default 0)
  --out DIR              output folder
  --run DIR              also keep the release as a run folder there (for
                         'sprint-gan sample --run DIR'); must be new or empty
  --force                overwrite the files already in --out
  -h, --help             this text

Example:
  sprint-gan gaussian --target-epsilon 1.6 --out runs/gaussian
  sprint-gan evaluate --synthetic runs/gaussian --real <held-out patients>`;

/** The command's options, checked; throws with what is wrong (exit 2). */
function parseOptions(argv: string[]) {
  const values = parseCommandArgs(argv, {
    'target-epsilon': { type: 'string' },
    'mean-noise': { type: 'string' },
    'covariance-noise': { type: 'string' },
    clip: { type: 'string' },
    delta: { type: 'string' },
    'non-private': { type: 'boolean' },
    n: { type: 'string' },
    data: { type: 'string' },
    'train-size': { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    run: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (!values.out) throw new Error('--out DIR is required.');
  const n = numberOption('n', values.n, { integer: true, min: 1 }) ?? 6000;
  const seed = numberOption('seed', values.seed, { integer: true, min: 0 }) ?? 0;
  const delta = numberOption('delta', values.delta) ?? 1e-5;
  if (!(delta > 0 && delta < 1)) throw new Error(`--delta: expected a number in (0, 1), got '${values.delta}'`);
  const meanNoise = numberOption('mean-noise', values['mean-noise']);
  const covarianceNoise = numberOption('covariance-noise', values['covariance-noise']);
  const manual = meanNoise !== undefined || covarianceNoise !== undefined;
  if (manual && (meanNoise === undefined || covarianceNoise === undefined)) {
    throw new Error('give both --mean-noise and --covariance-noise, or neither (then --target-epsilon sets them).');
  }
  if (values['non-private'] && (manual || values['target-epsilon'] !== undefined || values.clip !== undefined)) {
    throw new Error('--non-private takes no noise, clip or epsilon settings.');
  }
  if (manual && values['target-epsilon'] !== undefined) {
    throw new Error('--target-epsilon calibrates the noise; do not also set --mean-noise/--covariance-noise.');
  }
  if (manual && !((meanNoise as number) > 0 && (covarianceNoise as number) > 0)) {
    throw new Error('noise multipliers must be positive (use --non-private for the exact model).');
  }
  const clip = numberOption('clip', values.clip) ?? 6;
  if (!(clip > 0)) throw new Error(`--clip: expected a positive number, got '${values.clip}'`);
  const targetEpsilon = numberOption('target-epsilon', values['target-epsilon']) ?? 1.6;
  if (!(targetEpsilon > 0)) throw new Error(`--target-epsilon: expected a positive number, got '${values['target-epsilon']}'`);
  const trainSize = numberOption('train-size', values['train-size']);
  // Given noise multipliers, or null: calibrate them to targetEpsilon.
  const noise = manual ? { meanNoise: meanNoise as number, covarianceNoise: covarianceNoise as number } : null;
  return { values, out: values.out, n, seed, delta, noise, clip, targetEpsilon, trainSize };
}

export const command: Command = {
  summary: 'A differentially private Gaussian model of the patients, sampled (the baseline for the DP-GAN)',
  help,
  async run(argv: string[]): Promise<number> {
    let settings: ReturnType<typeof parseOptions>;
    try {
      settings = parseOptions(argv);
    } catch (err) {
      return usageError('gaussian', err, help);
    }
    const { values, out, n, seed, delta, noise: givenNoise, clip, targetEpsilon, trainSize } = settings;
    const existing = ['baseline.csv', 'bp.csv', 'release.json'].filter((f) => fs.existsSync(path.join(out, f)));
    if (existing.length > 0 && !values.force) {
      console.error(`sprint-gan gaussian: ${out} already has ${existing.join(', ')}; use --force to overwrite.`);
      return 1;
    }

    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const data = require('../../lib/data/index') as typeof import('../../lib/data/index');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const generators = require('../../lib/generators/index') as typeof import('../../lib/generators/index');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { writeJsonAtomic } = require('../../lib/fs') as typeof import('../../lib/fs');

    const cohorts = data.loadTrainingData({ dir: values.data, trainSize });
    const release = values['non-private'] ? { nonPrivate: true } : { clipNorm: clip, targetEpsilon: givenNoise ? null : targetEpsilon, ...givenNoise };
    // Through the generator interface: released into a run folder (kept with --run), then sampled from it.
    const runDir = values.run ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-gaussian-'));
    try {
      const { summary, clipped } = await generators.gaussian.train({ out: runDir, train: cohorts.train, dataSource: cohorts.source, dataKind: cohorts.kind, delta, seed, ...release, log: (l) => console.error(l) });
      const files = data.writeSprintCsv(out, generators.sampleFromRun(runDir, n, { seed }));
      const { clipNorm, meanNoise, covarianceNoise } = summary.settings as { clipNorm: number | null; meanNoise: number; covarianceNoise: number };
      const epsilon = summary.epsilon;
      writeJsonAtomic(path.join(out, 'release.json'), {
        kind: 'dp-gaussian',
        data: { source: cohorts.source, nTrain: cohorts.train.n },
        options: { clipNorm, meanNoise, covarianceNoise, seed },
        scaling: data.SPRINT_SCALING,
        n,
        epsilon,
        delta,
        ledger: summary.private ? generators.runLedger(runDir).toJSON(delta) : null,
      });
      console.error(
        `Released a Gaussian model of ${cohorts.train.n} training patients ` +
          (summary.private
            ? `(${clipped} clipped at ${clipNorm}: an exact count, for you, not in release.json), ` +
              `noise ${meanNoise.toPrecision(4)} (means) / ${covarianceNoise.toPrecision(4)} (covariance): epsilon ${epsilon!.toFixed(4)} at delta ${delta}`
            : 'non-private') +
          `; wrote ${n} patients to ${out}.`,
      );
      console.log(JSON.stringify({ out, n, epsilon, delta, ...files, release: path.join(out, 'release.json'), ...(values.run ? { run: values.run } : {}) }));
      return 0;
    } finally {
      if (!values.run) fs.rmSync(runDir, { recursive: true, force: true });
    }
  },
};
