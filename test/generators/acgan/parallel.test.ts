/**
 * Data-parallel steps (lib/generators/acgan/parallel.ts): the chunk
 * helpers; a chunked step computes the same function as the one-program
 * step (the clipped sums agree to float32 rounding, each real row's clip
 * included); and the weights after chunked steps are the same bit for bit
 * with 1, 2 and 4 threads (worker threads with their own wasm backends),
 * privately and not, with the diversity term.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../../lib/random';
import { selectBackend } from '../../../lib/compute/backend';
import { TINY_ARCHITECTURE, type GanArchitecture, type ParamArrays, type Params, discriminate, dropoutMaskArrays, generate, makeDropoutMasks, perExampleLosses } from '../../../lib/generators/acgan/models';
import { poissonSample } from '../../../lib/generators/acgan/dpsgd';
import { type StepContext, diversityTerm, ganStep } from '../../../lib/generators/acgan/step';
import {
  type ChunkSums,
  MAX_CHUNKS,
  checkChunks,
  chunkBounds,
  dChunkSums,
  gChunkGrads,
  jobGenerator,
  maskRows,
  stopTrainingWorkers,
  threadsForChunks,
  trainingThreads,
  trainingWorkerJobs,
  treeSum,
} from '../../../lib/generators/acgan/parallel';
import { stepContext } from './fixtures';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm', log: null });
});
afterAll(async () => {
  await stopTrainingWorkers();
});

describe('chunk helpers', () => {
  it('chunkBounds cuts n rows into near-equal contiguous parts, empty ones when n < chunks', () => {
    expect(chunkBounds(10, 4)).toEqual([0, 2, 5, 7, 10]);
    expect(chunkBounds(8, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(chunkBounds(3, 4)).toEqual([0, 0, 1, 2, 3]);
    expect(chunkBounds(5, 1)).toEqual([0, 5]);
  });

  it('treeSum adds pairs, then pairs of pairs; null (an empty chunk) adds nothing', () => {
    const show = (a: string, b: string) => `(${a}+${b})`;
    expect(treeSum(['a', 'b', 'c', 'd'], show)).toBe('((a+b)+(c+d))');
    expect(treeSum(['a', null, 'c', 'd'], show)).toBe('(a+(c+d))');
    expect(treeSum([null, null], show)).toBeNull();
    expect(treeSum(['a'], show)).toBe('a');
    // The subtree of an aligned block is the block's own tree: what makes the thread count not matter.
    const items = Array.from({ length: 8 }, (_, i) => `c${i}`);
    expect(treeSum([treeSum(items.slice(0, 4), show), treeSum(items.slice(4), show)], show)).toBe(treeSum(items, show));
    expect(() => treeSum(['a', 'b', 'c'], show)).toThrow(/not a power of two/);
  });

  it('threadsForChunks: a power of two, at most the threads and the chunks', () => {
    expect([1, 2, 3, 4, 5, 16].map((t) => threadsForChunks(t, 8))).toEqual([1, 2, 2, 4, 4, 8]);
    expect(threadsForChunks(16, 1)).toBe(1);
  });

  it('checkChunks accepts powers of two up to MAX_CHUNKS only', () => {
    for (const k of [1, 2, 4, MAX_CHUNKS]) expect(() => checkChunks(k)).not.toThrow();
    for (const k of [0, 3, 6, 1.5, 2 * MAX_CHUNKS, -2]) expect(() => checkChunks(k)).toThrow(/power of two/);
  });
});

/** Max |a - b| over max |b|, over every weight. */
function relDiff(a: Float32Array[], b: Float32Array[]): number {
  let num = 0;
  let den = 0;
  a.forEach((x, i) => x.forEach((v, j) => ((num = Math.max(num, Math.abs(v - b[i][j]))), (den = Math.max(den, Math.abs(b[i][j]))))));
  return num / den;
}

const values = (p: Params) => [...p.values()].map((v) => v.dataSync().slice() as Float32Array);

const read = (s: ChunkSums) => {
  const out = { sums: s.sums.map((t) => t.dataSync().slice() as Float32Array), gen: s.genSum.dataSync()[0], aux: s.auxSum.dataSync()[0], norms: Array.from(s.norms.dataSync()) };
  tf.dispose([...s.sums, s.genSum, s.auxSum, s.norms]);
  return out;
};

/** Elementwise sums of the chunks' arrays, in float64. */
const addUp = (parts: Float32Array[][]) => parts[0].map((_, k) => Float32Array.from(parts.reduce((acc, p) => acc.map((v, j) => v + p[k][j]), new Float64Array(parts[0][k].length))));

