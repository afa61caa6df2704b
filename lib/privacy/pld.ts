/**
 * Privacy loss distribution (PLD) accountant for DP-SGD (Poisson-subsampled
 * Gaussian mechanism, add/remove-one adjacency), with a rigorous bracket
 * [epsilonLower, epsilon] around the exact epsilon.
 *
 * ## Exact object
 * For a pair of distributions (P, Q) the privacy loss is L = log(dP/dQ) under
 * P, and the tight delta at epsilon is the hockey-stick divergence
 *   delta(eps) = E_P[ (1 - e^{eps - L})_+ ].
 * T-fold composition multiplies the pairs, so the losses add:
 *   delta_T(eps) = E[ (1 - e^{eps - (L_1 + ... + L_T)})_+ ],  L_i iid.
 * DP-SGD with Poisson rate q and noise multiplier sigma has two dominating
 * pairs (Zhu, Dong, Wang 2022; Koskela et al. 2020):
 *   remove:  P = (1-q) N(0,s^2) + q N(1,s^2),  Q = N(0,s^2),  L(z) = log(1 - q + q e^{(2z-1)/(2 s^2)})
 *   add:     P = N(0,s^2),  Q = (1-q) N(0,s^2) + q N(1,s^2),  L(z) = -log(1 - q + q e^{(2z-1)/(2 s^2)})
 * and the epsilon reported is the larger of the two directions.
 *
 * ## Pessimistic discretization (upper bound)
 * Losses are put on the grid {i h}. A loss l in [i h, (i+1) h) is split
 * randomly between the two neighbours, to (i+1) h with probability
 *   f(l) = (1 - e^{i h - l}) / (1 - e^{-h}),
 * which keeps E[e^{-Y}] = e^{-l} (the Q-mass) exactly: e^{-sum Y} is a
 * mean-preserving spread of e^{-sum L}, and (1 - e^eps u)_+ is convex in u, so by
 * Jensen E[(1 - e^{eps - sum Y})_+] >= delta_T(eps) for every T (this is the
 * "connect-the-dots" PLD of Doroshenko et al. 2022 written as a coupling).
 * The per-bucket masses are integrated with Gauss-Legendre quadrature of the
 * density (not differences of CDFs), so they carry ~1e-16 relative error.
 * Tails: mass with loss above the per-step range is sent to +infinity (counted
 * in full in delta), mass below is rounded up to the lowest grid point; both
 * only increase delta.
 *
 * ## Composition: FFT and repeated squaring
 * The T-fold convolution is computed on a circular grid of N = fftSize points:
 * the discrete Fourier transform X of the one-step pmf is raised to the power T
 * by repeated squaring (binary exponentiation, log2 T complex squarings per
 * frequency; frequencies with |X|^T < 1e-300 are set to zero) and transformed
 * back. Both directions share one complex FFT (remove in the real part, add in
 * the imaginary part). The window [W, W + N h) is placed with Chernoff bounds
 * computed from the discretized one-step pmf itself,
 *   P(S >= a) <= exp(T K(lambda) - lambda a),  K(lambda) = log sum_j p_j e^{lambda y_j},
 * and the mass that can wrap around the circle ("wrap") is bounded the same way
 * and subtracted from the delta budget.
 *
 * ## What is returned
 *  - `epsilon`: smallest eps with  deltaHat(eps) + wrap + roundoff <= delta  (upper bound on the exact epsilon).
 *  - `epsilonLower`: a lower bound on the exact epsilon. Write D_i = Y_i - L_i
 *    (|D_i| <= h, E D_i <= h^2). With prob >= 1 - beta,  sum D <= eta
 *    (Bernstein, with the exact per-step variance of D), hence
 *      delta_T(eps) >= deltaHat(eps + eta) - wrap - roundoff - beta - T (tail masses)
 *    and epsilonLower = epsHat(delta + errors + beta) - eta, beta = delta / 100.
 *  - `discretizationError` = epsilon - epsilonLower: a rigorous bound on how far
 *    `epsilon` can be above the exact value (it is dominated by eta ~ sqrt(T) h;
 *    the actual overestimate is much smaller, see docs/privacy.md).
 * Rigour caveat: floating-point rounding of the FFT and of the powers is not
 * bounded by a proof; `roundoff` is an a-posteriori estimate (N times the
 * largest negative entry of the composed pmf, which is pure rounding noise),
 * included in both bounds. The closed-form Gaussian tests check the whole chain.
 */
