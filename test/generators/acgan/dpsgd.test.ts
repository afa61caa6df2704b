import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/compute/backend';
import { COMPACT_ARCHITECTURE, PAPER_ARCHITECTURE, TINY_ARCHITECTURE, createDiscriminator, discriminate, disposeMasks, disposeParams, perExampleLosses } from '../../../lib/generators/acgan/models';
import { dpGradientsGhost, dpGradientsLoop, plainGradients, poissonSample, type DBatch, type DGradients } from '../../../lib/generators/acgan/dpsgd';
import { fillGaussian, fillUniform, gaussian } from '../../../lib/compute/noise';
import { Random } from '../../../lib/random';
import { makeBatch, values } from './helpers';

/** ||a - b|| / ||b|| over all weights. */
function relErr(a: DGradients, b: DGradients): number {
  const av = values(a.grads);
  const bv = values(b.grads);
  let num = 0;
  let den = 0;
  for (const [k, x] of av) {
    const y = bv.get(k) as Float32Array;
    for (let i = 0; i < x.length; i++) {
      num += (x[i] - y[i]) ** 2;
      den += y[i] ** 2;
    }
  }
  return Math.sqrt(num / den);
}

function flat(g: DGradients): Float64Array {
  const parts = [...values(g.grads).values()];
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function dispose(...gs: DGradients[]) {
  for (const g of gs) {
    for (const t of g.grads.values()) t.dispose();
    for (const t of [g.genLoss, g.auxLoss, g.realNorms]) t?.dispose();
  }
}

function disposeBatch(b: DBatch) {
  b.x.dispose();
  b.arms.dispose();
  disposeMasks(b.masks);
}

beforeAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

describe('poissonSample', () => {
  it('includes each index with probability q', () => {
    const rng = new Random(5);
    const n = 200;
    const q = 0.05;
    const counts = new Float64Array(n);
    let total = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const idx = poissonSample(n, q, rng);
      for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
      for (const i of idx) counts[i]++;
      total += idx.length;
    }
    // Mean batch size q n = 10, sd of the mean over trials ~ sqrt(10 / 2000) = 0.07.
    expect(total / trials).toBeGreaterThan(9.7);
    expect(total / trials).toBeLessThan(10.3);
    // Per-index frequency ~ q (binomial sd sqrt(q(1-q)/trials) = 0.0049): first and last indices too.
    for (const i of [0, 1, n - 1]) expect(Math.abs(counts[i] / trials - q)).toBeLessThan(0.025);
  });
  it('handles q = 0 and q = 1', () => {
    expect(poissonSample(10, 0, new Random(1)).length).toBe(0);
    expect(Array.from(poissonSample(4, 1, new Random(1)))).toEqual([0, 1, 2, 3]);
  });
});

