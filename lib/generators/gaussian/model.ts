/**
 * A differentially private Gaussian model of the patients: each arm's mean
 * and one within-arm covariance shared by both arms, released with the
 * Gaussian mechanism, then sampled.
 *
 * The baseline the DP-GAN is measured against (`sprint-gan gaussian`): on
 * the embedded cohort, at the same epsilon, classifiers trained on its
 * patients score higher on the real held-out patients than those trained on
 * the DP-GAN's (README, "The baseline to beat").
 *
 * The mechanism, on patient vectors x (the 36 values of one patient in the
 * GAN's space), each clipped to L2 norm C: x' = x min(1, C / |x|).
 *  1. Arm-wise sums and counts: for each arm a, the vector
 *     [sum over its patients of x', C x (number of patients)], plus
 *     independent N(0, (sigma_m * sqrt(2) * C)^2) noise on every entry.
 *     Adding or removing one patient changes one arm's vector by
 *     [x', C], of L2 norm at most sqrt(2) C.
 *  2. The pooled second moment: sum over all patients of x' x'^T / C (d x d)
 *     plus independent N(0, (sigma_q * C)^2) noise on every entry. One
 *     patient's term has Frobenius norm |x'|^2 / C <= C.
 * Each release is the Gaussian mechanism with noise multiplier sigma (noise
 * sd / L2 sensitivity), i.e. a DP-SGD step with q = 1 for the accountant
 * (`addToLedger`). Everything after (symmetrizing, the means, the within-arm
 * covariance, the projection onto positive semi-definite matrices, sampling)
 * is post-processing.
 */
import type { Cohort } from '../../data/cohort';
import { syntheticMaskIds } from '../../data/format';
import { calibrateNoiseMultiplier } from '../../privacy/calibrate';
import type { PrivacyLedger } from '../../privacy/ledger';
import { Random } from '../../random';
import { floorEigenvalues, symmetricRoot } from '../../compute/linalg';
import { SPRINT_SCALING, fromGanSpace, toGanSpace } from '../../data/scaling';

export interface GaussianReleaseOptions {
  /** L2 clip norm of a patient's vector (GAN space). */
  clipNorm: number;
  /** Noise multiplier of the arm-wise sums and counts. */
  meanNoise: number;
  /** Noise multiplier of the pooled second moment. */
  covarianceNoise: number;
  /** Seed of the noise. */
  seed: number;
}

/** A released model: what the two mechanisms gave, after post-processing. */
export interface DpGaussian {
  /** Values per patient. */
  d: number;
  /** Noisy patient counts of arm 0 and arm 1 (at least 1 each). */
  counts: [number, number];
  /** Arm-wise means, d values each. */
  means: [number[], number[]];
  /** Within-arm covariance, d x d row-major, symmetric positive semi-definite. */
  covariance: number[];
  /** The release's settings (`sprint-gan gaussian` stores them in release.json). */
  options: GaussianReleaseOptions;
  /** Patients whose vector was longer than the clip norm: an exact count, NOT private (for the data owner; do not publish). */
  clipped: number;
}

/** The smallest eigenvalue kept by the projection, relative to the largest. */
const EIGEN_FLOOR = 1e-4;

function checkOptions(o: GaussianReleaseOptions): void {
  const ok = (v: number) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!(typeof o.clipNorm === 'number' && o.clipNorm > 0) || !ok(o.meanNoise) || !ok(o.covarianceNoise)) {
    throw new RangeError(
      `Gaussian release needs a positive clip norm and noise multipliers >= 0, got clip ${o.clipNorm}, ` +
        `mean noise ${o.meanNoise}, covariance noise ${o.covarianceNoise}`,
    );
  }
  if ((o.meanNoise > 0) !== (o.covarianceNoise > 0)) {
    throw new RangeError(
      'Gaussian release: both noise multipliers must be positive (private) or both 0 (non-private); ' +
        `one exact release makes the whole model non-private (got ${o.meanNoise} and ${o.covarianceNoise})`,
    );
  }
  if (!Number.isFinite(o.clipNorm) && o.meanNoise > 0) {
    throw new RangeError('Gaussian release: noise without a finite clip norm protects nothing; set a clip norm');
  }
}

