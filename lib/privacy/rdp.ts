/**
 * Renyi differential privacy (RDP) of the Poisson-subsampled Gaussian
 * mechanism, composition, and conversion to (epsilon, delta)-DP.
 *
 * ## Mechanism
 * DP-SGD with Poisson sampling (each real example joins a batch independently
 * with probability q), per-example clipping to norm C and Gaussian noise of
 * standard deviation sigma*C on the sum. Under add/remove-one adjacency the
 * worst case reduces to one dimension (Mironov, Talwar, Zhang 2019, "Renyi
 * Differential Privacy of the Sampled Gaussian Mechanism", arXiv:1908.10530):
 *
 *   mu0 = N(0, sigma^2),   mu1 = N(1, sigma^2),   mu = (1-q) mu0 + q mu1,
 *   RDP(alpha) = D_alpha(mu || mu0) = log(A_alpha) / (alpha - 1),
 *   A_alpha    = E_{z~mu0}[ (mu(z)/mu0(z))^alpha ]
 *              = E_{z~mu0}[ ((1-q) + q exp((2z-1)/(2 sigma^2)))^alpha ].
 * (Their Theorem 5: D_alpha(mu0 || mu) <= D_alpha(mu || mu0), so this is the
 * RDP of both directions.)
 *
 * Integer alpha (binomial expansion, exact; all terms positive, summed in log space):
 *   A_alpha = sum_{k=0}^{alpha} C(alpha,k) (1-q)^{alpha-k} q^k exp((k^2-k)/(2 sigma^2)).
 *
 * Fractional alpha (Mironov et al. 2019, Sec. 3.3): split the integral at
 *   z0 = sigma^2 log(1/q - 1) + 1/2, where q e^{(2z-1)/(2 sigma^2)} = 1 - q,
 * and expand (x + y)^alpha = sum_k C(alpha,k) x^{alpha-k} y^k (|y| < |x|) on each side:
 *   A_alpha = sum_{k>=0} C(alpha,k) [ (1-q)^{alpha-k} q^k exp((k^2-k)/(2 sigma^2)) * erfc((k - z0)/(sqrt2 sigma))/2
 *                                   + q^{alpha-k} (1-q)^k exp((j^2-j)/(2 sigma^2)) * erfc((z0 - j)/(sqrt2 sigma))/2 ],
 *   with j = alpha - k. For k > alpha the coefficients alternate in sign, so
 *   positive and negative parts are accumulated separately in log space.
 *   (Derivation: mu0(z) e^{k(2z-1)/(2 sigma^2)} = e^{(k^2-k)/(2 sigma^2)} N(k, sigma^2)(z).)
 *
 * q = 1 is the plain Gaussian mechanism: RDP(alpha) = alpha / (2 sigma^2).
 *
 * ## Composition
 * RDP composes additively: T steps cost T * RDP(alpha) at every order (no per-step loop).
 *
 * ## Conversion to (epsilon, delta)
 * classic (Mironov 2017, Prop. 3; what the moments accountant of Abadi et al.
 * 2016 and the SPRINT_gan paper used):
 *   epsilon = min_alpha  RDP(alpha) + log(1/delta) / (alpha - 1).
 * improved (Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for DP",
 * Prop. 12; Balle et al. 2020, "Hypothesis testing interpretations and Renyi
 * DP", Thm. 21; used by TF Privacy / dp_accounting and Opacus):
 *   epsilon = min_alpha  RDP(alpha) + log(1 - 1/alpha) - (log(delta) + log(alpha)) / (alpha - 1),
 * equivalently delta = min_alpha exp((alpha-1)(RDP(alpha) - epsilon + log(1 - 1/alpha))) / alpha.
 * Both are valid upper bounds; at every order the improved one is smaller by exactly
 * log(alpha)/(alpha-1) - log(1-1/alpha) > 0, so its minimum is never larger (usually
 * ~10-20% smaller in epsilon).
 * An infinite RDP value (overflow for tiny sigma) is skipped, so it can only make
 * epsilon larger (Infinity if every order is infinite); NaN or negative RDP throws.
 */
import {
  checkDelta,
  checkEpsilon,
  checkNoiseMultiplier,
  checkOrders,
  checkSamplingProbability,
  checkSteps,
} from './errors';
import { logAddExp, logErfc, logSubExp } from './special';

export type Conversion = 'improved' | 'classic';

