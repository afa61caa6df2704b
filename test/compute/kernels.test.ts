import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/compute/backend';
import { Random } from '../../lib/random';
import { maxRelDiff } from '../generators/acgan/helpers';

afterAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
function data(shape: number[], seed: number, dtype: 'float32' | 'int32' = 'float32') {
  const rng = new Random(seed);
  return dtype === 'int32'
    ? Int32Array.from({ length: size(shape) }, () => rng.int(-50, 50))
    : Float32Array.from({ length: size(shape) }, () => rng.normal());
}

/** Runs `fn` on cpu (stock kernels) and on wasm (ours), returns both results as flat arrays. */
async function both(fn: () => tf.Tensor | tf.Tensor[]): Promise<[number[][], number[][]]> {
  const out: number[][][] = [];
  for (const backend of ['cpu', 'wasm']) {
    await selectBackend({ backend, log: null });
    const before = tf.memory().numTensors;
    out.push(
      tf.tidy(() => {
        const r = fn();
        return (Array.isArray(r) ? r : [r]).map((t) => [...t.shape, -1, ...Array.from(t.dataSync())]);
      }),
    );
    expect(tf.memory().numTensors).toBe(before);
  }
  return [out[0], out[1]];
}

describe('wasm kernels: BatchMatMul, Conv2D, Slice, SplitV, Transpose (vs stock cpu)', () => {
  it('BatchMatMul: few-row products by the SIMD kernels, transposeA via Transpose, batched', async () => {
    for (const c of [
      // 1-3 rows: lib/compute/simd's row kernels; odd K and N exercise the scalar tails.
      { a: [2, 513], b: [513, 515], ta: false, tb: false },
      { a: [3, 515], b: [513, 515], ta: false, tb: true },
      { a: [515, 8], b: [515, 513], ta: true, tb: false },
      { a: [514, 1], b: [517, 514], ta: true, tb: true },
      { a: [1, 7, 1024], b: [1024, 1024], ta: false, tb: false },
      { a: [2, 300], b: [300, 200], ta: false, tb: false },
      { a: [2, 300], b: [200, 300], ta: false, tb: true },
      { a: [300, 3], b: [300, 200], ta: true, tb: false },
      { a: [300, 5], b: [200, 300], ta: true, tb: true },
      { a: [1, 7, 300], b: [300, 100], ta: false, tb: false },
      // 1 and 3 rows: a pair of rows, then a single one; vector and scalar tails.
      { a: [3, 37], b: [37, 19], ta: false, tb: false },
      { a: [1, 9], b: [9, 6], ta: false, tb: false },
      { a: [3, 37], b: [19, 37], ta: false, tb: true },
      { a: [1, 9], b: [6, 9], ta: false, tb: true },
      { a: [40, 30], b: [40, 50], ta: true, tb: false },
      // 4..64 rows: gemm, 4 rows by 8 columns; row counts that leave 1-3 rows, columns that leave 4+3 and 1-3.
      { a: [4, 33], b: [33, 8], ta: false, tb: false },
      { a: [5, 17], b: [17, 15], ta: false, tb: false },
      { a: [6, 9], b: [9, 3], ta: false, tb: false },
      { a: [7, 192], b: [192, 517], ta: false, tb: false },
      { a: [64, 25], b: [25, 8192], ta: false, tb: false },
      { a: [12, 20], b: [13, 20], ta: false, tb: true },
      { a: [30, 13], b: [30, 21], ta: true, tb: false },
      { a: [19, 13], b: [11, 19], ta: true, tb: true },
      { a: [1, 24, 96], b: [96, 12], ta: false, tb: false },
      { a: [65, 40], b: [40, 9], ta: false, tb: false },
      // Empty products: no rows, no columns, or K = 0 (zeros; stock XNNPACK refuses K = 0 and returns garbage).
      { a: [0, 5], b: [5, 7], ta: false, tb: false },
      { a: [6, 0], b: [0, 7], ta: false, tb: false },
      { a: [2, 0], b: [3, 0], ta: false, tb: true },
      { a: [0, 70], b: [0, 9], ta: true, tb: false },
      { a: [6, 5], b: [5, 0], ta: false, tb: false },
      { a: [4, 12, 30], b: [4, 12, 30], ta: false, tb: true },
      { a: [4, 30, 12], b: [4, 30, 12], ta: true, tb: false },
    ]) {
      const [want, got] = await both(() => tf.matMul(tf.tensor(data(c.a, 1), c.a), tf.tensor(data(c.b, 2), c.b), c.ta, c.tb));
      const shapeEnd = want[0].indexOf(-1);
      expect(got[0].slice(0, shapeEnd)).toEqual(want[0].slice(0, shapeEnd));
      expect(maxRelDiff(got[0], want[0])).toBeLessThan(1e-5);
    }
  });

  it('Conv2D: small ones by im2col and gemm (strides, dilations, padding), larger ones by the stock kernel', async () => {
    for (const c of [
      { x: [2, 3, 12, 1], f: [3, 3, 1, 32], s: 2, d: 1, pad: 'same' },
      { x: [2, 2, 6, 32], f: [3, 3, 32, 64], s: 1, d: 1, pad: 'same' },
      { x: [1, 7, 9, 3], f: [2, 3, 3, 5], s: [2, 3], d: 1, pad: 'valid' },
      { x: [3, 8, 8, 2], f: [3, 3, 2, 7], s: 1, d: 2, pad: 'same' },
      { x: [2, 5, 6, 4], f: [3, 2, 4, 1], s: 1, d: 1, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
      { x: [1, 4, 4, 1], f: [5, 5, 1, 3], s: 1, d: 1, pad: 'same' }, // window wider than the input
      { x: [2, 6, 24, 256], f: [4, 4, 256, 1], s: 2, d: 1, pad: 'same' }, // 72 x 4096 unfolded: stock
      { x: [4, 12, 20, 3], f: [3, 3, 3, 8], s: 1, d: 1, pad: 'same' }, // 960 rows x 27 unfolded: ours
      { x: [8, 12, 20, 3], f: [3, 3, 3, 8], s: 1, d: 1, pad: 'same' }, // 1920 rows: stock
    ] as { x: [number, number, number, number]; f: [number, number, number, number]; s: number | [number, number]; d: number; pad: 'same' | 'valid' | [number, number][] }[]) {
      const [want, got] = await both(() =>
        tf.conv2d(tf.tensor(data(c.x, 3), c.x) as tf.Tensor4D, tf.tensor(data(c.f, 4), c.f) as tf.Tensor4D, c.s, c.pad as 'same', 'NHWC', c.d),
      );
      const shapeEnd = want[0].indexOf(-1);
      expect(got[0].slice(0, shapeEnd)).toEqual(want[0].slice(0, shapeEnd));
      expect(maxRelDiff(got[0], want[0])).toBeLessThan(1e-5);
    }
  });

  it('Identity shares storage (no copy) and keeps it alive until the last reference goes', async () => {
    await selectBackend({ backend: 'wasm', log: null });
    const before = tf.memory();
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.clone(a);
    expect(b.dataId).toBe(a.dataId);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1); // one buffer for both
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
    const s = tf.clone(tf.tensor(['x', 'y']));
    expect(s.arraySync()).toEqual(['x', 'y']);
    // Gradients through ops that keep tensors for backward (clones) are unchanged.
    const x = tf.variable(tf.tensor([[0.5, -1], [2, 3]]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.matMul(x, x), tf.sigmoid(x))) as tf.Scalar, [x]);
    const ref = await (async () => {
      await selectBackend({ backend: 'cpu', log: null });
      const xc = tf.variable(tf.tensor([[0.5, -1], [2, 3]]));
      const r = tf.variableGrads(() => tf.sum(tf.mul(tf.matMul(xc, xc), tf.sigmoid(xc))) as tf.Scalar, [xc]);
      const v = Array.from(r.grads[xc.name].dataSync());
      tf.dispose([xc, r.value, ...Object.values(r.grads)]);
      return v;
    })();
    await selectBackend({ backend: 'wasm', log: null });
    const got = Array.from(grads[x.name].dataSync());
    got.forEach((g, i) => expect(Math.abs(g - ref[i])).toBeLessThan(1e-5));
    tf.dispose([b, s, x, ...Object.values(grads)]);
  });

  it('Slice, SplitV (concat gradient) and Transpose of rank 2..6, float32 and int32', async () => {
    const cases: (() => tf.Tensor | tf.Tensor[])[] = [];
    for (const dtype of ['float32', 'int32'] as const) {
      const x5 = () => tf.tensor(data([3, 2, 1, 4, 20], 3, dtype), [3, 2, 1, 4, 20], dtype);
      const x6 = () => tf.tensor(data([2, 3, 2, 2, 3, 5], 4, dtype), [2, 3, 2, 2, 3, 5], dtype);
      cases.push(
        () => tf.slice(x5(), [1, 0, 0, 1, 5], [2, 2, 1, 2, 10]),
        () => tf.slice(x5(), [0, 1, 0, 0, 0], [-1, 1, -1, -1, -1]),
        () => tf.slice(tf.tensor(data([7, 9], 5, dtype), [7, 9], dtype), [2, 3], [4, 5]),
        () => tf.slice(x6(), [1, 1, 0, 1, 0, 2], [1, 2, 2, 1, 3, 3]),
        () => tf.split(x5(), [5, 10, 5], 4),
        () => tf.split(x5(), 3, 0),
        () => tf.split(x6(), [1, -1], 1),
        () => tf.transpose(x5(), [2, 1, 3, 0, 4]),
        () => tf.transpose(x5(), [3, 1, 0, 2, 4]),
        () => tf.transpose(x6(), [2, 1, 3, 0, 4, 5]),
        () => tf.transpose(x6(), [5, 1, 3, 0, 4, 2]),
        () => tf.transpose(x6(), [0, 1, 4, 5, 2, 3]),
      );
    }
    // The gradient of a concat along an inner axis (SplitV).
    cases.push(() => {
      const parts = [0, 1, 2].map((i) => tf.tensor(data([2, 3, 1, 4, 6], 10 + i), [2, 3, 1, 4, 6]));
      const w = tf.tensor(data([2, 3, 1, 4, 18], 20), [2, 3, 1, 4, 18]);
      return tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, b, c], 4), w)))(parts);
    });
    for (const fn of cases) {
      const [want, got] = await both(fn);
      expect(got).toEqual(want);
    }
  });
});
