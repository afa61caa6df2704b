import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/compute/backend';
import { heapOffset, ownMemoryKernels, simdKernels } from '../../lib/compute/simd/index';
import { Random } from '../../lib/random';
import { WASM, buildKernels } from '../../tools/build-wasm';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm', log: null });
});

describe('SIMD kernels on the wasm heap', () => {
  it('the committed kernels.wasm is the build of kernels.wat (npm run build:wasm)', async () => {
    expect(Buffer.from(await buildKernels()).equals(fs.readFileSync(WASM))).toBe(true);
  }, 60_000);

  it('are only offered on the wasm backend', async () => {
    expect(simdKernels()).not.toBeNull();
    await selectBackend({ backend: 'cpu', log: null });
    expect(simdKernels()).toBeNull();
    await selectBackend({ backend: 'wasm', log: null });
  });

  it('adam: one DP Adam step in place, equal to a double-precision reference', () => {
    const k = simdKernels();
    if (!k) throw new Error('no SIMD kernels on wasm');
    for (const n of [1, 3, 4, 1003]) {
      const rng = new Random(n);
      const arr = (sd: number) => Float32Array.from({ length: n }, () => rng.normal(0, sd));
      const [p, m, g, z] = [arr(0.1), arr(1e-3), arr(1e-3), arr(1)];
      const v = Float32Array.from(arr(1e-3), (x) => x * x);
      const ts = [p, m, v, g, z].map((a) => tf.tensor1d(a));
      const outs = [0, 1, 2].map(() => tf.zeros([n]) as tf.Tensor1D);
      const [b1, b2, lr, eps, sd, scale] = [0.5, 0.999, 2e-3, 1e-7, 0.7, 0.25];
      const at = heapOffset;
      k.adam(at(ts[0]), at(ts[1]), at(ts[2]), at(ts[3]), at(ts[4]), at(outs[0]), at(outs[1]), at(outs[2]), n, b1, b2, 1 - b1, 1 - b2, lr, eps, sd, scale);
      const [po, mo, vo] = outs.map((t) => t.dataSync());
      for (let i = 0; i < n; i++) {
        const gi = (g[i] + sd * z[i]) * scale;
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        const pi = p[i] - (lr * mi) / (Math.sqrt(vi) + eps);
        // Float32 rounding: a few ulps of the terms' magnitudes (sums may cancel).
        const ulps = 1e-6;
        expect(Math.abs(mo[i] - mi)).toBeLessThanOrEqual(ulps * (Math.abs(b1 * m[i]) + Math.abs((1 - b1) * gi)));
        expect(Math.abs(vo[i] - vi)).toBeLessThanOrEqual(ulps * vi);
        expect(Math.abs(po[i] - pi)).toBeLessThanOrEqual(ulps * (Math.abs(p[i]) + Math.abs(p[i] - pi)));
      }
      // Inputs untouched.
      expect(Array.from(ts[0].dataSync())).toEqual(Array.from(p));
      tf.dispose([...ts, ...outs]);
    }
  });
});

