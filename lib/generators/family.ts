/**
 * The one interface every generator family implements (the AC-GAN, the DP
 * Gaussian, the next), so that the CLI, the notebooks, the evaluation and the
 * membership audit talk to a run folder without knowing which model is in it.
 *
 * A family trains into a run folder (resumable, stopping before a privacy
 * budget is exceeded, recording what it spent), samples patients from a run
 * (and an epoch, for families that keep one model per epoch), and says what
 * its training cost in privacy, as entries of lib/privacy's ledger. Which
 * family wrote a run folder is recorded in its run.json (`generator`; runs
 * written before that field existed are AC-GAN runs), so ./run.ts can
 * dispatch to the right one.
 *
 * In the spirit of synthcity's plugin interface (fit, generate) behind a
 * loader: ./index.ts holds the registry.
 */
import type { Cohort } from '../data/cohort';
import type { DataKind } from '../data/training';
import { type LedgerEntry, PrivacyLedger } from '../privacy/ledger';
import type { RunCheckpoint } from './folder';

/** Names of the families in the registry (./index.ts). */
export type GeneratorName = 'acgan' | 'gaussian' | 'markov';

/** What every family's training takes, besides its own settings. */
export interface TrainRequest {
  /** Run folder. */
  out: string;
  /** Training cohort (normalized, from lib/data). */
  train: Cohort;
  /** Held-out patients, for families that report held-out losses. */
  holdout?: Cohort | null;
  /** Continue an unfinished run in `out`. */
  resume?: boolean;
  /** Delete an existing run in `out` and start over. */
  force?: boolean;
  /** Stop before the training's epsilon (at `delta`) would exceed this; null: no limit. */
  targetEpsilon?: number | null;
  delta?: number;
  seed?: number;
  /** Free-form description of the data (stored in run.json). */
  dataSource?: string;
  /** The kind of data (lib/data loadTrainingData's `kind`; stored in run.json, reported in a sample's release.json). */
  dataKind?: DataKind;
  /** Messages (start, resume, budget stop); default console.log. */
  log?: (line: string) => void;
}

/** How to draw patients from a run. */
export interface SampleRequest {
  /** Epoch whose model generates (default: the last complete one). */
  epoch?: number;
  seed?: number;
  /** Arms drawn at random (default, the original's) or exactly half each. */
  arms?: 'random' | 'balanced';
  /**
   * Maxima to normalize the patients on (x = raw / maxima): pass your real
   * cohort's to compare the two in normalized units (raw values do not
   * depend on it). Default: the AC-GAN's training maxima, which its run
   * folder keeps (with the paper's `--scaling max` they are part of its
   * model); lib/data's PUBLIC_MAXIMA for the families whose run folder is a
   * shareable release and keeps no maximum (a maximum is one patient's exact
   * value).
   */
  maxima?: readonly [number, number, number];
}

/** What the evaluation and the CLI need to know about a run folder. */
export interface RunSummary {
  dir: string;
  generator: GeneratorName;
  /** Training patients (the number of patients to generate per epoch). */
  nTrain: number;
  /** Last complete epoch (1 for single-release families) and the steps done by then. */
  epoch: number;
  steps: number;
  finished: boolean;
  /** Whether training spent privacy (noise on bounded contributions). */
  private: boolean;
  delta: number;
  /** What training spent on the real patients, as ledger entries (empty when not private). */
  cost: LedgerEntry[];
  /** The training's epsilon at `delta` as the run recorded it; null when not private. */
  epsilon: number | null;
  /** The family's own settings, as stored in run.json (for display). */
  settings: Record<string, unknown>;
  /** The kind of training data, as recorded (null in runs written before it was). */
  dataKind: DataKind | null;
  /**
   * What a release of this run's patients reveals about the training data
   * that `cost` does not cover, one sentence each (empty when nothing does);
   * a sample's release.json repeats it.
   */
  notCovered: string[];
}

/**
 * The summary of a single-release run folder (the Gaussian and the
 * Markov-Gaussian): one release, whose `cost` is its whole privacy spend and
 * whose settings are run.json's config.
 */
export function singleReleaseSummary(
  dir: string,
  generator: GeneratorName,
  run: { data: { nTrain: number; kind?: DataKind | null }; config: { delta: number } },
  checkpoint: RunCheckpoint,
  cost: LedgerEntry[],
): RunSummary {
  const ledger = new PrivacyLedger();
  for (const e of cost) ledger.add(e);
  return {
    dir,
    generator,
    nTrain: run.data.nTrain,
    epoch: checkpoint.epoch,
    steps: checkpoint.steps,
    finished: checkpoint.finished,
    private: cost.length > 0,
    delta: run.config.delta,
    cost,
    epsilon: cost.length > 0 ? ledger.epsilon(run.config.delta) : null,
    settings: { ...run.config },
    dataKind: run.data.kind ?? null,
    notCovered: [],
  };
}

/**
 * Refuses to resume a finished single release whose settings or data differ
 * from the requested ones (the folder would describe a release it is not).
 */
export function assertSameRelease(
  out: string,
  before: { config: unknown; data: { nTrain: number; source: string | null } },
  requested: { config: unknown; data: { nTrain: number; source: string | null } },
): void {
  if (JSON.stringify(before.config) !== JSON.stringify(requested.config) || before.data.nTrain !== requested.data.nTrain || before.data.source !== requested.data.source) {
    throw new Error(`Cannot resume ${out}: its release has other settings or data; use force to release anew.`);
  }
}

/** One score per patient, higher = "looks more like a training patient" (membership audit). */
export type MemberScoreFn = (patients: { n: number; x: ArrayLike<number> }) => Float64Array;

export interface MemberScorer {
  scoreFn: MemberScoreFn;
  /** The epoch whose model scores. */
  epoch: number;
  /** Frees what the scorer holds (e.g. a discriminator's weights). */
  dispose(): void;
}

/** What a family's training returns. */
export interface TrainedRun {
  out: string;
  summary: RunSummary;
}

/**
 * A generator family. `Options`: its own training settings; `Trained`: what
 * its training returns (at least the run's summary).
 */
export interface GeneratorFamily<Options = Record<string, unknown>, Trained extends TrainedRun = TrainedRun> {
  readonly name: GeneratorName;
  /** One line for `--help` and listings. */
  readonly summary: string;
  /** Trains (or resumes) into `request.out`; resolves when finished or stopped by the budget. */
  train(request: TrainRequest & Options): Promise<Trained>;
  /** What the run folder holds (throws with what is missing when it is not one of this family's). */
  describe(runDir: string): RunSummary;
  /** `n` patients (x = raw / maxima, on `request.maxima` or the family's default) from a run's epoch. */
  sample(runDir: string, n: number, request?: SampleRequest): Cohort;
  /** A membership score from the run's model, for families that have one (the AC-GAN's discriminator). */
  memberScorer?(runDir: string): MemberScorer;
}
