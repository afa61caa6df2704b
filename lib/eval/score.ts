/**
 * Train-on-synthetic / test-on-real score of every epoch (the port of the
 * original's score_epochs.py / PredictGroup.ipynb).
 *
 * For each epoch e:
 * 1. generate `nGenerate` patients (as many as the GAN's training set) with
 *    uniformly drawn arms, via the `sampleEpoch(e, n, seed)` callback (a run
 *    folder's checkpoints through lib/generators, see ./runs.ts, or any function in
 *    tests);
 * 2. map them to raw units and truncate + clip at 0 as the original
 *    (`syntheticFeatures`, ./units.ts: `astype(int)` then `clip(min=0)`);
 * 3. fit a random forest (10 trees, the paper's scikit-learn 0.17 default)
 *    and an L2 logistic regression (C = 1) on them;
 * 4. score both on the real test patients (raw units, not truncated).
 *
 * The scores are kept as correct-prediction counts as well (`forestCorrect`,
 * `logisticCorrect` out of `nTest`): the private selection (./selection.ts)
 * needs counting queries for its sensitivity argument.
 *
 * Seeds: epoch e samples with seed `new Random(seed).derive('sample:' + e)`
 * and grows its forest with `derive('forest:' + e)`, so an epoch's score does
 * not depend on which other epochs were scored or in which order: resuming
 * gives the same table as an uninterrupted run.
 *
 * Saved as JSON after every epoch (atomic write), resumable: epochs already in
 * the file are skipped when the settings (patients, seed, rounding, trees,
 * test set fingerprint) are unchanged; changed settings are an error unless
 * `restart` is set (nothing already computed is silently mixed or lost).
 *
 * Threads: epochs are scored one after another; inside an epoch, sampling
 * (lib/generators/acgan/generator-pool.ts) and the forest
 * (lib/eval/classifiers/forest.ts) each split their work over
 * SPRINT_THREADS threads (default: every core), with the same numbers for
 * any count. Scoring whole epochs in parallel workers was measured slower on
 * the shared 2-core machine (8 epochs: 13.6-13.9 s on 2 worker threads vs
 * 6.9-9.4 s on one; each worker also loads TF.js and TypeScript) and is not
 * done.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { N_FEATURES, type Cohort, cohortFingerprint } from '../data/cohort';
import { writeFileAtomic } from '../fs';
import { stdout } from '../display';
import { Random, type Seed } from '../random';
import { LogisticRegression } from './classifiers/logistic';
import { RandomForest } from './classifiers/forest';
import { realFeatures, syntheticFeatures, type SyntheticRounding } from './units';
import { countCorrect } from './classifiers/types';

/**
 * One row of the epoch score table. A type alias, not an interface, so that
 * rows pass where lib/plots' `epochScores` takes `{ [method]: number }` rows.
 */
export type EpochScore = {
  epoch: number;
  /** Accuracy on the real test patients of the forest trained on this epoch's patients. */
  forest: number;
  /** Same for logistic regression. */
  logistic: number;
  forestCorrect: number;
  logisticCorrect: number;
  nTest: number;
};

/** Generated patients of an epoch (normalized cohort, as lib/generators' sampleFromRun returns). */
export type SampleEpoch = (epoch: number, n: number, seed: number) => Cohort | Promise<Cohort>;

/** What makes two score tables comparable (stored with the scores). */
export interface ScoreSettings {
  nGenerate: number;
  nTest: number;
  seed: number | string;
  rounding: SyntheticRounding;
  forestTrees: number;
  /** Fingerprint of the real test patients. */
  test: string;
}

export interface ScoreFile {
  version: 1;
  settings: ScoreSettings;
  scores: EpochScore[];
}

export interface ScoreProgress {
  /** Epochs done (scored now or found in the file). */
  done: number;
  total: number;
  /** The epoch just finished; null for the first call when epochs were found in the file. */
  epoch: number | null;
  /** Its row; null with epoch. */
  score: EpochScore | null;
  /** Epochs taken from the file. */
  resumed: number;
  elapsedMs: number;
  etaMs: number;
}

