/**
 * Which epochs' generators to release, from an epoch score table
 * (./score.ts), and what the choice costs in privacy.
 *
 * - Non-private choices of the original study: best by forest, best by
 *   logistic regression, the top 5 of each, and the last epoch. They look at
 *   real-data scores without noise, so they are NOT differentially private:
 *   right for a non-private run, and a reference for a private one.
 * - Private choice: report-noisy-max on the correct-prediction counts
 *   (./selection.ts `noisyTopK`), by default 10 picks at epsilon 0.05 each,
 *   the original's numbers, on the forest scores.
 *
 * The cost of the private choice enters the run's budget through
 * lib/privacy's `PrivacyLedger` (`addSelection`): one pure-DP entry of
 * `k` uses at `epsilonPerPick`; the ledger composes it with DP-SGD training
 * and prints the total (text, HTML, JSON). Nothing here adds epsilons itself.
 */
import { type LedgerEntry, PrivacyLedger } from '../privacy/ledger';
import type { Seed } from '../random';
import type { EpochScore } from './score';
import { noisyTopK, nonPrivateSelection, selectionEpsilon, topK, type NeighbouringRelation } from './selection';

/** The score a selection ranks epochs by. */
export type ScoreMethod = 'forest' | 'logistic';

export interface ChooseEpochsOptions {
  /** Size of the non-private top lists (default 5). */
  top?: number;
  /** Epochs picked privately (default 10; fewer when fewer epochs were scored). */
  privatePicks?: number;
  /** Privacy cost of each private pick (default 0.05, the original's). */
  epsilonPerPick?: number;
  /** Score the private selection ranks by (default 'forest'). */
  privateBy?: ScoreMethod;
  /** Neighbouring relation of the guarantee (default 'add-remove', the DP-SGD accountant's). */
  relation?: NeighbouringRelation;
  /** Seed of the selection noise (default 0). */
  seed?: Seed;
}

/** The non-private choices, as epoch numbers. */
export interface NonPrivateEpochs {
  bestForest: number;
  bestLogistic: number;
  topForest: number[];
  topLogistic: number[];
  last: number;
}

/** The private choice, as epoch numbers, with its cost. */
export interface PrivateEpochs {
  by: ScoreMethod;
  /** Picked epochs, in pick order. */
  picks: number[];
  /** Picks asked for; `picks.length` is min(requested, epochs scored). */
  requested: number;
  epsilonPerPick: number;
  /** The mechanism's own cost formula: picks * epsilonPerPick (selection.ts `selectionEpsilon`). */
  epsilon: number;
  /** Laplace scale on the correct counts, and in accuracy units. */
  noiseScale: number;
  noiseScaleAccuracy: number;
  relation: NeighbouringRelation;
  /** Real patients the scores were computed on. */
  nTest: number;
}

export interface EpochChoice {
  nonPrivate: NonPrivateEpochs;
  private: PrivateEpochs;
}

/**
 * The `k` best epochs by `by` (default 'forest'), best first, earlier epoch
 * first on ties; all epochs when fewer. NOT private (e.g. the non-private
 * run's top 10 for the transfer table).
 */
export function topEpochs(scores: readonly EpochScore[], k: number, by: ScoreMethod = 'forest'): number[] {
  const rows = [...scores].sort((a, b) => a.epoch - b.epoch);
  return topK(rows.map((r) => r[by]), k).map((i) => rows[i].epoch);
}

/** Both selections over a score table (rows in any order; ranked in epoch order on ties). */
export function chooseEpochs(scores: readonly EpochScore[], options: ChooseEpochsOptions = {}): EpochChoice {
  if (scores.length === 0) throw new RangeError('chooseEpochs: no epoch scores; score the run first (scoreEpochs / scoreRun).');
  const rows = [...scores].sort((a, b) => a.epoch - b.epoch);
  const nTest = rows[0].nTest;
  for (const r of rows) {
    if (r.nTest !== nTest) throw new RangeError(`chooseEpochs: epoch ${r.epoch} was scored on ${r.nTest} patients, epoch ${rows[0].epoch} on ${nTest}; all epochs need the same test set`);
  }
  const epochOf = (i: number): number => rows[i].epoch;
  const np = nonPrivateSelection({ forest: rows.map((r) => r.forest), logistic: rows.map((r) => r.logistic) }, options.top ?? 5);
  const by = options.privateBy ?? 'forest';
  const requested = options.privatePicks ?? 10;
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`chooseEpochs: privatePicks must be a positive integer, got ${requested}`);
  const k = Math.min(requested, rows.length);
  const epsilonPerPick = options.epsilonPerPick ?? 0.05;
  // Counts / nTest: exact multiples of 1/nTest, as noisyTopK's sensitivity argument requires.
  const counts = rows.map((r) => (by === 'forest' ? r.forestCorrect : r.logisticCorrect) / nTest);
  const noisy = noisyTopK({ scores: counts, nPatients: nTest, k, epsilonPerPick, relation: options.relation, seed: options.seed ?? 0 });
  return {
    nonPrivate: {
      bestForest: epochOf(np.bestForest),
      bestLogistic: epochOf(np.bestLogistic),
      topForest: np.topForest.map(epochOf),
      topLogistic: np.topLogistic.map(epochOf),
      last: epochOf(np.last),
    },
    private: {
      by,
      picks: noisy.picks.map(epochOf),
      requested,
      epsilonPerPick,
      epsilon: noisy.epsilon,
      noiseScale: noisy.noiseScale,
      noiseScaleAccuracy: noisy.noiseScaleAccuracy,
      relation: noisy.relation,
      nTest,
    },
  };
}

/** Name of the selection's ledger entry. */
export function selectionEntryName(p: Pick<PrivateEpochs, 'by'>): string {
  return `epoch selection (report-noisy-max on ${p.by} scores)`;
}

/**
 * Adds the private selection to a ledger (one pure-DP entry: `picks.length`
 * uses at `epsilonPerPick`) and returns the ledger. The ledger's
 * `epsilonAlone` of this row equals `selectionEpsilon(k, epsilonPerPick)`.
 */
export function addSelection(ledger: PrivacyLedger, p: PrivateEpochs): PrivacyLedger {
  const k = p.picks.length;
  if (Math.abs(selectionEpsilon(k, p.epsilonPerPick) - p.epsilon) > 1e-12 * Math.max(1, p.epsilon)) {
    throw new RangeError(`addSelection: epsilon ${p.epsilon} is not ${k} picks x ${p.epsilonPerPick}`);
  }
  return ledger.addPureDp(selectionEntryName(p), p.epsilonPerPick, k);
}

/**
 * The ledger of a release: what training spent (a run's recorded cost, see
 * lib/generators' RunSummary; empty for a non-private run) plus the private
 * epoch selection. Print it with `toText(delta)`, `toHtml(delta)`,
 * `toJSON(delta)`.
 */
export function releaseLedger(training: readonly LedgerEntry[], selection: PrivateEpochs | null): PrivacyLedger {
  const ledger = new PrivacyLedger();
  for (const e of training) ledger.add(e);
  if (selection) addSelection(ledger, selection);
  return ledger;
}
