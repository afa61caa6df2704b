/**
 * A seeded, SPRINT-shaped synthetic cohort: the embedded default dataset.
 *
 * It writes `baseline.csv` and `bp.csv` in the real release's format (see
 * ./format.ts) so that the loader, the preprocessing and every notebook run
 * the same code on it as on the real files.
 *
 * Model (one participant at a time; draws from seeded streams derived from
 * the seed: 'maskid', 'arm', 'participants'):
 *
 * - Enrolment: SPRINT enrolled adults with screening SBP 130-180 mmHg. Each
 *   participant has a true level B = muB + sdB (z + skewB (z^2 - 1)) on their
 *   entry medication; the screening reading B + e must lie in [130, 180]
 *   (redrawn otherwise). The randomization (RZ) reading has fresh noise, so it
 *   regresses towards the mean and a few RZ readings fall below 130, as in the
 *   trial. Arms: exactly round(n x 4678/9361) intensive, shuffled.
 * - Medication: entry count M0 in 0..5 (mean ~1.85); each participant
 *   tolerates M0 + k classes (k from `extraClasses`, at most 7; k >= 1 for
 *   all but a few, so intensive titration adds a class early and keeps it,
 *   which is what lets a random forest tell the arms apart). At RZ and
 *   every later visit the clinician sees the measured SBP and titrates:
 *   intensive (< 120): add a class with probability pAddIntensive when the
 *   reading is >= 120, remove one (pRemoveIntensive) below lowIntensive;
 *   standard (< 140): add (pAddStandard) when >= 140, remove
 *   (pRemoveStandard) below 130. Each added class lowers SBP by the
 *   participant's sensitivity s ~ LogNormal(perClassMedian, perClassLogSd).
 * - Doses are also raised within classes, more the further the participant is
 *   above the arm's target (responseX x max(0, B - floorX) + N(0, sdDose)),
 *   reached over the first months (effectMonths); both arms get a small study
 *   effect (adherence, lifestyle). Poor attenders take a share
 *   (poorAdherence) of the whole treatment effect.
 * - Measured SBP = level - effect + slow AR(1) drift (sd sdDrift, monthly
 *   correlation rhoDrift) + visit noise (sd sdVisit, right-skewed by
 *   skewVisit, with an occasional wide reading). DBP = the participant's
 *   diastolic level (tied to B and age) + dbpShare x (drift - effect) + noise
 *   partly shared with the SBP noise, declining slowly with time (dbpPerYear).
 *   Values are whole mmHg, written as floats ("144.0") as in the release.
 * - Follow-up: administrative censoring (SPRINT stopped in Aug 2015; enrolment
 *   ran 2010-2013, so the last visit lies between 27M and 54M, drawn from
 *   `lastVisitSurvival`), permanent dropout (early dropout in the first year
 *   plus a constant hazard), and intermittently missed visits whose
 *   probability depends on a per-participant attendance propensity (poor vs
 *   good attenders). A few attended visits have missing values.
 *
 * The parameters live in {@link SIMULATION_PARAMETERS}; ./calibration.ts
 * compares the result with the published numbers.
 */
import { Random } from '../random';
import {
  ALL_VISIT_CODES,
  BASELINE_COLUMNS,
  BP_COLUMNS,
  TEXT_SORTED_VISIT_CODES,
  VisitCode,
  visitMonth,
} from './format';

/** Published arm sizes of SPRINT. */
export const SPRINT_PARTICIPANTS = 9361;
export const SPRINT_INTENSIVE = 4678;

/** The seed of the embedded default cohort. */
export const DEFAULT_SEED = 2015;

