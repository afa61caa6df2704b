/**
 * Argument validation for the privacy accountants.
 *
 * Every public function of `lib/privacy` checks its arguments and throws a
 * {@link PrivacyArgumentError} that names the argument, the bad value and the
 * valid range, so a notebook cell fails with a message the user can act on.
 */

export class PrivacyArgumentError extends RangeError {
  /** Name of the offending argument, e.g. `q`, `noiseMultiplier`, `delta`. */
  readonly argument: string;
  /** The value that was passed. */
  readonly value: unknown;
  /** Human-readable valid range, e.g. `(0, 1]`. */
  readonly validRange: string;

  constructor(argument: string, value: unknown, validRange: string, hint?: string) {
    super(
      `Invalid ${argument}: ${formatValue(value)} (expected ${validRange})` + (hint ? `. ${hint}` : ''),
    );
    this.name = 'PrivacyArgumentError';
    this.argument = argument;
    this.value = value;
    this.validRange = validRange;
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v === undefined) return 'undefined (missing)';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/** Sampling probability: a number in (0, 1]. */
export function checkSamplingProbability(q: unknown, name = 'q'): number {
  if (!isNum(q) || !(q > 0 && q <= 1)) {
    throw new PrivacyArgumentError(name, q, 'a number in (0, 1]', 'q is the Poisson sampling probability (batch size / dataset size)');
  }
  return q;
}

/** Noise multiplier sigma (noise std / clipping norm): a finite number > 0. */
export function checkNoiseMultiplier(sigma: unknown, name = 'noiseMultiplier'): number {
  if (!isNum(sigma) || !(sigma > 0) || !Number.isFinite(sigma)) {
    throw new PrivacyArgumentError(name, sigma, 'a finite number > 0', 'sigma = noise standard deviation / clipping norm');
  }
  return sigma;
}

/** Number of steps: an integer >= 0. */
export function checkSteps(steps: unknown, name = 'steps'): number {
  if (!isNum(steps) || !Number.isInteger(steps) || steps < 0 || !Number.isSafeInteger(steps)) {
    throw new PrivacyArgumentError(name, steps, 'an integer >= 0');
  }
  return steps;
}

/** delta: a number in (0, 1). */
export function checkDelta(delta: unknown, name = 'delta'): number {
  if (!isNum(delta) || !(delta > 0 && delta < 1)) {
    throw new PrivacyArgumentError(name, delta, 'a number in (0, 1)', 'typical values are 1e-5 or 1/(dataset size)^1.1');
  }
  return delta;
}

/** epsilon: a finite number >= 0 (or > 0 when `strict`). */
export function checkEpsilon(epsilon: unknown, name = 'epsilon', strict = false): number {
  if (!isNum(epsilon) || !Number.isFinite(epsilon) || epsilon < 0 || (strict && epsilon === 0)) {
    throw new PrivacyArgumentError(name, epsilon, strict ? 'a finite number > 0' : 'a finite number >= 0');
  }
  return epsilon;
}

/** A list of Renyi orders: finite numbers > 1, at least one. */
export function checkOrders(orders: unknown, name = 'orders'): number[] {
  if (!Array.isArray(orders) || orders.length === 0) {
    throw new PrivacyArgumentError(name, orders, 'a non-empty array of Renyi orders > 1');
  }
  for (const a of orders) {
    if (!isNum(a) || !(a > 1) || !Number.isFinite(a)) {
      throw new PrivacyArgumentError(name, a, 'every order a finite number > 1');
    }
  }
  return orders as number[];
}
