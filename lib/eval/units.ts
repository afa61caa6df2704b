/**
 * The feature matrices classifiers are trained and tested on: patients in raw
 * units (mmHg, number of medication classes), as in the original study.
 *
 * The original's score_epochs.py / Analysis.ipynb worked on X_processed.pkl,
 * which Preprocess.ipynb wrote in raw units, and treated generated patients
 * as
 *
 *     gen_X_train = generated.astype(int)    # numpy float -> int: truncation toward 0
 *     gen_X_train = gen_X_train.clip(min=0)
 *
 * i.e. TRUNCATION, not rounding (139.9 -> 139, -3.7 -> -3 -> 0), and numpy's
 * float -> int cast of NaN or +-Inf gives INT64_MIN, which the clip turns
 * into 0. `syntheticFeatures` does exactly that by default (`'truncate'`):
 * v -> max(0, trunc(v)), non-finite -> 0. `'round'` (nearest integer, then
 * clip) and `'none'` (clip only) are offered for comparison; truncation biases
 * every generated value down by ~0.5 units, which the paper lived with.
 *
 * Our cohort stores x = raw / maxima[m] in float32 (lib/data/cohort.ts), so
 * x * maxima[m] carries float32 error (140 comes back as 139.99999...), which
 * truncation would turn into 139. Both synthetic and real values are therefore
 * mapped back to raw units with 4 decimals (`Math.round(v * 1e4) / 1e4`),
 * exact for every value the SPRINT files can hold, BEFORE truncating. Real
 * patients are not truncated (the original tested on the real values as read).
 */
import { N_FEATURES, N_MEASURES, N_VISITS, type Cohort } from '../data/cohort';

/** How generated values become the integers the original trained on. */
export type SyntheticRounding = 'truncate' | 'round' | 'none';

/** x * maxima[m] with 4 decimals (undoes the float32 error of the normalized store). */
function rawValue(x: number, max: number): number {
  return Math.round(x * max * 1e4) / 1e4;
}

/** A cohort's patients in raw units (row-major [patient][measure][visit], 36 columns). */
export function realFeatures(c: Pick<Cohort, 'n' | 'x' | 'maxima'>): Float64Array {
  const out = new Float64Array(c.n * N_FEATURES);
  for (let i = 0; i < c.n; i++) {
    for (let m = 0; m < N_MEASURES; m++) {
      const base = i * N_FEATURES + m * N_VISITS;
      for (let v = 0; v < N_VISITS; v++) out[base + v] = rawValue(c.x[base + v], c.maxima[m]);
    }
  }
  return out;
}

/**
 * Generated patients in raw units, treated as the original did (see the
 * module comment): by default max(0, trunc(value)), non-finite values -> 0.
 */
export function syntheticFeatures(c: Pick<Cohort, 'n' | 'x' | 'maxima'>, rounding: SyntheticRounding = 'truncate'): Float64Array {
  const out = realFeatures(c);
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (!Number.isFinite(v)) {
      out[i] = 0;
      continue;
    }
    const r = rounding === 'truncate' ? Math.trunc(v) : rounding === 'round' ? Math.round(v) : v;
    out[i] = r > 0 ? r : 0;
  }
  return out;
}
