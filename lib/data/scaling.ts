/**
 * The space the GAN trains in.
 *
 * lib/data's cohorts hold x = raw / maximum per measure (the original's
 * normalization, values in [0, 1]). The paper's GAN trains on those values
 * directly. There the real patients' spread is tiny: SBP varies by ~14 mmHg
 * within an arm, 0.06 on a 0-to-233 scale, and the arms differ by 0.07. A
 * discriminator needs large weights to see such differences, which take many
 * DP steps to grow while noise of a fixed size is added to every weight; and
 * a generator that starts near 0 must first find the level of every visit.
 * Measured (README, "A private cohort in batched mode"): private batched
 * runs on the [0, 1] scale drift by tens of mmHg per visit from epoch to
 * epoch. Scaling alone does not stop the generator's mode collapse (the
 * diversity term of lib/generators/acgan/step.ts does); with both, per-visit SBP medians
 * stay mostly within 5 mmHg of the real ones.
 *
 * A {@link DataScaling} trains instead on (raw - center) / scale per measure,
 * with constants fixed in advance, not computed from the training data: the
 * real patients then have levels near 0 and spread near 1, and the generator
 * starts at a plausible level. Being data-independent, the constants cost no
 * privacy, and generated values map back to raw units without the data's
 * maxima (raw = value x scale + center).
 */
import type { Cohort } from './cohort';
import { BP_RANGES } from './format';

/** Per-measure (SBP, DBP, N_BPCLASSES) center and scale, in raw units. */
export interface DataScaling {
  center: [number, number, number];
  scale: [number, number, number];
}

/**
 * Constants from the SPRINT publications (shared/SPRINT_FACTS.md, NEJM 2015):
 * SBP about 121-136 mmHg after randomization by arm, sd 14-15; DBP 68-76
 * mmHg; 1.8-2.8 medication classes by arm. Rounded: they only need to put
 * the data near 0 with spread near 1.
 */
export const SPRINT_SCALING: DataScaling = { center: [130, 72, 2.2], scale: [15, 12, 1.2] };

/**
 * Per-measure maxima fixed in advance, from no patient: the upper ends of the
 * SPRINT format's accepted ranges (./format.ts BP_RANGES: SBP 300 mmHg, DBP
 * 200 mmHg, 10 medication classes). A cohort's own maxima (lib/data
 * preprocess) are each one patient's exact value; a model that is shared
 * (the Gaussian's, the Markov-Gaussian's run folder) keeps none, and its
 * sampled patients are normalized on these unless the caller asks for its
 * own cohort's (`sampleFromRun(run, n, { maxima })`).
 */
export const PUBLIC_MAXIMA: readonly [number, number, number] = [BP_RANGES.SBP.max, BP_RANGES.DBP.max, BP_RANGES.N_BPCLASSES.max];

/**
 * The same patients normalized on other maxima: x' = x * old / new per
 * measure (raw values unchanged, up to float32 rounding). Returns the cohort
 * itself when the maxima are equal.
 */
export function renormalize(c: Cohort, maxima: readonly [number, number, number]): Cohort {
  if (!(maxima.length === 3 && maxima.every((m) => typeof m === 'number' && m > 0 && Number.isFinite(m)))) {
    throw new RangeError(`renormalize: maxima must be three positive numbers (SBP, DBP, N_BPCLASSES), got ${JSON.stringify(maxima)}`);
  }
  if (maxima.every((m, i) => m === c.maxima[i])) return c;
  const per = c.n > 0 ? c.x.length / c.n : 0;
  const x = perMeasureAffine(Float32Array.from(c.x), per, c.maxima.map((m, i) => m / maxima[i]), [0, 0, 0]);
  return { ...c, x, maxima: [maxima[0], maxima[1], maxima[2]] };
}

/** The named scalings (`sprint-gan train --scaling NAME`); `max` = null = the paper's [0, 1] values. */
export const SCALINGS = { max: null, sprint: SPRINT_SCALING } as const;

/** The scaling called `name` in {@link SCALINGS}; throws on any other name. */
export function namedScaling(name: string): DataScaling | null {
  if (!Object.prototype.hasOwnProperty.call(SCALINGS, name)) {
    throw new Error(`unknown scaling '${name}': expected one of ${Object.keys(SCALINGS).join(', ')}`);
  }
  return SCALINGS[name as keyof typeof SCALINGS];
}

/** Throws unless `s` is null or three finite centers and three positive finite scales. */
export function validateScaling(s: DataScaling | null): void {
  if (s === null) return;
  const ok = (a: unknown, positive: boolean) =>
    Array.isArray(a) && a.length === 3 && a.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
  if (!ok(s.center, false) || !ok(s.scale, true)) {
    throw new Error(`data scaling needs three finite centers and three positive scales (SBP, DBP, N_BPCLASSES), got ${JSON.stringify(s)}`);
  }
}

/** x = x * a[m] + b[m] in place for each measure m of each patient (patient-major, [measure][visit]). */
function perMeasureAffine(x: Float32Array, valuesPerPatient: number, a: number[], b: number[]): Float32Array {
  const nv = valuesPerPatient / a.length;
  for (let start = 0; start < x.length; start += valuesPerPatient) {
    for (let m = 0; m < a.length; m++) {
      for (let v = 0; v < nv; v++) x[start + m * nv + v] = x[start + m * nv + v] * a[m] + b[m];
    }
  }
  return x;
}

/**
 * Cohort values (x = raw / maxima, patient-major) into the GAN's space,
 * (x * maxima - center) / scale, in place. Null scaling: unchanged.
 */
export function intoGanSpace(x: Float32Array, maxima: ArrayLike<number>, s: DataScaling | null, valuesPerPatient: number): Float32Array {
  if (s === null) return x;
  validateScaling(s);
  return perMeasureAffine(x, valuesPerPatient, s.scale.map((sc, m) => maxima[m] / sc), s.center.map((c, m) => -c / s.scale[m]));
}

/** A copy of the cohort with x in the GAN's space ({@link intoGanSpace}). Null scaling: the cohort itself. */
export function toGanSpace(c: Cohort, s: DataScaling | null): Cohort {
  if (s === null) return c;
  return { ...c, x: intoGanSpace(Float32Array.from(c.x), c.maxima, s, c.x.length / c.n) };
}

/**
 * Generated values (patient-major, [measure][visit] per patient) from the
 * GAN's space back to the cohort's x = raw / maxima, in place. Null scaling:
 * unchanged.
 */
export function fromGanSpace(x: Float32Array, maxima: ArrayLike<number>, s: DataScaling | null, valuesPerPatient: number): Float32Array {
  if (s === null) return x;
  return perMeasureAffine(x, valuesPerPatient, s.scale.map((sc, m) => sc / maxima[m]), s.center.map((c, m) => c / maxima[m]));
}
