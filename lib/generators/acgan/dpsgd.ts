/**
 * DP-SGD for the discriminator (Abadi et al. 2016), the pieces kept apart the
 * way Opacus does it:
 *
 * 1. Sampling ({@link poissonSample}): each real patient joins a step's batch
 *    independently with probability q (Poisson sampling). This is the sampler
 *    the accountant (lib/privacy, the subsampled Gaussian mechanism) assumes.
 * 2. Per-example gradients of the real examples' losses l_i (real/fake BCE +
 *    arm cross-entropy), each clipped to L2 norm C over all discriminator
 *    weights: g_i * min(1, C / ||g_i||).
 * 3. Generated examples are not private data: their gradient costs no
 *    privacy and is added unclipped, unless `clipGenerated` asks to clip each
 *    generated row at the same C. That is not needed for privacy; it keeps the
 *    two halves of the batch on equal terms: when the real rows are clipped
 *    hard (C far below their gradient norms), unclipped generated rows
 *    otherwise dominate the update and the discriminator learns mostly to
 *    push every logit toward "fake". (Opacus' DP-GAN recipe has the same
 *    effect: the fake batch also goes through the private optimizer.)
 * 4. Gaussian noise N(0, sigma^2 C^2) on every coordinate of the summed real
 *    gradient (sigma = noise multiplier).
 * 5. Normalization by the expected batch: the update direction is
 *    (sum_i clip(g_i) + noise + sum_fake g_j) / (2 B), B = expected number of
 *    real examples = number of generated ones, i.e. Keras' mean over the
 *    2B-example batch of the original. Adam then post-processes it (no
 *    privacy cost).
 *
 * Per-example gradients without B backward passes (the "ghost" /
 * book-keeping method, Goodfellow 2015; Li et al. 2022; Bu et al. 2023): one
 * backward pass gives every layer's output gradient per example (delta_i),
 * and the layer inputs a_i are kept from the forward pass. For a dense layer
 * the example's weight gradient is the outer product a_i delta_i^T, whose norm
 * is ||a_i|| ||delta_i|| (the bias adds ||delta_i||^2). For a convolution,
 * with U_i the unfolded input patches [P x K] and D_i the output gradients
 * [P x Cout], the weight gradient is U_i^T D_i and its squared norm is
 * sum_{p,p'} (U_i U_i^T)_{pp'} (D_i D_i^T)_{pp'} (P x P Gram matrices, cheap
 * for our 12-position feature maps). With the clip factors c_i known, the
 * clipped sum is one matrix product per layer: a^T (c * delta). No per-example
 * gradient is ever materialized. {@link dpGradientsLoop} is the reference:
 * one backward pass per real example.
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../random';
import {
  D_LAYERS,
  type DLayerName,
  type DOutput,
  type DropoutMasks,
  type GanArchitecture,
  type Params,
  discriminate,
  perExampleLosses,
  sliceMasks,
  disposeMasks,
} from './models';
import { fillGaussian } from '../../compute/noise';

/**
 * Poisson sampling: indices in [0, n) each included independently with
 * probability q, in increasing order. Draws the gaps between chosen indices
 * (geometric with success probability q), so the cost is O(q n) random
 * numbers, not n.
 */
export function poissonSample(n: number, q: number, rng: Random): Int32Array {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`poissonSample: q must be in [0, 1], got ${q}`);
  if (q === 0 || n === 0) return new Int32Array(0);
  if (q === 1) return Int32Array.from({ length: n }, (_, i) => i);
  const logNot = Math.log1p(-q);
  const out: number[] = [];
  let i = -1;
  for (;;) {
    const u = 1 - rng.uniform(); // (0, 1]
    i += 1 + Math.floor(Math.log(u) / logNot);
    if (i >= n) break;
    out.push(i);
  }
  return Int32Array.from(out);
}