export interface SimulationParameters {
  /** Mean and sd of the true baseline SBP before the screening filter (mmHg). */
  muB: number;
  sdB: number;
  /** Right skew of the baseline level: level = muB + sdB (z + skewB (z^2 - 1)). */
  skewB: number;
  /** Noise of a single office reading at screening and RZ (mmHg). */
  sdReading: number;
  /** Distribution of entry medication classes 0, 1, 2, ... (probabilities). */
  entryMeds: number[];
  /** Median and log-sd of the SBP lowering of one medication class (mmHg). */
  perClassMedian: number;
  perClassLogSd: number;
  /**
   * Distribution of the number of classes a participant tolerates beyond the
   * entry count (0, 1, 2, 3). Its share of 0 sets how many intensive
   * participants never get an added class, the main lever of the forest's
   * arm-separation accuracy (RANDOM_FOREST_TARGET in ./calibration.ts).
   */
  extraClasses: number[];
  /** Titration probabilities at a visit (see the module doc). */
  pAddIntensive: number;
  pRemoveIntensive: number;
  /** Intensive: remove a class when the reading is below this (mmHg). */
  lowIntensive: number;
  pAddStandard: number;
  pRemoveStandard: number;
  /**
   * Dose intensification within classes: the reduction is
   * responseX x max(0, level - floorX) + N(0, sdDose), X = intensive / standard
   * (clinicians push doses harder the further a participant is above target).
   */
  responseIntensive: number;
  floorIntensive: number;
  responseStandard: number;
  floorStandard: number;
  sdDose: number;
  /** Study effect in both arms (mean, sd), mmHg. */
  studyEffect: number;
  sdStudyEffect: number;
  /** Months to reach the dose/study effects (exponential time constant). */
  effectMonths: number;
  /** Slow within-participant drift: sd (mmHg) and correlation per month. */
  sdDrift: number;
  rhoDrift: number;
  /** Visit-to-visit noise of SBP (mmHg) and the wide-reading mixture. */
  sdVisit: number;
  /** Right skew of the visit noise (high readings are more common than low ones). */
  skewVisit: number;
  pWide: number;
  sdWide: number;
  /** DBP: mean at entry, between-participant sd, slope on baseline SBP, age slope. */
  dbpMean: number;
  dbpSd: number;
  dbpOnSbp: number;
  dbpOnAge: number;
  /** Share of an SBP change carried to DBP. */
  dbpShare: number;
  /** DBP visit noise: part correlated with SBP noise and independent sd. */
  dbpNoiseOnSbp: number;
  sdDbpVisit: number;
  /** DBP decline per year of follow-up (mmHg). */
  dbpPerYear: number;
  /** Survival of administrative follow-up at 30M, 33M, ..., 54M. */
  lastVisitSurvival: number[];
  /** Permanent dropout hazard per month. */
  dropoutPerMonth: number;
  /** Share of participants who drop out early, at a uniform time in the first 12 months. */
  earlyDropout: number;
  /** Missed-visit probability at a visit by code (before the attendance factor). */
  missVisit: Partial<Record<VisitCode, number>>;
  missVisitDefault: number;
  /** Extra missed-visit probability of the standard arm at 2M (fewer titration visits). */
  missStandard2M: number;
  /** Share of poor attenders and their miss-probability multiplier (others: goodFactor). */
  poorAttenders: number;
  poorFactor: number;
  /** Share of the treatment effect that poor attenders get (they also take their pills less). */
  poorAdherence: number;
  goodFactor: number;
  /** Probabilities that an attended visit misses SBP+DBP, only DBP, or N_BPCLASSES. */
  pMissingBp: number;
  pMissingDbp: number;
  pMissingMeds: number;
}

/** Calibrated parameters of the embedded cohort (see ./calibration.ts for the fit). */
export const SIMULATION_PARAMETERS: SimulationParameters = {
  muB: 122.2,
  sdB: 15,
  skewB: 0.3,
  sdReading: 8,
  entryMeds: [0.09, 0.3, 0.35, 0.2, 0.05, 0.01],
  perClassMedian: 6,
  perClassLogSd: 0.45,
  // Intensive titration is near-universal and persistent: almost every
  // intensive participant gains (and keeps) at least one class. A 0-share of
  // 0.035 puts the arm-separating random forest at the real data's 0.93-0.94
  // (0.08 gave ~0.90); muB and dbpShare were re-fitted with it. See
  // RANDOM_FOREST_TARGET in ./calibration.ts.
  extraClasses: [0.035, 0.925, 0.03, 0.01],
  pAddIntensive: 0.6,
  pRemoveIntensive: 0.3,
  lowIntensive: 100,
  pAddStandard: 0.02,
  pRemoveStandard: 0.02,
  responseIntensive: 0.8,
  floorIntensive: 125,
  responseStandard: 0.4,
  floorStandard: 140,
  sdDose: 2,
  studyEffect: 2.5,
  sdStudyEffect: 3,
  effectMonths: 1.5,
  sdDrift: 3,
  rhoDrift: 0.8,
  sdVisit: 9,
  skewVisit: 0.25,
  pWide: 0.01,
  sdWide: 25,
  dbpMean: 74.3,
  dbpSd: 10,
  dbpOnSbp: 0.25,
  dbpOnAge: -0.45,
  dbpShare: 0.47,
  dbpNoiseOnSbp: 0.3,
  sdDbpVisit: 5,
  dbpPerYear: 0.5,
  lastVisitSurvival: [0.97, 0.87, 0.74, 0.59, 0.45, 0.33, 0.21, 0.11, 0.03],
  dropoutPerMonth: 0.004,
  earlyDropout: 0.04,
  missVisit: { '1M': 0.03, '2M': 0.035, '3M': 0.03 },
  missVisitDefault: 0.027,
  missStandard2M: 0.02,
  poorAttenders: 0.15,
  poorFactor: 3.5,
  goodFactor: 0.25,
  poorAdherence: 0.3,
  pMissingBp: 0.001,
  pMissingDbp: 0.0003,
  pMissingMeds: 0.001,
};