import {
  checkDelta,
  checkEpsilon,
  checkNoiseMultiplier,
  checkSamplingProbability,
  checkSteps,
  PrivacyArgumentError,
} from './errors';
import { fft, isPowerOfTwo } from './fft';
import { rdpSubsampledGaussian } from './rdp';
import { gaussLegendre, logAddExp, normalCdf, normalSf, normalSfInverse } from './special';

export interface PldOptions {
  /** FFT size N (power of two, 2^10 .. 2^24). Default 2^19. The grid step is (window width)/N. */
  fftSize?: number;
  /**
   * Tail tolerance used to place the window and cut the per-step tails. Default
   * delta * 1e-4 for epsilon queries, 1e-12 for delta queries.
   */
  tailTolerance?: number;
}

type Direction = 'remove' | 'add';

interface StepPmf {
  /** grid index of pmf[0] */
  jMin: number;
  pmf: Float64Array;
  /** P-mass sent to +infinity (per step) */
  infMass: number;
  /** P-mass rounded up from below the per-step range (per step) */
  lowMass: number;
  /** per-step variance of D = Y - L over non-truncated mass (includes E[(E[D|L])^2]) */
  varD: number;
  /** per-step E[D] over non-truncated mass (>= 0, <= h^2) */
  biasD: number;
  /** 1 - (total one-step mass found); diagnostic */
  defect: number;
}

/** Neumaier compensated summation. */
class CompensatedSum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }
  value(): number {
    return this.s + this.c;
  }
}

/** Default FFT size: 2^19 points (paper setting: grid step 1.2e-5, epsilon within ~3e-4 of the limit). */
export const DEFAULT_FFT_SIZE = 1 << 19;

