/**
 * Membership-inference attacks on a synthetic-data release. Each returns one
 * score per target patient; larger = "more likely a member" (metrics.ts).
 *
 * Patients are rows of d features (the cohort's 36 normalized values: 3
 * measures x 12 visits, lib/data/cohort.ts). Distances and densities are
 * computed after standardizing each feature by its mean and standard
 * deviation on a set the attacker has (default: the synthetic release), so
 * that no measure dominates by its units.
 *
 * - {@link dcrScores}: distance to the closest synthetic record (DCR).
 *   A generator that copies or nearly copies its training patients puts a
 *   synthetic record next to each member; score = -DCR.
 * - {@link densityRatioScores}: in the spirit of DOMIAS (van Breugel, Sun,
 *   Qian & van der Schaar, AISTATS 2023): a member is where the generator
 *   over-represents the population, so score = log p_syn(x) - log p_ref(x),
 *   with p_syn a density fitted to the synthetic release and p_ref one fitted
 *   to a reference sample of the population the attacker holds (here: held-out
 *   patients who are neither members nor audited non-members). Both are
 *   Gaussian kernel density estimates (isotropic kernel in standardized
 *   units, Scott's bandwidth h = n^(-1/(d+4))); DOMIAS itself also uses a
 *   normalizing flow, which is left out. In 36 dimensions a KDE is crude; the
 *   ratio still cancels much of the population's own structure.
 * - {@link scoreWith}: any model-based score, e.g. the discriminator's logit
 *   (lib/generators' member scorer): a discriminator that has memorized its training
 *   patients calls them "real" more confidently than unseen ones.
 */

/** n patients x d features, row-major. */
export interface PatientRows {
  n: number;
  x: ArrayLike<number>;
  /** A cohort's normalization (x = raw / maxima); when two sets both carry one, they must agree. */
  maxima?: ArrayLike<number>;
}

