/**
 * Data-parallel training steps: the batch split into a fixed number of
 * chunks (the recipe's `chunks`, a power of two), each chunk's gradient sums
 * computed on its own, and the chunks' sums added in one fixed order, so
 * that the threads that compute them never change a number.
 *
 * - Discriminator: the batch's real rows and its generated rows are each
 *   cut into `chunks` contiguous parts; chunk j holds the j-th part of both
 *   (so chunks cost about the same). Each chunk's per-example gradients are
 *   clipped and summed (lib/generators/acgan/dpsgd.ts's ghost method: the
 *   clip is per example, so cutting the batch changes no clip); the parts'
 *   sums are added; then the noise is added once and Adam applied, here.
 *   The privacy accounting is untouched: the same rows, the same clipped
 *   sums, the same noise.
 * - Generator: its 2B rows are cut the same way, rows i and B + i in the
 *   same part (the diversity term's pairs); each part gives the gradient of
 *   its share of the loss (its rows' losses over 2B, its pairs' terms over
 *   B), and the parts' gradients are added.
 * - Order: sums go up a binary tree over the chunks ((c0 + c1) + (c2 + c3))
 *   + ...; a thread takes an aligned block of chunks (a subtree) and
 *   returns its subtree's sum. With 1, 2, 4, ... threads the additions are
 *   the same, so the weights are the same bit for bit (tested). Threads are
 *   a power of two up to `chunks`.
 * - Threads: on the wasm backend, SPRINT_THREADS or the cores available
 *   (lib/compute/workers/channel.ts's threadCount); this thread computes the
 *   first block while worker threads, each with its own wasm backend and a
 *   copy of the weights sent every phase, compute the others. If a worker
 *   fails, this thread computes its block (one line on stderr; same numbers).
 *   On other backends (native TensorFlow, WebGPU parallelize themselves;
 *   cpu is the reference) all chunks run here.
 *
 * With `chunks` 1 training takes lib/generators/acgan/step.ts's one-program
 * step instead; its numbers differ from any chunked run's in the last bits
 * of the sums (and then, as GAN training amplifies them, in the weights).
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../random';
import { fillUniform } from '../../compute/noise';
import { WorkerPool, threadCount } from '../../compute/workers/channel';
import { libFile } from '../../host';
import { type GanArchitecture, type MaskArrays, type ParamArrays, type Params, discriminate, diversityPairTerms, dropoutMaskArrays, generate, maskTensors, maskWidths, paramArrays, perExampleLosses } from './models';
import { type DpOptions, dpGradientSums, poissonSample, privatization } from './dpsgd';
import type { DiversityOptions, StepContext, StepResult } from './step';

/** The most chunks a recipe may ask for. */
export const MAX_CHUNKS = 64;

/** Throws unless `chunks` is a power of two from 1 to {@link MAX_CHUNKS}. */
export function checkChunks(chunks: number): void {
  if (!Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS || (chunks & (chunks - 1)) !== 0) {
    throw new Error(`chunks must be a power of two from 1 to ${MAX_CHUNKS} (1: one program for the whole batch), got ${chunks}`);
  }
}

/** Where chunk j of n rows begins: floor(j n / chunks), j = 0..chunks (empty chunks when n < chunks). */
export function chunkBounds(n: number, chunks: number): number[] {
  return Array.from({ length: chunks + 1 }, (_, j) => Math.floor((j * n) / chunks));
}

/**
 * The sum of `items` (a power-of-two count) up a binary tree: pairs, then
 * pairs of pairs. A null item is an empty chunk's: it adds nothing.
 */
export function treeSum<T>(items: (T | null)[], add: (a: T, b: T) => T): T | null {
  if ((items.length & (items.length - 1)) !== 0 || items.length === 0) throw new Error(`treeSum: ${items.length} items, not a power of two`);
  let level = items;
  while (level.length > 1) {
    const next: (T | null)[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i], level[i + 1]];
      next.push(a === null ? b : b === null ? a : add(a, b));
    }
    level = next;
  }
  return level[0];
}