/**
 * The exact (pre-noise) statistics the mechanism releases: per arm the sum
 * of the clipped vectors and C x count, and the pooled sum of x' x'^T / C.
 * Exported so tests can check the sensitivity bounds the privacy rests on.
 */
export function clippedSums(x: ArrayLike<number>, y: ArrayLike<number>, d: number, clipNorm: number) {
  const n = y.length;
  if (x.length !== n * d) throw new RangeError(`clippedSums: ${x.length} values for ${n} patients of ${d}`);
  const arms = [new Float64Array(d + 1), new Float64Array(d + 1)];
  const second = new Float64Array(d * d);
  const scale = Number.isFinite(clipNorm) ? clipNorm : 1;
  const v = new Float64Array(d);
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const arm = y[i];
    if (arm !== 0 && arm !== 1) throw new RangeError(`clippedSums: patient ${i} has arm ${arm}, expected 0 or 1`);
    let norm2 = 0;
    for (let j = 0; j < d; j++) {
      v[j] = x[i * d + j];
      norm2 += v[j] * v[j];
    }
    const norm = Math.sqrt(norm2);
    if (!Number.isFinite(norm)) throw new RangeError(`clippedSums: patient ${i} has a non-finite value`);
    const f = norm > clipNorm ? clipNorm / norm : 1;
    if (f < 1) clipped++;
    const s = arms[arm];
    for (let j = 0; j < d; j++) {
      v[j] *= f;
      s[j] += v[j];
    }
    s[d] += scale;
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < d; k++) second[j * d + k] += (v[j] * v[k]) / scale;
    }
  }
  return { arms, second, clipped, scale };
}

/**
 * Releases the model from patient vectors `x` (patient-major, `d` values
 * each, in the GAN's space) and arms `y` (0/1). Noise multipliers 0 give the
 * exact (non-private) model of the clipped vectors.
 */
export function releaseDpGaussian(x: ArrayLike<number>, y: ArrayLike<number>, d: number, opts: GaussianReleaseOptions): DpGaussian {
  checkOptions(opts);
  const { arms, second, clipped, scale } = clippedSums(x, y, d, opts.clipNorm);
  const rng = new Random(opts.seed).derive('dp-gaussian');
  const sdMean = opts.meanNoise * Math.SQRT2 * scale;
  const sdSecond = opts.covarianceNoise * scale;
  const noisy = (v: number, sd: number) => (sd > 0 ? v + rng.normal(0, sd) : v);
  const released = arms.map((s) => Array.from(s, (v) => noisy(v, sdMean)));
  const m2 = Array.from(second, (v) => noisy(v, sdSecond));
  const counts = released.map((r) => Math.max(1, r[d] / scale)) as [number, number];
  const means = released.map((r, a) => r.slice(0, d).map((v) => v / counts[a])) as [number[], number[]];
  // Within-arm covariance: (sum x x^T - sum_a n_a mu_a mu_a^T) / n, symmetrized.
  const total = counts[0] + counts[1];
  const cov = new Array<number>(d * d);
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < d; k++) {
      const mom = ((m2[j * d + k] + m2[k * d + j]) / 2) * scale;
      const between = counts[0] * means[0][j] * means[0][k] + counts[1] * means[1][j] * means[1][k];
      cov[j * d + k] = (mom - between) / total;
    }
  }
  return { d, counts, means, covariance: projectPsd(cov, d), options: { ...opts }, clipped };
}

/** The nearest (Frobenius) positive semi-definite matrix, eigenvalues floored at EIGEN_FLOOR x the largest. */
export function projectPsd(a: ArrayLike<number>, m: number): number[] {
  return Array.from(floorEigenvalues(a, m, (values) => Math.max(0, ...values) * EIGEN_FLOOR));
}

/**
 * `n` patients from the model: arm 1 with probability counts[1] / (counts[0]
 * + counts[1]) (or, `balanced`, alternating 0, 1, 0, ...), values mean[arm] + R z with R the
 * covariance's symmetric root (R R = covariance), z standard normal. Returns patient-major values (the GAN's space) and arms.
 */
