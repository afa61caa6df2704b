/**
 * The port of SPRINT_gan's Preprocess.ipynb: validated tables -> cohort tensor.
 *
 * Semantics of the original (checked against its code):
 * - the 12 study visits RZ, 1M, 2M, 3M, 6M, ..., 27M (the original's 13th
 *   column, 30M, was sliced off before training);
 * - a visit counts only if bp.csv has exactly one row for it with SBP, DBP and
 *   N_BPCLASSES all present: the original wrote the three values only when all
 *   were non-null and left zeros otherwise, then kept a patient when no SBP
 *   was zero. So a missing DBP or N_BPCLASSES at a study visit drops the
 *   patient, exactly like a missing SBP; we do the same (the cohort then has no
 *   holes and no zeros standing for "unknown"). N_BPCLASSES = 0 (no
 *   medication) is a real value and is kept;
 * - 3 rows per patient (SBP, DBP, N_BPCLASSES): the original allocated 2 rows
 *   and wrote 3, so its training data had SBP and DBP only; we keep all three,
 *   as it meant to;
 * - label = INTENSIVE from baseline.csv; patients ordered by MASKID;
 * - normalization: each measure divided by its maximum over the whole bp.csv
 *   (all 21 visits, all participants), the maxima kept in the cohort so that
 *   values map back (the original left N_BPCLASSES unnormalized by a commented
 *   line; the cohort contract divides all three).
 *
 * Complexity: one pass over bp.csv (group by participant with a Map), then a
 * sort of the kept ids: O(rows + n log n), instead of the original's per-patient
 * filtering of the whole table (quadratic).
 */
import { Cohort, N_FEATURES, N_MEASURES, N_VISITS, VISITS } from './cohort';
import { SprintDataError } from './errors';
import { SprintTables } from './load';

export interface PreprocessOptions {
  /**
   * Per-measure maxima (SBP, DBP, N_BPCLASSES) to normalize by; default: the
   * column maxima of bp.csv, as the original. Pass a training cohort's maxima to
   * put another dataset on the same scale.
   */
  maxima?: [number, number, number];
}

/** What preprocessing kept and dropped, for the notebook's narration. */
export interface PreprocessReport {
  /** Participants in baseline.csv. */
  participants: number;
  /** Participants with at least one bp.csv row. */
  withVisits: number;
  /** Patients in the cohort (all 12 visits complete). */
  kept: number;
  /** Dropped: some study visit has no row. */
  droppedMissingVisit: number;
  /** Dropped: every study visit has a row but some value is missing. */
  droppedMissingValue: number;
  /** Kept per arm: [standard, intensive]. */
  keptByArm: [number, number];
  maxima: [number, number, number];
  /** Wall time in milliseconds. */
  ms: number;
}

const VISIT_INDEX = new Map<string, number>(VISITS.map((v, i) => [v, i]));
const ALL_VISITS_MASK = (1 << N_VISITS) - 1;

function columnMax(values: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i]; // NaN compares false
  return m;
}

