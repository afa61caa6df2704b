/**
 * The Markov-Gaussian (./index.ts) as a generator family
 * (lib/generators/family.ts): `sprint-gan train --model markov`.
 *
 * One release, so one "epoch", like the Gaussian's run folder:
 *
 * ```
 * <run>/run.json         generator 'markov', the settings (noise multipliers as calibrated), the data's size, source and kind
 * <run>/model.json       the released model (./index.ts MarkovModel): post-processing of the two noisy releases
 * <run>/checkpoint.json  epoch 1, finished (the commit point)
 * ```
 *
 * Nothing in the folder is an exact function of the patients, so it can be
 * shared as the release: no maxima (each is one patient's value; the model
 * lives in the fixed SPRINT scaling and samples are normalized on the
 * caller's maxima or lib/data's PUBLIC_MAXIMA), no fingerprint of the data,
 * no count of clipped patients. `nTrain` is the requested training size, a
 * public setting.
 *
 * The noise multipliers are calibrated to the target epsilon (default 1.6,
 * the recommended recipe: `sprint-gan train --model markov --target-epsilon
 * 1.6`) unless given; given ones whose epsilon exceeds a target are refused
 * before anything is released (the budget stop of a single release).
 * Resuming a finished release returns it without reading the patients again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cohort } from '../../data/cohort';
import { PUBLIC_MAXIMA } from '../../data/scaling';
import type { DataKind } from '../../data/training';
import { writeJsonAtomic } from '../../fs';
import { PrivacyLedger, type LedgerEntry } from '../../privacy/ledger';
import { type GeneratorFamily, type RunSummary, type SampleRequest, type TrainRequest, type TrainedRun, assertSameRelease, singleReleaseSummary } from '../family';
import { type RunCheckpoint, claimRunFolder } from '../folder';
import { MARKOV_DEFAULTS, type MarkovModel, type MarkovOptions, addToLedger, calibrateMarkovNoise, fit, parseModel, sample } from './index';

/** The family's own settings (./index.ts MarkovOptions without the common request's). */
export interface MarkovFamilyOptions {
  /** The two noise multipliers, instead of calibrating them to the target epsilon. */
  noise?: { tables: number; moments: number };
  /** Share of 1 / sigma^2 that goes to the medication tables (default 0.5). */
  tableShare?: number;
  /** L2 clip norm of a patient's moment vector (default 6). */
  clipNorm?: number;
  /** Winsorization around the patient's median, scaled units (default 1.5). */
  winsor?: number;
  /** Eigenvalue floor, in units of the moment noise (default 1). */
  floorScale?: number;
  maxClasses?: number;
  changeMin?: number;
  changeMax?: number;
  /** The exact model (no noise, no clipping; for reference, not private). */
  nonPrivate?: boolean;
}

/** The target when neither a target nor noise multipliers are given (the recommended recipe's). */
export const DEFAULT_MARKOV_EPSILON = 1.6;

/** run.json of a Markov-Gaussian run. */
export interface MarkovRunInfo {
  version: 1;
  generator: 'markov';
  config: {
    /** null: the exact model (non-private). */
    noise: { tables: number; moments: number } | null;
    targetEpsilon: number | null;
    delta: number;
    seed: number;
    tableShare: number;
    /** null: not clipped (the exact model). */
    clipNorm: number | null;
    winsor: number;
    floorScale: number;
    maxClasses: number;
    changeMin: number;
    changeMax: number;
  };
  data: { nTrain: number; source: string | null; kind: DataKind | null };
  created: string;
}

export interface MarkovTrainedRun extends TrainedRun {
  model: MarkovModel;
}

const ENCODING_KEYS = ['tableShare', 'clipNorm', 'winsor', 'floorScale', 'maxClasses', 'changeMin', 'changeMax'] as const;

/**
 * The options ./index.ts fit is called with: noise calibrated to the target
 * (default {@link DEFAULT_MARKOV_EPSILON}) unless given; throws, before
 * anything is released, for given noise whose epsilon exceeds the target and
 * for non-private settings mixed with private ones.
 */