const GL8 = gaussLegendre(8);
// On pieces narrower than sigma/64 the 4-point rule is already exact to rounding
// (error ~ (w / 2 sigma)^8 < 1e-17 relative for these Gaussian-type integrands).
const GL4 = gaussLegendre(4);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Discretize one step of one direction on the grid {j h}. */
function discretizeStep(q: number, sigma: number, h: number, dir: Direction, tolStep: number): StepPmf {
  const s2 = sigma * sigma;
  const twoS2 = 2 * s2;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  // loss of the remove direction as a function of z; add direction is its negative:
  //   log(1 - q + q e^u), u = (2z - 1)/(2 s^2).
  // log1p(q expm1(u)) is accurate while q expm1(u) > -1/2; below that (q near 1 and
  // u very negative) it cancels (q = 1, u < -37 gave -Infinity), so the log-sum form is used.
  const lossRemove = (z: number): number => {
    const u = (2 * z - 1) / twoS2;
    const x = q * Math.expm1(u);
    return x > -0.5 ? Math.log1p(x) : logAddExp(log1mQ, logQ + u);
  };
  // z at which lossRemove(z) = v (increasing); -Infinity if v <= log(1-q).
  // u = log((e^v - (1 - q)) / q); for v <= -1/2, e^v - (1 - q) is formed directly
  // (expm1(v) + q cancels when q is near 1).
  const zOfRemoveLoss = (v: number): number => {
    const t = v > -0.5 ? Math.expm1(v) + q : Math.exp(v) - (1 - q);
    if (!(t > 0)) return -Infinity;
    return s2 * (Math.log(t) - logQ) + 0.5;
  };
  const c = normalSfInverse(Math.max(tolStep, 1e-300));
  const sign = dir === 'remove' ? 1 : -1;
  const zLo = -c * sigma;
  const zHi = dir === 'remove' ? 1 + c * sigma : c * sigma;
  const loss = (z: number): number => sign * lossRemove(z);
  const zOfLoss = (v: number): number => (dir === 'remove' ? zOfRemoveLoss(v) : zOfRemoveLoss(-v));
  // log density of P at z (remove: mixture = N(0,s2) * e^{L}; add: N(0,s2)).
  const logNorm = -Math.log(sigma) - LOG_SQRT_2PI;

  // Mass outside [zLo, zHi]:
  const massBelowZLo = dir === 'remove' ? (1 - q) * normalCdf(zLo / sigma) + q * normalCdf((zLo - 1) / sigma) : normalCdf(zLo / sigma);
  const massAboveZHi = dir === 'remove' ? (1 - q) * normalSf(zHi / sigma) + q * normalSf((zHi - 1) / sigma) : normalSf(zHi / sigma);
  // Loss range over [zLo, zHi]; remove: increasing in z, add: decreasing.
  const lossAtLo = loss(zLo);
  const lossAtHi = loss(zHi);
  const lMin = Math.min(lossAtLo, lossAtHi);
  const lMax = Math.max(lossAtLo, lossAtHi);
  const iStart = Math.floor(lMin / h);
  const iEnd = Math.ceil(lMax / h);
  const n = iEnd - iStart + 1;
  if (n > 50_000_000) {
    throw new Error(`PLD: per-step grid too large (${n} points); use a smaller fftSize or larger window`);
  }
  const pmf = new Float64Array(n);
  // Tail masses: the low-loss side is rounded up to ceil(lMin/h); the high-loss side goes to infinity.
  const lowMass = dir === 'remove' ? massBelowZLo : massAboveZHi;
  const infMassRaw = dir === 'remove' ? massAboveZHi : massBelowZLo;
  pmf[Math.ceil(lMin / h) - iStart] += lowMass;

  const oneMinusEmh = -Math.expm1(-h);
  const maxPiece = sigma / 4;
  const narrow = sigma / 64;
  // Total mass with Neumaier (compensated) summation: with T = 3e6 steps an error
  // of 1e-13 in the one-step mass would already move delta by 3e-7.
  const total = new CompensatedSum();
  total.add(lowMass);
  total.add(infMassRaw);
  let varD = 0;
  let biasD = 0;
  for (let i = iStart; i < iEnd; i++) {
    const eLo = i * h;
    const eHi = (i + 1) * h;
    let a: number;
    let b: number;
    if (dir === 'remove') {
      a = Math.max(zLo, zOfLoss(eLo));
      b = Math.min(zHi, zOfLoss(eHi));
    } else {
      a = Math.max(zLo, zOfLoss(eHi));
      b = Math.min(zHi, zOfLoss(eLo));
    }
    if (!(b > a)) continue;
    const pieces = Math.max(1, Math.ceil((b - a) / maxPiece));
    const w = (b - a) / pieces;
    const { nodes, weights } = w <= narrow ? GL4 : GL8;
    let mass = 0;
    let up = 0; // integral of p * f
    let v = 0;
    let bias = 0;
    for (let piece = 0; piece < pieces; piece++) {
      const mid = a + (piece + 0.5) * w;
      const half = 0.5 * w;
      for (let k = 0; k < nodes.length; k++) {
        const z = mid + half * nodes[k];
        const lr = lossRemove(z);
        const l = sign * lr;
        const logP = logNorm - (z * z) / twoS2 + (dir === 'remove' ? lr : 0);
        const p = Math.exp(logP) * weights[k] * half;
        let f = -Math.expm1(eLo - l) / oneMinusEmh;
        if (f < 0) f = 0;
        else if (f > 1) f = 1;
        const bD = f * h - (l - eLo);
        mass += p;
        up += p * f;
        v += p * (f * (1 - f) * h * h + bD * bD);
        bias += p * bD;
      }
    }
    pmf[i - iStart] += mass - up;
    pmf[i + 1 - iStart] += up;
    total.add(mass);
    varD += v;
    biasD += bias;
  }
  // Mass the quadrature missed is treated as infinite loss (pessimistic); an excess
  // (rounding) is removed by rescaling the finite part.
  const defect = 1 - total.value();
  if (defect < 0) {
    const finite = new CompensatedSum();
    for (let i = 0; i < n; i++) finite.add(pmf[i]);
    const scale = (1 - infMassRaw) / finite.value();
    for (let i = 0; i < n; i++) pmf[i] *= scale;
  }
  return { jMin: iStart, pmf, infMass: infMassRaw + Math.max(0, defect), lowMass, varD, biasD: Math.max(0, biasD), defect };
}