/** Threads for `chunks` chunks: a power of two, at most `threads` and `chunks`. */
export function threadsForChunks(threads: number, chunks: number): number {
  let t = 1;
  while (t * 2 <= Math.min(threads, chunks)) t *= 2;
  return t;
}

// ---------------------------------------------------------------------------
// Random draws as arrays (lib/generators/acgan/step.ts makes its tensors from these;
// dropout masks: lib/generators/acgan/models.ts's dropoutMaskArrays).

/** rows x cols uniform draws in [-1, 1). */
export function uniformArray(rows: number, cols: number, rng: Random): Float32Array {
  return fillUniform(new Float32Array(rows * cols), rng, -1, 1);
}

/** n random arms. */
export function armsArray(n: number, rng: Random, numClasses: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(0, numClasses));
}

/** 2P arms: P random ones, then the same P again (row i and P + i share an arm). */
export function pairedArmsArray(pairs: number, rng: Random, numClasses: number): Int32Array {
  const a = armsArray(pairs, rng, numClasses);
  const both = new Int32Array(2 * pairs);
  both.set(a);
  both.set(a, pairs);
  return both;
}

/** The rows of each mask in the given [begin, end) ranges, in order. */
export function maskRows(arch: GanArchitecture, m: MaskArrays, ranges: [number, number][]): MaskArrays {
  const w = maskWidths(arch);
  const pick = (a: Float32Array, width: number) => {
    const out = new Float32Array(ranges.reduce((s, [b, e]) => s + (e - b), 0) * width);
    let at = 0;
    for (const [b, e] of ranges) {
      out.set(a.subarray(b * width, e * width), at);
      at += (e - b) * width;
    }
    return out;
  };
  return { conv1: pick(m.conv1, w.conv1), conv2: pick(m.conv2, w.conv2), dense1: pick(m.dense1, w.dense1) };
}

// ---------------------------------------------------------------------------
// One chunk's work (the same code here and on the workers).

/** A discriminator chunk: its real rows (values and arms), then its generated rows' latent vectors and arms. */
export interface DChunk {
  nReal: number;
  xReal: Float32Array;
  armsReal: Int32Array;
  z: Float32Array;
  armsFake: Int32Array;
  masks: MaskArrays;
}

/** A generator chunk: `pairs` rows, then their `pairs` partners (rows i and B + i of the step). */
export interface GChunk {
  pairs: number;
  z: Float32Array;
  arms: Int32Array;
  masks: MaskArrays;
}

/** What a chunk (or a subtree of chunks) gives: gradient sums in the parameters' order, loss sums, real rows' norms. */
export interface ChunkSums {
  sums: tf.Tensor[];
  genSum: tf.Scalar;
  auxSum: tf.Scalar;
  /** D only: the real rows' gradient norms before clipping, in row order (empty without clipping). */
  norms: tf.Tensor1D;
}

/** Settings of the generator's loss. */
export interface GLoss {
  batchSize: number;
  auxWeight: number;
  diversity: DiversityOptions | null;
}

/** The clipped per-example gradient sums of one discriminator chunk (unclipped for plain training). */
export function dChunkSums(d: Params, g: Params, arch: GanArchitecture, dp: DpOptions, plain: boolean, c: DChunk): ChunkSums {
  const [h, w] = arch.patientShape;
  const nFake = c.armsFake.length;
  const rows = c.nReal + nFake;
  const batch = tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    const arms: tf.Tensor1D[] = [];
    if (c.nReal > 0) {
      parts.push(tf.tensor4d(c.xReal, [c.nReal, h, w, 1]));
      arms.push(tf.tensor1d(c.armsReal, 'int32'));
    }
    if (nFake > 0) {
      const fakeArms = tf.tensor1d(c.armsFake, 'int32');
      parts.push(generate(g, arch, tf.tensor2d(c.z, [nFake, arch.latentSize]), fakeArms));
      arms.push(fakeArms);
    }
    return { x: (parts.length > 1 ? tf.concat(parts) : parts[0]) as tf.Tensor4D, arms: (arms.length > 1 ? tf.concat(arms) : arms[0]) as tf.Tensor1D };
  });
  const masks = maskTensors(arch, c.masks, rows);
  const r = dpGradientSums('ghost', d, arch, { x: batch.x, arms: batch.arms, nReal: c.nReal, masks }, plain ? { ...dp, clipNorm: Infinity } : dp);
  tf.dispose([batch.x, batch.arms, masks.conv1, masks.conv2, masks.dense1]);
  const out: ChunkSums = {
    sums: [...r.sums.values()],
    genSum: tf.tidy(() => tf.mul(r.genLoss, rows)),
    auxSum: tf.tidy(() => tf.mul(r.auxLoss, rows)),
    norms: r.realNorms ?? tf.tensor1d([]),
  };
  tf.dispose([r.genLoss, r.auxLoss]);
  return out;
}

