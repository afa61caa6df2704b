/**
 * Loads the cohort a generator is trained on: a SPRINT-format folder (real release
 * or synthetic) or, by default, the embedded simulated cohort, split into
 * train and holdout the paper's way (lib/data).
 */
import type { Cohort } from './cohort';
import { loadSprintSync, parseSprint } from './load';
import { preprocess } from './preprocess';
import { simulateSprint } from './simulate';
import { isSyntheticDir } from './source';
import { splitCohort } from './split';

export interface TrainingData {
  train: Cohort;
  holdout: Cohort;
  /** Where the data came from (stored in run.json). */
  source: string;
  /**
   * What kind of data: the embedded simulated cohort, a folder written by the
   * simulator (`sprint-gan synth`, marked by its stamp file), or real data
   * (any other folder: the user's, treated as real patients).
   */
  kind: DataKind;
}

/** What kind of data a cohort came from (recorded with a run and in a sample's release.json). */
export type DataKind = 'embedded' | 'simulated' | 'real';

/**
 * `dir`: a folder with baseline.csv and bp.csv; default `SPRINT_DATA_DIR`,
 * else the embedded seeded synthetic cohort. `trainSize`: patients for
 * training (default lib/data's: 6000, or the paper's proportion).
 */
export function loadTrainingData(opts: { dir?: string; trainSize?: number } = {}): TrainingData {
  const dir = opts.dir ?? process.env.SPRINT_DATA_DIR ?? '';
  let cohort: Cohort;
  let source: string;
  let kind: DataKind = 'embedded';
  if (dir) {
    cohort = preprocess(loadSprintSync(dir));
    source = dir;
    kind = isSyntheticDir(dir) ? 'simulated' : 'real';
  } else {
    const release = simulateSprint();
    const enc = new TextEncoder();
    cohort = preprocess(parseSprint('baseline.csv', enc.encode(release.baselineCsv), 'bp.csv', enc.encode(release.bpCsv)));
    source = 'embedded synthetic cohort (lib/data simulateSprint, default seed)';
  }
  if (opts.trainSize !== undefined && opts.trainSize > cohort.n) {
    throw new Error(`--train-size ${opts.trainSize} exceeds the ${cohort.n} patients of ${source}`);
  }
  const { train, test } = splitCohort(cohort, { trainSize: opts.trainSize });
  return { train, holdout: test, source, kind };
}