export function sampleDpGaussian(model: DpGaussian, n: number, rng: Random, arms: 'random' | 'balanced' = 'random'): { x: Float32Array; y: Uint8Array } {
  const { d } = model;
  // The symmetric root, not V diag(sqrt values): the floored eigenvalues repeat, so V is arbitrary
  // within their eigenspace and a last-bit change of the covariance (another JavaScript engine's
  // Math.log) would turn into different patients; the root is continuous in the covariance.
  const root = symmetricRoot(model.covariance, d);
  const p1 = model.counts[1] / (model.counts[0] + model.counts[1]);
  const x = new Float32Array(n * d);
  const y = new Uint8Array(n);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const arm = arms === 'balanced' ? i % 2 : rng.bernoulli(p1) ? 1 : 0;
    y[i] = arm;
    for (let k = 0; k < d; k++) z[k] = rng.normal();
    for (let j = 0; j < d; j++) {
      let s = model.means[arm][j];
      for (let k = 0; k < d; k++) s += root[j * d + k] * z[k];
      x[i * d + j] = s;
    }
  }
  return { x, y };
}

/** Records the release's two Gaussian mechanisms in a ledger; throws for a non-private release. */
export function addToLedger(ledger: PrivacyLedger, opts: GaussianReleaseOptions, name = 'Gaussian model'): PrivacyLedger {
  checkOptions(opts);
  if (opts.meanNoise === 0) throw new RangeError('addToLedger: a noiseless Gaussian release is not private; it has no epsilon');
  ledger.addDpSgd(`${name}: arm means`, { q: 1, noiseMultiplier: opts.meanNoise, steps: 1 });
  ledger.addDpSgd(`${name}: covariance`, { q: 1, noiseMultiplier: opts.covarianceNoise, steps: 1 });
  return ledger;
}

/**
 * Noise multipliers whose two releases compose to `targetEpsilon` at `delta`
 * (RDP accountant, as the ledger). The two Gaussian mechanisms compose into
 * one with 1 / sigma^2 = 1 / sigma_m^2 + 1 / sigma_q^2; `ratio` = sigma_m /
 * sigma_q (default 2: the best of the splits measured in
 * docs/private-batched.md; noise on the covariance cost more than on the
 * means).
 */
export function calibrateGaussianNoise(targetEpsilon: number, delta: number, ratio = 2): { meanNoise: number; covarianceNoise: number } {
  if (!(ratio > 0 && Number.isFinite(ratio))) throw new RangeError(`calibrateGaussianNoise: ratio must be positive, got ${ratio}`);
  const sigma = calibrateNoiseMultiplier({ q: 1, steps: 1, delta, targetEpsilon });
  const covarianceNoise = (sigma * Math.sqrt(1 + ratio * ratio)) / ratio;
  return { meanNoise: covarianceNoise * ratio, covarianceNoise };
}

/**
 * The model of a cohort's patients in the GAN's `--scaling sprint` space
 * (SPRINT_SCALING: values near 0 with spread near 1, so one clip norm suits
 * every measure), as `sprint-gan gaussian` and notebook 03 release it.
 */
export function releaseFromCohort(c: Cohort, opts: GaussianReleaseOptions): DpGaussian {
  return releaseDpGaussian(toGanSpace(c, SPRINT_SCALING).x, c.y, c.x.length / c.n, opts);
}

/**
 * `n` patients of a model from {@link releaseFromCohort} as a normalized
 * cohort on `maxima` (any: the raw values do not depend on them), ids
 * SYN-G000001... (lib/data syntheticMaskIds); `seed`
 * draws the arms and values.
 */
export function sampleGaussianCohort(model: DpGaussian, n: number, maxima: readonly [number, number, number], seed: number, arms: 'random' | 'balanced' = 'random'): Cohort {
  const { x, y } = sampleDpGaussian(model, n, new Random(seed).derive('gaussian-sample'), arms);
  fromGanSpace(x, maxima, SPRINT_SCALING, model.d);
  const maskIds = syntheticMaskIds('G', n);
  return { n, x, y, maskIds, maxima: [...maxima] as [number, number, number] };
}
