/**
 * A tiny hand-checkable cohort for the plots tests: 5 patients, maxima
 * (200, 100, 4). Only SBP at RZ and 1M and DBP at RZ vary by hand; every other
 * value is 0.5 (SBP 100 mmHg, DBP 50 mmHg, 2 classes).
 */
import { N_FEATURES, N_VISITS } from '../../lib/data/cohort';
import type { CohortLike } from '../../lib/plots';

export const MAXIMA: [number, number, number] = [200, 100, 4];

/** SBP (mmHg) at RZ and 1M per patient; arms y. */
export const SBP_RZ = [150, 130, 170, 120, 110];
export const SBP_1M = [140, 120, 160, 125, 105];
export const DBP_RZ = [80, 70, 90, 60, 75];
export const ARMS = [0, 0, 0, 1, 1];

export function tinyCohort(): CohortLike {
  const n = ARMS.length;
  const x = new Float32Array(n * N_FEATURES).fill(0.5);
  for (let i = 0; i < n; i++) {
    x[i * N_FEATURES + 0 * N_VISITS + 0] = SBP_RZ[i] / MAXIMA[0];
    x[i * N_FEATURES + 0 * N_VISITS + 1] = SBP_1M[i] / MAXIMA[0];
    x[i * N_FEATURES + 1 * N_VISITS + 0] = DBP_RZ[i] / MAXIMA[1];
  }
  return { x, y: Uint8Array.from(ARMS), maxima: MAXIMA };
}

/** Twelve numbers a, a-step, ... (a median series for Figure 2). */
export function series(a: number, step = 1): number[] {
  return Array.from({ length: N_VISITS }, (_, i) => a - step * i);
}
