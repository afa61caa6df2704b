/**
 * Train/test split of a cohort. The paper trains on the first 6000 patients
 * (ordered by MASKID) and tests on the rest (502 on the real data).
 */
import { Random } from '../random';
import { Cohort } from './cohort';
import { selectPatients } from './preprocess';

/** The paper's training-set size. */
export const PAPER_TRAIN_SIZE = 6000;

export interface SplitOptions {
  /**
   * Number of training patients. Default: 6000 (the paper) when the cohort has
   * more than 6000 patients, otherwise the paper's proportion, round(n x 6000/6502),
   * so small cohorts (ci profile) keep a test set.
   */
  trainSize?: number;
  /** When given, patients are shuffled with this seed before splitting (seeded random split). */
  shuffleSeed?: number;
}

export function defaultTrainSize(n: number): number {
  return n > PAPER_TRAIN_SIZE ? PAPER_TRAIN_SIZE : Math.round((n * PAPER_TRAIN_SIZE) / 6502);
}

/** Splits a cohort into train and test: the first `trainSize` patients (or a seeded shuffle) vs the rest. */
export function splitCohort(c: Cohort, opts: SplitOptions = {}): { train: Cohort; test: Cohort } {
  const trainSize = opts.trainSize ?? defaultTrainSize(c.n);
  if (!Number.isInteger(trainSize) || trainSize < 0 || trainSize > c.n) {
    throw new RangeError(`splitCohort: trainSize must be an integer in 0..${c.n}, got ${trainSize}`);
  }
  const order = Array.from({ length: c.n }, (_, i) => i);
  if (opts.shuffleSeed !== undefined) new Random(opts.shuffleSeed).derive('split').shuffle(order);
  return { train: selectPatients(c, order.slice(0, trainSize)), test: selectPatients(c, order.slice(trainSize)) };
}