/** {@link preprocess} with a report of what was kept and dropped. */
export function preprocessWithReport(
  tables: Pick<SprintTables, 'baseline' | 'bp'>,
  opts: PreprocessOptions = {},
): { cohort: Cohort; report: PreprocessReport } {
  const t0 = performance.now();
  const { baseline, bp } = tables;
  const maxima: [number, number, number] = opts.maxima ?? [columnMax(bp.sbp), columnMax(bp.dbp), columnMax(bp.nBpClasses)];
  for (let m = 0; m < N_MEASURES; m++) {
    if (!(maxima[m] > 0)) {
      throw new SprintDataError(`the maximum of a measure is ${maxima[m]}, so values cannot be normalized`, {
        code: 'no-cohort',
        file: bp.file,
        column: ['SBP', 'DBP', 'N_BPCLASSES'][m],
        expected: 'a positive maximum',
        hint: 'Check that the column holds values.',
      });
    }
  }

  // Group once: participant -> slot; raw values and two bitmasks per slot.
  const slotOf = new Map<string, number>();
  const ids: string[] = [];
  const rows = bp.maskId.length;
  let raw = new Float64Array(Math.max(16, Math.min(rows, 16384)) * N_FEATURES);
  let rowMask = new Uint16Array(raw.length / N_FEATURES); // visit has a row
  let fullMask = new Uint16Array(raw.length / N_FEATURES); // visit has all three values
  for (let r = 0; r < rows; r++) {
    const v = VISIT_INDEX.get(bp.visitCode[r]);
    const id = bp.maskId[r];
    let slot = slotOf.get(id);
    if (slot === undefined) {
      slot = ids.length;
      slotOf.set(id, slot);
      ids.push(id);
      if (slot * N_FEATURES >= raw.length) {
        const bigger = new Float64Array(raw.length * 2);
        bigger.set(raw);
        raw = bigger;
        const rm = new Uint16Array(rowMask.length * 2);
        rm.set(rowMask);
        rowMask = rm;
        const fm = new Uint16Array(fullMask.length * 2);
        fm.set(fullMask);
        fullMask = fm;
      }
    }
    if (v === undefined) continue; // visits after 27M are not in the cohort
    const s = bp.sbp[r];
    const d = bp.dbp[r];
    const k = bp.nBpClasses[r];
    rowMask[slot] |= 1 << v;
    if (s === s && d === d && k === k) {
      fullMask[slot] |= 1 << v;
      const base = slot * N_FEATURES;
      raw[base + v] = s;
      raw[base + N_VISITS + v] = d;
      raw[base + 2 * N_VISITS + v] = k;
    }
  }

  const armOf = new Map<string, number>();
  for (let i = 0; i < baseline.maskId.length; i++) armOf.set(baseline.maskId[i], baseline.intensive[i]);

  const keptSlots: number[] = [];
  let droppedMissingVisit = 0;
  let droppedMissingValue = 0;
  for (let slot = 0; slot < ids.length; slot++) {
    if (fullMask[slot] === ALL_VISITS_MASK) keptSlots.push(slot);
    else if (rowMask[slot] === ALL_VISITS_MASK) droppedMissingValue++;
    else droppedMissingVisit++;
  }
  keptSlots.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));

  const n = keptSlots.length;
  const x = new Float32Array(n * N_FEATURES);
  const y = new Uint8Array(n);
  const maskIds: string[] = new Array(n);
  const keptByArm: [number, number] = [0, 0];
  for (let i = 0; i < n; i++) {
    const slot = keptSlots[i];
    const id = ids[slot];
    const arm = armOf.get(id);
    if (arm === undefined) {
      throw new SprintDataError(`participant ${id} has visits but no baseline row`, {
        code: 'unknown-participant',
        file: bp.file,
        column: 'MASKID',
        value: id,
        expected: 'a MASKID listed in baseline.csv',
        hint: 'Use baseline.csv and bp.csv from the same release.',
      });
    }
    y[i] = arm;
    keptByArm[arm]++;
    maskIds[i] = id;
    const src = slot * N_FEATURES;
    const dst = i * N_FEATURES;
    for (let m = 0; m < N_MEASURES; m++) {
      const inv = maxima[m];
      for (let v = 0; v < N_VISITS; v++) {
        const j = m * N_VISITS + v;
        x[dst + j] = raw[src + j] / inv;
      }
    }
  }
  const cohort: Cohort = { n, x, y, maskIds, maxima: [maxima[0], maxima[1], maxima[2]] };
  const report: PreprocessReport = {
    participants: baseline.maskId.length,
    withVisits: ids.length,
    kept: n,
    droppedMissingVisit,
    droppedMissingValue,
    keptByArm,
    maxima: cohort.maxima,
    ms: performance.now() - t0,
  };
  return { cohort, report };
}

/**
 * Preprocessed cohort from validated tables: patients with all 12 study visits
 * complete, ordered by MASKID, normalized by the bp.csv maxima. See the module
 * doc for the exact rule.
 */
export function preprocess(tables: Pick<SprintTables, 'baseline' | 'bp'>, opts: PreprocessOptions = {}): Cohort {
  return preprocessWithReport(tables, opts).cohort;
}

/** The raw (un-normalized) value of patient i, measure m, visit v. */
export function rawValue(c: Cohort, i: number, m: number, v: number): number {
  return c.x[i * N_FEATURES + m * N_VISITS + v] * c.maxima[m];
}

/** The patients at `indices`, in that order, as a new cohort (same maxima). */
export function selectPatients(c: Cohort, indices: ArrayLike<number>): Cohort {
  const n = indices.length;
  const x = new Float32Array(n * N_FEATURES);
  const y = new Uint8Array(n);
  const maskIds: string[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (!(i >= 0 && i < c.n)) throw new RangeError(`selectPatients: index ${i} outside 0..${c.n - 1}`);
    x.set(c.x.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), k * N_FEATURES);
    y[k] = c.y[i];
    maskIds[k] = c.maskIds[i];
  }
  return { n, x, y, maskIds, maxima: [c.maxima[0], c.maxima[1], c.maxima[2]] };
}
