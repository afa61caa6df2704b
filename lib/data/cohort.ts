/**
 * The preprocessed cohort: the contract between `lib/data` (which builds it) and
 * every later stage (GAN training, evaluation, plots).
 *
 * Layout follows the original Preprocess.ipynb: one patient is a 3 x 12 matrix,
 * rows = measures (SBP, DBP, N_BPCLASSES), columns = visits RZ..27M, values
 * divided by the per-measure maxima of bp.csv so they lie in [0, 1].
 */

/** The 12 visits kept by the study, in time order. */
export const VISITS = ['RZ', '1M', '2M', '3M', '6M', '9M', '12M', '15M', '18M', '21M', '24M', '27M'] as const;
export type Visit = (typeof VISITS)[number];

/** The three measures, in row order of a patient matrix. */
export const MEASURES = ['SBP', 'DBP', 'N_BPCLASSES'] as const;
export type Measure = (typeof MEASURES)[number];

export const N_MEASURES = MEASURES.length; // 3
export const N_VISITS = VISITS.length; // 12
export const N_FEATURES = N_MEASURES * N_VISITS; // 36

/** Treatment arm: 0 = standard (SBP < 140), 1 = intensive (SBP < 120). */
export type Arm = 0 | 1;

export interface Cohort {
  /** Number of patients. */
  n: number;
  /**
   * Normalized values, row-major [patient][measure][visit]:
   * x[i*36 + m*12 + v] = raw value / maxima[m].
   */
  x: Float32Array;
  /** Arm label per patient (INTENSIVE from baseline.csv). */
  y: Uint8Array;
  /** Participant ids (MASKID), in the same order as x and y. */
  maskIds: string[];
  /** Per-measure maxima used for normalization (SBP, DBP, N_BPCLASSES). */
  maxima: [number, number, number];
}

/**
 * `n:hash`, the hash 32-bit FNV-1a over the bytes of the values (float32) and
 * then the labels: identifies a cohort (a run's training set, a test set).
 */
export function cohortFingerprint(c: Pick<Cohort, 'n' | 'x' | 'y'>): string {
  let h = 0x811c9dc5;
  const mix = (bytes: Uint8Array): void => {
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193);
    }
  };
  mix(new Uint8Array(c.x.buffer, c.x.byteOffset, c.x.byteLength));
  mix(c.y);
  return `${c.n}:${(h >>> 0).toString(16)}`;
}
