/**
 * The file format of the SPRINT release (NEJM SPRINT Challenge / BioLINCC):
 * file names, columns, visit codes and the plausible range of each measure.
 * Shared by the simulator (which writes this format) and the loader (which
 * checks it).
 */

export const BASELINE_FILE = 'baseline.csv';
export const BP_FILE = 'bp.csv';

/** Columns of baseline.csv, in the release's order (30 columns). */
export const BASELINE_COLUMNS = [
  'MASKID', 'INTENSIVE', 'NEWSITEID', 'RISK10YRS', 'INCLUSIONFRS', 'SBP', 'DBP',
  'N_AGENTS', 'NOAGENTS', 'SMOKE_3CAT', 'ASPIRIN', 'EGFR', 'SCREAT', 'SUB_CKD',
  'RACE_BLACK', 'AGE', 'FEMALE', 'SUB_CVD', 'SUB_CLINICALCVD', 'SUB_SUBCLINICALCVD',
  'SUB_SENIOR', 'RACE4', 'CHR', 'GLUR', 'HDL', 'TRR', 'UMALCR', 'BMI', 'STATIN',
  'SBPTERTILE',
] as const;
export type BaselineColumn = (typeof BASELINE_COLUMNS)[number];

/** Columns of bp.csv, in the release's order. */
export const BP_COLUMNS = ['MASKID', 'VISITCODE', 'SBP', 'DBP', 'N_BPCLASSES'] as const;
export type BpColumn = (typeof BP_COLUMNS)[number];

/**
 * All 21 visit codes of bp.csv in time order: randomization (RZ), monthly for
 * three months, then every three months up to 54 months.
 */
export const ALL_VISIT_CODES = [
  'RZ', '1M', '2M', '3M', '6M', '9M', '12M', '15M', '18M', '21M', '24M', '27M',
  '30M', '33M', '36M', '39M', '42M', '45M', '48M', '51M', '54M',
] as const;
export type VisitCode = (typeof ALL_VISIT_CODES)[number];

/** Months since randomization of each visit code. */
export function visitMonth(code: VisitCode): number {
  return code === 'RZ' ? 0 : Number(code.slice(0, -1));
}

/**
 * The release's row order inside one participant: VISITCODE sorted as text
 * (12M, 15M, 18M, 1M, 21M, ..., 9M, RZ), not by time.
 */
export const TEXT_SORTED_VISIT_CODES: readonly VisitCode[] = [...ALL_VISIT_CODES].sort((a, b) =>
  a < b ? -1 : a > b ? 1 : 0,
);

/** MASKID pattern of the release: "S" and five digits, e.g. S00007. */
export const MASKID_PATTERN = /^S\d{5}$/;

/**
 * Participant ids of synthetic patients: "SYN-", one capital letter naming
 * the generator family (A AC-GAN, G Gaussian, M Markov-Gaussian), and at
 * least six digits, e.g. SYN-M000001. Never a release MASKID, so a synthetic
 * patient cannot be mistaken for (or joined with) a real one.
 */
export const SYNTHETIC_MASKID_PATTERN = /^SYN-[A-Z]\d{6,}$/;

/** `n` synthetic ids of family `tag` (one capital letter), numbered from `first` (default 1): SYN-M000001, ... */
export function syntheticMaskIds(tag: string, n: number, first = 1): string[] {
  if (!/^[A-Z]$/.test(tag)) throw new RangeError(`syntheticMaskIds: the family tag must be one capital letter, got '${tag}'`);
  if (!Number.isInteger(first) || first < 1) throw new RangeError(`syntheticMaskIds: the first number must be a positive integer, got ${first}`);
  return Array.from({ length: n }, (_, i) => `SYN-${tag}${String(first + i).padStart(6, '0')}`);
}

/** Closed range [min, max] accepted for a numeric column; values outside are errors. */
export interface ValueRange {
  min: number;
  max: number;
  /** Whole numbers only (e.g. medication counts, 0/1 flags). */
  integer?: boolean;
  /** What the value is, for error messages. */
  what: string;
}

/** Ranges checked in bp.csv. */
export const BP_RANGES: Record<'SBP' | 'DBP' | 'N_BPCLASSES', ValueRange> = {
  SBP: { min: 50, max: 300, what: 'systolic blood pressure in mmHg' },
  DBP: { min: 20, max: 200, what: 'diastolic blood pressure in mmHg' },
  N_BPCLASSES: { min: 0, max: 10, integer: true, what: 'number of antihypertensive medication classes' },
};

/** Ranges checked in baseline.csv (INTENSIVE is checked separately: exactly 0 or 1). */
export const BASELINE_RANGES: Partial<Record<BaselineColumn, ValueRange>> = {
  SBP: { min: 50, max: 300, what: 'systolic blood pressure in mmHg' },
  DBP: { min: 20, max: 200, what: 'diastolic blood pressure in mmHg' },
  AGE: { min: 18, max: 120, what: 'age in years' },
};