export interface DpOptions {
  /** Per-example L2 clip norm C (Infinity: no clipping). */
  clipNorm: number;
  /** Noise multiplier sigma: noise std is sigma * C. 0: no noise. */
  noiseMultiplier: number;
  /** Expected number of real examples per step (q N); the gradient is divided by 2x this. */
  expectedBatchSize: number;
  /** Clip each generated row's gradient at `clipNorm` as well (default false; no privacy role, see the module comment). */
  clipGenerated?: boolean;
  /**
   * Whether the arm head also learns from generated rows (default true, the
   * paper's AC-GAN). false: generated rows enter with their real/fake loss
   * only, so the arm head learns real patients' arms, not the generator's
   * own (often over-separated) ones. No privacy role: real rows are unchanged.
   */
  auxOnGenerated?: boolean;
}

/** One discriminator batch: real examples first, then generated ones. */
export interface DBatch {
  /** Patients [n, 3, 12, 1]: rows [0, nReal) real, the rest generated. */
  x: tf.Tensor4D;
  /** Arm labels int32 [n]. */
  arms: tf.Tensor1D;
  nReal: number;
  /** Dropout masks for the n rows (null: no dropout). */
  masks: DropoutMasks | null;
}

export interface DGradients {
  /** Gradient per discriminator weight (same keys/order as the params), already normalized. */
  grads: Map<string, tf.Tensor>;
  /**
   * Mean losses over the batch's rows (real and generated), left on the
   * backend (no read inside a step: `await t.data()` when needed; the caller disposes).
   */
  genLoss: tf.Scalar;
  auxLoss: tf.Scalar;
  /** Per-example gradient norms [nReal] of the real rows before clipping (ghost/loop only; caller disposes). */
  realNorms?: tf.Tensor1D;
}

function targetsFor(n: number, nReal: number): tf.Tensor1D {
  const t = new Float32Array(n);
  t.fill(1, 0, nReal);
  return tf.tensor1d(t);
}

/**
 * Per-row losses; `total` is what the gradient follows: real/fake plus arm
 * loss, the arm loss of generated rows (target 0) left out when
 * `auxOnGenerated` is false. `gen` and `aux` are every row's, for reporting.
 */
function sumLoss(d: Params, arch: GanArchitecture, batch: DBatch, targets: tf.Tensor1D, auxOnGenerated: boolean, trace?: Parameters<typeof discriminate>[4]) {
  const out: DOutput = discriminate(d, arch, batch.x, batch.masks, trace);
  const { gen, aux } = perExampleLosses(out, targets, batch.arms, arch.numClasses);
  return { gen, aux, total: tf.add(gen, auxOnGenerated ? aux : tf.mul(aux, targets)) as tf.Tensor1D };
}

/** Adds N(0, (sigma C)^2) noise and divides by 2B; consumes the sums. */
export function noiseAndNormalize(
  d: Params,
  sums: Map<string, tf.Tensor>,
  opts: DpOptions,
  noiseRng: Random | null,
): Map<string, tf.Tensor> {
  const std = opts.noiseMultiplier * opts.clipNorm;
  if (opts.noiseMultiplier > 0 && !Number.isFinite(std)) {
    throw new Error('DP-SGD: noise needs a finite clip norm (noiseMultiplier > 0 with clipNorm = Infinity)');
  }
  const scale = 1 / (2 * opts.expectedBatchSize);
  let noise: Float32Array | null = null;
  if (std > 0) {
    if (!noiseRng) throw new Error('DP-SGD: noise requested without a random stream');
    let total = 0;
    for (const v of d.values()) total += v.size;
    noise = fillGaussian(new Float32Array(total), noiseRng, std);
  }
  const out = new Map<string, tf.Tensor>();
  let offset = 0;
  for (const [name, v] of d) {
    const s = sums.get(name);
    if (!s) throw new Error(`DP-SGD: no gradient for ${name}`);
    const g = tf.tidy(() => {
      let t: tf.Tensor = s;
      if (noise) t = tf.add(t, tf.tensor(noise.subarray(offset, offset + v.size), v.shape));
      return tf.mul(t, scale);
    });
    s.dispose();
    out.set(name, g);
    offset += v.size;
  }
  return out;
}

