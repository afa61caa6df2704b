import { describe, expect, it } from 'vitest';
import { erfc, gaussLegendre, logErfc, normalCdf, normalSf } from '../../lib/privacy/special';
import { phiRef } from './reference';

describe('special functions', () => {
  it('erfc matches tabulated values (Abramowitz & Stegun Table 7.1 / DLMF 7.2) to ~1e-14 relative', () => {
    const table: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [1.9, 0.007209570764742524],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, v] of table) expect(Math.abs(erfc(x) - v) / v).toBeLessThan(1e-13);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 15);
  });

  it('logErfc stays finite deep in the tail (asymptotic -x^2 - log(x sqrt(pi)))', () => {
    const x = 100;
    const asym = -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log1p(-1 / (2 * x * x) + 3 / (4 * x ** 4));
    expect(logErfc(x)).toBeCloseTo(asym, 10);
    expect(logErfc(1)).toBeCloseTo(Math.log(0.15729920705028513), 14);
  });

  it('normal CDF agrees with Simpson integration of the density', () => {
    for (const x of [-8, -3.2, -1, 0, 0.7, 2.5]) {
      const ref = phiRef(x);
      expect(Math.abs(normalCdf(x) - ref) / ref).toBeLessThan(1e-11);
      expect(Math.abs(normalSf(-x) - ref) / ref).toBeLessThan(1e-11);
    }
  });

  it('Gauss-Legendre rules integrate polynomials of degree 2n-1 exactly', () => {
    const { nodes, weights } = gaussLegendre(8);
    // integral_{-1}^{1} x^14 dx = 2/15
    let s = 0;
    for (let i = 0; i < 8; i++) s += weights[i] * nodes[i] ** 14;
    expect(s).toBeCloseTo(2 / 15, 14);
  });
});
