import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/compute/backend';
import { heapOffset, simdKernels } from '../../lib/compute/simd/index';
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