/**
 * Unfolds the input patches of a 'same' convolution: a [n, H, W, C] ->
 * [n, OH*OW, k*k*C], patch columns ordered (kh, kw, c) like a conv kernel.
 */
export function unfoldPatches(a: tf.Tensor4D, k: number, stride: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, wd, c] = a.shape;
    const info = tf.backend_util.computeConv2DInfo([n, h, wd, c], [k, k, c, 1], stride, 1, 'same');
    const { top, bottom, left, right } = info.padInfo;
    const padded = tf.pad(a, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    const oh = info.outHeight;
    const ow = info.outWidth;
    const cols: tf.Tensor[] = [];
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        cols.push(
          stride === 1
            ? tf.slice(padded, [0, i, j, 0], [n, oh, ow, c])
            : tf.stridedSlice(padded, [0, i, j, 0], [n, i + (oh - 1) * stride + 1, j + (ow - 1) * stride + 1, c], [1, stride, stride, 1]),
        );
      }
    }
    return tf.reshape(tf.concat(cols, 3), [n, oh * ow, k * k * c]) as tf.Tensor3D;
  });
}

/**
 * Clipped, noised, normalized discriminator gradient by the ghost method
 * (one forward, one backward pass). See the module comment for the math.
 */
export function dpGradientsGhost(
  d: Params,
  arch: GanArchitecture,
  batch: DBatch,
  opts: DpOptions,
  noiseRng: Random | null,
): DGradients {
  return dpGradients('ghost', d, arch, batch, opts, noiseRng);
}

/**
 * The clipped gradient sums before noise and normalization: sum_i clip(g_i)
 * over real rows plus the generated rows' gradient, per weight (in `d`'s order).
 */
export interface DGradientSums {
  sums: Map<string, tf.Tensor>;
  /** As in {@link DGradients}: tensors on the backend, disposed by the caller. */
  genLoss: tf.Scalar;
  auxLoss: tf.Scalar;
  realNorms?: tf.Tensor1D;
}

