/**
 * lib/compute/linalg against closed forms, naive reconstructions, and
 * matrices whose decomposition is known by construction.
 */
import { describe, expect, it } from 'vitest';
import { floorEigenvalues, solveSpd, symmetricEigen, symmetricRoot } from '../../lib/compute/linalg';
import { Random } from '../../lib/random';

function randomSymmetric(m: number, seed: number): number[] {
  const rng = new Random(seed);
  const a = new Array<number>(m * m);
  for (let j = 0; j < m; j++) for (let k = j; k < m; k++) a[j * m + k] = a[k * m + j] = rng.normal();
  return a;
}

/** A A^T + m I: symmetric positive definite. */
function randomSpd(m: number, seed: number): number[] {
  const rng = new Random(seed);
  const b = Array.from({ length: m * m }, () => rng.normal());
  const a = new Array<number>(m * m).fill(0);
  for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) for (let i = 0; i < m; i++) a[j * m + k] += b[j * m + i] * b[k * m + i];
  for (let j = 0; j < m; j++) a[j * m + j] += m;
  return a;
}

describe('symmetricEigen', () => {
  it('finds the closed-form eigenvalues of [[2, 1], [1, 2]] (1 and 3) with orthonormal vectors', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
    expect(vectors[0] * vectors[1] + vectors[2] * vectors[3]).toBeCloseTo(0, 12);
    expect(vectors[0] ** 2 + vectors[2] ** 2).toBeCloseTo(1, 12);
  });

  it('reconstructs a random symmetric 12 x 12 matrix as V diag(w) V^T', () => {
    const m = 12;
    const a = randomSymmetric(m, 9);
    const { values, vectors } = symmetricEigen(a, m);
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < m; k++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += vectors[j * m + i] * values[i] * vectors[k * m + i];
        expect(s).toBeCloseTo(a[j * m + k], 9);
      }
    }
  });
});

describe('floorEigenvalues and symmetricRoot', () => {
  it('lifts eigenvalues below the floor and keeps the others: [[1, 2], [2, 1]] has 3 and -1', () => {
    // Eigenvectors (1, 1)/sqrt 2 and (1, -1)/sqrt 2: with -1 raised to f the matrix is [[(3+f)/2, (3-f)/2], ...].
    const f = 0.5;
    const p = floorEigenvalues([1, 2, 2, 1], 2, f);
    expect(Array.from(p)).toEqual([(3 + f) / 2, (3 - f) / 2, (3 - f) / 2, (3 + f) / 2].map((v) => expect.closeTo(v, 12)));
    // A floor computed from the eigenvalues: a share of the largest.
    const q = floorEigenvalues([1, 2, 2, 1], 2, (values) => Math.max(...values) / 10);
    expect(q[0]).toBeCloseTo((3 + 0.3) / 2, 12);
    expect(Array.from(floorEigenvalues([2, 1, 1, 2], 2, 0))).toEqual([2, 1, 1, 2].map((v) => expect.closeTo(v, 12)));
  });

  it('symmetricRoot R has R R^T = A for a positive definite A', () => {
    const m = 8;
    const a = randomSpd(m, 4);
    const r = symmetricRoot(a, m);
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < m; k++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += r[j * m + i] * r[k * m + i];
        expect(s).toBeCloseTo(a[j * m + k], 9);
      }
    }
  });
});

describe('solveSpd', () => {
  it('solves A X = B for several right-hand sides (A X recomputed naively)', () => {
    const m = 7;
    const r = 3;
    const a = randomSpd(m, 2);
    const rng = new Random(5);
    const b = Array.from({ length: m * r }, () => rng.normal());
    const x = solveSpd(a, m, b, r);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < r; c++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += a[i * m + k] * x[k * r + c];
        expect(s).toBeCloseTo(b[i * r + c], 10);
      }
    }
    expect(Array.from(solveSpd([4, 2, 2, 3], 2, [2, 1], 1))).toEqual([expect.closeTo(0.5, 14), expect.closeTo(0, 14)]);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => solveSpd([1, 2, 2, 1], 2, [1, 1], 1)).toThrow(/not positive definite/);
  });
});

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

describe('by construction: matrices built from known eigenvalues and vectors', () => {
  const m = 7;
  const q = orthogonal(m, 1);
  const w = [5, 3, 2.5, 1, 0.5, 0.01, -0.2];
  const a = compose(q, w, m);

  it('symmetricEigen finds the eigenvalues and vectors of a matrix built from them', () => {
    const { values, vectors } = symmetricEigen(a, m);
    expect(Array.from(values).sort((x: number, y: number) => y - x)).toEqual(w.map((v) => expect.closeTo(v, 10)));
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
