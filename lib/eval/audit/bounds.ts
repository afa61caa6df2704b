/**
 * From an attack's error rates to a lower bound on epsilon.
 *
 * ## The inequality
 *
 * If a mechanism M is (epsilon, delta)-DP then every test of "patient in" vs
 * "patient out" from M's output has (Kairouz, Oh & Viswanath 2015, Thm 2.1;
 * used for auditing by Jagielski, Ullman & Oprea 2020 and Nasr, Song,
 * Thakurta, Papernot & Carlini 2021):
 *
 *     TPR <= e^epsilon * FPR + delta        and   1 - FPR <= e^epsilon * (1 - TPR) + delta,
 *
 * so an attack that reaches (TPR, FPR) proves
 *
 *     epsilon >= eps_lb(TPR, FPR) = max( log((TPR - delta) / FPR), log((1 - FPR - delta) / (1 - TPR)) )
 *
 * (terms whose numerator is <= 0 are dropped; the bound is at least 0).
 *
 * ## Statistical validity
 *
 * TPR and FPR are measured on finitely many patients, so the point estimate
 * can overshoot. {@link epsilonLowerBound} plugs in one-sided Clopper-Pearson
 * bounds instead: the lower bound of TPR and the upper bound of FPR, each at
 * level (1 - confidence)/2, so both hold together with probability >= confidence
 * (union bound) and eps_lb, which increases in TPR and decreases in FPR, is then
 * a lower bound on the true epsilon_lb of the attack's operating point with at
 * least that confidence. The threshold must not be chosen on the same patients
 * the counts come from (see audit.ts: chosen on one half, counted on the other).
 *
 * Caveat (stated, not hidden): the inequality is about one patient's test.
 * Counting many members and non-members of ONE training run as independent
 * trials is the usual practical shortcut; a proof for the one-run setting
 * (each canary included independently with probability 1/2) is Steinke, Nasr
 * & Jagielski 2023, "Privacy auditing with one (1) training run". An audit
 * bound can only refute a claimed epsilon (if eps_lb > epsilon, the claim or
 * the implementation is wrong); a small eps_lb proves nothing.
 */

/** log(n!) for n = 0..max (exact sums of logs; fine for the sizes of an audit). */
function logFactorials(max: number): Float64Array {
  const t = new Float64Array(max + 1);
  for (let i = 2; i <= max; i++) t[i] = t[i - 1] + Math.log(i);
  return t;
}

/** P[X <= k] for X ~ Binomial(n, p), summed in log space. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomialCdf: n must be an integer >= 0, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomialCdf: p must be in [0, 1], got ${p}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  const lf = logFactorials(n);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(lf[n] - lf[i] - lf[n - i] + i * lp + (n - i) * lq);
  return Math.min(1, s);
}

function bisect(f: (p: number) => number, target: number, increasing: boolean): number {
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    const v = f(mid);
    if (v < target === increasing) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * One-sided Clopper-Pearson bounds for a binomial proportion with k successes
 * in n trials: `lower` with P[lower <= p] >= 1 - alpha, `upper` with
 * P[p <= upper] >= 1 - alpha. (Two-sided 1 - 2 alpha interval: [lower, upper].)
 * lower solves P[X >= k | p] = alpha (0 when k = 0); upper solves
 * P[X <= k | p] = alpha (1 when k = n).
 */
export function clopperPearson(k: number, n: number, alpha: number): { lower: number; upper: number } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`clopperPearson: n must be an integer >= 1, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`clopperPearson: k must be an integer in 0..${n}, got ${k}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`clopperPearson: alpha must be in (0, 1), got ${alpha}`);
  // P[X >= k | p] = 1 - cdf(k - 1) increases with p.
  const lower = k === 0 ? 0 : bisect((p) => 1 - binomialCdf(k - 1, n, p), alpha, true);
  // P[X <= k | p] decreases with p.
  const upper = k === n ? 1 : bisect((p) => binomialCdf(k, n, p), alpha, false);
  return { lower, upper };
}

/** eps_lb(TPR, FPR) at delta (the point formula above; Infinity when an error rate is 0 and the other term is positive). */
export function epsilonFromRates(tpr: number, fpr: number, delta: number): number {
  if (!(tpr >= 0 && tpr <= 1) || !(fpr >= 0 && fpr <= 1)) throw new RangeError(`epsilonFromRates: rates must be in [0, 1], got TPR ${tpr}, FPR ${fpr}`);
  if (!(delta >= 0 && delta < 1)) throw new RangeError(`epsilonFromRates: delta must be in [0, 1), got ${delta}`);
  const term = (num: number, den: number) => (num <= 0 ? 0 : den <= 0 ? Infinity : Math.log(num / den));
  return Math.max(0, term(tpr - delta, fpr), term(1 - fpr - delta, 1 - tpr));
}

export interface AttackCounts {
  /** Members predicted member, of nPos members. */
  tp: number;
  nPos: number;
  /** Non-members predicted member, of nNeg non-members. */
  fp: number;
  nNeg: number;
}

export interface EpsilonBound {
  /** eps_lb at the observed rates (optimistic: sampling error ignored). */
  point: number;
  /** eps_lb at (TPR lower CP bound, FPR upper CP bound): holds with probability >= confidence. */
  lower: number;
  tprLower: number;
  fprUpper: number;
  confidence: number;
}

/** The empirical epsilon lower bound of an attack from its counts (see the module comment). */
export function epsilonLowerBound(c: AttackCounts, delta: number, confidence = 0.95): EpsilonBound {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`epsilonLowerBound: confidence must be in (0, 1), got ${confidence}`);
  const alpha = (1 - confidence) / 2;
  const tprLower = clopperPearson(c.tp, c.nPos, alpha).lower;
  const fprUpper = clopperPearson(c.fp, c.nNeg, alpha).upper;
  return {
    point: epsilonFromRates(c.tp / c.nPos, c.fp / c.nNeg, delta),
    lower: epsilonFromRates(tprLower, fprUpper, delta),
    tprLower,
    fprUpper,
    confidence,
  };
}

/**
 * The largest epsilon any attack could certify with these sample sizes: a
 * perfect attack (TPR 1, FPR 0) gives this eps_lb. Useful to say "this audit
 * could not have shown more than ...".
 */
export function maxCertifiableEpsilon(nPos: number, nNeg: number, delta: number, confidence = 0.95): number {
  return epsilonLowerBound({ tp: nPos, nPos, fp: 0, nNeg }, delta, confidence).lower;
}
