/**
 * The generator's loss terms beyond the paper's (lib/generators/acgan/step.ts): the
 * diversity term against a naive reference, the paired arms, what it does
 * inside training steps; and the weight of the arm loss.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../../lib/random';
import { selectBackend } from '../../../lib/compute/backend';
import { TINY_ARCHITECTURE, createDiscriminator, disposeParams, generate } from '../../../lib/generators/acgan/models';
import { type DiversityOptions, diversityTerm, ganStep, pairedArmsTensor } from '../../../lib/generators/acgan/step';
import { stepContext } from './fixtures';

beforeAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

/** The term written out: pair i = rows i and P + i; mean of min(cap, mean|dx| / mean|dz|). */
function naiveTerm(x: number[][], z: number[][], cap: number): number {
  const p = x.length / 2;
  let sum = 0;
  for (let i = 0; i < p; i++) {
    const dx = x[i].reduce((s, v, k) => s + Math.abs(v - x[p + i][k]), 0) / x[i].length;
    const dz = z[i].reduce((s, v, k) => s + Math.abs(v - z[p + i][k]), 0) / z[i].length;
    sum += Math.min(cap, dx / dz);
  }
  return sum / p;
}

function randomRows(n: number, len: number, rng: Random, scale = 1): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: len }, () => scale * rng.normal()));
}

describe('diversityTerm', () => {
  it('equals the naive mean of capped distance ratios', () => {
    const rng = new Random(4);
    const x = randomRows(6, 36, rng);
    const z = randomRows(6, 5, rng, 0.5);
    x[2] = x[2].map((v) => v * 40); // pair 2 far apart: the cap binds for it
    const cap = 3;
    const expected = naiveTerm(x, z, cap);
    const got = tf.tidy(() => diversityTerm(tf.tensor4d(x.flat(), [6, 3, 12, 1]), tf.tensor2d(z), cap).dataSync()[0]);
    expect(got).toBeCloseTo(expected, 5);
    // Without the cap it is larger: the cap did bind.
    expect(naiveTerm(x, z, Infinity)).toBeGreaterThan(expected + 1);
    const uncapped = tf.tidy(() => diversityTerm(tf.tensor4d(x.flat(), [6, 3, 12, 1]), tf.tensor2d(z), Infinity).dataSync()[0]);
    expect(uncapped).toBeCloseTo(naiveTerm(x, z, Infinity), 4);
  });

  it('is 0 for a generator that ignores z, and refuses rows that do not pair', () => {
    const x = tf.tensor4d(new Float32Array(4 * 36).fill(0.3), [4, 3, 12, 1]);
    const z = tf.tensor2d([[1, 0], [0, 1], [-1, 0], [0, -1]]);
    expect(diversityTerm(x, z, 1.5).dataSync()[0]).toBe(0);
    expect(() => diversityTerm(tf.slice(x, [0, 0, 0, 0], [3, -1, -1, -1]) as tf.Tensor4D, tf.slice(z, [0, 0], [3, -1]) as tf.Tensor2D, 1.5)).toThrow(/even number of rows/);
    expect(() => diversityTerm(x, tf.slice(z, [0, 0], [2, -1]) as tf.Tensor2D, 1.5)).toThrow(/the same in x and z/);
    tf.dispose([x, z]);
  });
});

describe('pairedArmsTensor', () => {
  it('repeats P random arms, so that row i and P + i share an arm', () => {
    const t = pairedArmsTensor(50, new Random(3), 2);
    const a = Array.from(t.dataSync());
    t.dispose();
    expect(a).toHaveLength(100);
    expect(a.slice(50)).toEqual(a.slice(0, 50));
    expect(new Set(a)).toEqual(new Set([0, 1])); // both arms drawn
  });
});

