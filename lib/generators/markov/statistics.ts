/**
 * The exact statistics the Markov-Gaussian release measures, before noise,
 * and the fixed encoding of one patient they are built from. Exported so
 * the tests can check the sensitivity bounds the privacy rests on.
 *
 * Encoding of a patient (all constants fixed in advance, none from data):
 * - medication classes k_v at the 12 visits, rounded and clamped to
 *   0..maxClasses; the change since RZ, c_v = k_v - k_0, clamped to
 *   [changeMin, changeMax] (state index c_v - changeMin);
 * - blood pressure in the SPRINT scaling, (SBP - 130) / 15 and
 *   (DBP - 72) / 12 (the constants of lib/data/scaling.ts, from the SPRINT
 *   publications); the 11 values after RZ of each measure winsorized at
 *   +-winsor around their median (a function of the patient's record alone,
 *   so the sensitivity below is unchanged; it tames single wide readings,
 *   which would otherwise widen the Gaussian for every patient);
 * - the regressors of the blood pressure: (k_0 - 2.2) / 1.2, c_1, the mean
 *   of c_2..c_11, arm - 0.5; then the constant 1.
 */
import { N_FEATURES, N_VISITS, type Cohort } from '../../data/cohort';

/** Blood-pressure values per patient (SBP and DBP at 12 visits). */
export const PRESSURE_VALUES = 2 * N_VISITS;
/** Regressors of the blood pressure (entry classes, change at 1M, mean change later, arm). */
export const REGRESSORS = 4;
/** Length of the moment vector z: pressure, regressors, the constant 1. */
export const MOMENT_DIM = PRESSURE_VALUES + REGRESSORS + 1;
/** Count tables per arm each patient adds one to: the entry classes and 11 visit-to-visit transitions. */
export const TABLES_PER_PATIENT = N_VISITS;

/** SPRINT scaling of SBP and DBP (center, scale in mmHg), fixed in advance. */
export const PRESSURE_CENTER: readonly [number, number] = [130, 72];
export const PRESSURE_SCALE: readonly [number, number] = [15, 12];
/** Centering of the entry medication classes. */
export const CLASSES_CENTER = 2.2;
export const CLASSES_SCALE = 1.2;

export interface EncodingSettings {
  maxClasses: number;
  changeMin: number;
  changeMax: number;
  /** Winsorization half-width in scaled units (Infinity: none). */
  winsor: number;
  /** L2 clip norm of z (Infinity: none). */
  clipNorm: number;
}

/** The regressors of a medication trajectory (already clamped) and arm. */
export function regressors(classes: ArrayLike<number>, arm: number, out: Float64Array | number[] = new Float64Array(REGRESSORS), offset = 0): Float64Array | number[] {
  let later = 0;
  for (let v = 2; v < N_VISITS; v++) later += classes[v] - classes[0];
  out[offset] = (classes[0] - CLASSES_CENTER) / CLASSES_SCALE;
  out[offset + 1] = classes[1] - classes[0];
  out[offset + 2] = later / (N_VISITS - 2);
  out[offset + 3] = arm - 0.5;
  return out;
}

/**
 * Medication classes of patient i, clamped to 0..maxClasses, with the change
 * since RZ clamped to [changeMin, changeMax] (so k_v = k_0 + c_v exactly).
 */
export function patientClasses(c: Cohort, i: number, s: EncodingSettings): Int32Array {
  const k = new Int32Array(N_VISITS);
  const base = i * N_FEATURES + 2 * N_VISITS;
  for (let v = 0; v < N_VISITS; v++) {
    const raw = Math.round(c.x[base + v] * c.maxima[2]);
    if (!Number.isFinite(raw)) throw new RangeError(`markov: patient ${i} has a non-finite medication count at visit ${v}`);
    k[v] = Math.min(s.maxClasses, Math.max(0, raw));
  }
  for (let v = 1; v < N_VISITS; v++) k[v] = k[0] + Math.min(s.changeMax, Math.max(s.changeMin, k[v] - k[0]));
  return k;
}

