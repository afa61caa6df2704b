/**
 * A differentially private Markov-Gaussian model of the patients: the
 * medication trajectory as a per-arm Markov chain over the change in
 * medication classes since randomization, the blood pressure as a Gaussian
 * conditional on that trajectory and the arm. Two Gaussian-mechanism
 * releases, then sampling at no further privacy cost.
 *
 *   const model = fit(train, { targetEpsilon: 1.6, delta: 1e-5, seed: 0 });
 *   const cohort = sample(model, 6000, 0, { maxima: train.maxima });
 *   addToLedger(ledger, model);
 *
 * ./family.ts makes it a generator family (`sprint-gan train --model markov`;
 * exported from lib/generators/index.ts, not from here: it imports this module).
 *
 * Why this shape (docs/private-utility.md has the measurements): what tells
 * the arms apart is discrete (95% of intensive patients gain a medication
 * class, most by 3M, and keep it; 87% of standard patients never change) and what the classifiers see of the blood
 * pressure is mostly its level and its arm-wise shift. A Gaussian over all 36
 * values smears the class counts (forest 0.87 at epsilon 1.6 against 0.93
 * real); noisy low-order marginals of discretized columns lose the
 * patient's persistent blood-pressure level. Here the discrete part is a
 * table model (as marginal-based methods: MST, McKenna et al. 2021; PrivBayes,
 * Zhang et al. 2017) and the continuous part one noisy second-moment matrix
 * (Analyze Gauss, Dwork et al. 2014).
 *
 * The releases (adjacency: adding or removing one patient; the encoding of a
 * patient is in ./statistics.ts, all its constants fixed in advance):
 *  1. Medication tables: per arm, the counts of the entry classes k_0 (0..7)
 *     and, for each of the 11 later visits v, of the transitions of the
 *     change since RZ from visit v-1 to v (states -2..3). Each patient adds 1
 *     to exactly 12 cells, so the L2 sensitivity is sqrt(12); noise
 *     N(0, (sigma_t sqrt(12))^2) on every cell.
 *  2. Blood-pressure moments: z = [24 scaled, winsorized SBP/DBP values,
 *     4 regressors, 1], clipped to L2 norm C (default 6), and the sum over
 *     patients of the upper triangle of z z^T with off-diagonal entries
 *     times sqrt(2), whose L2 norm per patient is |z|^2 <= C^2; noise
 *     N(0, (sigma_m C^2)^2) on every entry.
 * Each is the Gaussian mechanism with noise multiplier sigma (noise sd / L2
 * sensitivity), rho = 1 / (2 sigma^2) zCDP, RDP alpha / (2 sigma^2); the
 * ledger takes each as a DP-SGD step with q = 1 (`addToLedger`), and the two
 * compose into one mechanism with 1 / sigma^2 = 1 / sigma_t^2 + 1 / sigma_m^2.
 * `targetEpsilon` calibrates that sigma with the RDP accountant and splits
 * 1 / sigma^2 between the two by `tableShare` (default one half).
 *
 * Post-processing (no privacy cost): negative counts to 0, rows normalized
 * (an empty row keeps its state); the moments give the weighted mean and
 * covariance of z (the weight is the clip factor squared; the constant's
 * diagonal entry is the total weight), whose eigenvalues are floored at
 * floorScale x the noise sd of one entry x sqrt(28): below that, the noise's
 * own spectrum (a Wigner matrix of that radius) swamps the signal, and
 * without the floor the sampled patients have nearly no spread in those
 * directions, which linear classifiers trained on them then overweight
 * (logistic regression 0.83 instead of 0.95 at epsilon 1.6). The blood
 * pressure given the regressors is the Gaussian conditional of that
 * covariance. Sampling draws the arm, the entry classes, the chain of
 * changes, then the blood pressure, rounded to whole mmHg like the data.
 *
 * Defaults (tableShare 0.5, clipNorm 6, winsor 1.5, floorScale 1) were chosen
 * on a separate pair of simulated cohorts (simulator seeds 2017 and 2018), not
 * on the benchmark's training or test patients (bench/utility.ts --tuning).
 *
 * Measured (2 cores shared with another job, Node 20, the embedded cohort's
 * 6000 training patients): fit 40-120 ms, sampling 6000 patients 25-80 ms;
 * the model is 25 kB of JSON. At epsilon 1.6 (delta 1e-5) sigma_t = sigma_m
 * = 3.72; 27% of the patients' z are clipped at norm 6. On the benchmark
 * (docs/private-utility.md) classifiers trained on 6000 of its patients at
 * epsilon 1.6 score forest 0.917, logistic 0.950, kNN 0.806 on 22,233 fresh
 * simulated patients, against 0.926 / 0.957 / 0.823 trained on the real ones.
 *
 * The noise comes from lib/random (xoshiro128**), which is not a
 * cryptographic generator: fine for experiments, replace it for a release of
 * real patients.
 */