export function markovReleaseOptions(request: Pick<TrainRequest, 'targetEpsilon' | 'delta' | 'seed'> & MarkovFamilyOptions): MarkovOptions {
  const delta = request.delta ?? 1e-5;
  const seed = request.seed ?? 0;
  const encoding = Object.fromEntries(ENCODING_KEYS.map((k) => [k, request[k] ?? MARKOV_DEFAULTS[k]])) as Record<(typeof ENCODING_KEYS)[number], number>;
  if (request.nonPrivate) {
    if (request.noise !== undefined || request.clipNorm !== undefined || request.targetEpsilon != null) {
      throw new Error('the exact (non-private) Markov-Gaussian model takes no noise, clip norm or epsilon');
    }
    return { ...encoding, clipNorm: Infinity, targetEpsilon: Infinity, delta, seed };
  }
  if (request.targetEpsilon != null && !(request.targetEpsilon > 0 && Number.isFinite(request.targetEpsilon))) {
    throw new Error(`target epsilon must be a positive number, got ${request.targetEpsilon} (nonPrivate for the exact model)`);
  }
  if (request.noise === undefined) {
    const noise = calibrateMarkovNoise(request.targetEpsilon ?? DEFAULT_MARKOV_EPSILON, delta, encoding.tableShare);
    return { ...encoding, noise, delta, seed };
  }
  const { tables, moments } = request.noise;
  if (!(tables > 0 && moments > 0 && Number.isFinite(tables) && Number.isFinite(moments))) {
    throw new Error(`noise multipliers must be positive and finite, got tables ${tables}, moments ${moments} (nonPrivate for the exact model)`);
  }
  if (request.targetEpsilon != null) {
    const eps = addToLedger(new PrivacyLedger(), { privacy: { tablesNoise: tables, momentsNoise: moments } }).epsilon(delta);
    if (eps > request.targetEpsilon) {
      throw new Error(`noise multipliers ${tables} (tables) / ${moments} (moments) give epsilon ${eps.toFixed(4)} > target ${request.targetEpsilon} (delta ${delta}); nothing released`);
    }
  }
  return { ...encoding, noise: { tables, moments }, delta, seed };
}

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file} not found: ${what}. Is ${path.dirname(file)} a Markov-Gaussian run folder (sprint-gan train --model markov)?`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function readRunInfo(runDir: string): MarkovRunInfo {
  const run = readJson<MarkovRunInfo>(path.join(runDir, 'run.json'), 'the run settings');
  if (run.generator !== 'markov') throw new Error(`${runDir} holds a run of generator '${run.generator ?? 'acgan'}', not 'markov'`);
  return run;
}

/** The ledger entries of the release (none for the exact model). */
function costOf(config: MarkovRunInfo['config']): LedgerEntry[] {
  if (!config.noise) return [];
  return [...addToLedger(new PrivacyLedger(), { privacy: { tablesNoise: config.noise.tables, momentsNoise: config.noise.moments } }).entries];
}

export function describeMarkovRun(runDir: string): RunSummary {
  const run = readRunInfo(runDir);
  const ckpt = readJson<RunCheckpoint>(path.join(runDir, 'checkpoint.json'), 'the release');
  return singleReleaseSummary(runDir, 'markov', run, ckpt, costOf(run.config));
}

function readModel(runDir: string): MarkovModel {
  return parseModel(readJson<unknown>(path.join(runDir, 'model.json'), 'the released model'));
}

export const markov: GeneratorFamily<MarkovFamilyOptions, MarkovTrainedRun> = {
  name: 'markov',
  summary: 'medication-change chains per arm and a conditional Gaussian blood pressure, two Gaussian-mechanism releases (the recommended private generator)',
  async train(request: TrainRequest & MarkovFamilyOptions): Promise<MarkovTrainedRun> {
    const log = request.log ?? ((l: string) => console.log(l));
    const options = markovReleaseOptions(request);
    const folder = claimRunFolder<MarkovRunInfo>(request.out, request, log);
    try {
      const run: MarkovRunInfo = {
        version: 1,
        generator: 'markov',
        config: {
          noise: options.noise ?? null,
          targetEpsilon: request.targetEpsilon ?? null,
          delta: options.delta as number,
          seed: options.seed,
          tableShare: options.tableShare as number,
          clipNorm: Number.isFinite(options.clipNorm) ? (options.clipNorm as number) : null,
          winsor: options.winsor as number,
          floorScale: options.floorScale as number,
          maxClasses: options.maxClasses as number,
          changeMin: options.changeMin as number,
          changeMax: options.changeMax as number,
        },
        data: { nTrain: request.train.n, source: request.dataSource ?? null, kind: request.dataKind ?? null },
        created: new Date().toISOString(),
      };
      if (folder.resuming && folder.existingRun && folder.existingCkpt?.finished) {
        assertSameRelease(folder.out, folder.existingRun, run);
        log(`${folder.out}: the Markov-Gaussian release is already made.`);
        return { out: folder.out, summary: describeMarkovRun(folder.out), model: readModel(folder.out) };
      }
      const model = fit(request.train, options);
      writeJsonAtomic(folder.runFile, run);
      writeJsonAtomic(path.join(folder.out, 'model.json'), model);
      const ckpt: RunCheckpoint = { epoch: 1, steps: 1, finished: true, stopReason: 'completed', message: null };
      writeJsonAtomic(folder.ckptFile, ckpt); // commit point
      const summary = describeMarkovRun(folder.out);
      log(
        `Released a Markov-Gaussian model of ${request.train.n} patients into ${folder.out}: ` +
          (model.privacy
            ? `noise ${model.privacy.tablesNoise.toPrecision(4)} (tables) / ${model.privacy.momentsNoise.toPrecision(4)} (moments), epsilon ${summary.epsilon!.toFixed(4)} at delta ${summary.delta}.`
            : 'the exact model, not private.'),
      );
      return { out: folder.out, summary, model };
    } finally {
      folder.release(); // the lock (lib/generators/lock.ts)
    }
  },
  describe: describeMarkovRun,
  sample(runDir: string, n: number, request: SampleRequest = {}): Cohort {
    readRunInfo(runDir); // throws unless a Markov-Gaussian run
    if (request.epoch !== undefined && request.epoch !== 1) throw new Error(`${runDir}: a Markov-Gaussian run has one release (epoch 1), not epoch ${request.epoch}`);
    const arms = request.arms === 'balanced' ? Uint8Array.from({ length: n }, (_, i) => i % 2) : undefined;
    return sample(readModel(runDir), n, request.seed ?? 0, { maxima: request.maxima ?? PUBLIC_MAXIMA, arms });
  },
};
