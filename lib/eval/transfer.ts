/**
 * The transfer table (the classifier half of the original's Analysis.ipynb):
 * how well classifiers trained on synthetic patients predict the arm of REAL
 * held-out patients, next to the same classifiers trained on real patients.
 *
 * For each source (real, non-private synthetic, private synthetic) and each
 * classifier (forest, logistic regression, linear SVM, kNN):
 * - pooled: one model trained on `pooledSize` (default 50,000) synthetic
 *   patients, generated in equal shares from the chosen epochs (the top 10:
 *   non-private = best by score, private = the noisy picks), tested on the
 *   real holdout; for the real source, one model on the whole real training
 *   set;
 * - repeats: `repeats` (default 10) models, each on a random subset of
 *   `subsetSize` (default 5,000) patients of that pool (for the real source:
 *   of the real training set), drawn without replacement; the table reports
 *   their mean and sample standard deviation (n - 1).
 *
 * Two test sets: the real holdout (the paper's: 483 patients on the
 * embedded cohort, so an accuracy near 0.9 has a sampling sd of about 0.014)
 * and, when given, a large test cohort (`largeTest`, e.g. 22,000 patients
 * drawn from the simulator with another seed, sd about 0.002). Every model is
 * fitted once and scored on both.
 *
 * Units are the original's (./units.ts): real patients in raw units,
 * synthetic ones truncated to integers and clipped at 0.
 *
 * Reproducibility: the subset of repeat r depends only on (seed, r, pool
 * size) and every classifier's seed only on (seed, classifier, repeat), never
 * on the source, so a synthetic source that returns the real training
 * patients reproduces the real row exactly (tested).
 *
 * Fidelity of each synthetic pool against the real training patients
 * (./fidelity.ts): measure means, per-arm per-visit medians, the Spearman
 * correlation of the 36 x 36 correlation structures, and the Spearman
 * correlation between the real and synthetic pooled models' forest feature
 * importances and logistic / SVM coefficients (do the models learn the same
 * features?), the within-arm spread (collapse shows here) and the arm
 * separability of each set ({@link armSeparability}).
 */
import { N_FEATURES, type Cohort } from '../data/cohort';
import { Random, type Seed } from '../random';
import { CLASSIFIER_NAMES, createClassifier, type ClassifierName } from './classifiers/index';
import { type Classifier, countCorrect, modelWeights } from './classifiers/types';
import { fidelityReport, spearman, type FidelityReport } from './fidelity';
import type { SampleEpoch } from './score';
import { realFeatures, syntheticFeatures, type SyntheticRounding } from './units';

/** Where the patients a classifier learns from come from. */
export type TransferSource = 'real' | 'nonPrivate' | 'private';
export const TRANSFER_SOURCES: readonly TransferSource[] = ['real', 'nonPrivate', 'private'];

/** Generated patients of the chosen epochs of one run. */
export interface SyntheticSource {
  sampleEpoch: SampleEpoch;
  /** The chosen epochs (e.g. the top 10); the pool takes an equal share from each. */
  epochs: readonly number[];
}

export interface TransferOptions {
  /** Real training patients (the GAN's training set) and the real holdout. */
  realTrain: Cohort;
  realTest: Cohort;
  /** A second, large test set scored next to `realTest` (null or absent: none). */
  largeTest?: Cohort | null;
  nonPrivate?: SyntheticSource | null;
  private?: SyntheticSource | null;
  /** Synthetic patients pooled from the chosen epochs (default 50,000). */
  pooledSize?: number;
  /** Patients per repeat (default 5,000; the real source: at most its training size). */
  subsetSize?: number;
  /** Repeats (default 10). */
  repeats?: number;
  /** Classifiers (default all four). */
  classifiers?: readonly ClassifierName[];
  seed?: Seed;
  rounding?: SyntheticRounding;
  /** One line per step done (e.g. to print progress). */
  onProgress?: (message: string) => void;
}

/** Accuracies of a cell's models on the large test set. */
export interface LargeTestScores {
  pooled: number;
  repeats: number[];
  mean: number;
  sd: number;
}

/** One cell of the table. */
export interface TransferCell {
  source: TransferSource;
  classifier: ClassifierName;
  /** Accuracy of the model trained on the whole pool (real: the whole training set). */
  pooled: number;
  /** Patients the pooled model learned from. */
  pooledSize: number;
  /** Accuracy of each repeat, its mean and sample sd. */
  repeats: number[];
  mean: number;
  sd: number;
  subsetSize: number;
  /**
   * Fits of this cell (the pooled one and the repeats) whose solver stopped
   * at its iteration limit before converging ({@link Classifier.converged}).
   */
  unconverged: number;
  /** The same models' accuracies on the large test set; null without one. */
  large: LargeTestScores | null;
}

/** How a synthetic pool compares with the real training patients. */
export interface TransferFidelity {
  report: FidelityReport;
  /** Spearman between real and synthetic pooled forests' feature importances (null without a forest). */
  forestImportanceSpearman: number | null;
  /** Same for the logistic regression and SVM coefficients. */
  logisticCoefficientSpearman: number | null;
  svmCoefficientSpearman: number | null;
  /** {@link armSeparability} of the real training patients and of the synthetic pool. */
  armSeparability: { real: number; synthetic: number };
}