export interface ScoreEpochsOptions {
  sampleEpoch: SampleEpoch;
  /** Epochs to score (e.g. 1..latestEpoch). */
  epochs: readonly number[];
  /** Real test patients (normalized cohort from lib/data). */
  test: Cohort;
  /** Patients generated per epoch: the size of the GAN's training set. */
  nGenerate: number;
  /** Seed of the sampling and of the forests (default 0). */
  seed?: Seed;
  /** How generated values are made integer (default 'truncate', the original's astype(int)). */
  rounding?: SyntheticRounding;
  /** Trees per forest (default 10, the paper's). */
  forestTrees?: number;
  /** scores.json to write after every epoch and resume from; none: in memory only. */
  file?: string;
  /** Discard a file whose settings differ instead of refusing. */
  restart?: boolean;
  onProgress?: (p: ScoreProgress) => void;
}

export class ScoreSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoreSettingsError';
  }
}

/** Reads a scores.json; null when absent. */
export function readScoreFile(file: string): ScoreFile | null {
  if (!fs.existsSync(file)) return null;
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as ScoreFile;
  if (doc.version !== 1 || !Array.isArray(doc.scores)) throw new ScoreSettingsError(`${file}: not a score table (version 1 with a scores array expected).`);
  return doc;
}

/** The numeric seed epoch `epoch` samples with. */
export function epochSampleSeed(seed: Seed, epoch: number): number {
  return new Random(seed).derive(`sample:${epoch}`).seedWord;
}

/**
 * Scores one epoch's generated patients against real test features (raw units).
 * Exposed for the CLI and tests; `scoreEpochs` calls it per epoch.
 */
export function scoreSynthetic(
  synthetic: Cohort,
  testX: Float64Array,
  testY: Uint8Array,
  options: { rounding?: SyntheticRounding; forestTrees?: number; forestSeed?: Seed } = {},
): Omit<EpochScore, 'epoch'> {
  const x = syntheticFeatures(synthetic, options.rounding ?? 'truncate');
  const nTest = testY.length;
  const forest = new RandomForest({ nEstimators: options.forestTrees ?? 10, seed: options.forestSeed ?? 0 }).fit(x, synthetic.n, N_FEATURES, synthetic.y);
  const forestCorrect = countCorrect(testY, forest.predict(testX, nTest));
  const logistic = new LogisticRegression().fit(x, synthetic.n, N_FEATURES, synthetic.y);
  const logisticCorrect = countCorrect(testY, logistic.predict(testX, nTest));
  return { forest: forestCorrect / nTest, logistic: logisticCorrect / nTest, forestCorrect, logisticCorrect, nTest };
}

/**
 * Scores every epoch in `options.epochs` (see the module comment); resolves
 * to the table sorted by epoch (the file's rows included).
 */
