/**
 * bench/threads.ts's FLOP count: the formula per kernel against hand counts,
 * and the counting wrapper on the wasm backend, where our kernels compose
 * others (a convolution's input gradient is itself a convolution) and must
 * be counted once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/compute/backend';
import { countFlops, kernelFlops } from '../bench/threads';

const info = (shape: number[]) => ({ shape }) as unknown as tf.TensorInfo;

describe('bench/threads FLOP count', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm', log: null });
  });

  it('counts 2 multiply-adds per product term, by hand', () => {
    // conv: x [2,5,6,3], filter [3,3,3,4], 'same' -> y [2,5,6,4]: 240 outputs x 27 terms x 2.
    expect(kernelFlops('Conv2D', { x: info([2, 5, 6, 3]), filter: info([3, 3, 3, 4]) }, {}, info([2, 5, 6, 4]))).toBe(2 * 240 * 27);
    // its gradients: the same count.
    expect(kernelFlops('Conv2DBackpropInput', { dy: info([2, 5, 6, 4]), filter: info([3, 3, 3, 4]) }, {}, info([2, 5, 6, 3]))).toBe(2 * 240 * 27);
    expect(kernelFlops('Conv2DBackpropFilter', { x: info([2, 5, 6, 3]), dy: info([2, 5, 6, 4]) }, { filterShape: [3, 3, 3, 4] }, info([3, 3, 3, 4]))).toBe(2 * 240 * 27);
    // a [7,5]^T b [7,3] -> [5,3]: 15 outputs x 7 terms x 2; batched: x batch.
    expect(kernelFlops('BatchMatMul', { a: info([7, 5]), b: info([7, 3]) }, { transposeA: true }, info([5, 3]))).toBe(2 * 15 * 7);
    expect(kernelFlops('BatchMatMul', { a: info([4, 5, 7]), b: info([4, 7, 3]) }, { transposeA: false }, info([4, 5, 3]))).toBe(2 * 4 * 15 * 7);
    expect(kernelFlops('Relu', { x: info([100]) }, {}, info([100]))).toBe(0);
  });

  it('counts a convolution and its gradients once each on wasm (our kernels compose others)', () => {
    const total = countFlops();
    const x = tf.randomUniform([2, 5, 6, 3]) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 3, 4]) as tf.Tensor4D;
    const before = total();
    tf.conv2d(x, w, 1, 'same').dispose();
    expect(total() - before).toBe(2 * 240 * 27);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
    const mid = total();
    tf.dispose(grads([x, w]));
    expect(total() - mid).toBe(3 * 2 * 240 * 27); // forward, input gradient, filter gradient
    const a = tf.randomUniform([7, 5]) as tf.Tensor2D;
    const b = tf.randomUniform([7, 3]) as tf.Tensor2D;
    const m0 = total();
    tf.matMul(a, b, true, false).dispose();
    expect(total() - m0).toBe(2 * 15 * 7);
    tf.dispose([x, w, a, b]);
  });
});
