/**
 * Adam with explicit, checkpointable state (moments and step count), using
 * the Keras 2 update the original trained with:
 *   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
 *   lr_t = lr sqrt(1 - b2^t) / (1 - b1^t),  w <- w - lr_t m / (sqrt(v) + eps).
 * Defaults as dp_gan.py / the Keras AC-GAN: b1 = 0.5, b2 = 0.999, eps = 1e-7.
 * In DP-SGD it is post-processing of the privatized gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../random';
import type { Params } from './models';
import { adamFused, fusedAvailable } from '../../compute/fused';
import { fillGaussian } from '../../compute/noise';

/** How {@link Adam.applyNoised} privatizes a gradient sum: g = (sum + N(0, noiseStd^2)) * gradScale. */
export interface GradientNoise {
  gradScale: number;
  noiseStd: number;
  /** The noise stream (required when noiseStd > 0); draws follow the weights' order, element by element. */
  rng: Random | null;
  /**
   * The standard normal draws of `rng`, already made (lib/compute/noise-pool.ts
   * draws them on another core): one per weight element, in the same order.
   */
  draws?: Float32Array;
}

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
  /**
   * Use the one-pass update (lib/compute/fused.ts) where the backend allows it
   * (wasm, cpu); false: the tensor-op reference path. Same numbers within
   * float32 rounding.
   */
  fused = true;

  constructor(params: Params, config: Partial<AdamConfig> = {}) {
    this.config = { ...DEFAULT_ADAM, ...config };
    for (const [name, p] of params) {
      this.m.set(name, tf.keep(tf.zerosLike(p)));
      this.v.set(name, tf.keep(tf.zerosLike(p)));
    }
  }

  /** Applies one update to `params` with `grads` (same keys); does not dispose grads. */
  apply(params: Params, grads: Map<string, tf.Tensor>): void {
    this.update(params, grads, { gradScale: 1, noiseStd: 0, rng: null });
  }

  /**
   * Applies one update with the privatized gradient (sums[w] + N(0, noiseStd^2)) * gradScale
   * (DP-SGD's noise and normalization, lib/generators/acgan/dpsgd.ts) without building it as
   * tensors: on wasm/cpu the noise, scaling and Adam are one pass per weight.
   * Draws the same noise as dpsgd's noiseAndNormalize (one fillGaussian over
   * all weights in order). Does not dispose sums.
   */
  applyNoised(params: Params, sums: Map<string, tf.Tensor>, noise: GradientNoise): void {
    this.update(params, sums, noise);
  }

  private update(params: Params, grads: Map<string, tf.Tensor>, noise: GradientNoise): void {
    const { learningRate, beta1, beta2, epsilon } = this.config;
    let all: Float32Array | null = null;
    if (noise.noiseStd > 0) {
      if (!Number.isFinite(noise.noiseStd)) throw new Error('Adam: noise standard deviation must be finite');
      if (!noise.rng) throw new Error('Adam: noise requested without a random stream');
      let total = 0;
      for (const p of params.values()) total += p.size;
      if (noise.draws && noise.draws.length !== total) throw new Error(`Adam: ${noise.draws.length} noise draws for ${total} weights`);
      all = noise.draws ?? fillGaussian(new Float32Array(total), noise.rng);
    }
    this.step += 1;
    const t = this.step;
    const lrT = (learningRate * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    const fused = this.fused && fusedAvailable();
    let offset = 0;
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) throw new Error(`Adam: no gradient for ${name}`);
      const m0 = this.m.get(name) as tf.Tensor;
      const v0 = this.v.get(name) as tf.Tensor;
      const z = all ? all.subarray(offset, offset + p.size) : null;
      offset += p.size;
      let m1: tf.Tensor;
      let v1: tf.Tensor;
      if (fused) {
        const [p1, m, v] = adamFused(p, m0, v0, g, { beta1, beta2, epsilon, lrT, gradScale: noise.gradScale, noise: z, noiseStd: noise.noiseStd });
        p.assign(p1);
        p1.dispose();
        m1 = m;
        v1 = v;
      } else {
        [m1, v1] = tf.tidy(() => {
          let gg: tf.Tensor = g;
          if (z) gg = tf.add(gg, tf.mul(tf.tensor(z, p.shape), noise.noiseStd));
          if (noise.gradScale !== 1) gg = tf.mul(gg, noise.gradScale);
          const m = tf.add(tf.mul(m0, beta1), tf.mul(gg, 1 - beta1));
          const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(gg), 1 - beta2));
          p.assign(tf.sub(p, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), epsilon))));
          return [tf.keep(m), tf.keep(v)];
        });
      }
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
