/**
 * lib/compute/linalg against closed forms and naive reconstructions.
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
