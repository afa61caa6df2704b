import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/compute/backend';
import { Adam } from '../../lib/generators/acgan/adam';
import { noiseAndNormalize, privatization } from '../../lib/generators/acgan/dpsgd';
import { type RowSumLists, rowSums, rowSumsAvailable, transposeRowSumLists } from '../../lib/compute/fused';
import type { Params } from '../../lib/generators/acgan/models';
import { Random } from '../../lib/random';
import { maxRelDiff } from '../generators/acgan/helpers';

afterAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

function makeParams(seed: number): Params {
  const rng = new Random(seed);
  const p: Params = new Map();
  for (const [name, shape] of [
    ['a/kernel', [7, 5]],
    ['a/bias', [5]],
    ['b/kernel', [3, 3, 2, 4]],
  ] as [string, number[]][]) {
    const size = shape.reduce((x, y) => x * y, 1);
    const init = tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
    p.set(name, tf.variable(init));
    init.dispose();
  }
  return p;
}

function grads(p: Params, seed: number): Map<string, tf.Tensor> {
  const rng = new Random(seed);
  return new Map([...p].map(([k, v]) => [k, tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal(0, 1e-3)), v.shape)]));
}

describe('fused Adam (one pass on wasm/cpu storage)', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`equals the tensor-op Adam, with and without DP noise (${backend})`, async () => {
      await selectBackend({ backend, log: null });
      const before = tf.memory().numTensors;
      const dp = { clipNorm: 1e-3, noiseMultiplier: 1.3, expectedBatchSize: 4 };
      const run = (fused: boolean) => {
        const p = makeParams(1);
        const adam = new Adam(p, { learningRate: 1e-2 });
        adam.fused = fused;
        for (let s = 0; s < 3; s++) {
          const g = grads(p, 10 + s);
          if (s === 1) {
            adam.apply(p, g); // plain update
          } else if (fused) {
            adam.applyNoised(p, g, { ...privatization(dp), rng: new Random(100 + s) });
          } else {
            // The reference: dpsgd's noise and normalization as tensors, then Adam.
            const noised = noiseAndNormalize(p, new Map([...g].map(([k, t]) => [k, t.clone()])), dp, new Random(100 + s));
            adam.apply(p, noised);
            for (const t of noised.values()) t.dispose();
          }
          for (const t of g.values()) t.dispose();
        }
        const out = new Map<string, Float32Array>();
        for (const [k, v] of p) {
          out.set(`p:${k}`, v.dataSync() as Float32Array);
          out.set(`m:${k}`, (adam.m.get(k) as tf.Tensor).dataSync() as Float32Array);
          out.set(`v:${k}`, (adam.v.get(k) as tf.Tensor).dataSync() as Float32Array);
        }
        adam.dispose();
        for (const v of p.values()) v.dispose();
        return out;
      };
      const ref = run(false);
      const fused = run(true);
      for (const [k, want] of ref) expect(maxRelDiff(fused.get(k) as Float32Array, want), k).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('rowSums (sums of a few rows by index lists; wasm SIMD)', () => {
  /** Random lists over nIn rows: some outputs empty, some repeating a row. */
  function randomLists(nOut: number, nIn: number, seed: number) {
    const rng = new Random(seed);
    const starts = [0];
    const idx: number[] = [];
    for (let s = 0; s < nOut; s++) {
      const n = s % 7 === 3 ? 0 : rng.int(1, 5);
      for (let i = 0; i < n; i++) idx.push(rng.int(0, nIn));
      starts.push(idx.length);
    }
    return { starts: Int32Array.from(starts), idx: Int32Array.from(idx), nIn };
  }

  it('transposeRowSumLists inverts the lists (each pair once; a repeated row stays repeated)', () => {
    const l = randomLists(40, 9, 1);
    const t = transposeRowSumLists(l);
    expect(t.nIn).toBe(40);
    expect(t.starts.length).toBe(10);
    const pairs = (x: RowSumLists) => {
      const out: string[] = [];
      for (let s = 0; s + 1 < x.starts.length; s++) for (let i = x.starts[s]; i < x.starts[s + 1]; i++) out.push(`${s}:${x.idx[i]}`);
      return out.sort();
    };
    const flipped = pairs(t).map((p) => p.split(':').reverse().join(':')).sort();
    expect(flipped).toEqual(pairs(l));
    const back = transposeRowSumLists(t);
    expect(back.starts).toEqual(l.starts);
    expect(pairs(back)).toEqual(pairs(l));
  });

  it('equals the product with the dense 0/1 count matrix, values and gradient (odd row length: scalar tail)', async () => {
    await selectBackend({ backend: 'wasm', log: null });
    expect(rowSumsAvailable()).toBe(true);
    for (const [nOut, nIn, f] of [
      [40, 9, 7],
      [25, 30, 256],
      [3, 2, 1],
    ]) {
      const l = randomLists(nOut, nIn, nOut + f);
      const counts = new Float32Array(nOut * nIn);
      for (let s = 0; s < nOut; s++) for (let i = l.starts[s]; i < l.starts[s + 1]; i++) counts[s * nIn + l.idx[i]]++;
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const rng = new Random(f);
        const x = tf.tensor2d(Float32Array.from({ length: nIn * f }, () => rng.normal()), [nIn, f]);
        const dy = tf.tensor2d(Float32Array.from({ length: nOut * f }, () => rng.normal()), [nOut, f]);
        const c = tf.tensor2d(counts, [nOut, nIn]);
        // The reference: plain JavaScript sums in double precision.
        const xv = x.dataSync();
        const want = new Float64Array(nOut * f);
        for (let s = 0; s < nOut; s++) for (let j = 0; j < f; j++) for (let u = 0; u < nIn; u++) want[s * f + j] += counts[s * nIn + u] * xv[u * f + j];
        const got = rowSums(x, l);
        expect(got.shape).toEqual([nOut, f]);
        expect(maxRelDiff(got.dataSync(), want)).toBeLessThan(1e-6);
        const gWant = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.matMul(c, a as tf.Tensor2D), dy)))([x])[0];
        const gGot = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(rowSums(a as tf.Tensor2D, l), dy)))([x])[0];
        expect(maxRelDiff(gGot.dataSync(), gWant.dataSync())).toBeLessThan(1e-5);
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(() => rowSums(tf.zeros([3, 4]) as tf.Tensor2D, randomLists(5, 9, 1))).toThrow(/3 rows, the lists expect 9/);
    const x = tf.zeros([4, 8]) as tf.Tensor2D;
    const bad = (starts: number[], idx: number[]) => () => rowSums(x, { starts: Int32Array.from(starts), idx: Int32Array.from(idx), nIn: 4 }, { starts: new Int32Array([0]), idx: new Int32Array(0), nIn: 0 });
    expect(bad([0, 1, 2], [0, 4])).toThrow(/malformed lists/); // row 4 of 4
    expect(bad([0, 1, 2], [0, -1])).toThrow(/malformed lists/);
    expect(bad([0, 2, 1], [0, 1])).toThrow(/malformed lists/); // starts fall
    expect(bad([0, 1, 3], [0, 1])).toThrow(/malformed lists/); // past the end of idx
    expect(bad([1, 2], [0, 1])).toThrow(/malformed lists/);
    x.dispose();
  });

  it('is only offered on wasm', async () => {
    await selectBackend({ backend: 'cpu', log: null });
    expect(rowSumsAvailable()).toBe(false);
  });
});
