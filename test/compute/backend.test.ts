import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, silenceCpuBackendNotice } from '../../lib/compute/backend';
import { TINY_ARCHITECTURE, createDiscriminator, createGenerator, discriminate, disposeParams, generate, makeDropoutMasks, perExampleLosses } from '../../lib/generators/acgan/models';
import { dpGradientsGhost } from '../../lib/generators/acgan/dpsgd';
import { Random } from '../../lib/random';
import { makeBatch, values } from '../generators/acgan/helpers';

function maxAbsRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}

afterAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

describe('selectBackend', () => {
  it('honours the option, prints the choice, and skips the pure-JS tfjs-node alias', async () => {
    const lines: string[] = [];
    const info = await selectBackend({ backend: 'wasm', log: (l) => lines.push(l) });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines[0]).toMatch(/backend: wasm/);
    const auto = await selectBackend({ log: null });
    // No native libtensorflow here: the best available is wasm, tfjs-node(-gpu) are reported as skipped.
    if (!tf.findBackendFactory('tensorflow')) {
      expect(auto.name).toBe('wasm');
      expect(auto.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
    }
  });
  it('honours SPRINT_BACKEND and rejects unknown names', async () => {
    const old = process.env.SPRINT_BACKEND;
    process.env.SPRINT_BACKEND = 'cpu';
    try {
      expect((await selectBackend({ log: null })).name).toBe('cpu');
      process.env.SPRINT_BACKEND = 'quantum';
      await expect(selectBackend({ log: null })).rejects.toThrow(/Unknown backend 'quantum'/);
    } finally {
      if (old === undefined) delete process.env.SPRINT_BACKEND;
      else process.env.SPRINT_BACKEND = old;
    }
  });
});

/** Gradients of a conv2d and a gather computed on one backend. */
async function kernelGrads(backend: string, fastCpuKernels = true) {
  await selectBackend({ backend, log: null, fastCpuKernels });
  const out: number[][] = [];
  for (const c of [
    { x: [2, 6, 24, 8], f: [5, 5, 8, 6], s: 1 },
    { x: [3, 6, 24, 6], f: [4, 4, 6, 1], s: 2 },
    { x: [2, 3, 12, 1], f: [3, 3, 1, 4], s: 2 },
    { x: [1, 7, 9, 2], f: [2, 3, 2, 3], s: 3 },
  ]) {
    tf.tidy(() => {
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const x = tf.tensor4d(Array.from({ length: size(c.x) }, (_, i) => Math.sin(i * 0.37)), c.x as [number, number, number, number]);
      const f = tf.tensor4d(Array.from({ length: size(c.f) }, (_, i) => Math.cos(i * 0.11)), c.f as [number, number, number, number]);
      const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, 'same').square().sum())([x, f]);
      out.push(Array.from(gx.dataSync()), Array.from(gf.dataSync()));
    });
  }
  tf.tidy(() => {
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const ids = tf.tensor1d([0, 2, 0], 'int32');
    const weights = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const g = tf.grad((t: tf.Tensor) => tf.gather(t, ids).mul(weights).sum())(table);
    out.push(Array.from(g.dataSync()));
  });
  return out;
}

describe("tfjs-backend-cpu's Node.js notice", () => {
  const NOTICE = /Hi, looks like you are running TensorFlow\.js in Node\.js/;
  it('is printed by a fresh cpu backend on its first tensor, and not once silenced; selectBackend silences it', async () => {
    await selectBackend({ backend: 'cpu', log: null });
    const Cpu = tf.backend().constructor as new () => tf.KernelBackend;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const printed = () => warn.mock.calls.map((c) => c.join(' ')).filter((t) => NOTICE.test(t)).length;
      const loud = new Cpu();
      loud.write(new Float32Array([1]), [1], 'float32');
      expect(printed()).toBe(1); // what this guards against (moved in a tfjs release: update silenceCpuBackendNotice)
      const quiet = new Cpu();
      silenceCpuBackendNotice(quiet);
      quiet.write(new Float32Array([1]), [1], 'float32');
      expect(printed()).toBe(1);
      expect((tf.backend() as unknown as { firstUse: boolean }).firstUse).toBe(false);
      loud.dispose();
      quiet.dispose();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('extra kernels (Conv2DBackpropFilter, Conv2DBackpropInput, UnsortedSegmentSum)', () => {
  it('match the stock cpu kernels on wasm and on patched cpu', async () => {
    const stock = await kernelGrads('cpu', false);
    for (const backend of ['wasm', 'cpu']) {
      const got = await kernelGrads(backend, true);
      got.forEach((g, i) => expect(maxAbsRel(g, stock[i])).toBeLessThan(1e-5));
    }
    expect(stock[stock.length - 1]).toEqual([6, 8, 0, 0, 3, 4]);
  });
});

/** One discriminator DP gradient and one generator gradient, on a backend. */
async function trainingStepGradients(backend: string) {
  await selectBackend({ backend, log: null });
  const arch = TINY_ARCHITECTURE;
  const d = createDiscriminator(arch, 5);
  const g = createGenerator(arch, 6);
  const batch = makeBatch(arch, 4, 3, 7);
  const before = tf.memory().numTensors;
  const dg = dpGradientsGhost(d, arch, batch, { clipNorm: 0.5, noiseMultiplier: 0.8, expectedBatchSize: 3 }, new Random(2));
  const rng = new Random(8);
  const z = tf.tensor2d(Array.from({ length: 6 * arch.latentSize }, () => rng.uniform(-1, 1)), [6, arch.latentSize]);
  const arms = tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32');
  const masks = makeDropoutMasks(arch, 6, rng);
  const { value, grads } = tf.variableGrads(() => {
    const l = perExampleLosses(discriminate(d, arch, generate(g, arch, z, arms), masks), tf.ones([6]) as tf.Tensor1D, arms, arch.numClasses);
    return tf.add(tf.mean(l.gen), tf.mean(l.aux)) as tf.Scalar;
  }, [...g.values()]);
  const result = {
    d: values(dg.grads),
    g: new Map([...g].map(([k, v]) => [k, grads[v.name].dataSync() as Float32Array])),
    loss: value.dataSync()[0],
  };
  value.dispose();
  for (const t of Object.values(grads)) t.dispose();
  for (const t of dg.grads.values()) t.dispose();
  for (const t of [dg.genLoss, dg.auxLoss, dg.realNorms]) t?.dispose();
  z.dispose();
  arms.dispose();
  masks.conv1.dispose();
  masks.conv2.dispose();
  masks.dense1.dispose();
  const leaked = tf.memory().numTensors - before;
  disposeParams(d);
  disposeParams(g);
  return { ...result, leaked };
}

describe('a training step on wasm and cpu', () => {
  it('runs every op on both backends with the same numbers', async () => {
    const cpu = await trainingStepGradients('cpu');
    const wasm = await trainingStepGradients('wasm');
    expect(cpu.leaked).toBe(0);
    expect(wasm.leaked).toBe(0);
    expect(Math.abs(cpu.loss - wasm.loss)).toBeLessThan(1e-5);
    for (const [k, v] of cpu.d) expect(maxAbsRel(wasm.d.get(k) as Float32Array, v), k).toBeLessThan(1e-4);
    for (const [k, v] of cpu.g) expect(maxAbsRel(wasm.g.get(k) as Float32Array, v), k).toBeLessThan(1e-4);
  });
});
