/**
 * Per-arm, per-visit medians of a cohort, in original units (mmHg for SBP and
 * DBP, count for N_BPCLASSES): the numbers behind Figure 2 and the
 * preprocess notebook's trajectory plot.
 */
import { MEASURES, N_FEATURES, N_MEASURES, N_VISITS, VISITS } from '../data/cohort';
import type { Measure } from '../data/cohort';
import { PlotError } from './errors';

/**
 * The plain arrays a median needs; a `Cohort` from `lib/data` fits, and so do
 * synthetic samples (x normalized, layout [patient][measure][visit]).
 */
export interface CohortLike {
  /** Normalized values, x[i*36 + m*12 + v] = raw / maxima[m]. */
  x: ArrayLike<number>;
  /** Arm per patient: 0 = standard, 1 = intensive. */
  y: ArrayLike<number>;
  /** Per-measure maxima used for normalization (SBP, DBP, N_BPCLASSES). */
  maxima: ArrayLike<number>;
}

/** One value per visit (RZ..27M) for each arm. */
export interface ArmSeries {
  standard: number[];
  intensive: number[];
}

/**
 * Median of the finite values of `values` (mean of the two middle ones for an
 * even count); NaN when there is none.
 */
export function median(values: ArrayLike<number>): number {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) v.push(values[i]);
  if (v.length === 0) return NaN;
  v.sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function checkCohort(c: CohortLike): number {
  const n = c.y.length;
  if (c.x.length !== n * N_FEATURES) {
    throw new PlotError(
      `cohort: x has ${c.x.length} values but y has ${n} patients; expected x.length = ${n} x ${N_FEATURES} ` +
        `(layout [patient][measure][visit]). Pass x, y and maxima of the same cohort.`,
    );
  }
  if (c.maxima.length !== N_MEASURES) {
    throw new PlotError(`cohort: maxima has ${c.maxima.length} values, expected ${N_MEASURES} (SBP, DBP, N_BPCLASSES).`);
  }
  for (let i = 0; i < n; i++) {
    if (c.y[i] !== 0 && c.y[i] !== 1) {
      throw new PlotError(`cohort: y[${i}] = ${c.y[i]}; arms must be 0 (standard) or 1 (intensive).`);
    }
  }
  return n;
}

/**
 * Median of one measure at each of the 12 visits, per arm, in original units
 * (normalized value x maxima[measure]). An arm without patients gives NaN
 * (drawn as a gap).
 */
export function medianByVisit(cohort: CohortLike, measure: Measure): ArmSeries {
  const n = checkCohort(cohort);
  const m = MEASURES.indexOf(measure);
  if (m < 0) throw new PlotError(`medianByVisit: unknown measure "${measure}"; expected one of ${MEASURES.join(', ')}.`);
  const scale = cohort.maxima[m];
  const out: ArmSeries = { standard: [], intensive: [] };
  const byArm: [number[], number[]] = [[], []];
  for (let v = 0; v < N_VISITS; v++) {
    byArm[0].length = 0;
    byArm[1].length = 0;
    for (let i = 0; i < n; i++) {
      byArm[cohort.y[i]].push(cohort.x[i * N_FEATURES + m * N_VISITS + v] * scale);
    }
    out.standard.push(median(byArm[0]));
    out.intensive.push(median(byArm[1]));
  }
  return out;
}

/** Median systolic blood pressure (mmHg) per visit and arm: Figure 2's series. */
export function medianSbpByVisit(cohort: CohortLike): ArmSeries {
  return medianByVisit(cohort, 'SBP');
}

/** How close a synthetic cohort's median curves are to the real ones (Figure 2's question, in numbers). */
export interface MedianAgreement {
  /** Mean |synthetic - real| over the visits, per arm (units of the medians, mmHg for SBP). */
  standard: number;
  intensive: number;
  /** Standard minus intensive at the `visit` (default the last, 27M): the trial's effect as the medians show it. */
  gapReal: number;
  gapSynthetic: number;
}

/** Mean absolute distance per arm between two sets of median curves, and the arm gap at one visit. */
export function medianAgreement(real: ArmSeries, synthetic: ArmSeries, visit = VISITS.length - 1): MedianAgreement {
  const distance = (a: number[], b: number[]) => {
    if (a.length !== b.length) throw new PlotError(`medianAgreement: ${a.length} real medians but ${b.length} synthetic ones.`);
    return a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
  };
  return {
    standard: distance(real.standard, synthetic.standard),
    intensive: distance(real.intensive, synthetic.intensive),
    gapReal: real.standard[visit] - real.intensive[visit],
    gapSynthetic: synthetic.standard[visit] - synthetic.intensive[visit],
  };
}