/** The gradient of one generator chunk's share of the loss, in G's parameters' order. */
export function gChunkGrads(d: Params, g: Params, arch: GanArchitecture, loss: GLoss, c: GChunk): ChunkSums {
  const rows = 2 * c.pairs;
  const z = tf.tensor2d(c.z, [rows, arch.latentSize]);
  const arms = tf.tensor1d(c.arms, 'int32');
  const masks = maskTensors(arch, c.masks, rows);
  const ones = tf.ones([rows]) as tf.Tensor1D;
  let genSum: tf.Scalar | undefined;
  let auxSum: tf.Scalar | undefined;
  const gVars = [...g.values()];
  const { value, grads } = tf.variableGrads(() => {
    const fake = generate(g, arch, z, arms);
    const l = perExampleLosses(discriminate(d, arch, fake, masks), ones, arms, arch.numClasses);
    genSum = tf.keep(tf.sum(l.gen) as tf.Scalar);
    auxSum = tf.keep(tf.sum(l.aux) as tf.Scalar);
    const weighted = loss.auxWeight === 1 ? tf.add(genSum, auxSum) : tf.add(genSum, tf.mul(loss.auxWeight, auxSum));
    const share = tf.div(weighted, 2 * loss.batchSize) as tf.Scalar;
    if (!loss.diversity) return share;
    return tf.sub(share, tf.mul(loss.diversity.weight / loss.batchSize, tf.sum(diversityPairTerms(fake, z, loss.diversity.cap)))) as tf.Scalar;
  }, gVars);
  value.dispose();
  tf.dispose([z, arms, masks.conv1, masks.conv2, masks.dense1, ones]);
  return { sums: gVars.map((v) => grads[v.name]), genSum: genSum as tf.Scalar, auxSum: auxSum as tf.Scalar, norms: tf.tensor1d([]) };
}

/** Adds two chunk results (consumes both). */
function addSums(a: ChunkSums, b: ChunkSums): ChunkSums {
  const out: ChunkSums = {
    sums: a.sums.map((t, i) => tf.add(t, b.sums[i])),
    genSum: tf.add(a.genSum, b.genSum),
    auxSum: tf.add(a.auxSum, b.auxSum),
    norms: tf.concat([a.norms, b.norms]),
  };
  disposeSums(a);
  disposeSums(b);
  return out;
}

function disposeSums(s: ChunkSums): void {
  tf.dispose([...s.sums, s.genSum, s.auxSum, s.norms]);
}

/** One job: a block of chunks of one phase, with the weights it needs. */
export interface ChunkJob {
  backend: string;
  arch: GanArchitecture;
  phase: 'd' | 'g';
  d: ParamArrays;
  /**
   * The generator's weights; null in a step's G phase, whose generator is
   * the one this worker was given for the same step's D phase (Adam changes
   * it only after the G phase): a worker keeps the last weights it was given,
   * with their `gStep`.
   */
  g: ParamArrays | null;
  /** The step the generator's weights are from (a number per chunked step of the process). */
  gStep: number;
  dp: DpOptions;
  plain: boolean;
  loss: GLoss;
  /** The block's chunks, in order (null: an empty chunk). */
  dChunks: (DChunk | null)[];
  gChunks: (GChunk | null)[];
}