function ghostSums(d: Params, arch: GanArchitecture, batch: DBatch, opts: DpOptions): DGradientSums {
  const n = batch.x.shape[0];
  const nReal = batch.nReal;
  const inputs: Partial<Record<DLayerName, tf.Tensor>> = {};
  const lossVals: { gen?: tf.Scalar; aux?: tf.Scalar } = {};
  let realNorms: tf.Tensor1D | undefined;
  const sums = new Map<string, tf.Tensor>();
  tf.tidy(() => {
    const targets = targetsFor(n, nReal);
    // Probe shapes = layer output shapes.
    const probeShapes: Record<DLayerName, number[]> = {
      d_conv1: [n, ...discriminatorOut(arch, 'd_conv1')],
      d_conv2: [n, ...discriminatorOut(arch, 'd_conv2')],
      d_dense1: [n, arch.dDense[0]],
      d_dense2: [n, arch.dDense[1]],
      d_real: [n, 1],
      d_arm: [n, arch.numClasses],
    };
    const probes = D_LAYERS.map((l) => tf.zeros(probeShapes[l]));
    const f = (...ps: tf.Tensor[]) => {
      const probeMap: Partial<Record<DLayerName, tf.Tensor>> = {};
      D_LAYERS.forEach((l, i) => (probeMap[l] = ps[i]));
      const { gen, aux, total } = sumLoss(d, arch, batch, targets, opts.auxOnGenerated ?? true, { probes: probeMap, inputs });
      lossVals.gen = tf.keep(tf.mean(gen) as tf.Scalar);
      lossVals.aux = tf.keep(tf.mean(aux) as tf.Scalar);
      return tf.sum(total) as tf.Scalar;
    };
    const deltas = tf.grads(f)(probes);
    const delta: Partial<Record<DLayerName, tf.Tensor>> = {};
    D_LAYERS.forEach((l, i) => (delta[l] = deltas[i]));

    // Unfolded conv inputs.
    const patches: Partial<Record<DLayerName, tf.Tensor3D>> = {
      d_conv1: unfoldPatches(inputs.d_conv1 as tf.Tensor4D, arch.dConvKernel, arch.dConvStrides[0]),
      d_conv2: unfoldPatches(inputs.d_conv2 as tf.Tensor4D, arch.dConvKernel, arch.dConvStrides[1]),
    };
    const deltaRows = (l: DLayerName) => tf.reshape(delta[l] as tf.Tensor, [n, -1, probeShapes[l][probeShapes[l].length - 1]]) as tf.Tensor3D;

    // Clip weights: c_i for real rows; 1 for generated rows, or their c_i with clipGenerated.
    const clipRows = opts.clipGenerated ? n : nReal;
    let weights: tf.Tensor1D;
    if (clipRows > 0 && Number.isFinite(opts.clipNorm)) {
      let sq: tf.Tensor = tf.zeros([n]);
      for (const l of D_LAYERS) {
        const dl = deltaRows(l); // [n, P, C]
        const biasSq = tf.sum(tf.square(tf.sum(dl, 1)), 1);
        let weightSq: tf.Tensor;
        const u = patches[l];
        if (u) {
          const gramU = tf.matMul(u, u, false, true); // [n, P, P]
          const gramD = tf.matMul(dl, dl, false, true);
          weightSq = tf.sum(tf.mul(gramU, gramD), [1, 2]);
        } else {
          const a = inputs[l] as tf.Tensor2D;
          weightSq = tf.mul(tf.sum(tf.square(a), 1), tf.sum(tf.square(dl), [1, 2]));
        }
        sq = tf.add(sq, tf.add(weightSq, biasSq));
      }
      const norms = tf.sqrt(tf.slice(sq, [0], [clipRows]));
      realNorms = tf.keep(tf.slice(norms, [0], [nReal])) as tf.Tensor1D;
      const c = tf.minimum(1, tf.div(opts.clipNorm, tf.maximum(norms, 1e-30)));
      weights = (clipRows < n ? tf.concat([c, tf.ones([n - clipRows])]) : c) as tf.Tensor1D;
    } else {
      weights = tf.ones([n]);
    }

    // Clipped sums: one product per layer.
    for (const l of D_LAYERS) {
      const dl = deltaRows(l);
      const wd = tf.mul(dl, tf.reshape(weights, [n, 1, 1])); // [n, P, C]
      const cout = dl.shape[2];
      const bias = tf.sum(tf.reshape(wd, [-1, cout]), 0);
      let kernel: tf.Tensor;
      const u = patches[l];
      const kshape = (d.get(`${l}/kernel`) as tf.Variable).shape;
      if (u) {
        const kk = u.shape[2];
        kernel = tf.reshape(tf.matMul(tf.reshape(u, [-1, kk]), tf.reshape(wd, [-1, cout]), true, false), kshape);
      } else {
        kernel = tf.matMul(inputs[l] as tf.Tensor2D, tf.reshape(wd, [n, cout]), true, false);
      }
      sums.set(`${l}/kernel`, tf.keep(kernel));
      sums.set(`${l}/bias`, tf.keep(bias));
    }
  });
  for (const [l, t] of Object.entries(inputs)) if (t && t !== batch.x && l) t.dispose();
  const ordered = new Map<string, tf.Tensor>();
  for (const name of d.keys()) ordered.set(name, sums.get(name) as tf.Tensor);
  return { sums: ordered, genLoss: lossVals.gen as tf.Scalar, auxLoss: lossVals.aux as tf.Scalar, realNorms };
}

