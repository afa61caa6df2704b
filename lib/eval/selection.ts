/**
 * Choosing which epochs' generators to release.
 *
 * Every epoch checkpoint gets a score: the accuracy, on n real patients, of a
 * classifier trained on that epoch's synthetic patients. Picking epochs by
 * these scores looks at real data, so the private pipeline must pay for it.
 *
 * ## Mechanism: report-noisy-max with Laplace noise, k rounds (peeling)
 *
 * Scores are handled as counts c_e = (accuracy_e) * n = number of real
 * patients classified correctly. In each round, every remaining epoch gets
 * c_e + Lap(b) with fresh noise and the largest noisy count is picked and
 * removed; k rounds give k distinct epochs.
 *
 * Neighbouring relation and sensitivity. Each c_e is a counting query over
 * the scoring patients: sum over patients of 1[classifier_e is right on the
 * patient]; the classifiers themselves come from the (already privatized)
 * generators and do not depend on the scoring set.
 * - 'add-remove' (default; the relation of the DP-SGD accountant with
 *   Poisson sampling): adding or removing one patient changes every c_e by at
 *   most 1, all in the same direction. For such monotone sensitivity-1 queries
 *   report-noisy-max with b = 1/epsilon is epsilon-DP (Dwork & Roth 2014,
 *   Claim 3.9). In accuracy units this is noise of scale 1/(n epsilon).
 * - 'replace-one': replacing a patient changes each c_e by at most 1 (each
 *   accuracy by at most 1/n) but in either direction, so the general bound
 *   b = 2 Delta / epsilon = 2/epsilon is used (accuracy units: 2/(n epsilon)).
 *
 * Cost. Each round is epsilon-DP (pure, delta = 0); k adaptive rounds cost
 * k * epsilon by basic composition (`selectionEpsilon`, the mechanism's own
 * formula). Composing that with the training cost is the privacy ledger's
 * job, and only the ledger's (lib/privacy/ledger.ts): ./epochs.ts adds the k
 * picks to a run's `PrivacyLedger` as `addPureDp(name, epsilon, k)`, which
 * composes them with DP-SGD both by basic composition, giving
 * (epsilon_train + k * epsilon, delta), and through RDP (an epsilon-DP
 * mechanism is epsilon^2/2-zCDP, Bun & Steinke 2016, Prop. 3.3), and
 * reports the smaller valid total. This holds whether or not the scoring
 * patients are the training patients.
 *
 * Why Laplace report-noisy-max rather than the exponential mechanism: the
 * original study added Laplace noise to the epoch scores (epsilon 0.05 per
 * pick, 10 picks), so this is the same noise made into a proper mechanism;
 * with monotone counts it costs half of the exponential mechanism's generic
 * 2 Delta / epsilon temperature.
 *
 * The noise comes from the project's seeded `Random` (xoshiro128**), which is
 * fine for reproducible experiments; a real data release should draw it from a
 * cryptographic source and mind floating-point attacks on the Laplace
 * mechanism (Mironov 2012).
 */
import { Random, type Seed } from '../random';

export type NeighbouringRelation = 'add-remove' | 'replace-one';

export interface NoisyTopKOptions {
  /** Accuracy of each candidate epoch on the real scoring set, in [0, 1]. */
  scores: ArrayLike<number>;
  /** Number of real patients the accuracies were computed on. */
  nPatients: number;
  /** Number of epochs to pick (distinct), 1 <= k <= number of candidates. */
  k: number;
  /** Privacy cost of each pick (> 0). */
  epsilonPerPick: number;
  /** Neighbouring relation the guarantee is stated for (default 'add-remove'). */
  relation?: NeighbouringRelation;
  /** Seed of the noise (default 0). */
  seed?: Seed;
}

export interface NoisyTopK {
  /** Indices of the picked candidates, in pick order. */
  picks: number[];
  epsilonPerPick: number;
  /** Total cost of the selection: k * epsilonPerPick (pure DP, delta 0). */
  epsilon: number;
  /** Laplace scale on the correct-prediction counts (1/eps or 2/eps). */
  noiseScale: number;
  /** The same scale in accuracy units (noiseScale / nPatients). */
  noiseScaleAccuracy: number;
  relation: NeighbouringRelation;
}