/**
 * The generator a worker runs a job with: the job's weights (loaded by
 * `load`), or, for a job without them, the ones the worker holds if they are
 * from the job's step; anything else is an error (the pool then computes the
 * block on the main thread, with the same numbers).
 */
export function jobGenerator<P>(job: Pick<ChunkJob, 'g' | 'gStep'>, held: { params: P; step: number } | null, load: (g: ParamArrays) => P): { params: P; step: number } {
  if (job.g) return { params: load(job.g), step: job.gStep };
  if (held?.step === job.gStep) return held;
  throw new Error(`a G-phase job of step ${job.gStep} came without the generator's weights, and this worker holds ${held ? `those of step ${held.step}` : 'none'}`);
}

/** What a worker posts back: its block's sums as arrays, or that every chunk of its block was empty. */
export type ChunkResult = { sums: Float32Array[]; genSum: number; auxSum: number; norms: Float32Array } | { empty: true };

/** A block's sum: each chunk computed in order, then added up the block's subtree (null if every chunk is empty). */
export function blockSums(job: Pick<ChunkJob, 'arch' | 'phase' | 'dp' | 'plain' | 'loss' | 'dChunks' | 'gChunks'>, d: Params, g: Params): ChunkSums | null {
  const parts: (ChunkSums | null)[] =
    job.phase === 'd'
      ? job.dChunks.map((c) => (c ? dChunkSums(d, g, job.arch, job.dp, job.plain, c) : null))
      : job.gChunks.map((c) => (c ? gChunkGrads(d, g, job.arch, job.loss, c) : null));
  return treeSum(parts, addSums);
}

/** A block's sums read out for posting. */
export function readSums(s: ChunkSums | null): ChunkResult {
  if (!s) return { empty: true };
  const out = {
    sums: s.sums.map((t) => t.dataSync() as Float32Array),
    genSum: s.genSum.dataSync()[0],
    auxSum: s.auxSum.dataSync()[0],
    norms: s.norms.dataSync() as Float32Array,
  };
  disposeSums(s);
  return out;
}

function fromResult(r: ChunkResult, shapes: number[][]): ChunkSums | null {
  if ('empty' in r) return null;
  return {
    sums: r.sums.map((a, i) => tf.tensor(a, shapes[i])),
    genSum: tf.scalar(r.genSum),
    auxSum: tf.scalar(r.auxSum),
    norms: tf.tensor1d(r.norms),
  };
}

/** Chunked steps taken by this process (ChunkJob.gStep). */
let chunkedSteps = 0;

const pool = new WorkerPool<ChunkJob>(libFile('generators', 'acgan', 'workers', 'chunks.ts'), 'training on one thread', 'a training worker');

/**
 * Threads that compute `chunks` chunks on `backend`: on wasm a power of two
 * up to `threads` (SPRINT_THREADS or the cores) and the chunks; 1 elsewhere
 * and after a worker failed.
 */
export function trainingThreads(backend: string, chunks: number, threads = threadCount()): number {
  return backend === 'wasm' && !pool.failed ? threadsForChunks(threads, chunks) : 1;
}

/** Jobs the training workers have been given (tests). */
export function trainingWorkerJobs(): number {
  return pool.jobs;
}

/** Stops the training workers and forgets a failure (tests). */
export async function stopTrainingWorkers(): Promise<void> {
  await pool.stop();
}

/**
 * Sums of one phase over its chunks: blocks of chunks to `threads` threads
 * (this one first), their sums added up the tree.
 */
