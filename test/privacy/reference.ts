/**
 * Independent reference computations for the privacy tests (deliberately naive:
 * direct numerical integration and closed forms, sharing no code with lib/privacy
 * except nothing at all — erfc here is a separate implementation by Simpson
 * integration of the Gaussian density).
 */

/** log(e^a + e^b) */
function lae(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/**
 * log A_alpha = log E_{z~N(0,s^2)}[((1-q) + q e^{(2z-1)/(2 s^2)})^alpha] by the
 * trapezoid rule on a fine grid (exponentially accurate for this smooth,
 * Gaussian-decaying integrand). When A is close to 1 the integrand
 * phi(z) * expm1(alpha * log(...)) is integrated instead, for relative accuracy.
 */
export function logANumeric(q: number, s: number, alpha: number): number {
  const lo = -40 * s;
  const hi = Math.max(1, alpha) + 40 * s;
  const dz = s / 40;
  const n = Math.ceil((hi - lo) / dz);
  const logNorm = -Math.log(s * Math.sqrt(2 * Math.PI));
  const g = (z: number): number => {
    const u = (2 * z - 1) / (2 * s * s);
    return q === 1 ? u : u < 30 ? Math.log1p(q * Math.expm1(u)) : lae(Math.log1p(-q), Math.log(q) + u);
  };
  let acc = -Infinity;
  for (let i = 0; i <= n; i++) {
    const z = lo + i * dz;
    const w = i === 0 || i === n ? 0.5 : 1;
    acc = lae(acc, logNorm - (z * z) / (2 * s * s) + alpha * g(z) + Math.log(w * dz));
  }
  if (acc > 1e-6) return acc;
  // A close to 1: integrate A - 1 directly (Neumaier sum).
  let sum = 0;
  let c = 0;
  for (let i = 0; i <= n; i++) {
    const z = lo + i * dz;
    const w = i === 0 || i === n ? 0.5 : 1;
    const lp = logNorm - (z * z) / (2 * s * s);
    const ag = alpha * g(z);
    const x = (ag > 1 ? Math.exp(lp + ag) - Math.exp(lp) : Math.exp(lp) * Math.expm1(ag)) * w * dz;
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return Math.log1p(sum + c);
}

/** Standard normal CDF by composite Simpson integration of the density (reference only). */
export function phiRef(x: number): number {
  if (x > 0) return 1 - phiRef(-x);
  // Phi(x) = integral_{-inf}^{x} density; integrate on [x - 40, x] (mass below is < 1e-300)
  const a = x - 40;
  const n = 200000;
  const hstep = (x - a) / n;
  const f = (t: number): number => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  let s = f(a) + f(x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * hstep);
  return (s * hstep) / 3;
}

/**
 * Exact delta(eps) of the Gaussian mechanism with sensitivity 1 and noise s
 * (T-fold composition with noise sigma: s = sigma / sqrt(T)); Balle & Wang 2018
 * "Improving the Gaussian mechanism", Theorem 8:
 *   delta(eps) = Phi(-eps s + 1/(2 s)) - e^eps Phi(-eps s - 1/(2 s)).
 * Uses `cdf` for Phi.
 */
export function gaussianDelta(eps: number, s: number, cdf: (x: number) => number): number {
  return cdf(-eps * s + 1 / (2 * s)) - Math.exp(eps) * cdf(-eps * s - 1 / (2 * s));
}

/** Exact epsilon at delta for the Gaussian mechanism (bisection on gaussianDelta). */
export function gaussianEpsilon(delta: number, s: number, cdf: (x: number) => number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (gaussianDelta(mid, s, cdf) > delta) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Exact delta(eps) of ONE step of the Poisson-subsampled Gaussian (sensitivity 1,
 * noise s, rate q), for either dominating pair, in closed form:
 *   remove: P = (1-q) N(0,s^2) + q N(1,s^2), Q = N(0,s^2): delta = P(z > z*) - e^eps Q(z > z*),
 *           z* = s^2 log((e^eps - 1 + q)/q) + 1/2 (all of R when e^eps <= 1 - q: delta = 1 - e^eps);
 *   add:    P = N(0,s^2), Q = the mixture: delta = P(z < z') - e^eps Q(z < z'),
 *           z' = s^2 log((e^-eps - 1 + q)/q) + 1/2 (empty when e^-eps <= 1 - q: delta = 0).
 * Valid for any real eps (needed for the two-step integral). Uses `cdf` for Phi.
 */
export function subsampledGaussianDelta1(
  dir: 'remove' | 'add',
  q: number,
  s: number,
  eps: number,
  cdf: (x: number) => number,
): number {
  const sf = (x: number): number => cdf(-x);
  if (dir === 'remove') {
    const t = Math.exp(eps) - 1 + q;
    if (t <= 0) return 1 - Math.exp(eps);
    const z = s * s * Math.log(t / q) + 0.5;
    return (1 - q) * sf(z / s) + q * sf((z - 1) / s) - Math.exp(eps) * sf(z / s);
  }
  const t = Math.exp(-eps) - 1 + q;
  if (t <= 0) return 0;
  const z = s * s * Math.log(t / q) + 0.5;
  return cdf(z / s) - Math.exp(eps) * ((1 - q) * cdf(z / s) + q * cdf((z - 1) / s));
}

/**
 * Exact delta(eps) of TWO steps: delta_2(eps) = E_{z ~ P}[ delta_1(eps - L(z)) ]
 * (condition on the first step's privacy loss L), by composite Simpson on
 * [-14 s, 1 + 14 s] with n = 40000 panels (relative error < 1e-9 in the tests' range).
 */
export function subsampledGaussianDelta2(
  dir: 'remove' | 'add',
  q: number,
  s: number,
  eps: number,
  cdf: (x: number) => number,
): number {
  const lo = -14 * s;
  const hi = 1 + 14 * s;
  const n = 40000;
  const h = (hi - lo) / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) {
    const z = lo + i * h;
    const lr = Math.log(1 - q + q * Math.exp((2 * z - 1) / (2 * s * s)));
    const n0 = Math.exp((-z * z) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI));
    const density = dir === 'remove' ? n0 * Math.exp(lr) : n0;
    const loss = dir === 'remove' ? lr : -lr;
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    acc += w * density * subsampledGaussianDelta1(dir, q, s, eps - loss, cdf);
  }
  return (acc * h) / 3;
}