function discriminatorOut(arch: GanArchitecture, l: 'd_conv1' | 'd_conv2'): number[] {
  const [h, w] = arch.patientShape;
  const h1 = Math.ceil(h / arch.dConvStrides[0]);
  const w1 = Math.ceil(w / arch.dConvStrides[0]);
  if (l === 'd_conv1') return [h1, w1, arch.dConvFilters[0]];
  return [Math.ceil(h1 / arch.dConvStrides[1]), Math.ceil(w1 / arch.dConvStrides[1]), arch.dConvFilters[1]];
}

/**
 * Reference implementation: one backward pass per real example (its own loss
 * and dropout mask), each gradient clipped, plus one pass for all generated
 * rows (one per generated row with `clipGenerated`). Same result as
 * {@link dpGradientsGhost}, B times slower.
 */
export function dpGradientsLoop(
  d: Params,
  arch: GanArchitecture,
  batch: DBatch,
  opts: DpOptions,
  noiseRng: Random | null,
): DGradients {
  return dpGradients('loop', d, arch, batch, opts, noiseRng);
}

function loopSums(d: Params, arch: GanArchitecture, batch: DBatch, opts: DpOptions): DGradientSums {
  const n = batch.x.shape[0];
  const nReal = batch.nReal;
  const sums = new Map<string, tf.Tensor>();
  for (const [name, v] of d) sums.set(name, tf.zerosLike(v));
  const accumulate = (g: Record<string, tf.Tensor>, factor: tf.Scalar | number) => {
    for (const name of d.keys()) {
      const prev = sums.get(name) as tf.Tensor;
      sums.set(name, tf.tidy(() => tf.add(prev, tf.mul(g[name], factor))));
      prev.dispose();
    }
  };
  const norms: tf.Scalar[] = [];
  let genSum: tf.Scalar = tf.scalar(0);
  let auxSum: tf.Scalar = tf.scalar(0);
  const addTo = (acc: tf.Scalar, t: tf.Tensor): tf.Scalar => {
    const next = tf.keep(tf.add(acc, tf.sum(t)) as tf.Scalar);
    acc.dispose();
    return next;
  };
  const rows = (begin: number, size: number): DBatch => ({
    x: tf.slice(batch.x, [begin, 0, 0, 0], [size, -1, -1, -1]),
    arms: tf.slice(batch.arms, [begin], [size]),
    nReal: 0,
    masks: batch.masks ? sliceMasks(batch.masks, begin, size) : null,
  });
  const run = (sub: DBatch, target: number) => {
    const targets = tf.fill([sub.x.shape[0]], target) as tf.Tensor1D;
    const { value, grads } = tf.variableGrads(() => {
      const { gen, aux, total } = sumLoss(d, arch, sub, targets, opts.auxOnGenerated ?? true);
      genSum = addTo(genSum, gen);
      auxSum = addTo(auxSum, aux);
      return tf.sum(total) as tf.Scalar;
    }, [...d.values()]);
    value.dispose();
    targets.dispose();
    sub.x.dispose();
    sub.arms.dispose();
    disposeMasks(sub.masks);
    // variableGrads keys grads by variable name: map back to weight names.
    const byWeight: Record<string, tf.Tensor> = {};
    for (const [name, v] of d) byWeight[name] = grads[v.name];
    return byWeight;
  };
  /** Adds one row's clipped gradient; returns its norm before clipping. */
  const addClipped = (i: number, target: number): tf.Scalar => {
    const g = run(rows(i, 1), target);
    // The example's norm over all weights, and its clip factor, computed on the backend.
    const norm = tf.tidy(() => tf.sqrt(Object.values(g).reduce<tf.Tensor>((acc, t) => tf.add(acc, tf.sum(tf.square(t))), tf.scalar(0))) as tf.Scalar);
    const factor = Number.isFinite(opts.clipNorm) ? tf.tidy(() => tf.minimum(1, tf.div(opts.clipNorm, tf.maximum(norm, 1e-30))) as tf.Scalar) : 1;
    accumulate(g, factor);
    if (typeof factor !== 'number') factor.dispose();
    for (const t of Object.values(g)) t.dispose();
    return norm;
  };
  for (let i = 0; i < nReal; i++) norms.push(addClipped(i, 1));
  if (opts.clipGenerated) {
    for (let i = nReal; i < n; i++) addClipped(i, 0).dispose();
  } else if (n > nReal) {
    const g = run(rows(nReal, n - nReal), 0);
    accumulate(g, 1);
    for (const t of Object.values(g)) t.dispose();
  }
  const realNorms = nReal > 0 ? (tf.stack(norms) as tf.Tensor1D) : (tf.zeros([0]) as tf.Tensor1D);
  for (const t of norms) t.dispose();
  const genLoss = tf.div(genSum, n) as tf.Scalar;
  const auxLoss = tf.div(auxSum, n) as tf.Scalar;
  genSum.dispose();
  auxSum.dispose();
  return { sums, genLoss, auxLoss, realNorms };
}