function phaseSums(ctx: StepContext, threads: number, phase: 'd' | 'g', chunks: (DChunk | GChunk | null)[], loss: GLoss, step: number): ChunkSums | null {
  const per = chunks.length / threads;
  const block = (t: number): Omit<ChunkJob, 'backend' | 'd' | 'g' | 'gStep'> => {
    const mine = chunks.slice(t * per, (t + 1) * per);
    return {
      phase,
      arch: ctx.arch,
      dp: ctx.dp,
      plain: ctx.plain,
      loss,
      dChunks: phase === 'd' ? (mine as (DChunk | null)[]) : [],
      gChunks: phase === 'g' ? (mine as (GChunk | null)[]) : [],
    };
  };
  if (threads === 1) return blockSums(block(0), ctx.d, ctx.g);
  // The D phase sends both networks; the G phase only the discriminator (see ChunkJob.g).
  const weights = {
    d: paramArrays(ctx.d, 'training on worker threads'),
    g: phase === 'd' ? paramArrays(ctx.g, 'training on worker threads') : null,
    gStep: step,
  };
  const jobs: ChunkJob[] = Array.from({ length: threads - 1 }, (_, i) => ({ ...block(i + 1), backend: tf.getBackend(), ...weights }));
  const here: { sums: ChunkSums | null } = { sums: null };
  // A worker's block comes back as arrays on its port; a block computed here instead (its worker failed) as tensors.
  const results = pool.run<{ local: ChunkSums | null }>(
    jobs,
    () => 600_000,
    () => (here.sums = blockSums(block(0), ctx.d, ctx.g)),
    (i) => ({ local: blockSums(block(i + 1), ctx.d, ctx.g) }),
  );
  const shapes = [...(phase === 'd' ? ctx.d : ctx.g).values()].map((v) => v.shape);
  const blocks = results.map((r, i) => {
    if (typeof r === 'object' && r !== null && 'local' in r) return (r as { local: ChunkSums | null }).local;
    if (typeof r !== 'object' || r === null) throw new Error(`training worker ${i + 1} finished its job without a result`);
    return fromResult(r as ChunkResult, shapes);
  });
  return treeSum([here.sums, ...blocks], addSums);
}

/** The training cohort's values and arms as arrays (read once per context). */
const cohortArrays = new WeakMap<object, { x: Float32Array; y: Int32Array }>();

function cohortOf(ctx: StepContext): { x: Float32Array; y: Int32Array } {
  if (ctx.dataValues) return ctx.dataValues;
  let c = cohortArrays.get(ctx.data.x);
  if (!c) {
    c = { x: ctx.data.x.dataSync() as Float32Array, y: ctx.data.y.dataSync() as Int32Array };
    cohortArrays.set(ctx.data.x, c);
  }
  return c;
}

/**
 * One data-parallel step with the step's random stream `sr` (the same named
 * sub-streams as lib/generators/acgan/step.ts's ganStep); updates the
 * weights and both Adam states.
 */