export interface SimulateOptions {
  /** Seed of the whole cohort; same seed, same bytes. Default {@link DEFAULT_SEED}. */
  seed?: number;
  /** Number of participants (default 9361, the SPRINT size). */
  participants?: number;
  /** Override some model parameters (for experiments and calibration). */
  parameters?: Partial<SimulationParameters>;
}

/** The two files of a simulated release, as CSV text. */
export interface SimulatedRelease {
  baselineCsv: string;
  bpCsv: string;
}

/** One baseline.csv row, as written (numbers or null for a missing value, RACE4 text). */
type BaselineRow = Record<string, number | string | null>;

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Draws an index from a discrete distribution. */
function categorical(rng: Random, probs: number[]): number {
  let u = rng.uniform();
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0) return i;
  }
  return probs.length - 1;
}

/** Formats a measured value the way the release does: whole mmHg as a float, "144.0"; missing as "". */
function bpValue(v: number | null): string {
  return v === null ? '' : `${v}.0`;
}

/** Rounds to `digits` decimals and prints without trailing noise ("29.732061", "5.8"). */
function decimal(v: number, digits: number): string {
  const f = 10 ** digits;
  return String(Math.round(v * f) / f);
}

/**
 * `count` distinct MASKIDs "S00001".."S99999", in increasing order (selection
 * sampling: each number is kept with probability needed/remaining).
 */
function drawMaskIds(rng: Random, count: number): string[] {
  const ids: string[] = [];
  const total = 99999;
  if (count > total) throw new RangeError(`simulateSprint: at most ${total} participants (MASKID has 5 digits)`);
  for (let k = 1; k <= total && ids.length < count; k++) {
    const remaining = total - k + 1;
    const needed = count - ids.length;
    if (rng.uniform() * remaining < needed) ids.push('S' + String(k).padStart(5, '0'));
  }
  return ids;
}

interface VisitRecord {
  code: VisitCode;
  sbp: number | null;
  dbp: number | null;
  meds: number | null;
}

/**
 * Simulates a SPRINT-shaped release. Pure function of its options: the same
 * seed gives byte-identical CSV text.
 */