/**
 * log-MGF K(lambda) = log sum_j p_j e^{lambda y_j} of the (sub-probability) one-step pmf,
 * for each lambda in `lambdas` (positive or negative). Terms below e^{-745} of the
 * largest are skipped (they cannot change the double-precision sum).
 */
function logMgfs(step: StepPmf, h: number, lambdas: readonly number[]): Float64Array {
  const { pmf, jMin } = step;
  const out = new Float64Array(lambdas.length);
  const n = pmf.length;
  const logp = new Float64Array(n);
  for (let i = 0; i < n; i++) logp[i] = pmf[i] > 0 ? Math.log(pmf[i]) : -Infinity;
  for (let li = 0; li < lambdas.length; li++) {
    const lh = lambdas[li] * h;
    const base = lambdas[li] * jMin * h;
    let m = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = logp[i] + lh * i;
      if (v > m) m = v;
    }
    const cut = m - 745;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = logp[i] + lh * i;
      if (v > cut) sum += Math.exp(v - m);
    }
    out[li] = base + m + Math.log(sum);
  }
  return out;
}

/**
 * Chernoff bounds from the one-step log-MGF:
 *   P(S_T >= a) <= min_{lambda>0} exp(T K(lambda) - lambda a),
 *   P(S_T <= b) <= min_{lambda>0} exp(T K(-lambda) + lambda b).
 */
function chernoffTails(
  lambdas: readonly number[],
  K: Float64Array,
  T: number,
  a: number,
  b: number,
): { above: number; below: number } {
  let above = 1;
  let below = 1;
  for (let i = 0; i < lambdas.length; i++) {
    const lam = lambdas[i];
    if (lam > 0) above = Math.min(above, Math.exp(T * K[i] - lam * a));
    else below = Math.min(below, Math.exp(T * K[i] - lam * b));
  }
  return { above, below };
}

/** Composed privacy-loss distribution of one direction on the window [m0 h, (m0+N) h). */
interface ComposedDirection {
  direction: Direction;
  h: number;
  m0: number;
  /** pmf by window position: pmf[k] is the mass at loss (m0 + k) h (negatives clamped to 0). */
  pmf: Float64Array;
  /** mass at +infinity after T steps: 1 - (1 - infMass)^T */
  infMass: number;
  /** Chernoff bound on the mass that wrapped around the circle (both ends). */
  wrap: number;
  /** a-posteriori floating-point estimate (N * largest negative entry). */
  roundoff: number;
  /** probability that some step fell in a truncated tail: T (infMass + lowMass) per step (capped at 1). */
  truncatedProb: number;
  /** Bernstein shift eta(beta) of the coupling, as a function of beta. */
  eta: (beta: number) => number;
}

interface ComposedPld {
  remove: ComposedDirection;
  add: ComposedDirection;
  h: number;
  fftSize: number;
}

