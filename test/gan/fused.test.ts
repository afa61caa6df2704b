import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/gan/backend';
import { Adam } from '../../lib/gan/adam';
import { noiseAndNormalize, privatization } from '../../lib/gan/dpsgd';
import type { Params } from '../../lib/gan/models';
import { Random } from '../../lib/random';
import { maxRelDiff } from './helpers';

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