/**
 * Default order grid: the one of Google's dp_accounting `RdpAccountant`
 * (`DEFAULT_RDP_ORDERS`, python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant.py):
 * 1.1, 1.2, ..., 10.9, then 11..63, then 128, 256, 512, 1024.
 * It contains Opacus's `RDPAccountant.DEFAULT_ALPHAS` (1.1..10.9 and 12..63).
 */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 53 }, (_, i) => 11 + i),
  128,
  256,
  512,
  1024,
]);

/** Opacus `RDPAccountant.DEFAULT_ALPHAS` (opacus/accountants/rdp.py): 1.1..10.9 step 0.1, then 12..63. */
export const OPACUS_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
]);

/**
 * The grid of TF Privacy's tutorials (e.g. tutorials/mnist_dpsgd_tutorial.py):
 * [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5] + 5..63 + [128, 256, 512].
 */
export const TF_PRIVACY_TUTORIAL_ORDERS: readonly number[] = Object.freeze([
  1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5,
  ...Array.from({ length: 59 }, (_, i) => 5 + i),
  128,
  256,
  512,
]);

/**
 * The moments accountant of Abadi et al. 2016 (and of the SPRINT_gan code,
 * which used it with max_lambda = 32) tracks log-moments at lambda = 1..32;
 * lambda is alpha - 1 in RDP terms, so these are the integer orders 2..33.
 * With the classic conversion this reproduces the paper's epsilon.
 */
export const PAPER_MOMENTS_ORDERS: readonly number[] = Object.freeze(
  Array.from({ length: 32 }, (_, i) => 2 + i),
);

/** log A_alpha for integer alpha >= 2 (binomial expansion). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoS2 = 2 * sigma * sigma;
  let logBinom = 0; // log C(alpha, 0)
  let acc = -Infinity;
  for (let k = 0; k <= alpha; k++) {
    const term = logBinom + (alpha - k) * log1mQ + k * logQ + (k * k - k) / twoS2;
    acc = logAddExp(acc, term);
    logBinom += Math.log(alpha - k) - Math.log(k + 1);
  }
  return acc;
}

/** log A_alpha for fractional alpha (Mironov et al. 2019, Sec. 3.3 series). */
function logAFractional(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const s2 = sigma * sigma;
  const twoS2 = 2 * s2;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const z0 = s2 * (log1mQ - logQ) + 0.5;
  const logHalf = Math.log(0.5);
  let pos = -Infinity;
  let neg = -Infinity;
  let logAbsBinom = 0;
  let sign = 1;
  const maxTerms = 1_000_000;
  for (let k = 0; k < maxTerms; k++) {
    const j = alpha - k;
    const logS0 = logAbsBinom + j * log1mQ + k * logQ + (k * k - k) / twoS2 + logHalf + logErfc((k - z0) / sqrt2Sigma);
    const logS1 = logAbsBinom + j * logQ + k * log1mQ + (j * j - j) / twoS2 + logHalf + logErfc((z0 - j) / sqrt2Sigma);
    const logS = logAddExp(logS0, logS1);
    if (sign > 0) pos = logAddExp(pos, logS);
    else neg = logAddExp(neg, logS);
    const factor = (alpha - k) / (k + 1);
    logAbsBinom += Math.log(Math.abs(factor));
    if (factor < 0) sign = -sign;
    // Past the binomial peak the terms shrink; stop when negligible relative to the sum.
    if (k > alpha + 1 && logS < pos - 40) return logSubExp(pos, neg);
  }
  throw new Error(`RDP series did not converge (q=${q}, sigma=${sigma}, alpha=${alpha})`);
}

/**
 * RDP at order `alpha` of ONE step of the Poisson-subsampled Gaussian mechanism
 * (sampling probability q, noise multiplier sigma).
 */
export function rdpSubsampledGaussian(q: number, noiseMultiplier: number, alpha: number): number {
  checkSamplingProbability(q);
  checkNoiseMultiplier(noiseMultiplier);
  checkOrders([alpha], 'order');
  if (q === 1) return alpha / (2 * noiseMultiplier * noiseMultiplier);
  const logA = Number.isInteger(alpha)
    ? logAInteger(q, noiseMultiplier, alpha)
    : logAFractional(q, noiseMultiplier, alpha);
  // A_alpha >= 1 mathematically; clamp rounding below zero.
  return Math.max(0, logA / (alpha - 1));
}

export interface RdpParams {
  q: number;
  noiseMultiplier: number;
  steps: number;
  orders?: readonly number[];
}

