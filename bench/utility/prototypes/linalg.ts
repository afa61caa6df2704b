/** Small dense linear algebra for prototypes (symmetric eigen, PSD projection, Cholesky, solve). */

export function jacobiEigen(a: ArrayLike<number>, m: number): { values: Float64Array; vectors: Float64Array } {
  const s = Float64Array.from(a);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  let total = 0;
  for (let i = 0; i < m * m; i++) total += s[i] * s[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += s[p * m + q] ** 2;
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = s[p * m + q];
        if (apq === 0) continue;
        const theta = (s[q * m + q] - s[p * m + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < m; k++) {
          const kp = s[k * m + p], kq = s[k * m + q];
          s[k * m + p] = c * kp - sn * kq;
          s[k * m + q] = sn * kp + c * kq;
        }
        for (let k = 0; k < m; k++) {
          const pk = s[p * m + k], qk = s[q * m + k];
          s[p * m + k] = c * pk - sn * qk;
          s[q * m + k] = sn * pk + c * qk;
        }
        for (let k = 0; k < m; k++) {
          const kp = v[k * m + p], kq = v[k * m + q];
          v[k * m + p] = c * kp - sn * kq;
          v[k * m + q] = sn * kp + c * kq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = s[i * m + i];
  return { values, vectors: v };
}

/** Symmetric matrix with eigenvalues floored at `floor` (absolute). */
export function floorEigen(a: ArrayLike<number>, m: number, floor: number): Float64Array {
  const { values, vectors } = jacobiEigen(a, m);
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const w = Math.max(values[i], floor);
    for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) out[j * m + k] += vectors[j * m + i] * w * vectors[k * m + i];
  }
  return out;
}

/** Lower Cholesky factor of a symmetric positive definite matrix. */
export function cholesky(a: ArrayLike<number>, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j];
      for (let k = 0; k < j; k++) s -= l[i * m + k] * l[j * m + k];
      if (i === j) l[i * m + i] = Math.sqrt(Math.max(s, 1e-12));
      else l[i * m + j] = s / l[j * m + j];
    }
  }
  return l;
}

/** Solves A X = B for symmetric positive definite A (m x m) and B (m x r), via Cholesky. */
export function solveSpd(a: ArrayLike<number>, m: number, b: ArrayLike<number>, r: number): Float64Array {
  const l = cholesky(a, m);
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
