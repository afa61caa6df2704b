/**
 * Small dense linear algebra in plain JavaScript (float64): cyclic Jacobi
 * eigen-decomposition of a symmetric matrix, eigenvalue flooring (the
 * nearest positive semi-definite matrix in Frobenius norm when the floor is
 * 0), a symmetric square root, and a Cholesky solve. Matrices are row-major
 * m x m. Deterministic (fixed sweep order). Used by the generators'
 * post-processing of noisy moments (Gaussian, Markov-Gaussian) and the linear
 * SVM's Newton steps; the matrices are small (at most a few dozen rows).
 */

/** a = V diag(values) V^T; V's columns are the eigenvectors. */
export function symmetricEigen(a: ArrayLike<number>, m: number): { values: Float64Array; vectors: Float64Array } {
  const s = Float64Array.from(a);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  let total = 0;
  for (let i = 0; i < m * m; i++) total += s[i] * s[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += s[p * m + q] * s[p * m + q];
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = s[p * m + q];
        if (apq === 0) continue;
        // The rotation that zeroes s[p][q]: t = tan(angle) = sign(theta) / (|theta| + sqrt(theta^2 + 1)).
        const theta = (s[q * m + q] - s[p * m + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        rotate(s, m, p, q, c, sn, true);
        rotate(s, m, p, q, c, sn, false);
        rotate(v, m, p, q, c, sn, true);
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = s[i * m + i];
  return { values, vectors: v };
}

/** Applies a Givens rotation to columns (byColumn) or rows p and q of x. */
function rotate(x: Float64Array, m: number, p: number, q: number, c: number, s: number, byColumn: boolean): void {
  for (let k = 0; k < m; k++) {
    const ip = byColumn ? k * m + p : p * m + k;
    const iq = byColumn ? k * m + q : q * m + k;
    const xp = x[ip];
    const xq = x[iq];
    x[ip] = c * xp - s * xq;
    x[iq] = s * xp + c * xq;
  }
}

/**
 * The symmetric matrix with the same eigenvectors and eigenvalues
 * max(value, floor); `floor` may be computed from the eigenvalues (e.g. a
 * share of the largest).
 */
export function floorEigenvalues(a: ArrayLike<number>, m: number, floor: number | ((values: Float64Array) => number)): Float64Array {
  const { values, vectors } = symmetricEigen(a, m);
  const f = typeof floor === 'number' ? floor : floor(values);
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const w = Math.max(values[i], f);
    for (let j = 0; j < m; j++) {
      const vj = vectors[j * m + i] * w;
      for (let k = 0; k < m; k++) out[j * m + k] += vj * vectors[k * m + i];
    }
  }
  return out;
}

/**
 * The symmetric square root R = V diag(sqrt(max(value, 0))) V^T of a
 * symmetric positive semi-definite a (R R^T = R^2 = a). Unlike V diag(sqrt
 * values), it is unique where eigenvalues repeat (the floored ones all do),
 * so a model's root is a continuous function of its noisy statistics.
 */
export function symmetricRoot(a: ArrayLike<number>, m: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, m);
  const root = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const w = Math.sqrt(Math.max(values[i], 0));
    for (let j = 0; j < m; j++) {
      const vj = vectors[j * m + i] * w;
      for (let k = 0; k < m; k++) root[j * m + k] += vj * vectors[k * m + i];
    }
  }
  return root;
}

/** X with A X = B, A symmetric positive definite (m x m), B m x r; by Cholesky. Throws if A is not positive definite. */
export function solveSpd(a: ArrayLike<number>, m: number, b: ArrayLike<number>, r: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j];
      for (let k = 0; k < j; k++) s -= l[i * m + k] * l[j * m + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError('solveSpd: the matrix is not positive definite');
        l[i * m + i] = Math.sqrt(s);
      } else l[i * m + j] = s / l[j * m + j];
    }
  }
  const x = Float64Array.from(b);
  for (let c = 0; c < r; c++) {
    for (let i = 0; i < m; i++) {
      let s = x[i * r + c];
      for (let k = 0; k < i; k++) s -= l[i * m + k] * x[k * r + c];
      x[i * r + c] = s / l[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = x[i * r + c];
      for (let k = i + 1; k < m; k++) s -= l[k * m + i] * x[k * r + c];
      x[i * r + c] = s / l[i * m + i];
    }
  }
  return x;
}