describe('chunks of a step', () => {
  it('discriminator: the chunks clip each real row as the whole batch does, and their clipped sums add up to the whole batch’s', () => {
    const arch = TINY_ARCHITECTURE;
    const { ctx, dispose } = stepContext(arch, 8, { dp: { clipNorm: 0.05, noiseMultiplier: 1, expectedBatchSize: 8 }, plain: false });
    const rng = new Random(5);
    const idx = poissonSample(64, 0.25, rng);
    const nReal = idx.length;
    const nFake = 6;
    const n = nReal + nFake;
    const x = ctx.data.x.dataSync();
    const y = ctx.data.y.dataSync();
    const z = Float32Array.from({ length: nFake * arch.latentSize }, () => rng.uniform() * 2 - 1);
    const armsFake = Int32Array.from({ length: nFake }, () => rng.int(0, 2));
    const masks = dropoutMaskArrays(arch, n, new Random(6));
    const chunk = (b: number, e: number) => {
      const [rb, re] = [Math.min(b, nReal), Math.min(e, nReal)];
      const [fb, fe] = [Math.max(b, nReal) - nReal, Math.max(e, nReal) - nReal];
      const real = Array.from(idx.subarray(rb, re));
      return read(
        dChunkSums(ctx.d, ctx.g, arch, ctx.dp, false, {
          nReal: re - rb,
          xReal: Float32Array.from(real.flatMap((i) => Array.from(x.subarray(i * 36, (i + 1) * 36)))),
          armsReal: Int32Array.from(real.map((i) => y[i])),
          z: z.slice(fb * arch.latentSize, fe * arch.latentSize),
          armsFake: armsFake.slice(fb, fe),
          masks: maskRows(arch, masks, [[b, e]]),
        }),
      );
    };
    const whole = chunk(0, n);
    expect(nReal).toBeGreaterThan(4);
    expect(whole.norms).toHaveLength(nReal);
    expect(whole.norms.some((v) => v > 0.05)).toBe(true); // some real rows are clipped: the test exercises the clip
    for (const cuts of [[0, 2, n], [0, nReal, nReal + 3, n]]) {
      const parts = cuts.slice(0, -1).map((b, i) => chunk(b, cuts[i + 1]));
      expect(relDiff(addUp(parts.map((p) => p.sums)), whole.sums)).toBeLessThan(1e-5);
      const norms = parts.flatMap((p) => p.norms);
      expect(norms).toHaveLength(nReal);
      norms.forEach((v, i) => expect(v).toBeCloseTo(whole.norms[i], 5));
      expect(parts.reduce((s, p) => s + p.gen, 0)).toBeCloseTo(whole.gen, 4);
    }
    dispose();
  });

  it('generator: the chunks of pairs give the gradient of the one-program loss (means over 2B rows, diversity over B pairs)', () => {
    const arch = TINY_ARCHITECTURE;
    const { ctx, dispose } = stepContext(arch, 8, { dp: { clipNorm: Infinity, noiseMultiplier: 0, expectedBatchSize: 8 }, plain: true });
    const B = 6;
    const rng = new Random(8);
    const L = arch.latentSize;
    const z = Float32Array.from({ length: 2 * B * L }, () => rng.uniform() * 2 - 1);
    const arms = Int32Array.from({ length: 2 * B }, (_, i) => (i < B ? rng.int(0, 2) : 0));
    arms.copyWithin(B, 0, B);
    const masks = dropoutMaskArrays(arch, 2 * B, new Random(9));
    const loss = { batchSize: B, auxWeight: 0.7, diversity: { weight: 0.4, cap: 1.2 } };
    // The one-program loss of lib/generators/acgan/step.ts, differentiated directly.
    const gVars = [...ctx.g.values()];
    const ref = tf.variableGrads(() => {
      const zt = tf.tensor2d(z, [2 * B, L]);
      const at = tf.tensor1d(arms, 'int32');
      const fake = generate(ctx.g, arch, zt, at);
      const m = makeDropoutMasks(arch, 2 * B, new Random(9));
      const l = perExampleLosses(discriminate(ctx.d, arch, fake, m), tf.ones([2 * B]) as tf.Tensor1D, at, arch.numClasses);
      const base = tf.add(tf.mean(l.gen), tf.mul(0.7, tf.mean(l.aux)));
      return tf.sub(base, tf.mul(0.4, diversityTerm(fake, zt, 1.2))) as tf.Scalar;
    }, gVars);
    const refGrads = gVars.map((v) => ref.grads[v.name].dataSync().slice() as Float32Array);
    tf.dispose([ref.value, ...Object.values(ref.grads)]);
    const chunk = (b: number, e: number) => {
      const zc = Float32Array.from([...z.subarray(b * L, e * L), ...z.subarray((B + b) * L, (B + e) * L)]);
      const ac = Int32Array.from([...arms.subarray(b, e), ...arms.subarray(B + b, B + e)]);
      return read(gChunkGrads(ctx.d, ctx.g, arch, loss, { pairs: e - b, z: zc, arms: ac, masks: maskRows(arch, masks, [[b, e], [B + b, B + e]]) }));
    };
    for (const cuts of [[0, B], [0, 2, B], [0, 1, 3, B]]) {
      const parts = cuts.slice(0, -1).map((b, i) => chunk(b, cuts[i + 1]));
      expect(relDiff(addUp(parts.map((p) => p.sums)), refGrads)).toBeLessThan(1e-5);
    }
    dispose();
  });
});