/** The moment vector z of patient i (before clipping) into `out`; returns its L2 norm. */
export function momentVector(c: Cohort, i: number, classes: ArrayLike<number>, s: EncodingSettings, out: Float64Array): number {
  for (let m = 0; m < 2; m++) {
    const base = i * N_FEATURES + m * N_VISITS;
    for (let v = 0; v < N_VISITS; v++) {
      const raw = c.x[base + v] * c.maxima[m];
      if (!Number.isFinite(raw)) throw new RangeError(`markov: patient ${i} has a non-finite blood pressure at visit ${v}`);
      out[m * N_VISITS + v] = (raw - PRESSURE_CENTER[m]) / PRESSURE_SCALE[m];
    }
    if (Number.isFinite(s.winsor)) {
      // the 11 visits after RZ, around their median (RZ precedes treatment and is left as it is)
      const sorted = Array.from(out.subarray(m * N_VISITS + 1, (m + 1) * N_VISITS)).sort((a, b) => a - b);
      const median = sorted[(N_VISITS - 2) / 2];
      for (let v = 1; v < N_VISITS; v++) {
        const j = m * N_VISITS + v;
        out[j] = Math.min(median + s.winsor, Math.max(median - s.winsor, out[j]));
      }
    }
  }
  regressors(classes, c.y[i], out, PRESSURE_VALUES);
  out[MOMENT_DIM - 1] = 1;
  let n2 = 0;
  for (let j = 0; j < MOMENT_DIM; j++) n2 += out[j] * out[j];
  return Math.sqrt(n2);
}

/** Index of the upper-triangle entry (j <= k) of a MOMENT_DIM x MOMENT_DIM matrix. */
export function triangleIndex(j: number, k: number): number {
  return j * MOMENT_DIM - (j * (j - 1)) / 2 + (k - j);
}
export const TRIANGLE_SIZE = (MOMENT_DIM * (MOMENT_DIM + 1)) / 2;

/**
 * One patient's contribution to the moment release: the upper triangle of
 * z z^T with the off-diagonal entries multiplied by sqrt(2), so that its L2
 * norm is exactly |z|^2 (sum over j of z_j^4 plus 2 x sum over j < k of
 * z_j^2 z_k^2 = (sum z_j^2)^2).
 */
export function addMomentContribution(z: ArrayLike<number>, factor: number, into: Float64Array): void {
  let idx = 0;
  for (let j = 0; j < MOMENT_DIM; j++) {
    const zj = z[j] * factor;
    into[idx++] += zj * zj;
    for (let k = j + 1; k < MOMENT_DIM; k++) into[idx++] += Math.SQRT2 * zj * z[k] * factor;
  }
}

/** Offsets in the medication count vector. */
export function tableLayout(s: Pick<EncodingSettings, 'maxClasses' | 'changeMin' | 'changeMax'>) {
  const entry = s.maxClasses + 1;
  const states = s.changeMax - s.changeMin + 1;
  const transitions = (N_VISITS - 1) * states * states;
  const perArm = entry + transitions;
  return {
    entry,
    states,
    perArm,
    size: 2 * perArm,
    /** Cell of the entry table of `arm` for k_0 = k. */
    entryCell: (arm: number, k: number) => arm * perArm + k,
    /** Cell of the transition table of `arm` into visit v (1..11) from state `from` to state `to`. */
    transitionCell: (arm: number, v: number, from: number, to: number) => arm * perArm + entry + ((v - 1) * states + from) * states + to,
  };
}

export interface ExactStatistics {
  /** Medication count vector (see tableLayout): each patient adds 1 to exactly 12 cells. */
  counts: Float64Array;
  /** Sum over patients of the clipped moment contribution (addMomentContribution). */
  moments: Float64Array;
  /** Patients whose z was longer than the clip norm: exact, NOT private (for the data owner). */
  clipped: number;
}

/** The exact statistics of a cohort (see the module comment). */
export function exactStatistics(c: Cohort, s: EncodingSettings): ExactStatistics {
  const layout = tableLayout(s);
  const counts = new Float64Array(layout.size);
  const moments = new Float64Array(TRIANGLE_SIZE);
  const z = new Float64Array(MOMENT_DIM);
  let clipped = 0;
  for (let i = 0; i < c.n; i++) {
    const arm = c.y[i];
    if (arm !== 0 && arm !== 1) throw new RangeError(`markov: patient ${i} has arm ${arm}, expected 0 or 1`);
    const k = patientClasses(c, i, s);
    counts[layout.entryCell(arm, k[0])]++;
    let from = -s.changeMin;
    for (let v = 1; v < N_VISITS; v++) {
      const to = k[v] - k[0] - s.changeMin;
      counts[layout.transitionCell(arm, v, from, to)]++;
      from = to;
    }
    const norm = momentVector(c, i, k, s, z);
    const factor = norm > s.clipNorm ? s.clipNorm / norm : 1;
    if (factor < 1) clipped++;
    addMomentContribution(z, factor, moments);
  }
  return { counts, moments, clipped };
}
