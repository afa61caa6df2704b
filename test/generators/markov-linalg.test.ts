/**
 * lib/generators/markov/linalg.ts against hand-made and randomly built
 * matrices whose decomposition is known by construction.
 */
import { describe, expect, it } from 'vitest';
import { floorEigenvalues, solveSpd, symmetricEigen, symmetricRoot } from '../../lib/generators/markov/linalg';
import { Random } from '../../lib/random';

/** A random orthogonal matrix (Gram-Schmidt on normal columns), row-major m x m. */
function orthogonal(m: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const q = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    const v = Array.from({ length: m }, () => rng.normal());
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < m; r++) dot += v[r] * q[r * m + p];
      for (let r = 0; r < m; r++) v[r] -= dot * q[r * m + p];
    }
    const norm = Math.hypot(...v);
    for (let r = 0; r < m; r++) q[r * m + c] = v[r] / norm;
  }
  return q;
}

/** Q diag(w) Q^T. */
function compose(q: Float64Array, w: number[], m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) for (let i = 0; i < m; i++) out[j * m + k] += q[j * m + i] * w[i] * q[k * m + i];
  return out;
}

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) out[i * m + j] += a[i * m + k] * b[k * m + j];
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('markov linalg', () => {
  const m = 7;
  const q = orthogonal(m, 1);
  const w = [5, 3, 2.5, 1, 0.5, 0.01, -0.2];
  const a = compose(q, w, m);

  it('symmetricEigen finds the eigenvalues and vectors of a matrix built from them', () => {
    const { values, vectors } = symmetricEigen(a, m);
    expect(Array.from(values).sort((x, y) => y - x)).toEqual(w.map((v) => expect.closeTo(v, 10)));
    expect(maxAbsDiff(compose(vectors, Array.from(values), m), a)).toBeLessThan(1e-10);
    // the vectors are orthonormal
    const vtv = matmul(Array.from({ length: m * m }, (_, i) => vectors[(i % m) * m + Math.floor(i / m)]), vectors, m);
    expect(maxAbsDiff(vtv, compose(orthogonal(m, 2), Array(m).fill(1), m))).toBeLessThan(1e-10);
  });

  it('floorEigenvalues raises exactly the eigenvalues below the floor', () => {
    const floored = floorEigenvalues(a, m, 0.5);
    expect(maxAbsDiff(floored, compose(q, w.map((v) => Math.max(v, 0.5)), m))).toBeLessThan(1e-10);
    expect(maxAbsDiff(floorEigenvalues(a, m, -1), a)).toBeLessThan(1e-10);
  });

  it('symmetricRoot is the symmetric square root, unique even where eigenvalues repeat', () => {
    const psd = compose(q, [4, 2, 1, 1, 1, 0.25, 0], m); // a repeated eigenvalue, and 0
    const r = symmetricRoot(psd, m);
    expect(maxAbsDiff(r, compose(q, [2, Math.SQRT2, 1, 1, 1, 0.5, 0], m))).toBeLessThan(1e-9);
    expect(maxAbsDiff(matmul(r, r, m), psd)).toBeLessThan(1e-9);
    for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) expect(r[j * m + k]).toBeCloseTo(r[k * m + j], 12);
    // a tiny perturbation of a matrix with a repeated eigenvalue moves the root only a little
    // (the eigenvectors of the repeated eigenvalue jump; V sqrt(w) would jump with them)
    const pd = compose(q, [4, 2, 1, 1, 1, 0.25, 0.1], m);
    const nudged = Float64Array.from(pd, (v, i) => v + (i === 3 * m + 4 || i === 4 * m + 3 ? 1e-9 : 0));
    expect(maxAbsDiff(symmetricRoot(nudged, m), symmetricRoot(pd, m))).toBeLessThan(1e-8);
    // negative eigenvalues count as 0
    expect(maxAbsDiff(symmetricRoot(a, m), compose(q, w.map((v) => Math.sqrt(Math.max(v, 0))), m))).toBeLessThan(1e-9);
  });

  it('solveSpd solves A X = B and refuses a matrix that is not positive definite', () => {
    const spd = compose(q, [5, 3, 2.5, 1, 0.5, 0.2, 0.1], m);
    const rng = new Random(3);
    const x = Float64Array.from({ length: m * 2 }, () => rng.normal());
    const b = new Float64Array(m * 2);
    for (let i = 0; i < m; i++) for (let c = 0; c < 2; c++) for (let k = 0; k < m; k++) b[i * 2 + c] += spd[i * m + k] * x[k * 2 + c];
    expect(maxAbsDiff(solveSpd(spd, m, b, 2), x)).toBeLessThan(1e-9);
    expect(() => solveSpd(a, m, b, 2)).toThrow(/not positive definite/);
  });
});