/** Weights after `steps` chunked steps of the given setting with `threads` threads. */
function trainChunked(arch: GanArchitecture, threads: number, setting: Partial<StepContext>, steps = 3): Float32Array[] {
  const { ctx, dispose } = stepContext(arch, 8, { dp: { clipNorm: 0.5, noiseMultiplier: 0.8, expectedBatchSize: 8 }, plain: false, chunks: 4, threads, ...setting });
  for (let s = 0; s < steps; s++) ganStep(ctx, new Random(21).derive(`step:${s}`)).stats.dispose();
  const out = [...values(ctx.d), ...values(ctx.g)];
  dispose();
  return out;
}

describe('a chunked step', () => {
  it('gives the same weights bit for bit with 1, 2 and 4 threads (private; plain with the diversity term)', () => {
    const settings: Partial<StepContext>[] = [
      {},
      { dp: { clipNorm: Infinity, noiseMultiplier: 0, expectedBatchSize: 8 }, plain: true, diversity: { weight: 0.5, cap: 1.5 }, generatorAuxWeight: 0.5 },
    ];
    for (const setting of settings) {
      const jobs = trainingWorkerJobs();
      const one = trainChunked(TINY_ARCHITECTURE, 1, setting);
      expect(trainingWorkerJobs()).toBe(jobs); // one thread: no worker
      for (const threads of [2, 4]) {
        const many = trainChunked(TINY_ARCHITECTURE, threads, setting);
        expect(many.length).toBe(one.length);
        many.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(one[i].buffer)), `threads ${threads}, tensor ${i}`).toBe(true));
      }
      expect(trainingWorkerJobs()).toBeGreaterThan(jobs); // the workers did take blocks
      expect(trainingThreads('wasm', 4, 4)).toBe(4); // and none of them failed (no fallback to this thread)
    }
  }, 120_000);

  it('a G-phase job without weights runs with the generator its worker got for the same step, and only with that one', () => {
    const loaded: string[] = [];
    const load = (g: ParamArrays) => {
      loaded.push(g[0][0]);
      return g[0][0];
    };
    const gArrays: ParamArrays = [['w', [1], new Float32Array([1])]];
    const held = jobGenerator({ g: gArrays, gStep: 7 }, null, load); // a D-phase job: its own weights
    expect(held).toEqual({ params: 'w', step: 7 });
    expect(jobGenerator({ g: null, gStep: 7 }, held, load)).toBe(held); // the G phase of step 7
    expect(loaded).toEqual(['w']);
    expect(() => jobGenerator({ g: null, gStep: 8 }, held, load)).toThrow(/G-phase job of step 8 came without the generator's weights, and this worker holds those of step 7/);
    expect(() => jobGenerator({ g: null, gStep: 1 }, null, load)).toThrow(/holds none/);
  });

  it('privatizes the summed gradient once: noise sigma C and scale 1/(2B) from the DP options, with the step\'s noise stream', () => {
    const { ctx, dispose } = stepContext(TINY_ARCHITECTURE, 8, { dp: { clipNorm: 0.5, noiseMultiplier: 0.8, expectedBatchSize: 8 }, plain: false, chunks: 4, threads: 2 });
    const calls: { noiseStd: number; gradScale: number; hasRng: boolean; sums: number }[] = [];
    const apply = ctx.adamD.applyNoised.bind(ctx.adamD);
    ctx.adamD.applyNoised = (params, sums, noise) => {
      calls.push({ noiseStd: noise.noiseStd, gradScale: noise.gradScale, hasRng: noise.rng !== null, sums: sums.size });
      apply(params, sums, noise);
    };
    ganStep(ctx, new Random(21).derive('step:0')).stats.dispose();
    expect(calls).toEqual([{ noiseStd: 0.8 * 0.5, gradScale: 1 / 16, hasRng: true, sums: ctx.d.size }]);
    dispose();
  }, 60_000);

  it('sees the batch the one-program step sees: the same draws, so the same discriminator losses at the first step', () => {
    const arch = TINY_ARCHITECTURE;
    const setting = { dp: { clipNorm: 0.5, noiseMultiplier: 0.8, expectedBatchSize: 8 }, plain: false };
    const stats = (more: Partial<StepContext>) => {
      const { ctx, dispose } = stepContext(arch, 8, { ...setting, ...more });
      const r = ganStep(ctx, new Random(21).derive('step:0'));
      const v = Array.from(r.stats.dataSync());
      r.stats.dispose();
      dispose();
      return { v, nReal: r.nReal };
    };
    const one = stats({});
    const chunked = stats({ chunks: 4, threads: 2 });
    expect(chunked.nReal).toBe(one.nReal);
    expect(chunked.v[0]).toBeCloseTo(one.v[0], 5); // D real/fake loss
    expect(chunked.v[1]).toBeCloseTo(one.v[1], 5); // D arm loss
    expect(chunked.v[4]).toBe(one.v[4]); // real rows clipped
  }, 60_000);
});
