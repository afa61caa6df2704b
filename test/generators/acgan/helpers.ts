import * as tf from '@tensorflow/tfjs';
import { Random } from '../../../lib/random';
import { type DBatch } from '../../../lib/generators/acgan/dpsgd';
import { type GanArchitecture, makeDropoutMasks } from '../../../lib/generators/acgan/models';

/** A discriminator batch with nReal "real" rows (values in [0,1]) then nFake rows. */
export function makeBatch(arch: GanArchitecture, nReal: number, nFake: number, seed: number, dropout = true): DBatch {
  const rng = new Random(seed);
  const n = nReal + nFake;
  const [h, w] = arch.patientShape;
  const x = new Float32Array(n * h * w);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const arms = Int32Array.from({ length: n }, () => rng.int(0, 2));
  return {
    x: tf.tensor4d(x, [n, h, w, 1]),
    arms: tf.tensor1d(arms, 'int32'),
    nReal,
    masks: dropout ? makeDropoutMasks(arch, n, rng.derive('masks')) : null,
  };
}

export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / Math.max(scale, 1e-30);
}

export function values(m: Map<string, tf.Tensor>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, t] of m) out.set(k, t.dataSync() as Float32Array);
  return out;
}
