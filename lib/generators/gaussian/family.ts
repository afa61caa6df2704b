/**
 * The DP Gaussian (./model.ts) as a generator family (lib/generators/family.ts).
 *
 * One release, so one "epoch": training releases the model once and writes
 * the run folder
 *
 * ```
 * <run>/run.json         generator 'gaussian', the settings, the data description
 * <run>/model.json       the released model (noisy counts, means, covariance): public
 * <run>/checkpoint.json  epoch 1, finished
 * ```
 *
 * The exact number of clipped patients (not private) is returned to the
 * caller and never written, nor is anything else computed exactly from the
 * patients: no maxima (each is one patient's value; samples are normalized
 * on the caller's maxima or lib/data's PUBLIC_MAXIMA, the model being in
 * the fixed SPRINT scaling's space) and no fingerprint of the data (a hash
 * of the cohort lets anyone who knows all patients but one test guesses of
 * the last). run.json's `data` holds the number of training patients (the
 * requested training size, a public setting), the source's description and
 * its kind. So the folder can be shared as the release. The noise multipliers are calibrated to the
 * target epsilon (default 1.6) unless given; given ones whose epsilon exceeds
 * a target are refused before anything is released (the budget stop of a
 * single release). Resuming a finished run returns it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cohort } from '../../data/cohort';
import { PUBLIC_MAXIMA, SPRINT_SCALING } from '../../data/scaling';
import type { DataKind } from '../../data/training';
import { writeJsonAtomic } from '../../fs';
import type { LedgerEntry } from '../../privacy/ledger';
import { PrivacyLedger } from '../../privacy/ledger';
import { type GeneratorFamily, type RunSummary, type SampleRequest, type TrainRequest, type TrainedRun, assertSameRelease, singleReleaseSummary } from '../family';
import { type RunCheckpoint, claimRunFolder } from '../folder';
import { type DpGaussian, type GaussianReleaseOptions, addToLedger, calibrateGaussianNoise, releaseFromCohort, sampleGaussianCohort } from './model';

export interface GaussianOptions {
  /** L2 clip norm of a patient's 36 values in the SPRINT scaling's space (default 6 = sqrt(36): one unit on every value). */
  clipNorm?: number;
  /** Noise multiplier of the arm-wise sums and counts; with `covarianceNoise`, instead of calibrating to the target epsilon. */
  meanNoise?: number;
  /** Noise multiplier of the pooled second moment. */
  covarianceNoise?: number;
  /** The exact model of the unclipped patients (no privacy; for reference). */
  nonPrivate?: boolean;
}

/** The default target when neither a target nor noise multipliers are given. */
export const DEFAULT_GAUSSIAN_EPSILON = 1.6;

/** run.json of a Gaussian run. */
export interface GaussianRunInfo {
  version: 1;
  generator: 'gaussian';
  config: {
    /** null: not clipped (non-private). */
    clipNorm: number | null;
    meanNoise: number;
    covarianceNoise: number;
    seed: number;
    delta: number;
    targetEpsilon: number | null;
    scaling: typeof SPRINT_SCALING;
  };
  /** Runs written before the folder became shareable also hold `maxima` and `fingerprint` (ignored). */
  data: { nTrain: number; source: string | null; kind: DataKind | null };
  created: string;
}

/** The released model as model.json stores it (everything but the exact clipped count). */
export type GaussianModelFile = Omit<DpGaussian, 'clipped'>;

export interface GaussianTrainedRun extends TrainedRun {
  /** The release's settings (noise multipliers as calibrated). */
  options: GaussianReleaseOptions;
  model: GaussianModelFile;
  /** Patients whose vector was clipped: an exact count, NOT private (for the data owner; never written); null when an existing release was returned. */
  clipped: number | null;
}