import { N_FEATURES, N_VISITS, type Cohort } from '../../data/cohort';
import { syntheticMaskIds } from '../../data/format';
import { PUBLIC_MAXIMA } from '../../data/scaling';
import { calibrateNoiseMultiplier } from '../../privacy/calibrate';
import { PrivacyLedger } from '../../privacy/ledger';
import { Random } from '../../random';
import { floorEigenvalues, solveSpd, symmetricRoot } from '../../compute/linalg';
import {
  MOMENT_DIM,
  PRESSURE_CENTER,
  PRESSURE_SCALE,
  PRESSURE_VALUES,
  REGRESSORS,
  TABLES_PER_PATIENT,
  TRIANGLE_SIZE,
  exactStatistics,
  regressors,
  tableLayout,
  triangleIndex,
  type EncodingSettings,
} from './statistics';

export { exactStatistics, momentVector, patientClasses, tableLayout, triangleIndex, MOMENT_DIM, TABLES_PER_PATIENT } from './statistics';
export type { EncodingSettings, ExactStatistics } from './statistics';

export const MODEL_FORMAT = 'sprint-gan-ts markov-gaussian';
export const MODEL_VERSION = 1;

export interface MarkovOptions {
  /** Total epsilon of both releases at `delta`; Infinity: the exact model (not private, no clipping). */
  targetEpsilon?: number;
  /** Or the two noise multipliers directly (noise sd / L2 sensitivity). */
  noise?: { tables: number; moments: number };
  /** Default 1e-5. */
  delta?: number;
  /** Seed of the noise. */
  seed: number;
  /** Share of 1 / sigma^2 that goes to the medication tables (default 0.5). */
  tableShare?: number;
  /** L2 clip norm of the moment vector z (default 6). */
  clipNorm?: number;
  /** Winsorization of each blood-pressure value around the patient's median, in scaled units (default 1.5 = 22.5 mmHg SBP, 18 DBP). */
  winsor?: number;
  /** Eigenvalue floor in units of the noise sd of one covariance entry x sqrt(28) (default 1). */
  floorScale?: number;
  /** Highest medication class count (default 7) and the range of the change since RZ (default -2..3). */
  maxClasses?: number;
  changeMin?: number;
  changeMax?: number;
}

/** A released model: JSON-serializable, everything in it is post-processing of the two noisy releases. */
export interface MarkovModel {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  settings: EncodingSettings & { tableShare: number; floorScale: number; seed: number };
  /** Null for the exact (non-private) model. */
  privacy: { delta: number; epsilon: number; tablesNoise: number; momentsNoise: number; tablesSensitivity: number; momentsSensitivity: number } | null;
  /** Probability of arm 1 (from the noisy entry tables' totals). */
  armShare: number;
  /** [arm][k]: probability of k_0 = k. */
  entry: number[][];
  /** [arm][v - 1][from][to]: probability of the change state at visit v given the state at v - 1. */
  transitions: number[][][][];
  /** Conditional Gaussian of the 24 scaled blood-pressure values given the 4 regressors. */
  pressure: { mean: number[]; regressorMean: number[]; coefficients: number[]; root: number[] };
}

/** The defaults (chosen on the tuning cohorts; docs/private-utility.md). */
export const MARKOV_DEFAULTS: Readonly<Record<'delta' | 'tableShare' | 'clipNorm' | 'winsor' | 'floorScale' | 'maxClasses' | 'changeMin' | 'changeMax', number>> = {
  delta: 1e-5, tableShare: 0.5, clipNorm: 6, winsor: 1.5, floorScale: 1, maxClasses: 7, changeMin: -2, changeMax: 3,
};
const DEFAULTS = MARKOV_DEFAULTS;

/**
 * Noise multipliers (tables, moments) whose two releases compose to
 * `targetEpsilon` at `delta` by the RDP accountant (the ledger's):
 * sigma from one Gaussian mechanism, then 1 / sigma_t^2 = share / sigma^2 and
 * 1 / sigma_m^2 = (1 - share) / sigma^2.
 */
export function calibrateMarkovNoise(targetEpsilon: number, delta: number, tableShare = DEFAULTS.tableShare): { tables: number; moments: number } {
  if (!(tableShare > 0 && tableShare < 1)) throw new RangeError(`calibrateMarkovNoise: tableShare must lie in (0, 1), got ${tableShare}`);
  const sigma = calibrateNoiseMultiplier({ q: 1, steps: 1, delta, targetEpsilon });
  return { tables: sigma / Math.sqrt(tableShare), moments: sigma / Math.sqrt(1 - tableShare) };
}