/** Build the composed PLD of T steps of the subsampled Gaussian (both directions). */
function composePld(q: number, sigma: number, T: number, fftSize: number, tol: number): ComposedPld {
  if (!isPowerOfTwo(fftSize) || fftSize < 1024 || fftSize > 1 << 24) {
    throw new PrivacyArgumentError('fftSize', fftSize, 'a power of two between 1024 and 16777216');
  }
  const N = fftSize;
  const tolStep = tol / Math.max(1, T);
  // 1. Window from the RDP moment bounds of the exact losses (both directions;
  //    Mironov et al. 2019 Thm. 5 makes rdp() bound the add direction too):
  //    P(S >= a) <= exp((alpha-1)(T rdp(alpha) - a))  ->  a = T rdp(alpha) + log(1/tol)/(alpha-1);
  //    P(S <= -b) <= exp((alpha-1) T rdp(alpha) - alpha b).
  const L = -Math.log(tol);
  let hiEst = Infinity;
  let loEst = -Infinity;
  let lamHi = 1;
  let lamLo = 1;
  for (const a of [1.1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256, 512]) {
    const r = T * rdpSubsampledGaussian(q, sigma, a);
    const hi = r + L / (a - 1);
    const lo = -((a - 1) * r + L) / a;
    if (hi < hiEst) {
      hiEst = hi;
      lamHi = a - 1;
    }
    if (lo > loEst) {
      loEst = lo;
      lamLo = a;
    }
  }
  // Chernoff parameters around the RDP optimum (positive: upper tail, negative: lower tail).
  const lambdas: number[] = [];
  for (const f of [0.35, 0.5, 0.7, 0.85, 1, 1.2, 1.4, 2, 3]) lambdas.push(lamHi * f, -lamLo * f);
  let center = 0.5 * (hiEst + loEst);
  let width = (hiEst - loEst) * 1.3;
  for (let attempt = 0; attempt < 4; attempt++) {
    const h = width / N;
    const m0 = Math.floor(center / h) - N / 2;
    const rem = discretizeStep(q, sigma, h, 'remove', tolStep);
    const add = discretizeStep(q, sigma, h, 'add', tolStep);
    const Kr = logMgfs(rem, h, lambdas);
    const Ka = logMgfs(add, h, lambdas);
    const top = (m0 + N) * h;
    const bottom = (m0 - 1) * h;
    const tr = chernoffTails(lambdas, Kr, T, top, bottom);
    const ta = chernoffTails(lambdas, Ka, T, top, bottom);
    if (Math.max(tr.above, tr.below, ta.above, ta.below) > 100 * tol) {
      // The discretized tails are heavier than the estimate: widen the window.
      center += 0.25 * width * (Math.max(tr.above, ta.above) > Math.max(tr.below, ta.below) ? 1 : -1);
      width *= 1.5;
      continue;
    }
    const composed = fftPower(rem, add, T, N);
    return {
      remove: composeDirection(rem, tr.above + tr.below, composed.re, 'remove', T, h, m0, N),
      add: composeDirection(add, ta.above + ta.below, composed.im, 'add', T, h, m0, N),
      h,
      fftSize: N,
    };
  }
  throw new Error('PLD: could not fit the privacy-loss window; try a larger fftSize');
}

/** Wrap one direction's circular T-fold pmf (indexed by grid index mod N) with its error terms. */
function composeDirection(
  step: StepPmf,
  wrap: number,
  composedRe: Float64Array,
  direction: Direction,
  T: number,
  h: number,
  m0: number,
  N: number,
): ComposedDirection {
  // Reorder by window position and clamp rounding noise.
  const pmf = new Float64Array(N);
  let maxNeg = 0;
  for (let k = 0; k < N; k++) {
    const m = m0 + k;
    const idx = ((m % N) + N) % N;
    const v = composedRe[idx];
    if (v < 0) {
      if (-v > maxNeg) maxNeg = -v;
      pmf[k] = 0;
    } else pmf[k] = v;
  }
  const infMass = -Math.expm1(T * Math.log1p(-step.infMass));
  const truncatedProb = Math.min(1, T * (step.infMass + step.lowMass));
  const V = T * step.varD;
  const mu = T * step.biasD;
  const M = 2 * h;
  const eta = (beta: number): number => {
    const Lb = -Math.log(beta);
    return mu + (M * Lb) / 3 + Math.sqrt(((M * Lb) / 3) ** 2 + 2 * V * Lb);
  };
  return {
    direction,
    h,
    m0,
    pmf,
    infMass,
    wrap,
    roundoff: maxNeg * N,
    truncatedProb,
    eta,
  };
}

