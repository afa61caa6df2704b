/**
 * Small glue between the evaluation's outputs and the paper's figures, used
 * by notebooks 04_figure2 and 05_paper_figures: which epochs each panel of
 * Figure 2 draws from, pooling generated patients over several epochs, the
 * accuracy groups of Figure 3 from a transfer table, and a fitted model's
 * weights for Figure 4.
 *
 * Everything here is plain data in, plain data out (the sampler is a
 * callback), so lib/plots still depends on neither TF.js nor lib/eval; the
 * inputs are matched structurally.
 */
import { N_FEATURES, N_MEASURES } from '../data/cohort';
import { Random } from '../random';
import type { Seed } from '../random';
import { type Classifier, modelWeights as classifierWeights } from '../eval/classifiers/types';
import { PlotError } from './errors';
import type { CohortLike } from './medians';
import type { AccuracyGroup } from './accuracy';
import type { Figure2Panel } from './trajectories';

/**
 * The non-private epoch choices of a run, as lib/eval's `chooseEpochs(...).nonPrivate`
 * returns them (matched structurally).
 */
export interface EpochChoiceLike {
  bestForest: number;
  bestLogistic: number;
  topForest: readonly number[];
  topLogistic: readonly number[];
  last: number;
}

/**
 * The epochs each panel of Figure 2 pools, as the paper chose them:
 * A the last epoch; B the best epoch by logistic regression; C the best by
 * random forest; D the top-k by forest followed by the top-k by logistic
 * regression. D keeps an epoch that is in both lists twice (the original
 * concatenated the two lists' samples), so that epoch weighs double.
 */
export function figure2Epochs(choice: EpochChoiceLike): Record<Figure2Panel, number[]> {
  if (choice.topForest.length === 0 || choice.topLogistic.length === 0) {
    throw new PlotError('figure2Epochs: the top lists are empty; score at least one epoch (lib/eval chooseEpochs).');
  }
  return {
    A: [choice.last],
    B: [choice.bestLogistic],
    C: [choice.bestForest],
    D: [...choice.topForest, ...choice.topLogistic],
  };
}

/**
 * `n` split into `k` equal shares, the first `n mod k` shares one larger
 * (the same split as lib/eval's transfer pools).
 */
export function epochShares(n: number, k: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new PlotError(`epochShares: n must be a non-negative integer, got ${n}.`);
  if (!Number.isInteger(k) || k < 1) throw new PlotError(`epochShares: k must be a positive integer, got ${k}.`);
  return Array.from({ length: k }, (_, j) => Math.floor(n / k) + (j < n % k ? 1 : 0));
}

/**
 * Pooled patients: a {@link CohortLike} with its size, in the shape of
 * lib/data's `Cohort` (so lib/eval's `syntheticFeatures` takes it too).
 */
export interface PooledPatients {
  n: number;
  /** Normalized values, x[i*36 + m*12 + v]. */
  x: Float32Array;
  y: Uint8Array;
  maxima: [number, number, number];
}

/**
 * Concatenates cohorts (same maxima) into one: the patients of `parts[0]`,
 * then `parts[1]`, ...
 */
export function poolCohorts(parts: readonly CohortLike[]): PooledPatients {
  if (parts.length === 0) throw new PlotError('poolCohorts: nothing to pool.');
  const maxima = Array.from(parts[0].maxima);
  if (maxima.length !== N_MEASURES) throw new PlotError(`poolCohorts: maxima has ${maxima.length} values, expected ${N_MEASURES} (SBP, DBP, N_BPCLASSES).`);
  let n = 0;
  parts.forEach((p, k) => {
    const m = Array.from(p.maxima);
    if (m.length !== maxima.length || m.some((v, i) => v !== maxima[i])) {
      throw new PlotError(`poolCohorts: part ${k} has maxima ${m.join(', ')}, part 0 has ${maxima.join(', ')}; pool patients of one normalization only.`);
    }
    if (p.x.length !== p.y.length * N_FEATURES) {
      throw new PlotError(`poolCohorts: part ${k} has ${p.x.length} values for ${p.y.length} patients; expected ${N_FEATURES} per patient.`);
    }
    n += p.y.length;
  });
  const x = new Float32Array(n * N_FEATURES);
  const y = new Uint8Array(n);
  let offset = 0;
  for (const p of parts) {
    x.set(p.x, offset * N_FEATURES);
    y.set(p.y, offset);
    offset += p.y.length;
  }
  return { n, x, y, maxima: [maxima[0], maxima[1], maxima[2]] };
}

