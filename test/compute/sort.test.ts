import { describe, expect, it } from 'vitest';
import { orderByFloat64 } from '../../lib/compute/sort';
import { Random } from '../../lib/random';

/** The naive reference: a comparator sort by value, ties by position in `rows`. */
function naive(values: Float64Array, rows: Int32Array): number[] {
  return Array.from(rows.keys())
    .sort((a, b) => (Object.is(values[rows[a]], -0) && Object.is(values[rows[b]], 0) ? -1 : Object.is(values[rows[a]], 0) && Object.is(values[rows[b]], -0) ? 1 : values[rows[a]] - values[rows[b]] || a - b))
    .map((p) => rows[p]);
}

describe('orderByFloat64', () => {
  it('sorts rows by value, stably, over every sign, magnitude and special value', () => {
    const rng = new Random(5);
    const special = [0, -0, 1, -1, 5e-324, -5e-324, 2.2250738585072014e-308, -Number.MAX_VALUE, Number.MAX_VALUE, Infinity, -Infinity, 0.1, 0.30000000000000004, 0.3];
    for (const n of [0, 1, 2, 17, 2048, 5000]) {
      const values = Float64Array.from({ length: n }, (_, i) => {
        const u = rng.uniform();
        if (u < 0.2) return special[rng.int(0, special.length)];
        if (u < 0.4) return Math.round(rng.normal(0, 3)); // many ties
        return rng.normal(0, 1) * 10 ** rng.int(-300, 300);
      });
      const identity = Int32Array.from({ length: n }, (_, i) => i);
      expect(Array.from(orderByFloat64(values, identity))).toEqual(naive(values, identity));
      // A subset of the rows, in an arbitrary order: ties keep that order.
      const subset = Int32Array.from({ length: n >> 1 }, () => rng.int(0, n));
      expect(Array.from(orderByFloat64(values, subset))).toEqual(naive(values, subset));
    }
  });

  it('reads values through a view with an offset and leaves its inputs alone', () => {
    const buffer = new Float64Array([9, 3, -2, 3, 1]);
    const view = buffer.subarray(1); // 3, -2, 3, 1
    const rows = Int32Array.from([3, 2, 1, 0]);
    expect(Array.from(orderByFloat64(view, rows))).toEqual([1, 3, 2, 0]);
    expect(Array.from(rows)).toEqual([3, 2, 1, 0]);
    expect(Array.from(buffer)).toEqual([9, 3, -2, 3, 1]);
  });

  it('refuses a row outside the values', () => {
    expect(() => orderByFloat64(new Float64Array(3), Int32Array.from([0, 3]))).toThrow(/row 3 is outside the 3 values/);
  });
});