/** Non-private steps of the tiny model from a fixed start; the weights after them and a generator sample. */
function train(diversity: DiversityOptions | undefined, steps: number, more: { generatorAuxWeight?: number; armHeadSeed?: number; frozenD?: boolean } = {}) {
  const arch = TINY_ARCHITECTURE;
  const { ctx, dispose } = stepContext(arch, 8, {
    dp: { clipNorm: Infinity, noiseMultiplier: 0, expectedBatchSize: 8 },
    plain: true,
    // frozenD: a rate too small to change any float32 weight (the arm head then reaches G only through the arm loss).
    lrD: more.frozenD ? 1e-30 : 1e-3,
    lrG: 1e-2,
    diversity,
    generatorAuxWeight: more.generatorAuxWeight,
  });
  const { d, g } = ctx;
  if (more.armHeadSeed !== undefined) {
    // Another discriminator arm head: what the generator's arm loss looks at.
    const other = createDiscriminator(arch, more.armHeadSeed);
    for (const name of ['d_arm/kernel', 'd_arm/bias']) (d.get(name) as tf.Variable).assign(tf.add(other.get(name) as tf.Variable, 0.5));
    disposeParams(other);
  }
  for (let s = 0; s < steps; s++) ganStep(ctx, new Random(9).derive(`step:${s}`)).stats.dispose();
  // Same-arm pairs from fixed z: the generator's spread, as the term measures it (uncapped).
  const spread = tf.tidy(() => {
    const z = tf.randomUniform([400, arch.latentSize], -1, 1, 'float32', 7) as tf.Tensor2D;
    const arms = pairedArmsTensor(200, new Random(8), 2);
    return diversityTerm(generate(g, arch, z, arms), z, Infinity).dataSync()[0];
  });
  const weights = new Map<string, Float32Array>();
  for (const [name, v] of [...d, ...g]) weights.set(name, v.dataSync() as Float32Array);
  dispose();
  return { weights, spread };
}

describe('ganStep with the diversity term', () => {
  it('weight 0 is the paper step exactly (same draws, same weights)', () => {
    const plain = train(undefined, 2);
    const zero = train({ weight: 0, cap: 1.5 }, 2);
    for (const [name, w] of plain.weights) expect(zero.weights.get(name), name).toEqual(w);
  });

  it("changes only the generator's update in a step", () => {
    const plain = train(undefined, 1);
    const div = train({ weight: 1, cap: 1.5 }, 1);
    for (const [name, w] of plain.weights) {
      if (name.startsWith('d_')) expect(div.weights.get(name), name).toEqual(w);
    }
    const moved = [...plain.weights].filter(([name, w]) => name.startsWith('g_') && div.weights.get(name)!.some((v, k) => v !== w[k]));
    expect(moved.length).toBeGreaterThan(0);
  });

  it("spreads the generator's patients (the sign is right)", () => {
    const plain = train(undefined, 25);
    const div = train({ weight: 5, cap: 100 }, 25);
    expect(div.spread).toBeGreaterThan(3 * plain.spread);
  });
});

describe('ganStep with a generator arm-loss weight', () => {
  const gWeights = (r: ReturnType<typeof train>) => [...r.weights].filter(([name]) => name.startsWith('g_'));
  // D frozen: otherwise its arm head also shapes its shared layers, which G's real/fake loss sees.
  it("weight 0: the generator's update ignores the discriminator's arm head; weight 1 (the paper's) does not", () => {
    const a = train(undefined, 2, { generatorAuxWeight: 0, frozenD: true });
    const b = train(undefined, 2, { generatorAuxWeight: 0, frozenD: true, armHeadSeed: 99 });
    for (const [name, w] of gWeights(a)) expect(b.weights.get(name), name).toEqual(w);
    const c = train(undefined, 2, { generatorAuxWeight: 1, frozenD: true });
    const e = train(undefined, 2, { generatorAuxWeight: 1, frozenD: true, armHeadSeed: 99 });
    expect(gWeights(c).some(([name, w]) => e.weights.get(name)!.some((v, k) => v !== w[k]))).toBe(true);
  });

  it('weight 1 is the paper step exactly; other weights change the generator only', () => {
    const plain = train(undefined, 2);
    const one = train(undefined, 2, { generatorAuxWeight: 1 });
    for (const [name, w] of plain.weights) expect(one.weights.get(name), name).toEqual(w);
    const third = train(undefined, 1, { generatorAuxWeight: 0.3 });
    const first = train(undefined, 1);
    for (const [name, w] of first.weights) {
      if (name.startsWith('d_')) expect(third.weights.get(name), name).toEqual(w);
    }
    expect(gWeights(first).some(([name, w]) => third.weights.get(name)!.some((v, k) => v !== w[k]))).toBe(true);
  });
});
