/**
 * Any run folder, whichever family wrote it: its run.json names the family
 * (`generator`; absent in runs written before families existed, which are
 * AC-GAN runs), and these functions hand the work to it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cohort } from '../data/cohort';
import type { DataKind } from '../data/training';
import { type LedgerEntry, type LedgerReport, PrivacyLedger } from '../privacy/ledger';
import { acgan } from './acgan/family';
import type { GeneratorFamily, GeneratorName, MemberScorer, RunSummary, SampleRequest, TrainedRun } from './family';
import { gaussian } from './gaussian/family';
import { markov } from './markov/family';

/** Every family, by name (synthcity's `Plugins().get(name)`). */
export const GENERATORS = { acgan, gaussian, markov } as const;

/** Names of the families, in the order `--help` lists them (the default first). */
export const GENERATOR_NAMES = Object.keys(GENERATORS) as GeneratorName[];

/** The family called `name`; throws with the list of names otherwise. */
export function generatorFamily(name: string): GeneratorFamily<never, TrainedRun> {
  const family = (GENERATORS as Record<string, GeneratorFamily<never, TrainedRun>>)[name];
  if (!family) throw new Error(`unknown generator '${name}': use one of ${GENERATOR_NAMES.join(', ')}`);
  return family;
}

/** The family that wrote a run folder. */
export function runFamily(runDir: string): GeneratorFamily<never, TrainedRun> {
  const file = path.join(runDir, 'run.json');
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found: the run settings. Is ${runDir} a run folder written by sprint-gan train (or gaussian --run)?`);
  }
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as { generator?: string };
  return generatorFamily(run.generator ?? 'acgan');
}

/** What a run folder holds: its family, size, epochs and privacy cost. */
export function describeRun(runDir: string): RunSummary {
  return runFamily(runDir).describe(runDir);
}

/** The last complete epoch of a run folder; throws when there is none. */
export function latestRunEpoch(runDir: string): number {
  const { epoch } = describeRun(runDir);
  if (epoch < 1) throw new Error(`${runDir}: no complete epoch (checkpoint.json missing or at epoch 0). Train first.`);
  return epoch;
}

/** `n` patients (normalized like the training cohort) from an epoch of any run folder (default: its last). */
export function sampleFromRun(runDir: string, n: number, request: SampleRequest = {}): Cohort {
  return runFamily(runDir).sample(runDir, n, request);
}

/** A ledger holding what the run's training spent (empty for a non-private run); add the release's other costs to it. */
export function runLedger(runDir: string): PrivacyLedger {
  const ledger = new PrivacyLedger();
  for (const e of describeRun(runDir).cost) ledger.add(e);
  return ledger;
}

/** The run's membership scorer (the audit's model-based attack); null for families without one. */
export function runMemberScorer(runDir: string): MemberScorer | null {
  const family = runFamily(runDir);
  return family.memberScorer ? family.memberScorer(runDir) : null;
}

/**
 * What a synthetic release carries with it (`sprint-gan sample` writes it as
 * release.json beside baseline.csv and bp.csv): where the patients come
 * from, what the release cost in privacy in total, and nothing computed
 * exactly from the real patients.
 */
export interface ReleaseRecord {
  kind: 'sprint-gan synthetic release';
  generator: GeneratorName;
  /** The run folder, as given. */
  run: string;
  /** The epochs whose models generated the patients (1 for single-release families). */
  epochs: number[];
  n: number;
  seed: number;
  arms: 'random' | 'balanced';
  /** The kind of training data (embedded, simulated, real; null when the run did not record it). */
  data: { kind: DataKind | null };
  private: boolean;
  /** Total epsilon at `delta` of everything the run recorded (training and any other release); null when not private. */
  epsilon: number | null;
  delta: number;
  /** The ledger's entries and its report at `delta`; null when not private. */
  ledger: { entries: LedgerEntry[]; report?: Omit<LedgerReport, 'orders'> } | null;
  /** What the release reveals that epsilon does not cover (RunSummary.notCovered). */
  notCovered: string[];
}

/**
 * The release record of `n` patients sampled from `epochs` of a run folder.
 * The ledger is the whole run's (every step trained, even for an earlier
 * epoch: an upper bound), plus whatever the run records besides; choosing
 * epochs by scores on real patients costs more, which the caller must add.
 */
export function releaseRecord(runDir: string, sample: { epochs: number[]; n: number; seed: number; arms?: 'random' | 'balanced' }): ReleaseRecord {
  const summary = describeRun(runDir);
  const ledger = runLedger(runDir);
  return {
    kind: 'sprint-gan synthetic release',
    generator: summary.generator,
    run: runDir,
    epochs: [...sample.epochs],
    n: sample.n,
    seed: sample.seed,
    arms: sample.arms ?? 'random',
    data: { kind: summary.dataKind },
    private: summary.private,
    epsilon: summary.private ? ledger.epsilon(summary.delta) : null,
    delta: summary.delta,
    ledger: summary.private ? ledger.toJSON(summary.delta) : null,
    notCovered: summary.notCovered,
  };
}
