/**
 * Privacy accounting for DP-SGD and the other mechanisms of a run.
 *
 * - RDP accountant (Mironov et al. 2019), improved and classic conversions: {@link epsilonFor}, {@link deltaFor}.
 * - PLD accountant with a rigorous error bracket: {@link pldEpsilon}, {@link pldDelta}.
 * - Noise calibration: {@link calibrateNoiseMultiplier}.
 * - Budget ledger composing DP-SGD with pure-DP selections: {@link PrivacyLedger}.
 *
 * The paper's moments accountant = RDP at PAPER_MOMENTS_ORDERS (2..33) with the
 * classic conversion: `epsilonFor({q: 1/6000, noiseMultiplier: 1, steps: 3e6,
 * delta: 1e-5, orders: PAPER_MOMENTS_ORDERS, conversion: 'classic'})` = 1.893.
 * See docs/privacy.md.
 */
import { checkDelta, checkEpsilon } from './errors';
import {
  computeRdp,
  Conversion,
  DEFAULT_ORDERS,
  deltaFromRdp,
  epsilonFromRdp,
} from './rdp';

export { PrivacyArgumentError } from './errors';
export {
  computeRdp,
  deltaFromRdp,
  DEFAULT_ORDERS,
  epsilonFromRdp,
  OPACUS_ORDERS,
  PAPER_MOMENTS_ORDERS,
  rdpEpsilon,
  rdpPureDp,
  rdpSubsampledGaussian,
  TF_PRIVACY_TUTORIAL_ORDERS,
} from './rdp';
export type { Conversion } from './rdp';
export { pldDelta, pldEpsilon } from './pld';
export type { PldDeltaResult, PldDetails, PldEpsilonResult, PldOptions } from './pld';
export { calibrateNoiseMultiplier } from './calibrate';
export type { CalibrationParams } from './calibrate';
export { PrivacyLedger } from './ledger';
export type { LedgerEntry, LedgerReport, LedgerRow } from './ledger';

/** One DP-SGD run: Poisson sampling rate q, noise multiplier sigma, number of steps. */
export interface DpSgdParams {
  q: number;
  noiseMultiplier: number;
  steps: number;
}

/** epsilon of DP-SGD at `delta` by the RDP accountant (default: DEFAULT_ORDERS, improved conversion). */
export function epsilonFor(
  p: DpSgdParams & { delta: number; orders?: readonly number[]; conversion?: Conversion },
): number {
  checkDelta(p.delta);
  const orders = p.orders ?? DEFAULT_ORDERS;
  const rdp = computeRdp({ q: p.q, noiseMultiplier: p.noiseMultiplier, steps: p.steps, orders });
  return epsilonFromRdp(orders, rdp, p.delta, p.conversion ?? 'improved').epsilon;
}

/** delta of DP-SGD at `epsilon` by the RDP accountant (default: DEFAULT_ORDERS, improved conversion). */
export function deltaFor(
  p: DpSgdParams & { epsilon: number; orders?: readonly number[]; conversion?: Conversion },
): number {
  checkEpsilon(p.epsilon);
  const orders = p.orders ?? DEFAULT_ORDERS;
  const rdp = computeRdp({ q: p.q, noiseMultiplier: p.noiseMultiplier, steps: p.steps, orders });
  return deltaFromRdp(orders, rdp, p.epsilon, p.conversion ?? 'improved').delta;
}
