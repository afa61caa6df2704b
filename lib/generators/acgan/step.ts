/**
 * One DP AC-GAN training step (the body of lib/generators/acgan/train.ts's loop, kept
 * apart so the benchmark times exactly what training runs).
 *
 * 1. Discriminator: Poisson-sample the real patients (rate q); B generated
 *    patients from uniform z and random arms; one DP-SGD update on the real
 *    rows (clipped, noised) plus the generated rows (not private); Adam.
 * 2. Generator: 2B fresh noise vectors through G and the frozen D (dropout
 *    active), targets all "real" plus the arm head; Adam on G only. With
 *    {@link DiversityOptions}, the 2B rows form B pairs of the same arm and
 *    the loss rewards pairs that differ ({@link diversityTerm}).
 *
 * Every random draw comes from `sr` (the step's stream) through the named
 * sub-streams 'sample', 'zD', 'armsD', 'maskD', 'noise', 'zG', 'armsG', 'maskG'.
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../random';
import type { Adam } from './adam';
import { type GanArchitecture, type Params, diversityPairTerms, discriminate, disposeMasks, generate, makeDropoutMasks, perExampleLosses } from './models';
import { type DpOptions, type PerExampleMethod, dpGradientSums, plainGradients, poissonSample, privatization } from './dpsgd';
import type { NoiseWorker } from '../../compute/noise-pool';
import { armsArray, chunkedStep, pairedArmsArray, uniformArray } from './parallel';

export interface StepContext {
  d: Params;
  g: Params;
  arch: GanArchitecture;
  adamD: Adam;
  adamG: Adam;
  /** The training cohort as tensors: x [N, 3, 12, 1], y int32 [N]. */
  data: { x: tf.Tensor4D; y: tf.Tensor1D };
  /** The same values as arrays, for chunked steps (absent: read once from `data`). */
  dataValues?: { x: Float32Array; y: Int32Array };
  nTrain: number;
  /** Poisson sampling rate of real patients. */
  q: number;
  /** Generated rows in the D update (= expected real rows); the G update uses 2B. */
  batchSize: number;
  dp: DpOptions;
  /** Non-private: plain gradients (C = Infinity, sigma = 0). */
  plain: boolean;
  perExample: PerExampleMethod;
  /** Weight of the arm loss in the generator's loss (absent: 1, the paper's AC-GAN). */
  generatorAuxWeight?: number;
  /** The generator's diversity term (absent or weight 0: the paper's loss, the same random draws). */
  diversity?: DiversityOptions;
  /**
   * Chunks of the batch whose gradient sums are computed apart and added in
   * a fixed order (lib/generators/acgan/parallel.ts), on every core; absent
   * or 1: one program for the whole batch, on this thread.
   */
  chunks?: number;
  /** Threads for the chunks (default: SPRINT_THREADS or the cores); never changes a number. */
  threads?: number;
  /** Replaces Poisson sampling (benchmarks: a fixed number of real rows). */
  realIndices?: (sr: Random) => Int32Array;
  /** Draws the DP noise on another core while the step runs (same numbers). */
  noiseWorker?: NoiseWorker;
  /**
   * The next step's random stream, if there is a next step: with a noise
   * worker, its noise is drawn from the moment this step's discriminator
   * update has used its own, while the generator update and the next step's
   * passes run. Same numbers either way.
   */
  nextStep?: Random;
}

/** Order of the values in {@link StepResult.stats}. */
export const STEP_STATS = ['dGen', 'dAux', 'gGen', 'gAux', 'clipped'] as const;

export interface StepResult {
  nReal: number;
  /**
   * [D real/fake loss, D arm loss, G real/fake loss, G arm loss, real rows
   * whose gradient norm exceeded the clip norm] ({@link STEP_STATS}), left on
   * the backend: a step never waits for a read (the webgpu backend cannot read
   * synchronously at all). Sum them on the backend and `await data()` when
   * needed. The caller disposes it.
   */
  stats: tf.Tensor1D;
}

export function uniformTensor(rows: number, cols: number, rng: Random): tf.Tensor2D {
  return tf.tensor2d(uniformArray(rows, cols, rng), [rows, cols]);
}

export function armsTensor(n: number, rng: Random, numClasses: number): tf.Tensor1D {
  return tf.tensor1d(armsArray(n, rng, numClasses), 'int32');
}

/** 2P arms for the diversity term's pairs: P random arms, then the same P again (row i and P + i share an arm). */
export function pairedArmsTensor(pairs: number, rng: Random, numClasses: number): tf.Tensor1D {
  return tf.tensor1d(pairedArmsArray(pairs, rng, numClasses), 'int32');
}

/**
 * A diversity-sensitive generator loss (DSGAN, Yang et al. 2019; the mode
 * seeking loss of Mao et al. 2019 is a close relative): the generator loses
 * `weight` x {@link diversityTerm} of its paired rows. It counters mode
 * collapse: a generator that maps every z of an arm to one patient scores
 * 0. The cap stops it from rewarding spread beyond what real patients have;
 * it is in the units of the GAN's space per unit of latent distance. For
 * scale: same-arm pairs of real patients, set against 2/3 (the mean latent
 * distance of uniform z), give 1.63 in SPRINT_SCALING's space and 0.18
 * unscaled. Only the generator and its own noise are involved, so it costs
 * no privacy.
 */
export interface DiversityOptions {
  weight: number;
  cap: number;
}

