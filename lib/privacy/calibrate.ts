/**
 * Noise calibration: the smallest noise multiplier sigma whose epsilon (at the
 * given q, steps, delta) does not exceed a target.
 *
 * epsilon(sigma) is continuous and non-increasing in sigma for both accountants
 * (every RDP order's value decreases with sigma; the min over orders keeps that),
 * so bisection on a bracket [lo, hi] with eps(lo) > target >= eps(hi) converges.
 * The returned value is the upper end of the final bracket, so
 * epsilon(returned sigma) <= targetEpsilon always holds (conservative), and the
 * bracket is shrunk until epsilon(returned sigma) is within `tolerance` of the target.
 *
 * With `alongside` (the other mechanisms of the same release, e.g. the
 * private choice of epochs), epsilon(sigma) is the total that
 * lib/privacy/ledger.ts reports for the DP-SGD run composed with them; that
 * total is non-increasing in sigma too (each of the ledger's two routes is),
 * so the same bisection gives the smallest sigma whose whole release stays
 * within the target.
 */
import { checkDelta, checkEpsilon, checkSamplingProbability, checkSteps, PrivacyArgumentError } from './errors';
import { type LedgerEntry, PrivacyLedger } from './ledger';
import { pldEpsilon } from './pld';
import { Conversion, DEFAULT_ORDERS, rdpEpsilon } from './rdp';

export interface CalibrationParams {
  q: number;
  steps: number;
  delta: number;
  targetEpsilon: number;
  /** 'rdp' (default, milliseconds) or 'pld' (tighter, ~1 s per evaluation). */
  accountant?: 'rdp' | 'pld';
  orders?: readonly number[];
  conversion?: Conversion;
  /** PLD FFT size (see pldEpsilon). */
  fftSize?: number;
  /** Absolute tolerance on epsilon at the returned sigma (default 1e-4). */
  tolerance?: number;
  /**
   * Other mechanisms released with the DP-SGD run: the target then bounds
   * the ledger's total (RDP accountant, improved conversion only).
   */
  alongside?: readonly LedgerEntry[];
}

export function calibrateNoiseMultiplier(p: CalibrationParams): number {
  const q = checkSamplingProbability(p.q);
  const steps = checkSteps(p.steps);
  if (steps === 0) {
    throw new PrivacyArgumentError('steps', steps, 'an integer >= 1 (with 0 steps any sigma gives epsilon 0)');
  }
  const delta = checkDelta(p.delta);
  const target = checkEpsilon(p.targetEpsilon, 'targetEpsilon', true);
  const tolerance = p.tolerance ?? 1e-4;
  const accountant = p.accountant ?? 'rdp';
  if (accountant !== 'rdp' && accountant !== 'pld') {
    throw new PrivacyArgumentError('accountant', accountant, "'rdp' or 'pld'");
  }
  const orders = p.orders ?? DEFAULT_ORDERS;
  const alongside = p.alongside ?? [];
  if (alongside.length > 0) {
    if (accountant !== 'rdp' || (p.conversion ?? 'improved') !== 'improved') {
      throw new PrivacyArgumentError('alongside', 'entries', "the RDP accountant with the improved conversion (what the ledger composes with)");
    }
    const others = new PrivacyLedger({ orders });
    for (const e of alongside) others.add(e);
    const spent = others.epsilon(delta);
    if (!(spent < target)) {
      throw new Error(`calibration: the other mechanisms alone spend epsilon ${spent.toFixed(4)} >= the target ${target}; no noise makes room for training`);
    }
  }
  const rdpEps = (sigma: number): number =>
    rdpEpsilon({ q, noiseMultiplier: sigma, steps, delta, orders, conversion: p.conversion ?? 'improved' }).epsilon;
  const ledgerEps = (sigma: number): number => {
    const l = new PrivacyLedger({ orders }).addDpSgd('training', { q, noiseMultiplier: sigma, steps });
    for (const e of alongside) l.add(e);
    return l.epsilon(delta);
  };
  const eps =
    accountant === 'pld'
      ? (sigma: number): number => pldEpsilon({ q, noiseMultiplier: sigma, steps, delta, fftSize: p.fftSize }).epsilon
      : alongside.length > 0
        ? ledgerEps
        : rdpEps;

  // Bracket. For PLD, the RDP-calibrated sigma is a valid upper end (PLD eps <= RDP eps).
  let hi = accountant === 'pld' ? calibrateNoiseMultiplier({ ...p, accountant: 'rdp', tolerance: 1e-6 }) : 1;
  let epsHi = eps(hi);
  while (epsHi > target) {
    hi *= 2;
    if (hi > 1e7) throw new Error(`calibration: epsilon stays above ${target} even for sigma = 1e7`);
    epsHi = eps(hi);
  }
  let lo = hi / 2;
  while (eps(lo) <= target) {
    hi = lo;
    lo /= 2;
    if (lo < 1e-3) {
      throw new Error(`calibration: epsilon stays below ${target} even for sigma = 1e-3; no noise calibration needed?`);
    }
  }
  epsHi = eps(hi);
  for (let i = 0; i < 200; i++) {
    if (target - epsHi <= tolerance || hi - lo <= 1e-12 * hi) break;
    const mid = 0.5 * (lo + hi);
    const e = eps(mid);
    if (e <= target) {
      hi = mid;
      epsHi = e;
    } else lo = mid;
  }
  return hi;
}
