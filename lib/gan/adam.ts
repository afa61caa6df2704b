/**
 * Adam with explicit, checkpointable state (moments and step count), using
 * the Keras 2 update the original trained with:
 *   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
 *   lr_t = lr sqrt(1 - b2^t) / (1 - b1^t),  w <- w - lr_t m / (sqrt(v) + eps).
 * Defaults as dp_gan.py / the Keras AC-GAN: b1 = 0.5, b2 = 0.999, eps = 1e-7.
 * In DP-SGD it is post-processing of the privatized gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { Params } from './models';

export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamConfig = { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };

export class Adam {
  readonly config: AdamConfig;
  /** Number of updates applied so far. */
  step = 0;
  readonly m = new Map<string, tf.Tensor>();
  readonly v = new Map<string, tf.Tensor>();

  constructor(params: Params, config: Partial<AdamConfig> = {}) {
    this.config = { ...DEFAULT_ADAM, ...config };
    for (const [name, p] of params) {
      this.m.set(name, tf.keep(tf.zerosLike(p)));
      this.v.set(name, tf.keep(tf.zerosLike(p)));
    }
  }

  /** Applies one update to `params` with `grads` (same keys); does not dispose grads. */
  apply(params: Params, grads: Map<string, tf.Tensor>): void {
    const { learningRate, beta1, beta2, epsilon } = this.config;
    this.step += 1;
    const t = this.step;
    const lrT = (learningRate * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) throw new Error(`Adam: no gradient for ${name}`);
      const m0 = this.m.get(name) as tf.Tensor;
      const v0 = this.v.get(name) as tf.Tensor;
      const [m1, v1] = tf.tidy(() => {
        const m = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(g), 1 - beta2));
        p.assign(tf.sub(p, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), epsilon))));
        return [tf.keep(m), tf.keep(v)];
      });
      m0.dispose();
      v0.dispose();
      this.m.set(name, m1);
      this.v.set(name, v1);
    }
  }

  /** Replaces the state (from a checkpoint). */
  setState(step: number, m: Map<string, Float32Array>, v: Map<string, Float32Array>): void {
    this.step = step;
    for (const [name, old] of this.m) {
      const mv = m.get(name);
      const vv = v.get(name);
      if (!mv || !vv) throw new Error(`Adam state lacks ${name}`);
      const shape = old.shape;
      old.dispose();
      (this.v.get(name) as tf.Tensor).dispose();
      this.m.set(name, tf.keep(tf.tensor(mv, shape)));
      this.v.set(name, tf.keep(tf.tensor(vv, shape)));
    }
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