/** The mean over pairs of {@link diversityPairTerms}. */
export function diversityTerm(x: tf.Tensor4D, z: tf.Tensor2D, cap: number): tf.Scalar {
  return tf.tidy(() => tf.mean(diversityPairTerms(x, z, cap)) as tf.Scalar);
}

/** Runs one step with the step's random stream `sr`; updates the weights and both Adam states. */
export function ganStep(ctx: StepContext, sr: Random): StepResult {
  if ((ctx.chunks ?? 1) > 1) return chunkedStep(ctx, sr);
  const { d, g, arch, data, adamD, adamG } = ctx;
  const B = ctx.batchSize;
  const noiseRng = sr.derive('noise');
  const noiseWorker = !ctx.plain && privatization(ctx.dp).noiseStd > 0 ? ctx.noiseWorker : undefined;
  noiseWorker?.request(noiseRng); // drawn while the passes below run
  // ---- Discriminator.
  const idx = ctx.realIndices ? ctx.realIndices(sr) : poissonSample(ctx.nTrain, ctx.q, sr.derive('sample'));
  const nReal = idx.length;
  const batch = tf.tidy(() => {
    const z = uniformTensor(B, arch.latentSize, sr.derive('zD'));
    const fakeArms = armsTensor(B, sr.derive('armsD'), arch.numClasses);
    const fake = generate(g, arch, z, fakeArms);
    if (nReal === 0) return { x: fake, arms: fakeArms };
    const ids = tf.tensor1d(idx, 'int32');
    return {
      x: tf.concat([tf.gather(data.x, ids), fake]) as tf.Tensor4D,
      arms: tf.concat([tf.gather(data.y, ids), fakeArms]) as tf.Tensor1D,
    };
  });
  const masks = makeDropoutMasks(arch, nReal + B, sr.derive('maskD'));
  const dBatch = { x: batch.x, arms: batch.arms, nReal, masks };
  let res: { genLoss: tf.Scalar; auxLoss: tf.Scalar; realNorms?: tf.Tensor1D };
  if (ctx.plain) {
    const r = plainGradients(d, arch, dBatch, ctx.dp);
    adamD.apply(d, r.grads);
    for (const t of r.grads.values()) t.dispose();
    res = r;
  } else {
    // Noise and 1/(2B) are applied inside Adam's one-pass update (same draws as dpGradients).
    const r = dpGradientSums(ctx.perExample, d, arch, dBatch, ctx.dp);
    adamD.applyNoised(d, r.sums, { ...privatization(ctx.dp), rng: noiseRng, draws: noiseWorker?.take() });
    if (ctx.nextStep) noiseWorker?.prefetch(ctx.nextStep.derive('noise'));
    for (const t of r.sums.values()) t.dispose();
    res = r;
  }
  disposeMasks(masks);
  batch.x.dispose();
  batch.arms.dispose();
  // ---- Generator (2B noise vectors through the frozen D).
  const zG = uniformTensor(2 * B, arch.latentSize, sr.derive('zG'));
  const diversity = ctx.diversity && ctx.diversity.weight > 0 ? ctx.diversity : null;
  // With the diversity term, rows i and B + i share an arm (the pair differs only in z).
  const armsG = diversity ? pairedArmsTensor(B, sr.derive('armsG'), arch.numClasses) : armsTensor(2 * B, sr.derive('armsG'), arch.numClasses);
  const masksG = makeDropoutMasks(arch, 2 * B, sr.derive('maskG'));
  const ones = tf.ones([2 * B]) as tf.Tensor1D;
  let gGen: tf.Scalar | undefined;
  let gAux: tf.Scalar | undefined;
  const gVars = [...g.values()];
  const { value, grads } = tf.variableGrads(() => {
    const fake = generate(g, arch, zG, armsG);
    const l = perExampleLosses(discriminate(d, arch, fake, masksG), ones, armsG, arch.numClasses);
    gGen = tf.keep(tf.mean(l.gen) as tf.Scalar);
    gAux = tf.keep(tf.mean(l.aux) as tf.Scalar);
    const auxWeight = ctx.generatorAuxWeight ?? 1;
    const loss = tf.add(tf.mean(l.gen), auxWeight === 1 ? tf.mean(l.aux) : tf.mul(auxWeight, tf.mean(l.aux))) as tf.Scalar;
    return diversity ? (tf.sub(loss, tf.mul(diversity.weight, diversityTerm(fake, zG, diversity.cap))) as tf.Scalar) : loss;
  }, gVars);
  value.dispose();
  const gGrads = new Map<string, tf.Tensor>();
  for (const [name, v] of g) gGrads.set(name, grads[v.name]);
  adamG.apply(g, gGrads);
  for (const t of gGrads.values()) t.dispose();
  zG.dispose();
  armsG.dispose();
  ones.dispose();
  disposeMasks(masksG);
  const norms = res.realNorms;
  const stats = tf.tidy(() => {
    const clipped = norms && norms.size > 0 ? tf.sum(tf.cast(tf.greater(norms, ctx.dp.clipNorm), 'float32')) : tf.scalar(0);
    return tf.stack([res.genLoss, res.auxLoss, gGen as tf.Scalar, gAux as tf.Scalar, clipped]) as tf.Tensor1D;
  });
  for (const t of [res.genLoss, res.auxLoss, gGen as tf.Scalar, gAux as tf.Scalar, norms]) t?.dispose();
  return { nReal, stats };
}
