/**
 * The evaluation of a training run folder (lib/gan/train.ts writes it):
 * scores of its epoch checkpoints saved as `<run>/scores.json`, its privacy
 * parameters, and the ledger of a release from it.
 *
 * A thin adapter: sampling is lib/gan's `sampleFromRun` (TF.js, on whatever
 * backend the caller selected), scoring is ./score.ts, composition is
 * lib/privacy's `PrivacyLedger`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cohort } from '../data/cohort';
import { latestEpoch, sampleFromRun } from '../gan/sample';
import type { CheckpointInfo, EpochRecord, RunInfo } from '../gan/train';
import type { PrivacyLedger } from '../privacy/ledger';
import type { Seed } from '../random';
import { releaseLedger, type PrivateEpochs, type TrainingCost } from './epochs';
import { readScoreFile, scoreEpochs, type EpochScore, type SampleEpoch, type ScoreEpochsOptions } from './score';

/** File name of a run's epoch score table. */
export const SCORES_FILE = 'scores.json';

/** What the evaluation needs to know about a run. */
export interface RunSummary {
  dir: string;
  /** Noise added to clipped gradients (noise multiplier > 0, finite clip norm). */
  private: boolean;
  /** Poisson sampling rate of real patients per step. */
  q: number;
  noiseMultiplier: number;
  clipNorm: number;
  delta: number;
  /** Training patients (the number of patients to generate per epoch). */
  nTrain: number;
  /** Last complete epoch and the steps done by then. */
  epoch: number;
  steps: number;
  /** Training epsilon at `delta` after the last complete epoch, as history.json recorded it; null if non-private. */
  epsilon: number | null;
}

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file} not found: ${what}. Is ${path.dirname(file)} a run folder written by sprint-gan train (lib/gan trainGan)?`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Reads run.json, checkpoint.json and history.json of a run folder. */
export function readRun(runDir: string): RunSummary {
  const run = readJson<RunInfo>(path.join(runDir, 'run.json'), 'the run settings');
  const ckpt = readJson<CheckpointInfo>(path.join(runDir, 'checkpoint.json'), 'the last complete epoch');
  const historyFile = path.join(runDir, 'history.json');
  const history = fs.existsSync(historyFile) ? (JSON.parse(fs.readFileSync(historyFile, 'utf8')) as EpochRecord[]) : [];
  const last = history.find((r) => r.epoch === ckpt.epoch) ?? null;
  const cfg = run.config;
  return {
    dir: runDir,
    private: cfg.noiseMultiplier > 0 && Number.isFinite(cfg.clipNorm),
    q: run.q,
    noiseMultiplier: cfg.noiseMultiplier,
    clipNorm: cfg.clipNorm,
    delta: cfg.delta,
    nTrain: run.data.nTrain,
    epoch: ckpt.epoch,
    steps: ckpt.steps,
    epsilon: last ? last.epsilon : null,
  };
}

/** `sampleEpoch` over a run's checkpoints: arms drawn uniformly, as the original. */
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
  const last = latestEpoch(runDir);
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

/** The run's DP-SGD parameters for the ledger; null for a non-private run. */
export function trainingCost(run: RunSummary): TrainingCost | null {
  if (!run.private) return null;
  return { q: run.q, noiseMultiplier: run.noiseMultiplier, steps: run.steps, name: `DP-SGD training (${run.epoch} epochs)` };
}

/**
 * Ledger of releasing generators chosen from this run: its training (when
 * private) plus the private epoch selection. Report at `run.delta`.
 */
export function runLedger(run: RunSummary, selection: PrivateEpochs | null): PrivacyLedger {
  return releaseLedger(trainingCost(run), selection);
}