export async function scoreEpochs(options: ScoreEpochsOptions): Promise<EpochScore[]> {
  const { test, nGenerate } = options;
  if (!Number.isInteger(nGenerate) || nGenerate < 2) throw new RangeError(`scoreEpochs: nGenerate must be an integer >= 2, got ${nGenerate}`);
  if (test.n < 1) throw new RangeError('scoreEpochs: the real test set is empty');
  for (const e of options.epochs) if (!Number.isInteger(e) || e < 0) throw new RangeError(`scoreEpochs: epochs must be non-negative integers, got ${e}`);
  const seed = options.seed ?? 0;
  const settings: ScoreSettings = {
    nGenerate,
    nTest: test.n,
    seed,
    rounding: options.rounding ?? 'truncate',
    forestTrees: options.forestTrees ?? 10,
    test: cohortFingerprint(test),
  };
  const byEpoch = new Map<number, EpochScore>();
  if (options.file) {
    const existing = readScoreFile(options.file);
    if (existing) {
      const same = JSON.stringify(existing.settings) === JSON.stringify(settings);
      if (!same && !options.restart) {
        throw new ScoreSettingsError(
          `${options.file} holds scores made with other settings (${JSON.stringify(existing.settings)}; now ${JSON.stringify(settings)}). ` +
            'Score into another file, or pass restart: true (CLI: --restart) to discard them.',
        );
      }
      if (same) for (const s of existing.scores) byEpoch.set(s.epoch, s);
    }
  }
  const wanted = [...new Set(options.epochs)].sort((a, b) => a - b);
  const todo = wanted.filter((e) => !byEpoch.has(e));
  const resumed = wanted.length - todo.length;
  const folder = options.file ? path.dirname(path.resolve(options.file)) : null;
  if (folder) fs.mkdirSync(folder, { recursive: true });
  const save = (): void => {
    if (!options.file || !folder) return;
    // A folder removed while scoring (e.g. the run was retrained) is not silently recreated.
    if (!fs.existsSync(folder)) throw new Error(`scoreEpochs: ${folder} was removed while scoring; not writing ${path.basename(options.file)} there.`);
    const doc: ScoreFile = { version: 1, settings, scores: [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch) };
    writeFileAtomic(options.file, JSON.stringify(doc, null, 1) + '\n');
  };
  const testX = realFeatures(test);
  const t0 = Date.now();
  if (resumed > 0) options.onProgress?.({ done: resumed, total: wanted.length, epoch: null, score: null, resumed, elapsedMs: 0, etaMs: 0 });
  let done = 0;
  for (const epoch of todo) {
    const synthetic = await options.sampleEpoch(epoch, nGenerate, epochSampleSeed(seed, epoch));
    if (synthetic.n !== nGenerate) throw new RangeError(`scoreEpochs: sampleEpoch(${epoch}) returned ${synthetic.n} patients, expected ${nGenerate}`);
    const score: EpochScore = {
      epoch,
      ...scoreSynthetic(synthetic, testX, test.y, {
        rounding: settings.rounding,
        forestTrees: settings.forestTrees,
        forestSeed: new Random(seed).derive(`forest:${epoch}`).seedWord,
      }),
    };
    byEpoch.set(epoch, score);
    save();
    done++;
    const elapsedMs = Date.now() - t0;
    options.onProgress?.({
      done: resumed + done,
      total: wanted.length,
      epoch,
      score,
      resumed,
      elapsedMs,
      etaMs: (elapsedMs / done) * (todo.length - done),
    });
    // Let the event loop run: a notebook kernel sends each write over ZeroMQ, and a second send
    // before the first completed fails (EBUSY) when nothing but computation happened in between.
    if (options.onProgress) await new Promise((resolve) => setImmediate(resolve));
  }
  return wanted.map((e) => byEpoch.get(e) as EpochScore);
}

/** One line of a text progress bar, e.g. `scoring [#####-----] 12/24 epoch 12 forest 0.712 logistic 0.698 eta 5.2s`. */
export function scoreProgressLine(p: ScoreProgress, width = 24): string {
  const filled = p.total > 0 ? Math.round((p.done / p.total) * width) : width;
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const secs = (ms: number): string => (ms >= 60000 ? `${(ms / 60000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);
  const what = p.score
    ? ` epoch ${p.score.epoch} forest ${p.score.forest.toFixed(3)} logistic ${p.score.logistic.toFixed(3)}`
    : ` (${p.resumed} epoch(s) already scored)`;
  return `scoring [${bar}] ${p.done}/${p.total}${what} eta ${secs(p.etaMs)}`;
}

/** Progress callback drawing a carriage-return bar (by default the notebook's stdout under tslab or Deno, see lib/display.ts; stderr on the CLI). */
export function scoreProgressBar(stream: { write(s: string): unknown } = stdout): (p: ScoreProgress) => void {
  return (p) => {
    // One write per update (see scoreEpochs: a kernel sends each write as one message).
    stream.write(`\r${scoreProgressLine(p)}${p.done === p.total ? '\n' : ''}`);
  };
}