function resolve(o: MarkovOptions) {
  const s = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & MarkovOptions;
  if (!Number.isFinite(s.seed)) throw new RangeError(`markov: seed must be a finite number, got ${o.seed}`);
  if (!Number.isInteger(s.maxClasses) || s.maxClasses < 1) throw new RangeError(`markov: maxClasses must be a positive integer, got ${s.maxClasses}`);
  if (!Number.isInteger(s.changeMin) || !Number.isInteger(s.changeMax) || s.changeMin > 0 || s.changeMax < 0) {
    throw new RangeError(`markov: the change range must be integers with changeMin <= 0 <= changeMax, got ${s.changeMin}..${s.changeMax}`);
  }
  if (!(s.winsor > 0) || !(s.floorScale >= 0)) throw new RangeError(`markov: winsor must be positive and floorScale >= 0, got ${s.winsor}, ${s.floorScale}`);
  const exact = o.noise === undefined && o.targetEpsilon === Infinity;
  if (!exact && o.noise === undefined && o.targetEpsilon === undefined) throw new RangeError('markov: give targetEpsilon (Infinity for the exact model) or noise');
  if (o.noise !== undefined && o.targetEpsilon !== undefined) throw new RangeError('markov: give either targetEpsilon or noise, not both');
  const noise = exact ? null : (o.noise ?? calibrateMarkovNoise(o.targetEpsilon as number, s.delta, s.tableShare));
  if (noise && !(noise.tables > 0 && noise.moments > 0 && Number.isFinite(noise.tables) && Number.isFinite(noise.moments))) {
    throw new RangeError(`markov: noise multipliers must be positive and finite, got ${JSON.stringify(noise)}`);
  }
  if (noise && !(s.clipNorm > 0 && Number.isFinite(s.clipNorm))) throw new RangeError(`markov: a private release needs a finite positive clip norm, got ${s.clipNorm}`);
  const encoding: EncodingSettings = {
    maxClasses: s.maxClasses,
    changeMin: s.changeMin,
    changeMax: s.changeMax,
    winsor: s.winsor,
    clipNorm: noise ? s.clipNorm : Infinity,
  };
  return { s, noise, encoding };
}

/** The two noisy releases (the only functions of the patients in a model). */
export function noisyStatistics(c: Cohort, options: MarkovOptions): { counts: Float64Array; moments: Float64Array; clipped: number } {
  const { noise, encoding } = resolve(options);
  const exact = exactStatistics(c, encoding);
  if (!noise) return exact;
  const root = new Random(options.seed);
  const tablesRng = root.derive('markov:tables');
  const momentsRng = root.derive('markov:moments');
  const sdTables = noise.tables * Math.sqrt(TABLES_PER_PATIENT);
  const sdMoments = noise.moments * encoding.clipNorm * encoding.clipNorm;
  const counts = exact.counts.map((v) => v + tablesRng.normal(0, sdTables));
  const moments = exact.moments.map((v) => v + momentsRng.normal(0, sdMoments));
  return { counts, moments, clipped: exact.clipped };
}

function normalized(row: ArrayLike<number>, fallback: number): number[] {
  let total = 0;
  for (let i = 0; i < row.length; i++) total += Math.max(0, row[i]);
  return Array.from(row, (v, i) => (total > 0 ? Math.max(0, v) / total : i === fallback ? 1 : 0));
}