/**
 * Non-private reference: the plain gradient of the summed loss (one
 * tf.variableGrads), divided by 2B. Equals the DP versions with C = Infinity
 * and sigma = 0.
 */
export function plainGradients(d: Params, arch: GanArchitecture, batch: DBatch, opts: Pick<DpOptions, 'expectedBatchSize' | 'auxOnGenerated'>): DGradients {
  const n = batch.x.shape[0];
  const targets = targetsFor(n, batch.nReal);
  let gen: tf.Scalar | undefined;
  let aux: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const l = sumLoss(d, arch, batch, targets, opts.auxOnGenerated ?? true);
    gen = tf.keep(tf.mean(l.gen) as tf.Scalar);
    aux = tf.keep(tf.mean(l.aux) as tf.Scalar);
    return tf.sum(l.total) as tf.Scalar;
  }, [...d.values()]);
  value.dispose();
  targets.dispose();
  const out = new Map<string, tf.Tensor>();
  const scale = 1 / (2 * opts.expectedBatchSize);
  for (const [name, v] of d) {
    out.set(name, tf.tidy(() => tf.mul(grads[v.name], scale)));
    grads[v.name].dispose();
  }
  return { grads: out, genLoss: gen as tf.Scalar, auxLoss: aux as tf.Scalar };
}

export type PerExampleMethod = 'ghost' | 'loop';

/**
 * Clipped sums (no noise, not normalized) by the chosen per-example method;
 * add the noise and normalization with {@link noiseAndNormalize}, or fused
 * into the optimizer (Adam.applyNoised with {@link privatization}).
 */
export function dpGradientSums(method: PerExampleMethod, d: Params, arch: GanArchitecture, batch: DBatch, opts: DpOptions): DGradientSums {
  return method === 'loop' ? loopSums(d, arch, batch, opts) : ghostSums(d, arch, batch, opts);
}

/** The noise std sigma*C and scale 1/(2B) that {@link noiseAndNormalize} applies (checked the same way). */
export function privatization(opts: DpOptions): { noiseStd: number; gradScale: number } {
  const std = opts.noiseMultiplier * opts.clipNorm;
  if (opts.noiseMultiplier > 0 && !Number.isFinite(std)) {
    throw new Error('DP-SGD: noise needs a finite clip norm (noiseMultiplier > 0 with clipNorm = Infinity)');
  }
  return { noiseStd: opts.noiseMultiplier > 0 ? std : 0, gradScale: 1 / (2 * opts.expectedBatchSize) };
}

/** DP gradient of the discriminator by the chosen per-example method. */
export function dpGradients(
  method: PerExampleMethod,
  d: Params,
  arch: GanArchitecture,
  batch: DBatch,
  opts: DpOptions,
  noiseRng: Random | null,
): DGradients {
  const r = dpGradientSums(method, d, arch, batch, opts);
  const grads = noiseAndNormalize(d, r.sums, opts, noiseRng);
  return { grads, genLoss: r.genLoss, auxLoss: r.auxLoss, realNorms: r.realNorms };
}