/** One draw of Laplace(0, scale) by inverting its CDF. */
export function sampleLaplace(rng: Random, scale: number): number {
  for (;;) {
    const u = rng.uniform() - 0.5; // [-0.5, 0.5)
    const tail = 1 - 2 * Math.abs(u); // (0, 1], 0 only for u = -0.5
    if (tail > 0) return -scale * Math.sign(u) * Math.log(tail);
  }
}

/** Laplace scale on counts for one epsilon-DP report-noisy-max round. */
export function reportNoisyMaxScale(epsilon: number, relation: NeighbouringRelation = 'add-remove'): number {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`reportNoisyMaxScale: epsilon must be a positive finite number, got ${epsilon}`);
  return (relation === 'add-remove' ? 1 : 2) / epsilon;
}

/** Total cost of k picks at epsilonPerPick each (basic composition of pure DP). */
export function selectionEpsilon(k: number, epsilonPerPick: number): number {
  return k * epsilonPerPick;
}

/** Report-noisy-max, k rounds without replacement. See the module comment. */
export function noisyTopK(options: NoisyTopKOptions): NoisyTopK {
  const { scores, nPatients, k, epsilonPerPick } = options;
  const relation = options.relation ?? 'add-remove';
  const m = scores.length;
  if (!Number.isInteger(nPatients) || nPatients < 1) throw new RangeError(`noisyTopK: nPatients must be a positive integer, got ${nPatients}`);
  if (!Number.isInteger(k) || k < 1 || k > m) throw new RangeError(`noisyTopK: k must be an integer in [1, ${m}] (number of candidates), got ${k}`);
  const scale = reportNoisyMaxScale(epsilonPerPick, relation);
  const counts = new Float64Array(m);
  for (let e = 0; e < m; e++) {
    const s = scores[e];
    const c = s * nPatients;
    if (!(s >= 0 && s <= 1) || Math.abs(c - Math.round(c)) > 1e-6 * nPatients) {
      throw new RangeError(
        `noisyTopK: scores[${e}] = ${s} is not an accuracy on ${nPatients} patients (a multiple of 1/${nPatients} in [0, 1]); ` +
          'the sensitivity argument needs correct-prediction counts',
      );
    }
    counts[e] = Math.round(c);
  }
  const rng = new Random(options.seed ?? 0);
  const taken = new Uint8Array(m);
  const picks: number[] = [];
  for (let round = 0; round < k; round++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let e = 0; e < m; e++) {
      if (taken[e]) continue;
      const noisy = counts[e] + sampleLaplace(rng, scale);
      if (noisy > bestValue) {
        bestValue = noisy;
        best = e;
      }
    }
    taken[best] = 1;
    picks.push(best);
  }
  return {
    picks,
    epsilonPerPick,
    epsilon: selectionEpsilon(k, epsilonPerPick),
    noiseScale: scale,
    noiseScaleAccuracy: scale / nPatients,
    relation,
  };
}

/** Index of the largest score (the earliest on ties). */
export function argmax(scores: ArrayLike<number>): number {
  if (scores.length === 0) throw new RangeError('argmax: no scores');
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/** Indices of the k largest scores, best first (the earlier index first on ties). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topK: k must be a non-negative integer, got ${k}`);
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.min(k, idx.length));
}

/** Per-epoch accuracies of the two classifiers the epochs are scored with. */
export interface EpochScores {
  forest: ArrayLike<number>;
  logistic: ArrayLike<number>;
}

/** The non-private choices of the original study (indices into the score arrays). */
export interface NonPrivateSelection {
  bestForest: number;
  bestLogistic: number;
  topForest: number[];
  topLogistic: number[];
  last: number;
}

/**
 * Best-by-forest, best-by-logistic, top `top` (default 5) of each, and the
 * last epoch. These look at real-data scores without noise: they are NOT
 * differentially private, only a reference for the private selection.
 */
export function nonPrivateSelection(scores: EpochScores, top = 5): NonPrivateSelection {
  if (scores.forest.length !== scores.logistic.length) {
    throw new RangeError(`nonPrivateSelection: ${scores.forest.length} forest scores but ${scores.logistic.length} logistic scores`);
  }
  return {
    bestForest: argmax(scores.forest),
    bestLogistic: argmax(scores.logistic),
    topForest: topK(scores.forest, top),
    topLogistic: topK(scores.logistic, top),
    last: scores.forest.length - 1,
  };
}