/** The release options a request asks for (noise calibrated to the target unless given). */
export function gaussianReleaseOptions(request: Pick<TrainRequest, 'targetEpsilon' | 'delta' | 'seed'> & GaussianOptions): GaussianReleaseOptions {
  const delta = request.delta ?? 1e-5;
  const seed = request.seed ?? 0;
  if (request.nonPrivate) {
    if (request.meanNoise !== undefined || request.covarianceNoise !== undefined || request.clipNorm !== undefined || request.targetEpsilon != null) {
      throw new Error('a non-private Gaussian takes no noise, clip or epsilon settings');
    }
    return { clipNorm: Infinity, meanNoise: 0, covarianceNoise: 0, seed };
  }
  const clipNorm = request.clipNorm ?? 6;
  const given = request.meanNoise !== undefined || request.covarianceNoise !== undefined;
  if (given && (request.meanNoise === undefined || request.covarianceNoise === undefined)) {
    throw new Error('give both noise multipliers (means and covariance), or neither (then the target epsilon sets them)');
  }
  if (!given) return { clipNorm, ...calibrateGaussianNoise(request.targetEpsilon ?? DEFAULT_GAUSSIAN_EPSILON, delta), seed };
  const opts = { clipNorm, meanNoise: request.meanNoise as number, covarianceNoise: request.covarianceNoise as number, seed };
  if (!(opts.meanNoise > 0 && opts.covarianceNoise > 0)) throw new Error('noise multipliers must be positive (nonPrivate for the exact model)');
  if (request.targetEpsilon != null) {
    const eps = addToLedger(new PrivacyLedger(), opts).epsilon(delta);
    if (eps > request.targetEpsilon) {
      throw new Error(`noise multipliers ${opts.meanNoise} / ${opts.covarianceNoise} give epsilon ${eps.toFixed(4)} > target ${request.targetEpsilon} (delta ${delta}); nothing released`);
    }
  }
  return opts;
}

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file} not found: ${what}. Is ${path.dirname(file)} a Gaussian run folder?`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function readRunInfo(runDir: string): GaussianRunInfo {
  const run = readJson<GaussianRunInfo>(path.join(runDir, 'run.json'), 'the run settings');
  if (run.generator !== 'gaussian') throw new Error(`${runDir} holds a run of generator '${run.generator ?? 'acgan'}', not 'gaussian'`);
  return run;
}

/** The ledger entries of a release with these options (none when non-private). */
function costOf(config: GaussianRunInfo['config']): LedgerEntry[] {
  if (config.meanNoise === 0) return [];
  const opts = { clipNorm: config.clipNorm ?? Infinity, meanNoise: config.meanNoise, covarianceNoise: config.covarianceNoise, seed: config.seed };
  return [...addToLedger(new PrivacyLedger(), opts).entries];
}

export function describeGaussianRun(runDir: string): RunSummary {
  const run = readRunInfo(runDir);
  const ckpt = readJson<RunCheckpoint>(path.join(runDir, 'checkpoint.json'), 'the release');
  return singleReleaseSummary(runDir, 'gaussian', run, ckpt, costOf(run.config));
}

function readModel(runDir: string): GaussianModelFile {
  return readJson<GaussianModelFile>(path.join(runDir, 'model.json'), 'the released model');
}

export const gaussian: GeneratorFamily<GaussianOptions, GaussianTrainedRun> = {
  name: 'gaussian',
  summary: "each arm's mean and one within-arm covariance, released with the Gaussian mechanism (the baseline)",
  async train(request: TrainRequest & GaussianOptions): Promise<GaussianTrainedRun> {
    const log = request.log ?? ((l: string) => console.log(l));
    const opts = gaussianReleaseOptions(request);
    const delta = request.delta ?? 1e-5;
    const folder = claimRunFolder<GaussianRunInfo>(request.out, request, log);
    try {
      const run: GaussianRunInfo = {
        version: 1,
        generator: 'gaussian',
        config: {
          clipNorm: Number.isFinite(opts.clipNorm) ? opts.clipNorm : null,
          meanNoise: opts.meanNoise,
          covarianceNoise: opts.covarianceNoise,
          seed: opts.seed,
          delta,
          targetEpsilon: request.targetEpsilon ?? null,
          scaling: SPRINT_SCALING,
        },
        data: { nTrain: request.train.n, source: request.dataSource ?? null, kind: request.dataKind ?? null },
        created: new Date().toISOString(),
      };
      if (folder.resuming && folder.existingRun && folder.existingCkpt?.finished) {
        assertSameRelease(folder.out, folder.existingRun, run);
        log(`${folder.out}: the Gaussian release is already made.`);
        return { out: folder.out, summary: describeGaussianRun(folder.out), options: opts, model: readModel(folder.out), clipped: null };
      }
      const released = releaseFromCohort(request.train, opts);
      const { clipped, ...model } = released;
      writeJsonAtomic(folder.runFile, run);
      writeJsonAtomic(path.join(folder.out, 'model.json'), model);
      const ckpt: RunCheckpoint = { epoch: 1, steps: 1, finished: true, stopReason: 'completed', message: null };
      writeJsonAtomic(folder.ckptFile, ckpt); // commit point
      return { out: folder.out, summary: describeGaussianRun(folder.out), options: opts, model, clipped };
    } finally {
      folder.release();
    }
  },
  describe: describeGaussianRun,
  sample(runDir: string, n: number, request: SampleRequest = {}): Cohort {
    readRunInfo(runDir); // throws unless a Gaussian run
    if (request.epoch !== undefined && request.epoch !== 1) throw new Error(`${runDir}: a Gaussian run has one release (epoch 1), not epoch ${request.epoch}`);
    return sampleGaussianCohort({ ...readModel(runDir), clipped: 0 }, n, request.maxima ?? PUBLIC_MAXIMA, request.seed ?? 0, request.arms ?? 'random');
  },
};