export function simulateSprint(opts: SimulateOptions = {}): SimulatedRelease {
  const seed = opts.seed ?? DEFAULT_SEED;
  const n = opts.participants ?? SPRINT_PARTICIPANTS;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`simulateSprint: participants must be a positive integer, got ${n}`);
  const P: SimulationParameters = { ...SIMULATION_PARAMETERS, ...opts.parameters };
  const root = new Random(seed);
  const idRng = root.derive('maskid');
  const armRng = root.derive('arm');
  const rng = root.derive('participants');

  const maskIds = drawMaskIds(idRng, n);
  const nIntensive = Math.round((n * SPRINT_INTENSIVE) / SPRINT_PARTICIPANTS);
  const arms: number[] = armRng.shuffle(Array.from({ length: n }, (_, i) => (i < nIntensive ? 1 : 0)));

  const baselineLines: string[] = [BASELINE_COLUMNS.join(',')];
  const bpLines: string[] = [BP_COLUMNS.join(',')];
  const codes: readonly VisitCode[] = ALL_VISIT_CODES;
  const textOrder: readonly VisitCode[] = TEXT_SORTED_VISIT_CODES;
  const nVisits = codes.length;
  const months = codes.map(visitMonth);
  const textIndex = textOrder.map((c) => codes.indexOf(c));

  for (let i = 0; i < n; i++) {
    const arm = arms[i];
    const intensive = arm === 1;

    // --- baseline covariates -------------------------------------------
    let age = rng.normal(68.3, 9.2);
    while (age < 50 || age > 95) age = rng.normal(68.3, 9.2);
    age = Math.round(age);
    const female = rng.bernoulli(0.356) ? 1 : 0;
    const raceU = rng.uniform();
    const race4 = raceU < 0.299 ? 'BLACK' : raceU < 0.404 ? 'HISPANIC' : raceU < 0.981 ? 'WHITE' : 'OTHER';
    const entryMeds = categorical(rng, P.entryMeds);

    // Screening filter: screening reading within 130-180 mmHg.
    let level = 0;
    let screening = 0;
    do {
      const z = rng.normal();
      level = P.muB + P.sdB * (z + P.skewB * (z * z - 1));
      screening = level + rng.normal(0, P.sdReading);
    } while (screening < 130 || screening > 180);

    const dbpLevel =
      P.dbpMean + P.dbpOnSbp * (level - P.muB) + P.dbpOnAge * (age - 68) + rng.normal(0, P.dbpSd);
    const perClass = P.perClassMedian * Math.exp(rng.normal(0, P.perClassLogSd));
    const tolerance = Math.min(7, entryMeds + categorical(rng, P.extraClasses));
    const dose = intensive
      ? P.responseIntensive * Math.max(0, level - P.floorIntensive) + rng.normal(0, P.sdDose)
      : P.responseStandard * Math.max(0, level - P.floorStandard) + rng.normal(0, P.sdDose);
    const study = rng.normal(P.studyEffect, P.sdStudyEffect);

    // Follow-up: administrative last visit, dropout, attendance propensity.
    const survU = rng.uniform();
    let lastMonth = 27;
    for (let k = 0; k < P.lastVisitSurvival.length; k++) if (survU < P.lastVisitSurvival[k]) lastMonth = 30 + 3 * k;
    const lateDropout = -Math.log(1 - rng.uniform()) / P.dropoutPerMonth;
    const dropoutMonth = rng.bernoulli(P.earlyDropout) ? Math.min(lateDropout, 12 * rng.uniform()) : lateDropout;
    const poor = rng.bernoulli(P.poorAttenders);
    const attendance = poor ? P.poorFactor : P.goodFactor;
    const adherence = poor ? P.poorAdherence : 1;

    // --- visits in time order -------------------------------------------
    let meds = entryMeds;
    let drift = rng.normal(0, P.sdDrift);
    let prevMonth = 0;
    let rzSbp = 0;
    let rzDbp = 0;
    const byVisit: (VisitRecord | undefined)[] = new Array(nVisits);
    for (let k = 0; k < nVisits; k++) {
      const code = codes[k];
      const m = months[k];
      if (k > 0) {
        const r = P.rhoDrift ** (m - prevMonth);
        drift = r * drift + Math.sqrt(1 - r * r) * rng.normal(0, P.sdDrift);
        prevMonth = m;
      }
      const ramp = k === 0 ? 0 : 1 - Math.exp(-m / P.effectMonths);
      const effect = adherence * (perClass * (meds - entryMeds) + ramp * (dose + study));
      const wide = rng.bernoulli(P.pWide);
      const zv = rng.normal();
      const noise = wide ? P.sdWide * zv : P.sdVisit * (zv + P.skewVisit * (zv * zv - 1));
      const sbp = Math.round(clamp(level + drift - effect + noise, 70, 260));
      const dbpRaw =
        dbpLevel +
        P.dbpShare * (drift - effect) +
        P.dbpNoiseOnSbp * noise +
        rng.normal(0, P.sdDbpVisit) -
        (P.dbpPerYear * m) / 12;
      const dbp = Math.round(clamp(dbpRaw, 30, 150));
      if (k === 0) {
        rzSbp = sbp;
        rzDbp = dbp;
      }

      // Attendance: RZ always; afterwards censoring, dropout and missed visits.
      let attended = true;
      if (k > 0) {
        if (m > lastMonth || m > dropoutMonth) attended = false;
        else {
          let q = (P.missVisit[code] ?? P.missVisitDefault) * attendance;
          if (code === '2M' && !intensive) q += P.missStandard2M;
          if (rng.bernoulli(q)) attended = false;
        }
      }
      if (attended) {
        const missBp = k > 0 && rng.bernoulli(P.pMissingBp);
        const missDbp = k > 0 && rng.bernoulli(P.pMissingDbp);
        const missMeds = k > 0 && rng.bernoulli(P.pMissingMeds);
        byVisit[k] = {
          code,
          sbp: missBp ? null : sbp,
          dbp: missBp || missDbp ? null : dbp,
          meds: missMeds ? null : meds,
        };
      }

      // Titration decided on this reading, effective from the next visit.
      if (attended && k > 0 && m <= lastMonth) {
        if (intensive) {
          if (sbp >= 120 && meds < tolerance && rng.bernoulli(P.pAddIntensive)) meds++;
          else if (sbp < P.lowIntensive && meds > 0 && rng.bernoulli(P.pRemoveIntensive)) meds--;
        } else if (sbp >= 140 && meds < tolerance && rng.bernoulli(P.pAddStandard)) meds++;
        else if (sbp < 130 && meds > 0 && rng.bernoulli(P.pRemoveStandard)) meds--;
      } else if (k === 0 && intensive && sbp >= 120 && meds < tolerance && rng.bernoulli(P.pAddIntensive)) {
        meds++; // intensive: treatment is intensified at randomization
      }
    }

    // --- baseline.csv row ---------------------------------------------------
    const egfr = clamp(rng.normal(71.7, 20.6), 12, 160);
    const clinicalCvd = rng.bernoulli(0.17) ? 1 : 0;
    const subclinicalCvd = !clinicalCvd && rng.bernoulli(0.06) ? 1 : 0;
    const risk10 = clamp(18 * Math.exp(rng.normal(0, 0.5) + 0.03 * (age - 68)), 1, 90);
    const smoke = categorical(rng, [0.44, 0.42, 0.13, 0.01]) + 1;
    const nAgents = rng.bernoulli(0.9) ? entryMeds : Math.max(0, entryMeds - 1);
    const umalcr = Math.exp(Math.log(9.4) + rng.normal(0, 1.3));
    const bmi = clamp(rng.normal(29.9, 5.8), 15, 65);
    const row: BaselineRow = {
      MASKID: maskIds[i],
      INTENSIVE: arm,
      NEWSITEID: 1 + rng.int(0, 102),
      RISK10YRS: Number(decimal(risk10, 6)),
      INCLUSIONFRS: risk10 >= 15 ? 1 : 0,
      SBP: rzSbp,
      DBP: rzDbp,
      N_AGENTS: nAgents,
      NOAGENTS: nAgents === 0 ? 1 : 0,
      SMOKE_3CAT: smoke,
      ASPIRIN: rng.bernoulli(0.51) ? 1 : 0,
      EGFR: Number(decimal(egfr, 6)),
      SCREAT: Number(decimal(clamp(1.07 * (72 / egfr) ** 0.87 * (female ? 0.82 : 1.05), 0.4, 6), 2)),
      SUB_CKD: egfr < 60 ? 1 : 0,
      RACE_BLACK: race4 === 'BLACK' ? 1 : 0,
      AGE: age,
      FEMALE: female,
      SUB_CVD: clinicalCvd || subclinicalCvd ? 1 : 0,
      SUB_CLINICALCVD: clinicalCvd,
      SUB_SUBCLINICALCVD: subclinicalCvd,
      SUB_SENIOR: age >= 75 ? 1 : 0,
      RACE4: race4,
      CHR: rng.bernoulli(0.003) ? null : Math.round(clamp(rng.normal(190, 41), 70, 450)),
      GLUR: rng.bernoulli(0.003) ? null : Math.round(clamp(rng.normal(98.8, 13.5), 50, 200)),
      HDL: rng.bernoulli(0.003) ? null : Math.round(clamp(rng.normal(52.9, 14.5), 15, 150)),
      TRR: rng.bernoulli(0.003) ? null : Math.round(clamp(107 * Math.exp(rng.normal(0, 0.5)), 25, 1500)),
      UMALCR: rng.bernoulli(0.02) ? null : Number(decimal(umalcr, 2)),
      BMI: rng.bernoulli(0.004) ? null : Number(decimal(bmi, 6)),
      STATIN: rng.bernoulli(0.005) ? null : rng.bernoulli(0.43) ? 1 : 0,
      SBPTERTILE: rzSbp <= 132 ? 1 : rzSbp <= 145 ? 2 : 3,
    };
    baselineLines.push(
      BASELINE_COLUMNS.map((c) => {
        const v = row[c];
        if (v === null) return '';
        if (c === 'STATIN') return `${v}.0`; // a float column in the release (it has missing values)
        return String(v);
      }).join(','),
    );

    // --- bp.csv rows: VISITCODE in text order, as the release --------------
    for (let t = 0; t < nVisits; t++) {
      const v = byVisit[textIndex[t]];
      if (v) bpLines.push(`${maskIds[i]},${v.code},${bpValue(v.sbp)},${bpValue(v.dbp)},${bpValue(v.meds)}`);
    }
  }
  return { baselineCsv: baselineLines.join('\n') + '\n', bpCsv: bpLines.join('\n') + '\n' };
}