describe('per-example clipping', () => {
  for (const [label, arch, nReal, nFake] of [
    ['tiny', TINY_ARCHITECTURE, 6, 3],
    ['paper', PAPER_ARCHITECTURE, 3, 2],
    // The deviation channel: the first convolution sees two input channels.
    ['compact + dDeviation', { ...COMPACT_ARCHITECTURE, dDeviation: true }, 5, 3],
  ] as const) {
    it(`ghost equals the per-example loop (${label} architecture)`, () => {
      const d = createDiscriminator(arch, 11);
      const batch = makeBatch(arch, nReal, nFake, 12);
      const before = tf.memory().numTensors;
      for (const clipNorm of [0.3, 1.5]) {
        const opts = { clipNorm, noiseMultiplier: 0.7, expectedBatchSize: 4 };
        const ghost = dpGradientsGhost(d, arch, batch, opts, new Random(3));
        const loop = dpGradientsLoop(d, arch, batch, opts, new Random(3));
        expect(relErr(ghost, loop)).toBeLessThan(1e-5);
        const gn = (ghost.realNorms as tf.Tensor1D).dataSync();
        const ln = (loop.realNorms as tf.Tensor1D).dataSync();
        expect(gn.length).toBe(nReal);
        for (let i = 0; i < nReal; i++) expect(Math.abs(gn[i] - ln[i]) / ln[i]).toBeLessThan(1e-5);
        expect(Math.abs(ghost.genLoss.dataSync()[0] - loop.genLoss.dataSync()[0])).toBeLessThan(1e-5);
        expect(Math.abs(ghost.auxLoss.dataSync()[0] - loop.auxLoss.dataSync()[0])).toBeLessThan(1e-5);
        dispose(ghost, loop);
      }
      expect(tf.memory().numTensors).toBe(before);
      disposeBatch(batch);
      disposeParams(d);
    });
  }

  for (const [label, arch, nReal, nFake] of [
    ['tiny', TINY_ARCHITECTURE, 4, 3],
    ['tiny, no real rows', TINY_ARCHITECTURE, 0, 3],
    ['paper', PAPER_ARCHITECTURE, 2, 2],
  ] as const) {
    it(`clipGenerated: ghost equals the per-row loop (${label})`, () => {
      const d = createDiscriminator(arch, 21);
      const batch = makeBatch(arch, nReal, nFake, 22);
      const before = tf.memory().numTensors;
      const opts = { clipNorm: 0.2, noiseMultiplier: 0.5, expectedBatchSize: 3, clipGenerated: true };
      const ghost = dpGradientsGhost(d, arch, batch, opts, new Random(5));
      const loop = dpGradientsLoop(d, arch, batch, opts, new Random(5));
      const unclipped = dpGradientsGhost(d, arch, batch, { ...opts, clipGenerated: false }, new Random(5));
      expect(relErr(ghost, loop)).toBeLessThan(1e-5);
      // The option changes the update (the generated rows' norms exceed 0.2 here).
      expect(relErr(ghost, unclipped)).toBeGreaterThan(1e-2);
      // realNorms stay the real rows' only.
      expect((ghost.realNorms as tf.Tensor1D).size).toBe(nReal);
      dispose(ghost, loop, unclipped);
      expect(tf.memory().numTensors).toBe(before);
      disposeBatch(batch);
      disposeParams(d);
    });
  }

  it("auxOnGenerated false: generated rows' arms stop mattering; ghost equals loop; plain equals the loss written out", () => {
    const arch = TINY_ARCHITECTURE;
    const d = createDiscriminator(arch, 31);
    const nReal = 4;
    const nFake = 3;
    const batch = makeBatch(arch, nReal, nFake, 32);
    const flipped: DBatch = {
      ...batch,
      arms: tf.concat([tf.slice(batch.arms, [0], [nReal]), tf.sub(1, tf.slice(batch.arms, [nReal], [nFake]))]) as tf.Tensor1D,
    };
    for (const clipGenerated of [false, true]) {
      const opts = { clipNorm: 0.3, noiseMultiplier: 0.5, expectedBatchSize: 3, clipGenerated, auxOnGenerated: false };
      const ghost = dpGradientsGhost(d, arch, batch, opts, new Random(5));
      const loop = dpGradientsLoop(d, arch, batch, opts, new Random(5));
      const ghostFlipped = dpGradientsGhost(d, arch, flipped, opts, new Random(5));
      const paperFlipped = dpGradientsGhost(d, arch, flipped, { ...opts, auxOnGenerated: true }, new Random(5));
      const paper = dpGradientsGhost(d, arch, batch, { ...opts, auxOnGenerated: true }, new Random(5));
      expect(relErr(ghost, loop)).toBeLessThan(1e-5);
      expect(relErr(ghostFlipped, ghost)).toBeLessThan(1e-6); // the fake rows' arms are not used
      expect(relErr(paperFlipped, paper)).toBeGreaterThan(1e-3); // ...while the paper's loss uses them
      // Real rows' clipped gradients (and so the privacy analysis) are the paper's.
      expect(Array.from((ghost.realNorms as tf.Tensor1D).dataSync())).toEqual(Array.from((paper.realNorms as tf.Tensor1D).dataSync()));
      dispose(ghost, loop, ghostFlipped, paperFlipped, paper);
    }
    // No clipping, no noise: (sum over all rows of the real/fake loss + sum over real rows of the arm loss) / 2B.
    const plain = plainGradients(d, arch, batch, { expectedBatchSize: 3, auxOnGenerated: false });
    const vars = [...d.values()];
    const { value, grads } = tf.variableGrads(() => {
      const out = discriminate(d, arch, batch.x, batch.masks);
      const targets = tf.concat([tf.ones([nReal]), tf.zeros([nFake])]) as tf.Tensor1D;
      const l = perExampleLosses(out, targets, batch.arms, arch.numClasses);
      return tf.div(tf.add(tf.sum(l.gen), tf.sum(tf.slice(l.aux, [0], [nReal]))), 6) as tf.Scalar;
    }, vars);
    for (const [name, v] of d) {
      const want = grads[v.name].dataSync();
      const got = (plain.grads.get(name) as tf.Tensor).dataSync();
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 6);
    }
    value.dispose();
    tf.dispose(Object.values(grads));
    dispose(plain);
    flipped.arms.dispose();
    disposeBatch(batch);
    disposeParams(d);
  });

  it('clipGenerated bounds a generated row with a huge gradient by C; without it, it is unbounded', () => {
    const arch = TINY_ARCHITECTURE;
    const d = createDiscriminator(arch, 4);
    const C = 0.05;
    const B = 4;
    const base = makeBatch(arch, 3, 2, 9);
    const huge = tf.mul(tf.slice(base.x, [4, 0, 0, 0], [1, -1, -1, -1]), 1000);
    const withHuge: DBatch = {
      x: tf.concat([base.x, huge]) as tf.Tensor4D,
      arms: tf.concat([base.arms, tf.slice(base.arms, [4], [1])]) as tf.Tensor1D,
      nReal: 3,
      masks: null,
    };
    const without: DBatch = { ...base, masks: null };
    const contribution = (clipGenerated: boolean) => {
      const opts = { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: B, clipGenerated };
      const a = dpGradientsGhost(d, arch, withHuge, opts, null);
      const b = dpGradientsGhost(d, arch, without, opts, null);
      const fb = flat(b);
      const n = norm(flat(a).map((v, i) => v - fb[i]));
      dispose(a, b);
      return n;
    };
    // The huge row's own gradient, after / 2B: its contribution when nothing clips it.
    expect(contribution(false)).toBeGreaterThan((1000 * C) / (2 * B));
    const clipped = contribution(true);
    expect(clipped).toBeLessThanOrEqual((C / (2 * B)) * (1 + 1e-4));
    expect(clipped).toBeGreaterThan((C / (2 * B)) * (1 - 1e-3));
    [huge, withHuge.x, withHuge.arms].forEach((t) => t.dispose());
    disposeBatch(base);
    disposeParams(d);
  });

  it('with C = Infinity and sigma = 0 equals plain training', () => {
    const arch = TINY_ARCHITECTURE;
    const d = createDiscriminator(arch, 1);
    const batch = makeBatch(arch, 5, 4, 2);
    const opts = { clipNorm: Infinity, noiseMultiplier: 0, expectedBatchSize: 4 };
    const ghost = dpGradientsGhost(d, arch, batch, opts, null);
    const loop = dpGradientsLoop(d, arch, batch, opts, null);
    const plain = plainGradients(d, arch, batch, opts);
    expect(relErr(ghost, plain)).toBeLessThan(1e-6);
    expect(relErr(loop, plain)).toBeLessThan(1e-6);
    dispose(ghost, loop, plain);
    disposeBatch(batch);
    disposeParams(d);
  });

  it('works with no real example in the batch (only generated ones)', () => {
    const arch = TINY_ARCHITECTURE;
    const d = createDiscriminator(arch, 1);
    const batch = makeBatch(arch, 0, 3, 2);
    const opts = { clipNorm: 0.1, noiseMultiplier: 0, expectedBatchSize: 3 };
    const ghost = dpGradientsGhost(d, arch, batch, opts, null);
    const plain = plainGradients(d, arch, batch, opts);
    expect(relErr(ghost, plain)).toBeLessThan(1e-6);
    dispose(ghost, plain);
    disposeBatch(batch);
    disposeParams(d);
  });

  it('bounds the contribution of an outlier with a huge gradient by C', () => {
    const arch = TINY_ARCHITECTURE;
    const d = createDiscriminator(arch, 4);
    const C = 0.05;
    const B = 4;
    const opts = { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: B };
    const base = makeBatch(arch, 4, 2, 8);
    // Same batch with one extra real row scaled x1000 (huge activations, huge gradient).
    const outlierRow = tf.mul(tf.slice(base.x, [0, 0, 0, 0], [1, -1, -1, -1]), 1000);
    const realRows = tf.slice(base.x, [0, 0, 0, 0], [4, -1, -1, -1]);
    const fakeRows = tf.slice(base.x, [4, 0, 0, 0], [2, -1, -1, -1]);
    const withOutlier: DBatch = {
      x: tf.concat([realRows, outlierRow, fakeRows]) as tf.Tensor4D,
      arms: tf.concat([tf.slice(base.arms, [0], [4]), tf.slice(base.arms, [0], [1]), tf.slice(base.arms, [4], [2])]) as tf.Tensor1D,
      nReal: 5,
      masks: null,
    };
    const without: DBatch = { ...base, masks: null };
    const a = dpGradientsGhost(d, arch, withOutlier, opts, null);
    const b = dpGradientsGhost(d, arch, without, opts, null);
    const norms = (a.realNorms as tf.Tensor1D).dataSync();
    expect(norms[4]).toBeGreaterThan(1000 * C); // the outlier's raw gradient is huge
    const fa = flat(a);
    const fb = flat(b);
    const diff = fa.map((v, i) => v - fb[i]);
    // Its clipped contribution, after dividing by 2B, has norm exactly C / (2B).
    expect(norm(diff)).toBeLessThanOrEqual((C / (2 * B)) * (1 + 1e-4));
    expect(norm(diff)).toBeGreaterThan((C / (2 * B)) * (1 - 1e-3));
    // And each example alone contributes at most C.
    for (let i = 0; i < 5; i++) {
      const one: DBatch = {
        x: tf.slice(withOutlier.x, [i, 0, 0, 0], [1, -1, -1, -1]),
        arms: tf.slice(withOutlier.arms, [i], [1]),
        nReal: 1,
        masks: null,
      };
      const g = dpGradientsGhost(d, arch, one, opts, null);
      expect(norm(flat(g)) * 2 * B).toBeLessThanOrEqual(C * (1 + 1e-4));
      dispose(g);
      one.x.dispose();
      one.arms.dispose();
    }
    dispose(a, b);
    [outlierRow, realRows, fakeRows, withOutlier.x, withOutlier.arms].forEach((t) => t.dispose());
    disposeBatch(base);
    disposeParams(d);
  });

  it('adds Gaussian noise with std sigma * C (then / 2B) to every coordinate', () => {
    const arch = { ...TINY_ARCHITECTURE, dDense: [64, 48] as [number, number] };
    const d = createDiscriminator(arch, 2);
    const batch = makeBatch(arch, 3, 2, 5);
    const C = 0.2;
    const sigma = 1.3;
    const B = 5;
    const quiet = dpGradientsGhost(d, arch, batch, { clipNorm: C, noiseMultiplier: 0, expectedBatchSize: B }, null);
    const noisy = dpGradientsGhost(d, arch, batch, { clipNorm: C, noiseMultiplier: sigma, expectedBatchSize: B }, new Random(9));
    const fq = flat(quiet);
    const fn = flat(noisy);
    const n = fq.length;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const e = (fn[i] - fq[i]) * 2 * B;
      s1 += e;
      s2 += e * e;
    }
    const mean = s1 / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    const expected = sigma * C;
    // n ~ 7000 coordinates: sd of the sd estimate ~ expected / sqrt(2n) ~ 0.85%.
    expect(Math.abs(sd / expected - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan((5 * expected) / Math.sqrt(n));
    // Different noise streams give different noise; the same stream the same noise.
    const again = dpGradientsGhost(d, arch, batch, { clipNorm: C, noiseMultiplier: sigma, expectedBatchSize: B }, new Random(9));
    expect(Array.from(flat(again))).toEqual(Array.from(fn));
    dispose(quiet, noisy, again);
    disposeBatch(batch);
    disposeParams(d);
  });
});

