import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random';

describe('Random', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 20 }, () => a.nextUint32());
    const sb = Array.from({ length: 20 }, () => b.nextUint32());
    const sc = Array.from({ length: 20 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(new Random('x').uniform()).toBe(new Random('x').uniform());
  });

  it('uniform lies in [0,1) with mean ~0.5 and var ~1/12', () => {
    const r = new Random(1);
    let s = 0, s2 = 0, outside = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      s += u; s2 += u * u;
    }
    expect(outside).toBe(0);
    const mean = s / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(s2 / n - mean * mean).toBeCloseTo(1 / 12, 2);
    const v = r.uniform(-3, 5);
    expect(v >= -3 && v < 5).toBe(true);
  });

  it('normal has the requested mean and sd', () => {
    const r = new Random(2);
    const n = 100_000;
    let s = 0, s2 = 0, s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal(10, 3);
      s += z; s2 += z * z;
      const d = (z - 10) / 3; s4 += d * d * d * d;
    }
    const mean = s / n;
    expect(Math.abs(mean - 10)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(s2 / n - mean * mean) - 3)).toBeLessThan(0.05);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.1); // Gaussian kurtosis
  });

  it('int covers its range uniformly, hi exclusive', () => {
    const r = new Random(3);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(0, 7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => r.int(3, 3)).toThrow(RangeError);
    expect(r.int(-2, -1)).toBe(-2);
  });

  it('shuffle permutes in place, deterministically', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const a = new Random(4).shuffle(xs.slice());
    const b = new Random(4).shuffle(xs.slice());
    expect(a).toEqual(b);
    expect(a).not.toEqual(xs);
    expect(a.slice().sort((p, q) => p - q)).toEqual(xs);
  });

  it('derive is independent of draws and of other names; split advances the parent', () => {
    const r = new Random(5);
    const d1 = r.derive('noise').nextUint32();
    r.nextUint32();
    expect(r.derive('noise').nextUint32()).toBe(d1);
    expect(r.derive('init').nextUint32()).not.toBe(d1);
    const p = new Random(6);
    const q = new Random(6);
    const child = p.split();
    expect(p.nextUint32()).not.toBe(q.nextUint32());
    expect(child.nextUint32()).not.toBe(new Random(6).nextUint32());
  });
});

describe('Random.fillUint32', () => {
  it('produces the same stream as nextUint32 and leaves the generator in the same state', () => {
    for (const seed of [0, 1, 42, 'noise', 2 ** 40 + 3]) {
      const a = new Random(seed);
      const b = new Random(seed);
      a.nextUint32(); // start mid-stream
      b.nextUint32();
      const want = Uint32Array.from({ length: 1000 }, () => a.nextUint32());
      const got = b.fillUint32(new Uint32Array(1000));
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(b.nextUint32()).toBe(a.nextUint32());
      expect(b.uniform()).toBe(a.uniform());
    }
  });

  it('fills only the requested range', () => {
    const a = new Random(7);
    const b = new Random(7);
    const out = new Uint32Array(10).fill(123);
    b.fillUint32(out, 3, 6);
    expect(Array.from(out.subarray(0, 3))).toEqual([123, 123, 123]);
    expect(Array.from(out.subarray(6))).toEqual([123, 123, 123, 123]);
    expect(Array.from(out.subarray(3, 6))).toEqual([a.nextUint32(), a.nextUint32(), a.nextUint32()]);
    expect(b.nextUint32()).toBe(a.nextUint32());
  });
});
