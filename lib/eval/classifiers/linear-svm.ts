import { Random, type Seed } from '../../random';
import { solveSpd } from '../../compute/linalg';
import { LinearModel } from './linear-model';
import { checkBothClasses, checkFitInput, type Classifier, type FeatureMatrix } from './types';

/**
 * Linear support vector machine: scikit-learn's `LinearSVC()` objective (L2
 * penalty, squared hinge loss, C = 1, tol 1e-4), by default on standardized
 * features and solved to its optimum, i.e. `make_pipeline(StandardScaler(),
 * LinearSVC(dual=False))`.
 *
 * Why standardized: on the raw features (mmHg, medication counts) the
 * paper's `LinearSVC()` never converges: its dual solver stops at the
 * 1000-pass limit on every cohort we measured (scikit-learn 1.2.1 warns), so
 * its accuracy is an artifact of the pass order and the limit (ours 0.92-0.93
 * on the embedded cohort's held-out patients, scikit-learn's 0.52-0.56).
 * Standardized, the dual solver still stops at its limit there (scikit-learn
 * too); the primal Newton solver below reaches the optimum in about ten steps
 * (scikit-learn's dual=False: 9 iterations, held-out accuracy 0.946). The
 * paper's setting stays available: `{ standardize: false, solver: 'dual' }`.
 *
 * Objective, with the liblinear bias trick (z~ = [z, s], s = interceptScaling
 * = 1, z = the standardized features, or the raw ones):
 *
 *   min_w~  f(w~) = ||w~||^2 / 2 + C sum_i max(0, 1 - t_i w~.z~_i)^2,   t_i = 2 y_i - 1
 *
 * so the intercept b = s * w~_d IS penalized (as in LinearSVC; a larger
 * interceptScaling weakens that penalty). Standardization (StandardScaler):
 * z_j = (x_j - mean_j) / sd_j with the training set's mean and population sd
 * (sd 0 -> 1); `coefficients` and `intercept` are those of the model on z
 * (the pipeline's `coef_`, comparable across features), predictions apply
 * the same transform.
 *
 * Primal solver (default; liblinear's dual=False uses a trust-region Newton
 * method on the same function): f is convex, piecewise quadratic, with
 * gradient g = w~ - 2C sum_{i in A} (1 - t_i w~.z~_i) t_i z~_i over the rows A
 * inside the margin and generalized Hessian H = I + 2C sum_{i in A} z~_i z~_i^T.
 * Each step solves H p = -g (Cholesky, d + 1 unknowns) and backtracks until
 * f decreases enough (Armijo, 1e-4). It stops when ||g|| <= tol x
 * min(#class 0, #class 1) / n x ||g(0)|| (liblinear's primal criterion).
 *
 * Dual solver (`solver: 'dual'`, LinearSVC's default, Hsieh et al., ICML
 * 2008, at most 1000 passes): min_a a^T (Q + D) a / 2 - sum a,
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
  /** Maximum Newton steps (primal) or passes over the data (dual) (default 1000, as LinearSVC). */
  maxIter?: number;
  /** Seed of the dual solver's visiting order (default 0). */
  seed?: Seed;
  /** Standardize the features with the training set's mean and sd (default true; the paper: false). */
  standardize?: boolean;
  /** 'primal' (default: Newton, to the optimum) or 'dual' (coordinate descent, LinearSVC's default). */
  solver?: 'primal' | 'dual';
}

export class LinearSvm extends LinearModel implements Classifier {
  protected readonly modelName = 'LinearSvm';
  readonly name = 'svm';
  readonly C: number;
  readonly interceptScaling: number;
  readonly tol: number;
  readonly maxIter: number;
  readonly seed: Seed;
  readonly standardize: boolean;
  readonly solver: 'primal' | 'dual';
  /** Newton steps or passes used by the last fit. */
  iterations = 0;
  /** Whether the last fit met the tolerance before maxIter. */
  converged = false;
  /** The model on the features the solver saw (standardized or raw). */
  private coef = new Float64Array(0);
  private icpt = 0;

  constructor(options: LinearSvmOptions = {}) {
    super();
    this.C = options.C ?? 1;
    if (!(this.C > 0)) throw new RangeError(`LinearSvm: C must be > 0, got ${options.C}`);
    this.interceptScaling = options.interceptScaling ?? 1;
    if (!(this.interceptScaling > 0)) throw new RangeError(`LinearSvm: interceptScaling must be > 0, got ${options.interceptScaling}`);
    this.tol = options.tol ?? 1e-4;
    this.maxIter = options.maxIter ?? 1000;
    this.seed = options.seed ?? 0;
    this.standardize = options.standardize ?? true;
    this.solver = options.solver ?? 'primal';
    if (this.solver !== 'primal' && this.solver !== 'dual') throw new RangeError(`LinearSvm: solver must be 'primal' or 'dual', got ${String(options.solver)}`);
  }

  /** Fitted weights, one per feature, on the features the solver saw: standardized by default (LinearSVC's `coef_[0]`). */
  get coefficients(): Float64Array {
    if (this.nCols === 0) throw new Error('LinearSvm: call fit before reading coefficients');
    return this.coef.slice();
  }