/** The conditional Gaussian of the pressure given the regressors, from the noisy moment triangle. */
function pressureModel(moments: Float64Array, entrySd: number, floorScale: number): MarkovModel['pressure'] {
  const d = MOMENT_DIM;
  const q = d - 1;
  const entry = (j: number, k: number) => {
    const [a, b] = j <= k ? [j, k] : [k, j];
    return moments[triangleIndex(a, b)] / (a === b ? 1 : Math.SQRT2);
  };
  const w = Math.max(1, entry(q, q));
  const mean = Array.from({ length: q }, (_, j) => entry(j, q) / w);
  const cov = new Float64Array(q * q);
  for (let j = 0; j < q; j++) for (let k = 0; k < q; k++) cov[j * q + k] = entry(j, k) / w - mean[j] * mean[k];
  const floor = Math.max(1e-3, (floorScale * entrySd * Math.sqrt(q)) / w);
  const covariance = floorEigenvalues(cov, q, floor);
  const P = PRESSURE_VALUES;
  const r = REGRESSORS;
  const sff = new Float64Array(r * r);
  const sfp = new Float64Array(r * P);
  for (let j = 0; j < r; j++) {
    for (let k = 0; k < r; k++) sff[j * r + k] = covariance[(P + j) * q + P + k];
    for (let k = 0; k < P; k++) sfp[j * P + k] = covariance[(P + j) * q + k];
  }
  const beta = solveSpd(sff, r, sfp, P); // r x P: sff^-1 sfp
  const conditional = new Float64Array(P * P);
  for (let j = 0; j < P; j++) {
    for (let k = 0; k < P; k++) {
      let v = covariance[j * q + k];
      for (let l = 0; l < r; l++) v -= sfp[l * P + j] * beta[l * P + k];
      conditional[j * P + k] = v;
    }
  }
  const coefficients = new Array<number>(P * r);
  for (let j = 0; j < P; j++) for (let l = 0; l < r; l++) coefficients[j * r + l] = beta[l * P + j];
  return {
    mean: mean.slice(0, P),
    regressorMean: mean.slice(P, q),
    coefficients,
    root: Array.from(symmetricRoot(floorEigenvalues(conditional, P, 1e-6), P)),
  };
}

/** Releases the model of a cohort's patients (normalized cohort, as lib/data builds it). */
export function fit(c: Cohort, options: MarkovOptions): MarkovModel {
  const { s, noise, encoding } = resolve(options);
  if (c.n < 1) throw new RangeError('markov: the cohort has no patients');
  const { counts, moments } = noisyStatistics(c, options);
  const layout = tableLayout(encoding);
  const entry = [0, 1].map((a) => normalized(counts.subarray(layout.entryCell(a, 0), layout.entryCell(a, 0) + layout.entry), 0));
  const armTotals = [0, 1].map((a) => {
    let t = 0;
    for (let k = 0; k < layout.entry; k++) t += Math.max(0, counts[layout.entryCell(a, k)]);
    return t;
  });
  const transitions = [0, 1].map((a) =>
    Array.from({ length: N_VISITS - 1 }, (_, v) =>
      Array.from({ length: layout.states }, (_, from) => {
        const start = layout.transitionCell(a, v + 1, from, 0);
        return normalized(counts.subarray(start, start + layout.states), from);
      }),
    ),
  );
  const entrySd = noise ? noise.moments * encoding.clipNorm * encoding.clipNorm : 0;
  let privacy: MarkovModel['privacy'] = null;
  if (noise) {
    const ledger = new PrivacyLedger();
    ledger.addDpSgd('tables', { q: 1, noiseMultiplier: noise.tables, steps: 1 });
    ledger.addDpSgd('moments', { q: 1, noiseMultiplier: noise.moments, steps: 1 });
    privacy = {
      delta: s.delta,
      epsilon: ledger.epsilon(s.delta),
      tablesNoise: noise.tables,
      momentsNoise: noise.moments,
      tablesSensitivity: Math.sqrt(TABLES_PER_PATIENT),
      momentsSensitivity: encoding.clipNorm * encoding.clipNorm,
    };
  }
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    settings: { ...encoding, tableShare: s.tableShare, floorScale: s.floorScale, seed: s.seed },
    privacy,
    armShare: armTotals[0] + armTotals[1] > 0 ? armTotals[1] / (armTotals[0] + armTotals[1]) : 0.5,
    entry,
    transitions,
    pressure: pressureModel(moments, entrySd, s.floorScale),
  };
}

function draw(rng: Random, probabilities: readonly number[]): number {
  let u = rng.uniform();
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i];
    if (u < 0) return i;
  }
  for (let i = probabilities.length - 1; i >= 0; i--) if (probabilities[i] > 0) return i; // rounding: the last possible state
  return 0;
}

export interface SampleOptions {
  /**
   * Per-measure maxima to normalize by (default lib/data's PUBLIC_MAXIMA;
   * pass a cohort's `maxima` to compare with it in normalized units). A
   * model carries none, a maximum being one patient's exact value; the raw
   * values sampled do not depend on them.
   */
  maxima?: readonly [number, number, number];
  /** The arm of each sampled patient (n values 0/1); default: drawn with the model's arm share. */
  arms?: ArrayLike<number>;
}

/**
 * `n` patients of the model as a normalized cohort (x = raw / maxima), with
 * visibly synthetic ids SYN-M000001...; the same (model, n, seed, options)
 * give the same cohort.
 */