/** RDP of `steps` compositions at each order: steps * RDP_1(alpha) (linear composition). */
export function computeRdp(p: RdpParams): number[] {
  const q = checkSamplingProbability(p.q);
  const sigma = checkNoiseMultiplier(p.noiseMultiplier);
  const steps = checkSteps(p.steps);
  const orders = checkOrders(p.orders ? [...p.orders] : [...DEFAULT_ORDERS]);
  return orders.map((a) => (steps === 0 ? 0 : steps * rdpSubsampledGaussian(q, sigma, a)));
}

/**
 * RDP at order alpha of a pure epsilon-DP mechanism (Laplace mechanism,
 * report-noisy-max, exponential mechanism...), the best bound valid for every
 * epsilon-DP mechanism:
 *   D_alpha <= min( eps, (1/(alpha-1)) log( (e^{alpha eps} + e^{(1-alpha) eps}) / (1 + e^eps) ) ).
 * The second term is the Renyi divergence of binary randomized response, which
 * dominates every eps-DP pair (Kairouz, Oh, Viswanath 2015); it equals Bun &
 * Steinke 2016 (arXiv:1605.02065) Prop. 3.3's bound
 * (1/(alpha-1)) log((sinh(alpha eps) - sinh((alpha-1) eps))/sinh(eps)) <= alpha eps^2/2,
 * and eps itself is Mironov 2017 Prop. 5 (eps-DP => (alpha, eps)-RDP).
 */
export function rdpPureDp(epsilon: number, alpha: number): number {
  checkEpsilon(epsilon);
  checkOrders([alpha], 'order');
  if (epsilon === 0) return 0;
  const rr =
    (logAddExp(alpha * epsilon, (1 - alpha) * epsilon) - logAddExp(0, epsilon)) / (alpha - 1);
  return Math.max(0, Math.min(epsilon, rr, (alpha * epsilon * epsilon) / 2));
}

export interface EpsilonFromRdp {
  epsilon: number;
  /** The order at which the minimum is attained. */
  order: number;
}

/** Convert an RDP curve to epsilon at the given delta (min over orders). */
export function epsilonFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: Conversion = 'improved',
): EpsilonFromRdp {
  checkOrders([...orders]);
  checkDelta(delta);
  if (orders.length !== rdp.length) throw new Error('orders and rdp must have the same length');
  const logDelta = Math.log(delta);
  let best = Infinity;
  let bestOrder = orders[0];
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    const r = rdp[i];
    if (Number.isNaN(r) || r < 0) throw new Error(`RDP value at order ${a} is invalid: ${r}`);
    if (!Number.isFinite(r)) continue;
    const eps =
      conversion === 'classic'
        ? r - logDelta / (a - 1)
        : r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
    if (eps < best) {
      best = eps;
      bestOrder = a;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

export interface DeltaFromRdp {
  delta: number;
  order: number;
}

/** Convert an RDP curve to delta at the given epsilon (min over orders, capped at 1). */
export function deltaFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  epsilon: number,
  conversion: Conversion = 'improved',
): DeltaFromRdp {
  checkOrders([...orders]);
  checkEpsilon(epsilon);
  if (orders.length !== rdp.length) throw new Error('orders and rdp must have the same length');
  let bestLog = 0; // delta <= 1 always
  let bestOrder = orders[0];
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    const r = rdp[i];
    if (Number.isNaN(r) || r < 0) throw new Error(`RDP value at order ${a} is invalid: ${r}`);
    if (!Number.isFinite(r)) continue;
    const logDelta =
      conversion === 'classic'
        ? (a - 1) * (r - epsilon)
        : (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
    if (logDelta < bestLog) {
      bestLog = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.exp(bestLog), order: bestOrder };
}

export interface RdpEpsilonParams extends RdpParams {
  delta: number;
  conversion?: Conversion;
}

/** epsilon of DP-SGD by the RDP accountant; also returns the optimal order and the RDP curve. */
export function rdpEpsilon(p: RdpEpsilonParams): EpsilonFromRdp & { orders: number[]; rdp: number[] } {
  checkDelta(p.delta);
  const orders = p.orders ? [...p.orders] : [...DEFAULT_ORDERS];
  const rdp = computeRdp({ ...p, orders });
  return { ...epsilonFromRdp(orders, rdp, p.delta, p.conversion ?? 'improved'), orders, rdp };
}