  /** Fitted intercept (LinearSVC's `intercept_[0]` = interceptScaling * w~_d), on the same features. */
  get intercept(): number {
    return this.icpt;
  }

  fit(features: FeatureMatrix, nRows: number, nCols: number, y: Uint8Array): this {
    checkFitInput('LinearSvm', features, nRows, nCols, y);
    checkBothClasses('LinearSvm', y);
    // One element type in the hot loops (keeps them monomorphic).
    const raw = features instanceof Float64Array ? features : Float64Array.from(features);
    const d = nCols;
    const scaler = this.standardize ? standardScaler(raw, nRows, d) : null;
    const Z = scaler ? scaler.transform(raw, nRows) : raw;
    const w = this.solver === 'primal' ? this.solvePrimal(Z, nRows, d, y) : this.solveDual(Z, nRows, d, y);
    const s = this.interceptScaling;
    this.coef = w.slice(0, d);
    this.icpt = w[d] * s;
    // Predictions on raw rows: w.z + b = (w / sd).x + (b - sum_j w_j mean_j / sd_j).
    this.w = scaler ? this.coef.map((v, j) => v / scaler.scale[j]) : this.coef.slice();
    this.b = scaler ? this.coef.reduce((acc, v, j) => acc - (v * scaler.mean[j]) / scaler.scale[j], this.icpt) : this.icpt;
    this.nCols = d;
    return this;
  }

  /** Newton's method on the primal (module comment); returns w~ (d + 1 values). */
  private solvePrimal(X: Float64Array, n: number, d: number, y: Uint8Array): Float64Array {
    const s = this.interceptScaling;
    const C = this.C;
    const m = d + 1;
    const row = (i: number, out: Float64Array) => {
      for (let j = 0; j < d; j++) out[j] = X[i * d + j];
      out[d] = s;
    };
    const zi = new Float64Array(m);
    /** f(w) and, when `grad` is given, its gradient and generalized Hessian. */
    const evaluate = (w: Float64Array, grad?: Float64Array, hess?: Float64Array): number => {
      let f = 0;
      for (let j = 0; j < m; j++) f += (w[j] * w[j]) / 2;
      if (grad) grad.set(w);
      if (hess) {
        hess.fill(0);
        for (let j = 0; j < m; j++) hess[j * m + j] = 1;
      }
      for (let i = 0; i < n; i++) {
        row(i, zi);
        const t = y[i] === 1 ? 1 : -1;
        let wz = 0;
        for (let j = 0; j < m; j++) wz += w[j] * zi[j];
        const slack = 1 - t * wz;
        if (slack <= 0) continue;
        f += C * slack * slack;
        if (grad) for (let j = 0; j < m; j++) grad[j] -= 2 * C * slack * t * zi[j];
        if (hess) {
          for (let a = 0; a < m; a++) {
            const za = 2 * C * zi[a];
            for (let b = 0; b <= a; b++) hess[a * m + b] += za * zi[b];
          }
        }
      }
      if (hess) for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) hess[a * m + b] = hess[b * m + a];
      return f;
    };
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i];
    const w = new Float64Array(m);
    const g = new Float64Array(m);
    const H = new Float64Array(m * m);
    const trial = new Float64Array(m);
    let f = evaluate(w, g, H);
    const stop = (this.tol * Math.min(pos, n - pos) / n) * norm(g);
    this.converged = false;
    let it = 0;
    for (; it < this.maxIter; it++) {
      if (norm(g) <= stop) {
        this.converged = true;
        break;
      }
      const p = solveSpd(H, m, g, 1);
      let slope = 0;
      for (let j = 0; j < m; j++) {
        p[j] = -p[j];
        slope += g[j] * p[j];
      }
      let step = 1;
      let fTrial = Infinity;
      for (let k = 0; k < 60; k++, step /= 2) {
        for (let j = 0; j < m; j++) trial[j] = w[j] + step * p[j];
        fTrial = evaluate(trial);
        if (fTrial <= f + 1e-4 * step * slope) break;
      }
      if (!(fTrial < f)) break; // no decrease left at double precision: stop where we are
      w.set(trial);
      f = evaluate(w, g, H);
    }
    this.iterations = it;
    return w;
  }

  /** Dual coordinate descent (module comment); returns w~ (d + 1 values). */
  private solveDual(X: Float64Array, nRows: number, nCols: number, y: Uint8Array): Float64Array {
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
    return w;
  }
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  return Math.sqrt(s);
}

/** scikit-learn's StandardScaler: the training set's per-feature mean and population sd (sd 0 -> 1). */
export function standardScaler(X: Float64Array, n: number, d: number): { mean: Float64Array; scale: Float64Array; transform(x: Float64Array, rows: number): Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const c = X[i * d + j] - mean[j];
      scale[j] += c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(scale[j] / n);
    scale[j] = sd > 0 ? sd : 1;
  }
  const transform = (x: Float64Array, rows: number) => {
    const out = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] - mean[j]) / scale[j];
    return out;
  };
  return { mean, scale, transform };
}
