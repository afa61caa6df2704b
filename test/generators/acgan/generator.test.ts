import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/compute/backend';
import {
  PAPER_ARCHITECTURE,
  TINY_ARCHITECTURE,
  createGenerator,
  disposeParams,
  generate,
  generateReference,
  upsampleConv,
} from '../../../lib/generators/acgan/models';
import { Random } from '../../../lib/random';
import { maxRelDiff } from './helpers';

afterAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

function rand(shape: number[], seed: number): tf.Tensor {
  const rng = new Random(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

/** The literal layers: nearest upsampling (as a broadcast) then conv2d 'same'. */
function literal(x: tf.Tensor4D, k: tf.Tensor4D, [u0, u1]: [number, number]): tf.Tensor4D {
  const [b, r0, r1, c] = x.shape;
  const up = tf.reshape(tf.mul(tf.reshape(x, [b, r0, 1, r1, 1, c]), tf.ones([1, 1, u0, 1, u1, 1])), [b, r0 * u0, r1 * u1, c]);
  return tf.conv2d(up as tf.Tensor4D, k, 1, 'same');
}

describe('fused upsample + convolution (upsampleConv)', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`equals upsample-then-conv2d, values and gradients (${backend})`, async () => {
      await selectBackend({ backend, log: null });
      const before = tf.memory().numTensors;
      for (const c of [
        { x: [2, 3, 4, 5], k: [5, 5, 5, 7], u: [2, 6] as [number, number] }, // the paper's layer, narrow
        { x: [1, 2, 3, 2], k: [4, 4, 2, 3], u: [3, 2] as [number, number] }, // even kernel: asymmetric 'same'
        { x: [3, 4, 4, 3], k: [3, 3, 3, 2], u: [1, 1] as [number, number] }, // no upsampling
        { x: [1, 2, 2, 1], k: [7, 7, 1, 2], u: [2, 2] as [number, number] }, // window wider than the input
      ]) {
        tf.tidy(() => {
          const x = rand(c.x, 1) as tf.Tensor4D;
          const k = rand(c.k, 2) as tf.Tensor4D;
          const dy = rand([c.x[0], c.x[1] * c.u[0], c.x[2] * c.u[1], c.k[3]], 3);
          const f = (fn: typeof literal) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(a as tf.Tensor4D, b as tf.Tensor4D, c.u), dy));
          const want = literal(x, k, c.u);
          const got = upsampleConv(x, k, c.u);
          expect(got.shape).toEqual(want.shape);
          expect(maxRelDiff(got.dataSync(), want.dataSync())).toBeLessThan(1e-5);
          const [gx0, gk0] = tf.grads(f(literal))([x, k]);
          const [gx1, gk1] = tf.grads(f(upsampleConv))([x, k]);
          expect(maxRelDiff(gx1.dataSync(), gx0.dataSync())).toBeLessThan(1e-5);
          expect(maxRelDiff(gk1.dataSync(), gk0.dataSync())).toBeLessThan(1e-5);
        });
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    it(`generate equals generateReference, values and weight gradients (${backend})`, async () => {
      await selectBackend({ backend, log: null });
      for (const arch of [TINY_ARCHITECTURE, PAPER_ARCHITECTURE]) {
        const g = createGenerator(arch, 5);
        tf.tidy(() => {
          const z = tf.randomUniform([3, arch.latentSize], -1, 1, 'float32', 9) as tf.Tensor2D;
          const arms = tf.tensor1d([0, 1, 1], 'int32');
          const want = generateReference(g, arch, z, arms);
          const got = generate(g, arch, z, arms);
          expect(maxRelDiff(got.dataSync(), want.dataSync())).toBeLessThan(1e-5);
          const vars = [...g.values()];
          const loss = (fn: typeof generate) => () => tf.sum(tf.square(fn(g, arch, z, arms))) as tf.Scalar;
          const g0 = tf.variableGrads(loss(generateReference), vars).grads;
          const g1 = tf.variableGrads(loss(generate), vars).grads;
          for (const v of vars) expect(maxRelDiff(g1[v.name].dataSync(), g0[v.name].dataSync()), v.name).toBeLessThan(1e-4);
        });
        disposeParams(g);
      }
    });
  }
});
