import { Random, type Seed } from '../../random';
import { LinearModel } from './linear-model';
import { checkBothClasses, checkFitInput, type Classifier, type FeatureMatrix } from './types';

/**
 * Linear support vector machine with scikit-learn's `LinearSVC()` defaults:
 * L2 penalty, squared hinge loss, C = 1, dual coordinate descent (liblinear's
 * solver, Hsieh et al., ICML 2008), tol 1e-4, at most 1000 passes.
 *
 * Primal, with the liblinear bias trick (x~ = [x, s], s = interceptScaling = 1):
 *
 *   min_w~  ||w~||^2 / 2 + C sum_i max(0, 1 - t_i w~.x~_i)^2,   t_i = 2 y_i - 1
 *
 * so the intercept b = s * w~_d IS penalized (as in LinearSVC; a larger
 * interceptScaling weakens that penalty). Dual: min_a a^T (Q + D) a / 2 - sum a,
 * a >= 0, Q_ij = t_i t_j x~_i.x~_j, D = I / (2C). One pass visits the rows in
 * a seeded random order and sets each a_i to its exact coordinate minimum
 * a_i <- max(0, a_i - G_i / (Q_ii + D_ii)), G_i = t_i w~.x~_i - 1 + D_ii a_i,
 * keeping w~ = sum_i a_i t_i x~_i. It stops when the projected gradients
 * span less than tol (liblinear's criterion, without its shrinking).
 * The primal is strictly convex, so the solution is unique: the pass order
 * (seed) only changes how it is approached.
 *
 * `predictProba` is NOT a probability (LinearSVC has none): it is
 * sigmoid(decision value), a monotone score in [0, 1] equal to 0.5 on the
 * separating hyperplane, useful for ranking (ROC) only.
 *
 * Why our own code: ml-svm 2.1.2 is a simplified SMO for the L1 hinge loss;
 * on the 2000 x 36 fixture it threw "max iterations reached".
 */
export interface LinearSvmOptions {
  /** Penalty parameter (default 1). */
  C?: number;
  /** Value of the synthetic constant feature carrying the intercept (default 1, as LinearSVC). */
  interceptScaling?: number;
  /** Stopping tolerance on the projected-gradient span (default 1e-4, as LinearSVC). */
  tol?: number;
  /** Maximum passes over the data (default 1000, as LinearSVC). */
  maxIter?: number;
  /** Seed of the visiting order (default 0). */
  seed?: Seed;
}

export class LinearSvm extends LinearModel implements Classifier {
  protected readonly modelName = 'LinearSvm';
  readonly name = 'svm';
  readonly C: number;
  readonly interceptScaling: number;
  readonly tol: number;
  readonly maxIter: number;
  readonly seed: Seed;
  /** Passes used by the last fit. */
  iterations = 0;
  /** Whether the last fit met the tolerance before maxIter. */
  converged = false;

  constructor(options: LinearSvmOptions = {}) {
    super();
    this.C = options.C ?? 1;
    if (!(this.C > 0)) throw new RangeError(`LinearSvm: C must be > 0, got ${options.C}`);
    this.interceptScaling = options.interceptScaling ?? 1;
    if (!(this.interceptScaling > 0)) throw new RangeError(`LinearSvm: interceptScaling must be > 0, got ${options.interceptScaling}`);
    this.tol = options.tol ?? 1e-4;
    this.maxIter = options.maxIter ?? 1000;
    this.seed = options.seed ?? 0;
  }

  /** Fitted weights, one per feature (LinearSVC's `coef_[0]`). */
  get coefficients(): Float64Array {
    if (this.nCols === 0) throw new Error('LinearSvm: call fit before reading coefficients');
    return this.w.slice();
  }

  /** Fitted intercept (LinearSVC's `intercept_[0]` = interceptScaling * w~_d). */
  get intercept(): number {
    return this.b;
  }

  fit(features: FeatureMatrix, nRows: number, nCols: number, y: Uint8Array): this {
    checkFitInput('LinearSvm', features, nRows, nCols, y);
    checkBothClasses('LinearSvm', y);
    // One element type in the hot loops (keeps them monomorphic).
    const X = features instanceof Float64Array ? features : Float64Array.from(features);
    const n = nRows;
    const d = nCols;
    const s = this.interceptScaling;
    const diag = 1 / (2 * this.C);
    const w = new Float64Array(d + 1); // last entry: bias weight on the constant feature s
    const alpha = new Float64Array(n);
    const qd = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let sq = s * s;
      const base = i * d;
      for (let j = 0; j < d; j++) sq += X[base + j] * X[base + j];
      qd[i] = sq + diag;
    }
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const rng = new Random(this.seed);

    this.converged = false;
    let it = 0;
    for (; it < this.maxIter; it++) {
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        const tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
      }
      let pgMax = -Infinity;
      let pgMin = Infinity;
      for (let q = 0; q < n; q++) {
        const i = perm[q];
        const t = y[i] === 1 ? 1 : -1;
        const base = i * d;
        let wx = w[d] * s;
        for (let j = 0; j < d; j++) wx += w[j] * X[base + j];
        const g = t * wx - 1 + diag * alpha[i];
        const pg = alpha[i] === 0 ? Math.min(g, 0) : g;
        if (pg > pgMax) pgMax = pg;
        if (pg < pgMin) pgMin = pg;
        if (pg !== 0) {
          const old = alpha[i];
          const next = Math.max(old - g / qd[i], 0);
          alpha[i] = next;
          const delta = (next - old) * t;
          if (delta !== 0) {
            for (let j = 0; j < d; j++) w[j] += delta * X[base + j];
            w[d] += delta * s;
          }
        }
      }
      if (pgMax - pgMin <= this.tol) {
        this.converged = true;
        it++;
        break;
      }
    }
    this.iterations = it;
    this.w = w.slice(0, d);
    this.b = w[d] * s;
    this.nCols = d;
    return this;
  }
}