export function sample(model: MarkovModel, n: number, seed: number, options: SampleOptions = {}): Cohort {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`markov sample: n must be a non-negative integer, got ${n}`);
  if (model.format !== MODEL_FORMAT || model.version !== MODEL_VERSION) throw new Error(`markov sample: not a ${MODEL_FORMAT} v${MODEL_VERSION} model`);
  const maxima = options.maxima ?? PUBLIC_MAXIMA;
  if (!(maxima.length === 3 && maxima.every((m) => m > 0 && Number.isFinite(m)))) throw new RangeError(`markov sample: maxima must be three positive numbers, got ${String(maxima)}`);
  if (options.arms && options.arms.length !== n) throw new RangeError(`markov sample: ${options.arms.length} arms for ${n} patients`);
  const rng = new Random(seed).derive('markov:sample');
  const { changeMin, maxClasses } = model.settings;
  const { mean, regressorMean, coefficients, root } = model.pressure;
  const P = PRESSURE_VALUES;
  const r = REGRESSORS;
  const x = new Float32Array(n * N_FEATURES);
  const y = new Uint8Array(n);
  const k = new Int32Array(N_VISITS);
  const f = new Float64Array(r);
  const z = new Float64Array(P);
  for (let i = 0; i < n; i++) {
    const arm = options.arms ? options.arms[i] : rng.bernoulli(model.armShare) ? 1 : 0;
    if (arm !== 0 && arm !== 1) throw new RangeError(`markov sample: arm ${arm} of patient ${i}, expected 0 or 1`);
    y[i] = arm;
    k[0] = draw(rng, model.entry[arm]);
    let state = -changeMin;
    for (let v = 1; v < N_VISITS; v++) {
      state = draw(rng, model.transitions[arm][v - 1][state]);
      k[v] = Math.min(maxClasses, Math.max(0, k[0] + state + changeMin));
    }
    regressors(k, arm, f);
    for (let j = 0; j < P; j++) z[j] = rng.normal();
    const base = i * N_FEATURES;
    for (let j = 0; j < P; j++) {
      let v = mean[j];
      for (let l = 0; l < r; l++) v += coefficients[j * r + l] * (f[l] - regressorMean[l]);
      for (let l = 0; l < P; l++) v += root[j * P + l] * z[l];
      const m = j < N_VISITS ? 0 : 1;
      x[base + j] = Math.max(0, Math.round(v * PRESSURE_SCALE[m] + PRESSURE_CENTER[m])) / maxima[m];
    }
    for (let v = 0; v < N_VISITS; v++) x[base + P + v] = k[v] / maxima[2];
  }
  const maskIds = syntheticMaskIds('M', n);
  return { n, x, y, maskIds, maxima: [maxima[0], maxima[1], maxima[2]] };
}

/**
 * Records the model's two Gaussian mechanisms in a ledger (a model, or just
 * its noise multipliers: `{ privacy: { tablesNoise, momentsNoise } }`);
 * throws for the exact (non-private) model.
 */
export function addToLedger(
  ledger: PrivacyLedger,
  model: { privacy: Pick<NonNullable<MarkovModel['privacy']>, 'tablesNoise' | 'momentsNoise'> | null },
  name = 'Markov-Gaussian model',
): PrivacyLedger {
  if (!model.privacy) throw new RangeError('addToLedger: the exact Markov-Gaussian model is not private; it has no epsilon');
  ledger.addDpSgd(`${name}: medication tables`, { q: 1, noiseMultiplier: model.privacy.tablesNoise, steps: 1 });
  ledger.addDpSgd(`${name}: blood-pressure moments`, { q: 1, noiseMultiplier: model.privacy.momentsNoise, steps: 1 });
  return ledger;
}

/** Checks that a parsed JSON value is a model this module can sample (format, version, shapes). */
export function parseModel(value: unknown): MarkovModel {
  const m = value as MarkovModel;
  if (!m || m.format !== MODEL_FORMAT || m.version !== MODEL_VERSION) throw new Error(`not a ${MODEL_FORMAT} model of version ${MODEL_VERSION}`);
  const P = PRESSURE_VALUES;
  const ok =
    Array.isArray(m.entry) && m.entry.length === 2 &&
    Array.isArray(m.transitions) && m.transitions.length === 2 && m.transitions.every((t) => t.length === N_VISITS - 1) &&
    m.pressure && m.pressure.mean.length === P && m.pressure.regressorMean.length === REGRESSORS &&
    m.pressure.coefficients.length === P * REGRESSORS && m.pressure.root.length === P * P;
  if (!ok) throw new Error(`${MODEL_FORMAT}: the model's tables or pressure arrays have the wrong shapes`);
  return m;
}

/** Exported for tests: size of the moment triangle. */
export const MOMENT_TRIANGLE_SIZE = TRIANGLE_SIZE;