describe('float64 kernels on their own memory (logistic regression)', () => {
  /** n x kp row-major values with zero padding past d, and n weights, in the kernels' memory (two MiB more than asked, to show growth). */
  function setup(n: number, d: number, seed: number) {
    const kp = (d + 3) & ~3;
    const rng = new Random(seed);
    const bytes = 8 * (2 * n * kp + n + kp * kp + kp) + (2 << 20);
    const { kernels, buffer } = ownMemoryKernels(bytes);
    expect(buffer.byteLength).toBeGreaterThanOrEqual(bytes);
    let at = 0;
    const view = (length: number) => {
      const v = new Float64Array(buffer, at, length);
      at += 8 * length;
      return v;
    };
    const x = view(n * kp);
    const s = view(n);
    const w = view(n * kp);
    const out = view(kp * kp);
    const g = view(kp);
    x.fill(0);
    // Values of mixed sign and magnitude, so that the order of the sums shows in their last bits.
    for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) x[i * kp + a] = rng.normal(0, 1) * 10 ** rng.int(-3, 4);
    for (let i = 0; i < n; i++) s[i] = rng.normal(0, 1) * 10 ** rng.int(-2, 3);
    return { kernels, kp, x, s, w, out, g };
  }

  it('weightedGram equals the scalar loop bit for bit: out[a, c] = sum over i in order of (s_i x_ia) x_ic, c <= a', () => {
    for (const [n, d, seed] of [[1, 1, 1], [7, 4, 2], [300, 5, 3], [1000, 37, 4], [129, 12, 5]]) {
      const { kernels, kp, x, s, w, out } = setup(n, d, seed);
      out.fill(NaN);
      kernels.weightedGram(x.byteOffset, s.byteOffset, n, kp, w.byteOffset, out.byteOffset);
      for (let a = 0; a < kp; a++) {
        for (let c = 0; c <= a; c++) {
          let h = 0;
          for (let i = 0; i < n; i++) h += (s[i] * x[i * kp + a]) * x[i * kp + c];
          expect(out[a * kp + c], `n ${n} d ${d} (${a}, ${c})`).toBe(h);
        }
      }
    }
  });

  it('weightedColumnSums equals the scalar loop bit for bit: out[a] = sum over i in order of r_i x_ia (8 and 4 columns at a time)', () => {
    for (const [n, d, seed] of [[1, 1, 6], [5, 4, 7], [300, 8, 8], [1000, 37, 9], [64, 12, 10]]) {
      const { kernels, kp, x, s, g } = setup(n, d, seed);
      g.fill(NaN);
      kernels.weightedColumnSums(x.byteOffset, s.byteOffset, n, kp, g.byteOffset);
      for (let a = 0; a < kp; a++) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += s[i] * x[i * kp + a];
        expect(g[a], `n ${n} d ${d} column ${a}`).toBe(sum);
      }
    }
  });

  it('headBoundsBelow keeps exactly the rows whose 12-coordinate squared distance is within the threshold, in row order', () => {
    const n = 500;
    const { kernels, buffer } = ownMemoryKernels(8 * (n * 12 + 12 + n + 2) + 4 * (n + 2));
    const head = new Float64Array(buffer, 0, n * 12);
    const q = new Float64Array(buffer, head.byteLength, 12);
    const bound = new Float64Array(buffer, q.byteOffset + q.byteLength, n + 2);
    const row = new Int32Array(buffer, bound.byteOffset + bound.byteLength, n + 2);
    const rng = new Random(12);
    for (let i = 0; i < head.length; i++) head[i] = rng.normal(0, 1) * 10 ** rng.int(-2, 3);
    for (let c = 0; c < 12; c++) q[c] = rng.normal(0, 10);
    const exact = (r: number) => {
      let b = 0;
      for (let c = 0; c < 12; c++) b += (head[r * 12 + c] - q[c]) ** 2;
      return b;
    };
    for (const [first, end] of [[0, n], [17, 18], [40, 40], [123, 389]]) {
      const all = Array.from({ length: end - first }, (_, i) => exact(first + i)).sort((a, b) => a - b);
      // Thresholds away from every row's value (between two rows' values), so rounding cannot decide.
      const between = all.length > 1 ? (all[all.length >> 1] + all[(all.length >> 1) - 1]) / 2 : 1;
      for (const threshold of [0, between, Infinity]) {
        bound.fill(NaN);
        row.fill(-7);
        const count = kernels.headBoundsBelow(head.byteOffset, q.byteOffset, first, end, threshold, row.byteOffset, bound.byteOffset);
        const want = Array.from({ length: end - first }, (_, i) => first + i).filter((r) => exact(r) <= threshold);
        expect(Array.from(row.subarray(0, count)), `[${first}, ${end}) threshold ${threshold}`).toEqual(want);
        for (let i = 0; i < count; i++) expect(Math.abs(bound[i] - exact(row[i]))).toBeLessThanOrEqual(1e-14 * exact(row[i]));
        // Nothing written past the rows it was given.
        expect(row[end - first]).toBe(-7);
        expect(Number.isNaN(bound[end - first])).toBe(true);
      }
    }
  });

  it('need no TF.js backend: the same module on a memory of its own, on the cpu backend too', async () => {
    await selectBackend({ backend: 'cpu', log: null });
    try {
      const { kernels, kp, x, s, g } = setup(3, 2, 11);
      kernels.weightedColumnSums(x.byteOffset, s.byteOffset, 3, kp, g.byteOffset);
      expect(g[1]).toBe(s[0] * x[1] + s[1] * x[kp + 1] + s[2] * x[2 * kp + 1]);
    } finally {
      await selectBackend({ backend: 'wasm', log: null });
    }
  });
});

