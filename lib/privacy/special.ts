/**
 * Special functions needed by the accountants, written for this project
 * (JavaScript has no erfc): erfc and log-erfc with ~1e-15 relative accuracy,
 * the standard normal distribution, signed log-space sums and Gauss-Legendre
 * quadrature nodes.
 *
 * erfc(x) for x >= 0:
 *  - x < 2: erfc = 1 - erf, with the everywhere-convergent positive series
 *      erf(x) = (2x/sqrt(pi)) e^{-x^2} sum_{n>=0} (2x^2)^n / (1*3*...*(2n+1))
 *    (no cancellation inside the sum; 1 - erf loses < 2 digits for x < 2);
 *  - x >= 2: Laplace's continued fraction
 *      erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
 *    evaluated with the modified Lentz method, in log space for log-erfc.
 * For x < 0: erfc(x) = 2 - erfc(-x).
 */

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const SQRT_PI = Math.sqrt(Math.PI);

/** erf(x) by the positive series (any x >= 0; used for x < 2). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = 1; // (2x^2)^n / (1*3*...*(2n+1))
  let sum = 1;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return ((2 * x) / SQRT_PI) * Math.exp(-x2) * sum;
}

/** log of the continued fraction factor K(x) with erfc(x) = e^{-x^2} K(x)/sqrt(pi), x >= 2. */
function logCfFactor(x: number): number {
  // f = x + a1/(x + a2/(x + ...)), a_n = n/2 ; K = 1/f
  const tiny = 1e-300;
  let f = x;
  let C = f;
  let D = 0;
  for (let n = 1; n < 5000; n++) {
    const an = n / 2;
    D = x + an * D;
    if (Math.abs(D) < tiny) D = tiny;
    D = 1 / D;
    C = x + an / C;
    if (Math.abs(C) < tiny) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -Math.log(f);
}

/** Complementary error function erfc(x) = 1 - erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) return 1 - erfSeries(x);
  if (x > 27.3) return 0; // underflows
  return Math.exp(-x * x - LOG_SQRT_PI + logCfFactor(x));
}

/** log(erfc(x)), accurate also far in the tail (x up to 1e150). */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return Math.log(2 - erfc(-x));
  if (x < 2) return Math.log1p(-erfSeries(x));
  if (x > 1e8) return -x * x - LOG_SQRT_PI - Math.log(x); // CF factor -> 1/x
  return -x * x - LOG_SQRT_PI + logCfFactor(x);
}

/** Standard normal CDF Phi(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal survival function 1 - Phi(x), accurate in the upper tail. */
export function normalSf(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** log(1 - Phi(x)). */
export function logNormalSf(x: number): number {
  return Math.log(0.5) + logErfc(x / Math.SQRT2);
}

/** log(Phi(x)). */
export function logNormalCdf(x: number): number {
  return Math.log(0.5) + logErfc(-x / Math.SQRT2);
}

/** Smallest c >= 0 with 1 - Phi(c) <= p (bisection on log-sf), for 0 < p < 0.5. */
export function normalSfInverse(p: number): number {
  const target = Math.log(p);
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = 0.5 * (lo + hi);
    if (logNormalSf(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** log(e^a + e^b), stable; -Infinity is the log of zero. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log(e^a - e^b) for a >= b; throws if the difference is negative. */
export function logSubExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b > a) throw new Error(`logSubExp: log of a negative number (${a} < ${b})`);
  if (a === b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

/**
 * Gauss-Legendre nodes and weights on [-1, 1], computed by Newton's method on
 * the three-term recurrence of the Legendre polynomials.
 */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const m = Math.floor((n + 1) / 2);
  for (let i = 0; i < m; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      // p1 = P_n(x), p0 = P_{n-1}(x)
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1);
    }
    const w = 2 / ((1 - x * x) * dp * dp);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = w;
    weights[n - 1 - i] = w;
  }
  return { nodes, weights };
}