/** Generated patients of one epoch: e.g. `(epoch, n, seed) => sampleFromRun(run, n, { epoch, seed })`. */
export type EpochSampler = (epoch: number, n: number, seed: number) => CohortLike | Promise<CohortLike>;

/**
 * `n` generated patients pooled in equal shares ({@link epochShares}) from
 * `epochs` (an epoch listed twice gives two shares). Share j is drawn with the
 * seed `new Random(seed).derive('pool:' + j + ':' + epoch)`, so the pool
 * depends only on (epochs, n, seed) and not on what was sampled before.
 */
export async function sampleEpochs(epochs: readonly number[], n: number, sample: EpochSampler, seed: Seed = 0): Promise<PooledPatients> {
  if (epochs.length === 0) throw new PlotError('sampleEpochs: no epochs given.');
  const shares = epochShares(n, epochs.length);
  const parts: CohortLike[] = [];
  for (let j = 0; j < epochs.length; j++) {
    if (shares[j] === 0) continue;
    const part = await sample(epochs[j], shares[j], new Random(seed).derive(`pool:${j}:${epochs[j]}`).seedWord);
    if (part.y.length !== shares[j]) {
      throw new PlotError(`sampleEpochs: the sampler returned ${part.y.length} patients for epoch ${epochs[j]}, expected ${shares[j]}.`);
    }
    parts.push(part);
  }
  return poolCohorts(parts);
}

/**
 * One cell of lib/eval's transfer table, as Figure 3 reads it (matched
 * structurally). A source other than the paper's three names another
 * synthetic cohort (e.g. 'Private Gaussian', from its own table): its label.
 */
export interface TransferCellLike {
  source: string;
  classifier: string;
  repeats: readonly number[];
  /** The same models on the large test set (lib/eval's LargeTestScores), when one was scored. */
  large?: { repeats: readonly number[] } | null;
}

const PAPER_SOURCES = ['real', 'nonPrivate', 'private'] as const;

/**
 * Figure 3's input from a transfer table: per classifier (in the order they
 * first appear), the repeat accuracies of each training source, on the real
 * holdout (default, the paper's) or on the large test set.
 */
export function accuracyGroupsFromTransfer(cells: readonly TransferCellLike[], testSet: 'holdout' | 'large' = 'holdout'): AccuracyGroup[] {
  const groups = new Map<string, { classifier: string; real?: number[]; nonPrivate?: number[]; private?: number[]; others: Record<string, number[]> }>();
  for (const c of cells) {
    let g = groups.get(c.classifier);
    if (!g) groups.set(c.classifier, (g = { classifier: c.classifier, others: {} }));
    if (testSet === 'large' && !c.large) {
      throw new PlotError(`accuracyGroupsFromTransfer: the ${c.source} ${c.classifier} cell has no large-test scores; the transfer table was built without a large test set.`);
    }
    const values = [...(testSet === 'large' ? c.large!.repeats : c.repeats)];
    if ((PAPER_SOURCES as readonly string[]).includes(c.source)) g[c.source as (typeof PAPER_SOURCES)[number]] = values;
    else g.others[c.source] = values;
  }
  const out: AccuracyGroup[] = [];
  for (const g of groups.values()) {
    if (!g.real) throw new PlotError(`accuracyGroupsFromTransfer: classifier "${g.classifier}" has no real row; the transfer table must include the real source.`);
    out.push({ classifier: g.classifier, real: g.real, nonPrivate: g.nonPrivate, private: g.private, ...(Object.keys(g.others).length ? { others: g.others } : {}) });
  }
  if (out.length === 0) throw new PlotError('accuracyGroupsFromTransfer: the transfer table has no cells.');
  return out;
}

/**
 * A fitted classifier's weight per feature: a forest's `featureImportances`
 * or a linear model's `coefficients` (lib/eval's classifiers), as plain numbers.
 */
export function modelWeights(model: object): number[] {
  const w = classifierWeights(model as Classifier);
  if (!w) throw new PlotError('modelWeights: the model has neither featureImportances nor coefficients (forest, logistic or SVM expected), or was not fitted.');
  return Array.from(w);
}