/** FFT of two real pmfs packed as one complex sequence, power T by repeated squaring, inverse FFT. */
function fftPower(a: StepPmf, b: StepPmf, T: number, N: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  for (let i = 0; i < a.pmf.length; i++) {
    const j = (((a.jMin + i) % N) + N) % N;
    re[j] += a.pmf[i];
  }
  for (let i = 0; i < b.pmf.length; i++) {
    const j = (((b.jMin + i) % N) + N) % N;
    im[j] += b.pmf[i];
  }
  fft(re, im, false);
  const outRe = new Float64Array(N);
  const outIm = new Float64Array(N);
  // |X|^T below 1e-300 is set to zero: log|X|^2 < -2*690/T.
  const logCut = (-2 * 690) / T;
  for (let k = 0; k < N; k++) {
    const kc = k === 0 ? 0 : N - k;
    const zr = re[k];
    const zi = im[k];
    const cr = re[kc];
    const ci = -im[kc];
    // A = (Z + conj Z[-k]) / 2 ; B = (Z - conj Z[-k]) / (2i)
    const ar = 0.5 * (zr + cr);
    const ai = 0.5 * (zi + ci);
    const br = 0.5 * (zi - ci);
    const bi = -0.5 * (zr - cr);
    let pr = 0;
    let pi = 0;
    let qr = 0;
    let qi = 0;
    if (Math.log(ar * ar + ai * ai) >= logCut) [pr, pi] = complexPow(ar, ai, T);
    if (Math.log(br * br + bi * bi) >= logCut) [qr, qi] = complexPow(br, bi, T);
    // W = A^T + i B^T
    outRe[k] = pr - qi;
    outIm[k] = pi + qr;
  }
  fft(outRe, outIm, true);
  return { re: outRe, im: outIm };
}

/** (x + iy)^T by binary exponentiation (repeated squaring). */
function complexPow(x: number, y: number, T: number): [number, number] {
  let rr = 1;
  let ri = 0;
  let br = x;
  let bi = y;
  let e = T;
  while (e > 0) {
    if (e % 2 === 1) {
      const t = rr * br - ri * bi;
      ri = rr * bi + ri * br;
      rr = t;
    }
    e = Math.floor(e / 2);
    if (e > 0) {
      const t = br * br - bi * bi;
      bi = 2 * br * bi;
      br = t;
    }
  }
  return [rr, ri];
}

/** deltaHat(eps) of one composed direction (no error terms). */
function deltaHat(c: ComposedDirection, eps: number): number {
  let d = c.infMass;
  const { pmf, m0, h } = c;
  for (let k = pmf.length - 1; k >= 0; k--) {
    const l = (m0 + k) * h;
    if (l <= eps) break;
    d += pmf[k] * -Math.expm1(eps - l);
  }
  return d;
}

/** Smallest eps with deltaHat(eps) <= target (may be negative; Infinity if impossible). */
function epsHat(c: ComposedDirection, target: number): number {
  if (target <= c.infMass) return Infinity;
  const { pmf, m0, h } = c;
  let A = 0; // sum of pmf above
  let B = 0; // sum of pmf e^{-l} above
  for (let k = pmf.length - 1; k >= 0; k--) {
    const l = (m0 + k) * h;
    A += pmf[k];
    B += pmf[k] * Math.exp(-l);
    // For eps in [l - h, l]: deltaHat(eps) = inf + A - e^eps B.
    const atLow = c.infMass + A - Math.exp(l - h) * B;
    if (atLow > target) {
      const e = Math.log((c.infMass + A - target) / B);
      return Math.min(l, Math.max(l - h, e));
    }
  }
  return (m0 - 1) * h;
}

export interface PldEpsilonResult {
  /** Upper bound on the exact epsilon of the mechanism (pessimistic PLD). */
  epsilon: number;
  /** Lower bound on the exact epsilon. */
  epsilonLower: number;
  /** epsilon - epsilonLower: a rigorous bound on the discretization error of `epsilon`. */
  discretizationError: number;
  delta: number;
  /** Which direction attains the maximum. */
  direction: Direction;
  details: PldDetails;
}

export interface PldDetails {
  gridStep: number;
  fftSize: number;
  windowLow: number;
  windowHigh: number;
  /** delta budget consumed by error terms in the upper bound, per direction */
  errorRemove: number;
  errorAdd: number;
  /** Bernstein shift eta used by the lower bound, per direction */
  etaRemove: number;
  etaAdd: number;
  epsilonRemove: number;
  epsilonAdd: number;
}