export interface TransferTable {
  cells: TransferCell[];
  fidelity: Partial<Record<'nonPrivate' | 'private', TransferFidelity>>;
  /**
   * What each source's pooled model learned per feature (forest importances,
   * logistic and SVM coefficients: lib/eval's modelWeights; kNN has none).
   */
  weights: Partial<Record<TransferSource, Partial<Record<ClassifierName, number[]>>>>;
  settings: {
    pooledSize: number;
    subsetSize: number;
    repeats: number;
    classifiers: ClassifierName[];
    seed: Seed;
    rounding: SyntheticRounding;
    nTest: number;
    /** Patients of the large test set (0: none). */
    nLargeTest: number;
    nRealTrain: number;
    epochs: Partial<Record<'nonPrivate' | 'private', number[]>>;
  };
  seconds: number;
}

/** Mean and sample standard deviation (n - 1; 0 for one value). */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sd: 0 };
  const ss = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)) };
}

/** Labelled patients as classifier input: raw-unit features, row-major. */
interface Pool {
  n: number;
  x: Float64Array;
  y: Uint8Array;
}

function takeRows(pool: Pool, rows: ArrayLike<number>): Pool {
  const n = rows.length;
  const x = new Float64Array(n * N_FEATURES);
  const y = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    x.set(pool.x.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), k * N_FEATURES);
    y[k] = pool.y[i];
  }
  return { n, x, y };
}

/** Rows of repeat r: `size` of 0..n-1 without replacement, ascending; depends on (seed, r, n) only. */
export function repeatRows(seed: Seed, r: number, n: number, size: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  new Random(seed).derive(`subset:${r}:${n}`).shuffle(order);
  return Int32Array.from(order.slice(0, size)).sort();
}

/**
 * How well the arms can be told apart within one set of patients: a random
 * forest (the transfer table's, 10 trees) trained on a random half of at most
 * `limit` patients and tested on the other half. Real patients of the
 * embedded cohort give 0.85 (600 patients) to 0.91 (6000); a synthetic pool
 * far above its real counterpart has arms pulled further apart than real
 * patients are (AC-GAN's arm loss rewards confidently classifiable
 * patients), and a forest trained on it places its boundary anywhere in the
 * gap. Depends on (seed, pool) only.
 */
export function armSeparability(pool: { n: number; x: Float64Array; y: Uint8Array }, seed: Seed, limit = 10_000): number {
  if (pool.n < 4) throw new RangeError(`armSeparability: needs at least 4 patients, got ${pool.n}`);
  const order = Array.from({ length: pool.n }, (_, i) => i);
  new Random(seed).derive(`separability:${pool.n}`).shuffle(order);
  const used = order.slice(0, Math.min(limit, pool.n));
  const half = used.length >> 1;
  const train = takeRows(pool, used.slice(0, half));
  const test = takeRows(pool, used.slice(half));
  return fitScore('forest', seed, 'separability', train, test).accuracy;
}

/** Generates `size` patients in equal shares (the first epochs take the remainder) from the chosen epochs. */
async function syntheticPool(source: SyntheticSource, size: number, seed: Seed, label: string, rounding: SyntheticRounding): Promise<Pool> {
  const m = source.epochs.length;
  if (m === 0) throw new RangeError(`transferTable: no epochs chosen for the ${label} source`);
  const x = new Float64Array(size * N_FEATURES);
  const y = new Uint8Array(size);
  let offset = 0;
  for (let j = 0; j < m; j++) {
    const share = Math.floor(size / m) + (j < size % m ? 1 : 0);
    if (share === 0) continue;
    const epoch = source.epochs[j];
    const c = await source.sampleEpoch(epoch, share, new Random(seed).derive(`transfer:${label}:${j}:${epoch}`).seedWord);
    if (c.n !== share) throw new RangeError(`transferTable: sampleEpoch(${epoch}) returned ${c.n} patients, expected ${share}`);
    x.set(syntheticFeatures(c, rounding), offset * N_FEATURES);
    y.set(c.y, offset);
    offset += share;
  }
  return { n: size, x, y };
}

/** A test set as classifier input. */
interface TestSet {
  x: Float64Array;
  y: Uint8Array;
}

function fitScore(name: ClassifierName, seed: Seed, tag: string, train: Pool, test: TestSet, large: TestSet | null = null): { accuracy: number; large: number; model: Classifier; converged: boolean } {
  const model = createClassifier(name, new Random(seed).derive(`classifier:${name}:${tag}`).seedWord);
  model.fit(train.x, train.n, N_FEATURES, train.y);
  const score = (t: TestSet) => countCorrect(t.y, model.predict(t.x, t.y.length)) / t.y.length;
  return { accuracy: score(test), large: large ? score(large) : NaN, model, converged: model.converged !== false };
}