export function chunkedStep(ctx: StepContext, sr: Random): StepResult {
  const { arch, adamD, adamG } = ctx;
  const K = ctx.chunks ?? 1;
  checkChunks(K);
  if (ctx.perExample !== 'ghost') throw new Error(`chunked training needs the ghost per-example method, not '${ctx.perExample}'`);
  const B = ctx.batchSize;
  const L = arch.latentSize;
  const threads = trainingThreads(tf.getBackend(), K, ctx.threads ?? threadCount());
  const step = ++chunkedSteps;
  const noiseRng = sr.derive('noise');
  const noiseWorker = !ctx.plain && privatization(ctx.dp).noiseStd > 0 ? ctx.noiseWorker : undefined;
  noiseWorker?.request(noiseRng);
  const loss: GLoss = {
    batchSize: B,
    auxWeight: ctx.generatorAuxWeight ?? 1,
    diversity: ctx.diversity && ctx.diversity.weight > 0 ? ctx.diversity : null,
  };

  // ---- Discriminator: rows [0, nReal) real, [nReal, n) generated, cut into K chunks.
  const idx = ctx.realIndices ? ctx.realIndices(sr) : poissonSample(ctx.nTrain, ctx.q, sr.derive('sample'));
  const nReal = idx.length;
  const n = nReal + B;
  const zD = uniformArray(B, L, sr.derive('zD'));
  const armsD = armsArray(B, sr.derive('armsD'), arch.numClasses);
  const masksD = dropoutMaskArrays(arch, n, sr.derive('maskD'));
  const cohort = cohortOf(ctx);
  const P = arch.patientShape[0] * arch.patientShape[1];
  // Chunk j: its share of the real rows and its share of the generated rows (generating is most of a generated row's cost).
  const rBounds = chunkBounds(nReal, K);
  const fBounds = chunkBounds(B, K);
  const dChunks = Array.from({ length: K }, (_, j): DChunk | null => {
    const [rb, re] = [rBounds[j], rBounds[j + 1]];
    const [fb, fe] = [fBounds[j], fBounds[j + 1]];
    if (rb === re && fb === fe) return null;
    const xReal = new Float32Array((re - rb) * P);
    const armsReal = new Int32Array(re - rb);
    for (let i = rb; i < re; i++) {
      xReal.set(cohort.x.subarray(idx[i] * P, (idx[i] + 1) * P), (i - rb) * P);
      armsReal[i - rb] = cohort.y[idx[i]];
    }
    return { nReal: re - rb, xReal, armsReal, z: zD.slice(fb * L, fe * L), armsFake: armsD.slice(fb, fe), masks: maskRows(arch, masksD, [[rb, re], [nReal + fb, nReal + fe]]) };
  });
  const dSums = phaseSums(ctx, threads, 'd', dChunks, loss, step) as ChunkSums; // not null: B >= 1 generated rows
  const sums = new Map<string, tf.Tensor>();
  [...ctx.d.keys()].forEach((name, i) => sums.set(name, dSums.sums[i]));
  const noise = ctx.plain ? { noiseStd: 0, gradScale: 1 / (2 * ctx.dp.expectedBatchSize) } : privatization(ctx.dp);
  adamD.applyNoised(ctx.d, sums, { ...noise, rng: noiseRng, draws: noiseWorker?.take() });
  if (ctx.nextStep) noiseWorker?.prefetch(ctx.nextStep.derive('noise'));
  tf.dispose(dSums.sums);

  // ---- Generator: 2B rows as B pairs (i, B + i), cut into K chunks of pairs.
  const zG = uniformArray(2 * B, L, sr.derive('zG'));
  const armsG = loss.diversity ? pairedArmsArray(B, sr.derive('armsG'), arch.numClasses) : armsArray(2 * B, sr.derive('armsG'), arch.numClasses);
  const masksG = dropoutMaskArrays(arch, 2 * B, sr.derive('maskG'));
  const pb = chunkBounds(B, K);
  const gChunks = Array.from({ length: K }, (_, j): GChunk | null => {
    const [b, e] = [pb[j], pb[j + 1]];
    if (b === e) return null;
    const z = new Float32Array(2 * (e - b) * L);
    z.set(zG.subarray(b * L, e * L));
    z.set(zG.subarray((B + b) * L, (B + e) * L), (e - b) * L);
    const arms = new Int32Array(2 * (e - b));
    arms.set(armsG.subarray(b, e));
    arms.set(armsG.subarray(B + b, B + e), e - b);
    return { pairs: e - b, z, arms, masks: maskRows(arch, masksG, [[b, e], [B + b, B + e]]) };
  });
  const gSums = phaseSums(ctx, threads, 'g', gChunks, loss, step) as ChunkSums; // not null: B >= 1 pairs
  const gGrads = new Map<string, tf.Tensor>();
  [...ctx.g.keys()].forEach((name, i) => gGrads.set(name, gSums.sums[i]));
  adamG.apply(ctx.g, gGrads);
  tf.dispose(gSums.sums);

  const clip = ctx.dp.clipNorm;
  const stats = tf.tidy(() => {
    const clipped = dSums.norms.size > 0 ? tf.sum(tf.cast(tf.greater(dSums.norms, clip), 'float32')) : tf.scalar(0);
    return tf.stack([tf.div(dSums.genSum, n), tf.div(dSums.auxSum, n), tf.div(gSums.genSum, 2 * B), tf.div(gSums.auxSum, 2 * B), clipped]) as tf.Tensor1D;
  });
  tf.dispose([dSums.genSum, dSums.auxSum, dSums.norms, gSums.genSum, gSums.auxSum, gSums.norms]);
  return { nReal, stats };
}