describe('fillGaussian (ziggurat)', () => {
  it('draws standard normals (moments, tails, Kolmogorov-Smirnov)', () => {
    const n = 400_000;
    const z = fillGaussian(new Float32Array(n), new Random(123));
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    let tail3 = 0;
    for (const v of z) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
      if (Math.abs(v) > 3) tail3++;
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const p3 = 0.0026997960632601866;
    expect(Math.abs(tail3 / n - p3)).toBeLessThan(5 * Math.sqrt(p3 / n));
    // KS against the normal CDF.
    const sorted = Float64Array.from(z).sort();
    const cdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
    let ks = 0;
    for (let i = 0; i < n; i += 7) ks = Math.max(ks, Math.abs(cdf(sorted[i]) - (i + 0.5) / n));
    expect(ks).toBeLessThan(1.95 / Math.sqrt(n)); // 0.1% level
  });
  it('bulk fills give exactly the one-by-one stream (gaussian, uniform, dropout words)', () => {
    // Sizes around the internal chunk (8192) so slow-path draws cross chunk ends.
    for (const n of [1, 100, 8191, 8192, 8193, 50_000]) {
      const a = new Random(n);
      const b = new Random(n);
      const want = Float32Array.from({ length: n }, () => gaussian(a));
      const got = fillGaussian(new Float32Array(n), b);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(b.nextUint32()).toBe(a.nextUint32());
      const wantU = Float32Array.from({ length: n }, () => -1 + a.nextUint32() * (2 / 4294967296));
      expect(Array.from(fillUniform(new Float32Array(n), b, -1, 1))).toEqual(Array.from(wantU));
      expect(b.nextUint32()).toBe(a.nextUint32());
    }
  });
  it('is deterministic and scales by sd', () => {
    const a = fillGaussian(new Float32Array(100), new Random(1), 2);
    const b = fillGaussian(new Float32Array(100), new Random(1), 1);
    for (let i = 0; i < 100; i++) expect(a[i]).toBeCloseTo(2 * b[i], 5);
  });
});

/** Abramowitz-Stegun 7.1.26 is too coarse for KS at n = 4e5; use a series / continued fraction. */
function erf(x: number): number {
  const t = Math.abs(x);
  let r: number;
  if (t < 2.5) {
    // Taylor series.
    let sum = t;
    let term = t;
    for (let k = 1; k < 60; k++) {
      term *= (-t * t) / k;
      sum += term / (2 * k + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc continued fraction.
    let f = 0;
    for (let k = 60; k >= 1; k--) f = k / 2 / (t + f);
    r = 1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
  }
  return x < 0 ? -r : r;
}