export interface PldParams {
  q: number;
  noiseMultiplier: number;
  steps: number;
}

function validate(p: PldParams): { q: number; sigma: number; T: number } {
  if (p === null || typeof p !== 'object') throw new PrivacyArgumentError('params', p, 'an object {q, noiseMultiplier, steps}');
  return {
    q: checkSamplingProbability(p.q),
    sigma: checkNoiseMultiplier(p.noiseMultiplier),
    T: checkSteps(p.steps),
  };
}

/** epsilon at `delta` by the PLD accountant, with a rigorous bracket. */
export function pldEpsilon(p: PldParams & { delta: number } & PldOptions): PldEpsilonResult {
  const { q, sigma, T } = validate(p);
  const delta = checkDelta(p.delta);
  const fftSize = p.fftSize ?? DEFAULT_FFT_SIZE;
  if (T === 0) {
    return {
      epsilon: 0,
      epsilonLower: 0,
      discretizationError: 0,
      delta,
      direction: 'remove',
      details: { gridStep: 0, fftSize, windowLow: 0, windowHigh: 0, errorRemove: 0, errorAdd: 0, etaRemove: 0, etaAdd: 0, epsilonRemove: 0, epsilonAdd: 0 },
    };
  }
  const tol = p.tailTolerance ?? delta * 1e-4;
  const c = composePld(q, sigma, T, fftSize, tol);
  const beta = delta / 100;
  const one = (d: ComposedDirection): { up: number; low: number; err: number; eta: number } => {
    const err = d.wrap + d.roundoff;
    if (err >= delta) {
      throw new Error(
        `PLD: numerical error terms (${err.toExponential(2)}) exceed delta=${delta}; increase fftSize or tailTolerance`,
      );
    }
    const up = epsHat(d, delta - err);
    const eta = d.eta(beta);
    const low = epsHat(d, Math.min(1, delta + err + beta + d.truncatedProb)) - eta;
    return { up, low, err, eta };
  };
  const r = one(c.remove);
  const a = one(c.add);
  const epsilon = Math.max(0, r.up, a.up);
  const epsilonLower = Math.min(epsilon, Math.max(0, r.low, a.low));
  return {
    epsilon,
    epsilonLower,
    discretizationError: epsilon - epsilonLower,
    delta,
    direction: r.up >= a.up ? 'remove' : 'add',
    details: {
      gridStep: c.h,
      fftSize: c.fftSize,
      windowLow: c.remove.m0 * c.h,
      windowHigh: (c.remove.m0 + c.fftSize) * c.h,
      errorRemove: r.err,
      errorAdd: a.err,
      etaRemove: r.eta,
      etaAdd: a.eta,
      epsilonRemove: r.up,
      epsilonAdd: a.up,
    },
  };
}

export interface PldDeltaResult {
  /** Upper bound on the exact delta at epsilon (max over directions). */
  delta: number;
  /** Upper bounds per direction. */
  deltaRemove: number;
  deltaAdd: number;
  /** The raw discretized estimates (without error terms), per direction. */
  estimateRemove: number;
  estimateAdd: number;
  epsilon: number;
}

/** delta at `epsilon` by the PLD accountant (upper bound, per direction too). */
export function pldDelta(p: PldParams & { epsilon: number } & PldOptions): PldDeltaResult {
  const { q, sigma, T } = validate(p);
  const epsilon = checkEpsilon(p.epsilon);
  if (T === 0) return { delta: 0, deltaRemove: 0, deltaAdd: 0, estimateRemove: 0, estimateAdd: 0, epsilon };
  const c = composePld(q, sigma, T, p.fftSize ?? DEFAULT_FFT_SIZE, p.tailTolerance ?? 1e-12);
  const er = deltaHat(c.remove, epsilon);
  const ea = deltaHat(c.add, epsilon);
  const dr = Math.min(1, er + c.remove.wrap + c.remove.roundoff);
  const da = Math.min(1, ea + c.add.wrap + c.add.roundoff);
  return { delta: Math.max(dr, da), deltaRemove: dr, deltaAdd: da, estimateRemove: er, estimateAdd: ea, epsilon };
}