/** Builds the transfer table (see the module comment). */
export async function transferTable(options: TransferOptions): Promise<TransferTable> {
  const t0 = Date.now();
  const pooledSize = options.pooledSize ?? 50_000;
  const subsetSize = options.subsetSize ?? 5_000;
  const repeats = options.repeats ?? 10;
  const classifiers = [...(options.classifiers ?? CLASSIFIER_NAMES)];
  const seed = options.seed ?? 0;
  const rounding = options.rounding ?? 'truncate';
  const log = options.onProgress ?? (() => undefined);
  for (const [k, v] of Object.entries({ pooledSize, subsetSize, repeats })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`transferTable: ${k} must be a positive integer, got ${v}`);
  }
  if (subsetSize > pooledSize) throw new RangeError(`transferTable: subsetSize ${subsetSize} exceeds pooledSize ${pooledSize}`);
  const test: TestSet = { x: realFeatures(options.realTest), y: options.realTest.y };
  const large: TestSet | null = options.largeTest ? { x: realFeatures(options.largeTest), y: options.largeTest.y } : null;
  const real: Pool = { n: options.realTrain.n, x: realFeatures(options.realTrain), y: options.realTrain.y };

  const cells: TransferCell[] = [];
  const pooledModels = new Map<TransferSource, Map<ClassifierName, Classifier>>();
  const pools = new Map<TransferSource, Pool>();
  const evaluate = (source: TransferSource, pool: Pool): void => {
    const size = Math.min(subsetSize, pool.n);
    const subsets = Array.from({ length: repeats }, (_, r) => takeRows(pool, repeatRows(seed, r, pool.n, size)));
    const models = new Map<ClassifierName, Classifier>();
    for (const name of classifiers) {
      const pooled = fitScore(name, seed, 'pooled', pool, test, large);
      models.set(name, pooled.model);
      const fits = subsets.map((s, r) => fitScore(name, seed, String(r), s, test, large));
      const accs = fits.map((f) => f.accuracy);
      const unconverged = [pooled, ...fits].filter((f) => !f.converged).length;
      const largeAccs = fits.map((f) => f.large);
      const largeScores = large ? { pooled: pooled.large, repeats: largeAccs, ...meanSd(largeAccs) } : null;
      cells.push({ source, classifier: name, pooled: pooled.accuracy, pooledSize: pool.n, repeats: accs, ...meanSd(accs), subsetSize: size, unconverged, large: largeScores });
      log(`${source} ${name}: pooled ${pooled.accuracy.toFixed(3)}, ${repeats} repeats ${meanSd(accs).mean.toFixed(3)}` + (largeScores ? `; large test ${largeScores.pooled.toFixed(3)}, ${largeScores.mean.toFixed(3)}` : ''));
    }
    pooledModels.set(source, models);
    pools.set(source, pool);
  };

  evaluate('real', real);
  const epochs: TransferTable['settings']['epochs'] = {};
  for (const source of ['nonPrivate', 'private'] as const) {
    const s = options[source];
    if (!s) continue;
    epochs[source] = [...s.epochs];
    log(`${source}: generating ${pooledSize} patients from epochs ${s.epochs.join(', ')}`);
    evaluate(source, await syntheticPool(s, pooledSize, seed, source, rounding));
  }

  const fidelity: TransferTable['fidelity'] = {};
  const realModels = pooledModels.get('real') as Map<ClassifierName, Classifier>;
  const realSeparability = pools.size > 1 ? armSeparability(real, seed) : NaN;
  for (const source of ['nonPrivate', 'private'] as const) {
    const pool = pools.get(source);
    if (!pool) continue;
    const models = pooledModels.get(source) as Map<ClassifierName, Classifier>;
    const agreement = (name: ClassifierName): number | null => {
      const a = modelWeights(realModels.get(name));
      const b = modelWeights(models.get(name));
      return a && b ? spearman(a, b, { nanPolicy: 'omit' }) : null;
    };
    fidelity[source] = {
      report: fidelityReport(real, pool),
      forestImportanceSpearman: agreement('forest'),
      logisticCoefficientSpearman: agreement('logistic'),
      svmCoefficientSpearman: agreement('svm'),
      armSeparability: { real: realSeparability, synthetic: armSeparability(pool, seed) },
    };
  }
  const weights: TransferTable['weights'] = {};
  for (const [source, models] of pooledModels) {
    const w: Partial<Record<ClassifierName, number[]>> = {};
    for (const [name, model] of models) {
      const v = modelWeights(model);
      if (v) w[name] = Array.from(v);
    }
    weights[source] = w;
  }
  return {
    cells,
    fidelity,
    weights,
    settings: { pooledSize, subsetSize, repeats, classifiers, seed, rounding, nTest: options.realTest.n, nLargeTest: options.largeTest?.n ?? 0, nRealTrain: real.n, epochs },
    seconds: (Date.now() - t0) / 1000,
  };
}

/** The cell of a source and classifier, if computed. */
export function transferCell(table: TransferTable, source: TransferSource, classifier: ClassifierName): TransferCell | undefined {
  return table.cells.find((c) => c.source === source && c.classifier === classifier);
}