function dims(name: string, r: PatientRows): number {
  if (!Number.isInteger(r.n) || r.n < 1) throw new RangeError(`${name}: need at least one patient, got n = ${r.n}`);
  const d = r.x.length / r.n;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${name}: ${r.x.length} values do not split into ${r.n} rows`);
  return d;
}

function sameDims(sets: [string, PatientRows][]): number {
  const d = dims(sets[0][0], sets[0][1]);
  for (const [name, s] of sets) {
    const e = dims(name, s);
    if (e !== d) throw new RangeError(`${name} has ${e} features per patient, ${sets[0][0]} has ${d}`);
  }
  // Distances between patients normalized on different maxima compare unlike units.
  const normalized = sets.filter(([, s]) => s.maxima !== undefined);
  for (const [name, s] of normalized) {
    const [firstName, first] = normalized[0];
    if (Array.from(s.maxima!).join() !== Array.from(first.maxima!).join()) {
      throw new RangeError(
        `${name} is normalized on maxima ${Array.from(s.maxima!).join(', ')}, ${firstName} on ${Array.from(first.maxima!).join(', ')}: ` +
          `sample the synthetic patients with { maxima } of the real ones (lib/generators sampleFromRun) or renormalize them (lib/data renormalize)`,
      );
    }
  }
  return d;
}

/** Per-feature mean and standard deviation of a set (SD 0 -> 1, so constant features are left as they are). */
export function featureScale(r: PatientRows): { mean: Float64Array; sd: Float64Array } {
  const d = dims('featureScale', r);
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let i = 0; i < r.n; i++) for (let j = 0; j < d; j++) mean[j] += r.x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= r.n;
  for (let i = 0; i < r.n; i++) for (let j = 0; j < d; j++) sd[j] += (r.x[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(sd[j] / Math.max(1, r.n - 1));
    sd[j] = s > 1e-12 ? s : 1;
  }
  return { mean, sd };
}

function standardize(r: PatientRows, scale: { mean: Float64Array; sd: Float64Array }): Float64Array {
  const d = scale.mean.length;
  const out = new Float64Array(r.n * d);
  for (let i = 0; i < r.n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (r.x[i * d + j] - scale.mean[j]) / scale.sd[j];
  return out;
}

function sqDist(a: Float64Array, i: number, b: Float64Array, k: number, d: number): number {
  let s = 0;
  const ai = i * d;
  const bk = k * d;
  for (let j = 0; j < d; j++) {
    const t = a[ai + j] - b[bk + j];
    s += t * t;
  }
  return s;
}

export interface DcrOptions {
  /** Set whose mean/SD standardize the features (default: the synthetic release). */
  scaleBy?: PatientRows;
}

/** Distance (standardized Euclidean) from each target to its closest synthetic record. */
export function closestSyntheticDistance(targets: PatientRows, synthetic: PatientRows, options: DcrOptions = {}): Float64Array {
  const d = sameDims([
    ['targets', targets],
    ['synthetic', synthetic],
  ]);
  const scale = featureScale(options.scaleBy ?? synthetic);
  const t = standardize(targets, scale);
  const s = standardize(synthetic, scale);
  const out = new Float64Array(targets.n);
  for (let i = 0; i < targets.n; i++) {
    let best = Infinity;
    for (let k = 0; k < synthetic.n; k++) {
      const v = sqDist(t, i, s, k, d);
      if (v < best) best = v;
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

/** DCR attack: score = -(distance to the closest synthetic record). */
export function dcrScores(targets: PatientRows, synthetic: PatientRows, options: DcrOptions = {}): Float64Array {
  return closestSyntheticDistance(targets, synthetic, options).map((v) => -v);
}

/** Scott's rule bandwidth for n points in d dimensions (standardized units). */
export function scottBandwidth(n: number, d: number): number {
  return Math.pow(n, -1 / (d + 4));
}

/**
 * log of a Gaussian KDE (isotropic kernel, bandwidth h, in the given
 * standardized coordinates) at each target.
 */
function logKde(targets: Float64Array, nT: number, points: Float64Array, nP: number, d: number, h: number): Float64Array {
  const out = new Float64Array(nT);
  const c = -Math.log(nP) - d * Math.log(h * Math.sqrt(2 * Math.PI));
  const inv = 1 / (2 * h * h);
  const e = new Float64Array(nP);
  for (let i = 0; i < nT; i++) {
    let max = -Infinity;
    for (let k = 0; k < nP; k++) {
      e[k] = -sqDist(targets, i, points, k, d) * inv;
      if (e[k] > max) max = e[k];
    }
    let s = 0;
    for (let k = 0; k < nP; k++) s += Math.exp(e[k] - max);
    out[i] = max + Math.log(s) + c;
  }
  return out;
}

export interface DensityRatioOptions {
  /** Set whose mean/SD standardize the features (default: the reference sample). */
  scaleBy?: PatientRows;
  /** Kernel bandwidths in standardized units (default: Scott's rule for each set's size). */
  bandwidthSynthetic?: number;
  bandwidthReference?: number;
}

/**
 * DOMIAS-style density-ratio attack: score = log p_syn(x) - log p_ref(x), both
 * Gaussian KDEs. `reference` must not contain the audited targets.
 */
export function densityRatioScores(
  targets: PatientRows,
  synthetic: PatientRows,
  reference: PatientRows,
  options: DensityRatioOptions = {},
): Float64Array {
  const d = sameDims([
    ['targets', targets],
    ['synthetic', synthetic],
    ['reference', reference],
  ]);
  const scale = featureScale(options.scaleBy ?? reference);
  const t = standardize(targets, scale);
  const s = standardize(synthetic, scale);
  const r = standardize(reference, scale);
  const hs = options.bandwidthSynthetic ?? scottBandwidth(synthetic.n, d);
  const hr = options.bandwidthReference ?? scottBandwidth(reference.n, d);
  if (!(hs > 0) || !(hr > 0)) throw new RangeError(`densityRatioScores: bandwidths must be > 0, got ${hs}, ${hr}`);
  const ls = logKde(t, targets.n, s, synthetic.n, d, hs);
  const lr = logKde(t, targets.n, r, reference.n, d, hr);
  return ls.map((v, i) => v - lr[i]);
}

/** A model-based score function: one number per patient (larger = more member-like). */
export type ScoreFn = (patients: PatientRows) => ArrayLike<number>;

/** Applies a score function and checks it returned one finite number per patient. */
export function scoreWith(scoreFn: ScoreFn, targets: PatientRows): Float64Array {
  dims('targets', targets);
  const raw = scoreFn(targets);
  if (raw.length !== targets.n) throw new RangeError(`score function returned ${raw.length} scores for ${targets.n} patients`);
  const out = Float64Array.from(raw);
  out.forEach((v, i) => {
    if (Number.isNaN(v)) throw new RangeError(`score function returned NaN for patient ${i}`);
  });
  return out;
}
