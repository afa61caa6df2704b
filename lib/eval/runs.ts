/**
 * The evaluation of a run folder, whichever generator family wrote it
 * (lib/generators): scores of its epochs saved as `<run>/scores.json`, what
 * it is (size, epochs, privacy cost), and the ledger of a release from it.
 *
 * A thin adapter: sampling and the run's description come through
 * lib/generators' interface (TF.js for the AC-GAN, on whatever backend the
 * caller selected), scoring is ./score.ts, composition is lib/privacy's
 * `PrivacyLedger`.
 */
import * as path from 'node:path';
import type { Cohort } from '../data/cohort';
import type { RunSummary } from '../generators/family';
import { describeRun, latestRunEpoch, sampleFromRun } from '../generators/run';
import type { PrivacyLedger } from '../privacy/ledger';
import type { Seed } from '../random';
import { releaseLedger, type PrivateEpochs } from './epochs';
import { readScoreFile, scoreEpochs, type EpochScore, type SampleEpoch, type ScoreEpochsOptions } from './score';

export type { RunSummary };

/** File name of a run's epoch score table. */
export const SCORES_FILE = 'scores.json';

/** What a run folder holds (lib/generators `describeRun`): family, size, last epoch, privacy cost. */
export function readRun(runDir: string): RunSummary {
  return describeRun(runDir);
}

/** `sampleEpoch` over a run's epochs: arms drawn uniformly, as the original. */
export function runSampler(runDir: string): SampleEpoch {
  return (epoch, n, seed) => sampleFromRun(runDir, n, { epoch, seed, arms: 'random' });
}

export interface ScoreRunOptions extends Partial<Omit<ScoreEpochsOptions, 'sampleEpoch' | 'test' | 'epochs'>> {
  /** Real test patients. */
  test: Cohort;
  /** Epochs to score (default: 1 .. the last complete epoch). */
  epochs?: readonly number[];
  seed?: Seed;
}

/**
 * Scores a run's epochs into `<run>/scores.json` (resumable, see scoreEpochs);
 * generates as many patients per epoch as the run's training set.
 */
export async function scoreRun(runDir: string, options: ScoreRunOptions): Promise<EpochScore[]> {
  const summary = readRun(runDir);
  const last = latestRunEpoch(runDir);
  const epochs = options.epochs ?? Array.from({ length: last }, (_, i) => i + 1);
  return scoreEpochs({
    ...options,
    sampleEpoch: runSampler(runDir),
    epochs,
    nGenerate: options.nGenerate ?? summary.nTrain,
    file: options.file ?? path.join(runDir, SCORES_FILE),
  });
}

/** The score table saved in a run folder (null when the run was not scored). */
export function readRunScores(runDir: string): EpochScore[] | null {
  const doc = readScoreFile(path.join(runDir, SCORES_FILE));
  return doc ? doc.scores : null;
}

/**
 * Ledger of releasing models chosen from this run: what its training spent
 * (nothing for a non-private run) plus the private epoch selection. Report
 * at `run.delta`.
 */
export function runLedger(run: RunSummary, selection: PrivateEpochs | null): PrivacyLedger {
  return releaseLedger(run.cost, selection);
}
