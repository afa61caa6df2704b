/**
 * The AC-GAN of the paper (dp_gan.py), written as plain functions over explicit
 * weights (tf.Variable), channels-last. Plain functions make per-example
 * gradients (lib/generators/acgan/dpsgd.ts), seeded initialization and checkpointing
 * simple and exact; the generator is also exported as a TF.js layers model
 * (lib/generators/acgan/checkpoint.ts).
 *
 * Generator: z (latent, uniform in [-1, 1]) * Embedding(2, latent)[arm]
 *   -> Dense 256 relu -> Dense 384 relu -> reshape 3x4x32
 *   -> upsample (2, 6) nearest -> Conv2D 256 5x5 same relu (glorot normal)
 *   -> Conv2D 1 4x4 stride 2 same linear -> a 3x12x1 patient.
 * Discriminator: 3x12x1 -> Conv2D 32 3x3 stride 2 same, LeakyReLU, Dropout 0.3
 *   -> Conv2D 64 3x3 same, LeakyReLU, Dropout 0.3 -> Flatten
 *   -> Dense 1024 relu, Dropout 0.3 -> Dense 1024 relu
 *   -> heads: real/fake (sigmoid, kept as a logit) and arm (softmax 2, kept as logits).
 *
 * Initialization (Keras defaults, as the original): glorot-uniform kernels,
 * zero biases; glorot-normal (truncated) for the generator's 5x5 convolution
 * and the embedding. LeakyReLU slope 0.2 (the Keras AC-GAN example the
 * original builds on). Every weight is drawn from
 * `new Random(seed).derive('init').derive(weightName)`.
 *
 * Dropout masks are inputs (see {@link makeDropoutMasks}), drawn per step from
 * a stream derived from the run seed and the step number, so a step is a pure
 * function of (weights, seed, step): deterministic and resumable.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../random';
import { type RowSumLists, rowSums, rowSumsAvailable, transposeRowSumLists } from '../../compute/fused';
import { gaussian } from '../../compute/noise';
import { readSync } from '../../compute/backend';

export interface GanArchitecture {
  latentSize: number;
  numClasses: number;
  /** Patient matrix: measures x visits. */
  patientShape: [number, number];
  gDense: [number, number];
  /** Reshape target of the second dense layer's output (product = gDense[1]). */
  gReshape: [number, number, number];
  gUpsample: [number, number];
  gConvFilters: number;
  gConvKernel: number;
  gOutKernel: number;
  gOutStride: number;
  dConvFilters: [number, number];
  dConvKernel: number;
  dConvStrides: [number, number];
  dDense: [number, number];
  dropout: number;
  leakyAlpha: number;
  /**
   * Initial values of the generator's arm embedding, which multiplies z:
   * 'glorotNormal' (Keras's, the paper's) or 'ones'. With Glorot's small
   * values every first patient is within ~1 mmHg of the others (the network
   * is ReLU and bias-free at the start, so its output scales with the
   * embedding); 'ones' starts the generator at a spread of ~9 mmHg, near the
   * real ~14, instead of asking it to grow the spread from almost nothing.
   */
  gEmbeddingInit: 'glorotNormal' | 'ones';
  /**
   * The discriminator also sees each value's deviation from the patient's
   * own mean over the visits, as a second input channel
   * ({@link discriminatorInput}). Real patients keep their medication count,
   * and to a lesser degree their blood pressure, from visit to visit; a
   * small, noisy discriminator hardly notices when generated ones do not.
   * Measured on private batched runs (README, 3 seeds): the medication
   * counts of a patient's visits correlated 0.45-0.53 on average without it,
   * 0.81-0.84 with it (real: 0.96); SBP 0.39-0.42 and 0.49-0.57 (real 0.56).
   * A fixed function of each patient, so per-patient clipping and the
   * privacy analysis are unchanged. false: the paper's discriminator.
   */
  dDeviation: boolean;
}

/** The paper's architecture (dp_gan.py). */
export const PAPER_ARCHITECTURE: GanArchitecture = {
  latentSize: 100,
  numClasses: 2,
  patientShape: [3, 12],
  gDense: [256, 384],
  gReshape: [3, 4, 32],
  gUpsample: [2, 6],
  gConvFilters: 256,
  gConvKernel: 5,
  gOutKernel: 4,
  gOutStride: 2,
  dConvFilters: [32, 64],
  dConvKernel: 3,
  dConvStrides: [2, 1],
  dDense: [1024, 1024],
  dropout: 0.3,
  leakyAlpha: 0.2,
  gEmbeddingInit: 'glorotNormal',
  dDeviation: false,
};

/**
 * The paper's generator with a small discriminator (8 and 16 convolution
 * filters, dense 32 and 32: 8,579 weights instead of 1,858,947), for private
 * training. DP-SGD adds noise of the same size to every weight of D while
 * each real patient's clipped gradient has norm at most C in total, so the
 * noise a step carries grows with the square root of D's size and the signal
 * does not: ~15x less noise relative to the signal here. The generator is
 * not private and keeps the paper's size.
 */
export const COMPACT_ARCHITECTURE: GanArchitecture = {
  ...PAPER_ARCHITECTURE,
  dConvFilters: [8, 16],
  dDense: [32, 32],
};

/** Same layer structure, tiny widths: for tests and smoke runs. */
export const TINY_ARCHITECTURE: GanArchitecture = {
  ...PAPER_ARCHITECTURE,
  latentSize: 8,
  gDense: [16, 24],
  gReshape: [3, 4, 2],
  gConvFilters: 6,
  dConvFilters: [4, 5],
  dDense: [16, 12],
};

/** The named architectures (`sprint-gan train --arch NAME`). */
export const ARCHITECTURES = {
  paper: PAPER_ARCHITECTURE,
  compact: COMPACT_ARCHITECTURE,
  tiny: TINY_ARCHITECTURE,
} as const satisfies Record<string, GanArchitecture>;
export type ArchitectureName = keyof typeof ARCHITECTURES;

/** The architecture called `name`; the error lists the names. */
export function namedArchitecture(name: string): GanArchitecture {
  if (!Object.prototype.hasOwnProperty.call(ARCHITECTURES, name)) {
    throw new Error(`unknown architecture '${name}': expected one of ${Object.keys(ARCHITECTURES).join(', ')}`);
  }
  return ARCHITECTURES[name as ArchitectureName];
}

export function resolveArchitecture(a?: Partial<GanArchitecture>): GanArchitecture {
  const arch = { ...PAPER_ARCHITECTURE, ...(a ?? {}) };
  if (arch.gEmbeddingInit !== 'glorotNormal' && arch.gEmbeddingInit !== 'ones') {
    throw new Error(`architecture: gEmbeddingInit must be 'glorotNormal' or 'ones', got '${arch.gEmbeddingInit}'`);
  }
  if (!(arch.dropout >= 0 && arch.dropout < 1)) throw new Error(`architecture: dropout must be a rate in [0, 1), got ${arch.dropout}`);
  if (typeof arch.dDeviation !== 'boolean') throw new Error(`architecture: dDeviation must be true or false, got '${arch.dDeviation}'`);
  const [r0, r1, r2] = arch.gReshape;
  if (r0 * r1 * r2 !== arch.gDense[1]) {
    throw new Error(`architecture: gReshape ${arch.gReshape} must hold gDense[1] = ${arch.gDense[1]} values`);
  }
  const [hh, ww] = arch.patientShape;
  const up = [r0 * arch.gUpsample[0], r1 * arch.gUpsample[1]];
  if (Math.ceil(up[0] / arch.gOutStride) !== hh || Math.ceil(up[1] / arch.gOutStride) !== ww) {
    throw new Error(`architecture: generator output ${up}/${arch.gOutStride} does not give ${arch.patientShape}`);
  }
  return arch;
}

/** Named weights in a fixed order (the order of checkpoints and gradients). */
export type Params = Map<string, tf.Variable>;

/** Weights as (name, shape, values), for worker threads. */
export type ParamArrays = [string, number[], Float32Array][];

/** The weights' values, read synchronously (`what` names the work in the error on webgpu, which cannot). */
export function paramArrays(p: Params, what: string): ParamArrays {
  return [...p].map(([name, v]) => [name, v.shape, readSync(v, what)]);
}

type Init = 'glorotUniform' | 'glorotNormal' | 'zeros' | 'ones';

interface WeightSpec {
  name: string;
  shape: number[];
  init: Init;
  fanIn: number;
  fanOut: number;
}

function dense(name: string, nIn: number, nOut: number): WeightSpec[] {
  return [
    { name: `${name}/kernel`, shape: [nIn, nOut], init: 'glorotUniform', fanIn: nIn, fanOut: nOut },
    { name: `${name}/bias`, shape: [nOut], init: 'zeros', fanIn: 0, fanOut: 0 },
  ];
}

function conv(name: string, k: number, cin: number, cout: number, init: Init = 'glorotUniform'): WeightSpec[] {
  return [
    { name: `${name}/kernel`, shape: [k, k, cin, cout], init, fanIn: k * k * cin, fanOut: k * k * cout },
    { name: `${name}/bias`, shape: [cout], init: 'zeros', fanIn: 0, fanOut: 0 },
  ];
}

export function generatorSpecs(arch: GanArchitecture): WeightSpec[] {
  const [, , c] = arch.gReshape;
  return [
    {
      name: 'g_embedding/embeddings',
      shape: [arch.numClasses, arch.latentSize],
      init: arch.gEmbeddingInit,
      fanIn: arch.numClasses,
      fanOut: arch.latentSize,
    },
    ...dense('g_dense1', arch.latentSize, arch.gDense[0]),
    ...dense('g_dense2', arch.gDense[0], arch.gDense[1]),
    ...conv('g_conv1', arch.gConvKernel, c, arch.gConvFilters, 'glorotNormal'),
    ...conv('g_conv2', arch.gOutKernel, arch.gConvFilters, 1),
  ];
}

/** Shapes of the discriminator's activations (after each conv). */
export function discriminatorShapes(arch: GanArchitecture) {
  const [h, w] = arch.patientShape;
  const h1 = Math.ceil(h / arch.dConvStrides[0]);
  const w1 = Math.ceil(w / arch.dConvStrides[0]);
  const h2 = Math.ceil(h1 / arch.dConvStrides[1]);
  const w2 = Math.ceil(w1 / arch.dConvStrides[1]);
  return {
    conv1: [h1, w1, arch.dConvFilters[0]] as [number, number, number],
    conv2: [h2, w2, arch.dConvFilters[1]] as [number, number, number],
    flat: h2 * w2 * arch.dConvFilters[1],
  };
}

export function discriminatorSpecs(arch: GanArchitecture): WeightSpec[] {
  const s = discriminatorShapes(arch);
  return [
    ...conv('d_conv1', arch.dConvKernel, arch.dDeviation ? 2 : 1, arch.dConvFilters[0]),
    ...conv('d_conv2', arch.dConvKernel, arch.dConvFilters[0], arch.dConvFilters[1]),
    ...dense('d_dense1', s.flat, arch.dDense[0]),
    ...dense('d_dense2', arch.dDense[0], arch.dDense[1]),
    ...dense('d_real', arch.dDense[1], 1),
    ...dense('d_arm', arch.dDense[1], arch.numClasses),
  ];
}

function initValues(spec: WeightSpec, rng: Random): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (spec.init === 'glorotUniform') {
    const limit = Math.sqrt(6 / (spec.fanIn + spec.fanOut));
    for (let i = 0; i < n; i++) out[i] = rng.uniform(-limit, limit);
  } else if (spec.init === 'glorotNormal') {
    // Keras: truncated normal (|z| <= 2), stddev corrected for the truncation.
    const sd = Math.sqrt(2 / (spec.fanIn + spec.fanOut)) / 0.8796256610342398;
    for (let i = 0; i < n; i++) {
      let z = gaussian(rng);
      while (Math.abs(z) > 2) z = gaussian(rng);
      out[i] = z * sd;
    }
  } else if (spec.init === 'ones') {
    out.fill(1);
  }
  return out;
}

function createParams(specs: WeightSpec[], seed: number, prefix: string): Params {
  const root = new Random(seed).derive('init');
  const params: Params = new Map();
  for (const spec of specs) {
    const values = initValues(spec, root.derive(spec.name));
    const init = tf.tensor(values, spec.shape, 'float32');
    params.set(spec.name, tf.variable(init, true, `${prefix}${spec.name}_${seed}_${uid++}`));
    init.dispose(); // the variable holds its own reference to the data

  }
  return params;
}
let uid = 0;

export function createGenerator(arch: GanArchitecture, seed: number): Params {
  return createParams(generatorSpecs(resolveArchitecture(arch)), seed, '');
}

export function createDiscriminator(arch: GanArchitecture, seed: number): Params {
  return createParams(discriminatorSpecs(arch), seed, '');
}

export function disposeParams(p: Params): void {
  for (const v of p.values()) v.dispose();
  p.clear();
}

export function countParams(p: Params): number {
  let n = 0;
  for (const v of p.values()) n += v.size;
  return n;
}

function w(p: Params, name: string): tf.Variable {
  const v = p.get(name);
  if (!v) throw new Error(`missing weight ${name}`);
  return v;
}

/** The generator's dense trunk, shared by {@link generate} and {@link generateReference}: z * Embedding(arm) -> Dense relu -> Dense relu. Call inside tf.tidy. */
function generatorDense(g: Params, z: tf.Tensor2D, arms: tf.Tensor1D): tf.Tensor2D {
  const h = tf.mul(z, tf.gather(w(g, 'g_embedding/embeddings'), arms)) as tf.Tensor2D;
  const h1 = tf.relu(tf.add(tf.matMul(h, w(g, 'g_dense1/kernel') as tf.Tensor2D), w(g, 'g_dense1/bias'))) as tf.Tensor2D;
  return tf.relu(tf.add(tf.matMul(h1, w(g, 'g_dense2/kernel') as tf.Tensor2D), w(g, 'g_dense2/bias'))) as tf.Tensor2D;
}

/**
 * Generator forward pass: z [B, latent], arms int32 [B] -> patients [B, 3, 12, 1].
 * The upsampling and the 5x5 convolution run fused ({@link upsampleConv});
 * {@link generateReference} is the literal layer-by-layer version.
 */
export function generate(g: Params, arch: GanArchitecture, z: tf.Tensor2D, arms: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const b = z.shape[0];
    let h: tf.Tensor = generatorDense(g, z, arms);
    const [r0, r1, c] = arch.gReshape;
    h = tf.reshape(h, [b, r0, r1, c]);
    h = tf.relu(tf.add(upsampleConv(h as tf.Tensor4D, w(g, 'g_conv1/kernel') as tf.Tensor4D, arch.gUpsample), w(g, 'g_conv1/bias')));
    h = tf.add(tf.conv2d(h as tf.Tensor4D, w(g, 'g_conv2/kernel') as tf.Tensor4D, arch.gOutStride, 'same'), w(g, 'g_conv2/bias'));
    return h as tf.Tensor4D;
  });
}

/**
 * Nearest-neighbour upsampling by (u0, u1) followed by a stride-1 'same'
 * convolution with `kernel` [k, k, C, F], computed on the small input
 * without building the upsampled image.
 *
 * Output row o = u0 r + ph (phase ph in [0, u0)) reads upsampled rows
 * o + t - pad (t < k), i.e. source rows r + floor((ph + t - pad) / u0): each
 * phase sees a few source rows (3 instead of 5 for the paper's u0 = 2,
 * k = 5), through "effective" kernel rows that are sums of the kernel's rows
 * (the zero padding of the upsampled image is the zero padding of the
 * source). Same along columns (u1 = 6: 1 or 2 source columns instead of 5).
 * So each (row phase, group of column phases with the same source window)
 * is one matrix product of unfolded source patches [B*R0*R1, taps*C] with an
 * effective kernel [taps*C, phases*F] ({@link upsamplePlan}). For the
 * paper's generator: ~5x fewer multiply-adds than the literal convolution,
 * and only matrix products, pads, slices and concats (every backend, fast
 * gradients). Equal to upsample-then-conv2d up to float rounding (tested).
 *
 * The effective kernels are sums of a few of the kernel's rows: on wasm,
 * {@link rowSums} adds exactly those rows (our SIMD kernel; ~300 row
 * additions of F values for the paper's layer); elsewhere, one product of
 * a 0/1 coefficient matrix with the kernel (60 x 25 by 25 x 8192 for the
 * paper's layer, 5x the additions, but one op on any backend). Gradients
 * flow to `kernel` by autodiff either way.
 */
export function upsampleConv(x: tf.Tensor4D, kernel: tf.Tensor4D, upsample: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, r0, r1, c] = x.shape;
    const [k, k2, cin, f] = kernel.shape;
    if (k !== k2 || cin !== c) throw new Error(`upsampleConv: kernel ${kernel.shape} does not fit input ${x.shape}`);
    const plan = upsamplePlan(k, c, upsample);
    const [padTop, padBottom, padLeft, padRight] = plan.pad;
    const xp = tf.pad(x, [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0],
    ]);
    const effs = rowSumsAvailable() ? effectiveKernelsBySums(kernel, plan) : effectiveKernelsByProduct(kernel, plan);
    const patchCache = new Map<string, tf.Tensor2D>();
    const patches = (rlo: number, rhi: number, clo: number, chi: number) => {
      const key = `${rlo},${rhi},${clo},${chi}`;
      let p = patchCache.get(key);
      if (!p) {
        const cols: tf.Tensor[] = [];
        for (let i = rlo; i <= rhi; i++) {
          for (let j = clo; j <= chi; j++) cols.push(tf.slice(xp, [0, i + padTop, j + padLeft, 0], [b, r0, r1, c]));
        }
        p = tf.reshape(cols.length === 1 ? cols[0] : tf.concat(cols, 3), [b * r0 * r1, cols.length * c]) as tf.Tensor2D;
        patchCache.set(key, p);
      }
      return p;
    };
    const rows: tf.Tensor[] = [];
    for (let ph = 0; ph < upsample[0]; ph++) {
      const parts: tf.Tensor[] = [];
      plan.blocks.forEach((blk, i) => {
        if (blk.ph !== ph) return;
        const y = tf.matMul(patches(blk.rlo, blk.rhi, blk.clo, blk.chi), effs[i]); // [B*R0*R1, phases*F]
        parts.push(tf.reshape(y, [b, r0, 1, r1, blk.np * f]));
      });
      rows.push(parts.length === 1 ? parts[0] : tf.concat(parts, 4));
    }
    const out = rows.length === 1 ? rows[0] : tf.concat(rows, 2); // [B, R0, u0, R1, u1*F]
    return tf.reshape(out, [b, r0 * upsample[0], r1 * upsample[1], f]) as tf.Tensor4D;
  });
}

/** One product of {@link upsampleConv}: a row phase and a group of column phases reading the same source window. */
interface UpsampleBlock {
  ph: number;
  /** Source rows rlo..rhi and columns clo..chi, relative to the output's own cell. */
  rlo: number;
  rhi: number;
  clo: number;
  chi: number;
  /** Column phases in the group. */
  np: number;
  /** Rows (j, l, phase) of 0/1 coefficients over the k*k taps (row-major), j < nh = rhi-rlo+1, l < nw = chi-clo+1. */
  coef: number[];
  /** The same as index lists over the kernel's rows (tap, channel), output rows (j, l, channel, phase). */
  sums: RowSumLists;
  sumsBack: RowSumLists;
}

interface UpsamplePlan {
  /** Zero padding of the source: top, bottom, left, right. */
  pad: [number, number, number, number];
  blocks: UpsampleBlock[];
}

const upsamplePlans = new Map<string, UpsamplePlan>();

/** The blocks of {@link upsampleConv} for a k x k kernel over C channels (cached: pure function of its arguments). */
function upsamplePlan(k: number, c: number, [u0, u1]: [number, number]): UpsamplePlan {
  const key = `${k},${c},${u0},${u1}`;
  const cached = upsamplePlans.get(key);
  if (cached) return cached;
  const pad = Math.floor((k - 1) / 2); // TF 'same', stride 1: top/left get the smaller half
  const rowPlan = phasePlan(u0, k, pad);
  const colPlan = phasePlan(u1, k, pad);
  // Column phases with the same source window share one product.
  const colGroups: { lo: number; hi: number; phases: number[] }[] = [];
  for (let pw = 0; pw < u1; pw++) {
    const last = colGroups[colGroups.length - 1];
    if (last && last.lo === colPlan[pw].lo && last.hi === colPlan[pw].hi) last.phases.push(pw);
    else colGroups.push({ lo: colPlan[pw].lo, hi: colPlan[pw].hi, phases: [pw] });
  }
  const blocks: UpsampleBlock[] = [];
  for (let ph = 0; ph < u0; ph++) {
    const rp = rowPlan[ph];
    const nh = rp.hi - rp.lo + 1;
    for (const g of colGroups) {
      const nw = g.hi - g.lo + 1;
      const np = g.phases.length;
      const coef: number[] = [];
      const starts = [0];
      const idx: number[] = [];
      for (let j = 0; j < nh; j++) {
        for (let l = 0; l < nw; l++) {
          const taps: number[][] = [];
          for (const pw of g.phases) {
            const cm = colPlan[pw].matrix;
            const t: number[] = [];
            for (let th = 0; th < k; th++) {
              for (let tw = 0; tw < k; tw++) {
                const w = rp.matrix[j * k + th] * cm[l * k + tw];
                coef.push(w);
                if (w) t.push(th * k + tw);
              }
            }
            taps.push(t);
          }
          for (let ch = 0; ch < c; ch++) {
            for (const t of taps) {
              for (const tap of t) idx.push(tap * c + ch);
              starts.push(idx.length);
            }
          }
        }
      }
      const sums = { starts: Int32Array.from(starts), idx: Int32Array.from(idx), nIn: k * k * c };
      blocks.push({ ph, rlo: rp.lo, rhi: rp.hi, clo: g.lo, chi: g.hi, np, coef, sums, sumsBack: transposeRowSumLists(sums) });
    }
  }
  const plan: UpsamplePlan = {
    pad: [
      Math.max(0, -Math.min(...rowPlan.map((p) => p.lo))),
      Math.max(0, Math.max(...rowPlan.map((p) => p.hi))),
      Math.max(0, -Math.min(...colPlan.map((p) => p.lo))),
      Math.max(0, Math.max(...colPlan.map((p) => p.hi))),
    ],
    blocks,
  };
  upsamplePlans.set(key, plan);
  return plan;
}

/** Each block's effective kernel [nh*nw*C, phases*F] as sums of the kernel's rows [k*k*C, F] (wasm). */
function effectiveKernelsBySums(kernel: tf.Tensor4D, plan: UpsamplePlan): tf.Tensor2D[] {
  const [k, , c, f] = kernel.shape;
  const rowsOfKernel = tf.reshape(kernel, [k * k * c, f]) as tf.Tensor2D;
  return plan.blocks.map((blk) => {
    const nCells = (blk.rhi - blk.rlo + 1) * (blk.chi - blk.clo + 1);
    return tf.reshape(rowSums(rowsOfKernel, blk.sums, blk.sumsBack), [nCells * c, blk.np * f]) as tf.Tensor2D;
  });
}

/** The same, from ONE product of every block's 0/1 coefficients with the kernel as [k*k, C*F] (any backend). */
function effectiveKernelsByProduct(kernel: tf.Tensor4D, plan: UpsamplePlan): tf.Tensor2D[] {
  const [k, , c, f] = kernel.shape;
  const coef = plan.blocks.flatMap((blk) => blk.coef);
  const effAll = tf.matMul(tf.tensor2d(coef, [coef.length / (k * k), k * k]), tf.reshape(kernel, [k * k, c * f])); // [rows, C*F]
  let start = 0;
  return plan.blocks.map((blk) => {
    const nh = blk.rhi - blk.rlo + 1;
    const nw = blk.chi - blk.clo + 1;
    const np = blk.np;
    // [nh, nw, phases, C, F] -> [nh, nw, C, phases, F] -> [nh*nw*C, phases*F]
    const e = tf.reshape(tf.slice(effAll, [start, 0], [nh * nw * np, c * f]), [nh, nw, np, c, f]);
    start += nh * nw * np;
    return tf.reshape(np === 1 ? e : tf.transpose(e, [0, 1, 3, 2, 4]), [nh * nw * c, np * f]) as tf.Tensor2D;
  });
}

/**
 * For each output phase p in [0, u) of a nearest-upsampling by u followed by
 * a k-tap 'same' convolution (padding `pad` before): the source offsets
 * [lo, hi] it reads, and the 0/1 matrix [hi-lo+1, k] summing kernel taps
 * that land on the same source element.
 */
function phasePlan(u: number, k: number, pad: number): { lo: number; hi: number; matrix: Float32Array }[] {
  const plan: { lo: number; hi: number; matrix: Float32Array }[] = [];
  for (let p = 0; p < u; p++) {
    const lo = Math.floor((p - pad) / u);
    const hi = Math.floor((p + k - 1 - pad) / u);
    const matrix = new Float32Array((hi - lo + 1) * k);
    for (let t = 0; t < k; t++) matrix[(Math.floor((p + t - pad) / u) - lo) * k + t] = 1;
    plan.push({ lo, hi, matrix });
  }
  return plan;
}

/** The generator layer by layer (upsample as a broadcast, then conv2d): the reference for {@link generate}. */
export function generateReference(g: Params, arch: GanArchitecture, z: tf.Tensor2D, arms: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const b = z.shape[0];
    let h: tf.Tensor = generatorDense(g, z, arms);
    const [r0, r1, c] = arch.gReshape;
    const [u0, u1] = arch.gUpsample;
    // Nearest-neighbour upsampling as a broadcast (gradient: a sum), every backend has it.
    h = tf.reshape(h, [b, r0, 1, r1, 1, c]);
    h = tf.mul(h, tf.ones([1, 1, u0, 1, u1, 1]));
    h = tf.reshape(h, [b, r0 * u0, r1 * u1, c]);
    h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w(g, 'g_conv1/kernel') as tf.Tensor4D, 1, 'same'), w(g, 'g_conv1/bias')));
    h = tf.add(tf.conv2d(h as tf.Tensor4D, w(g, 'g_conv2/kernel') as tf.Tensor4D, arch.gOutStride, 'same'), w(g, 'g_conv2/bias'));
    return h as tf.Tensor4D;
  });
}

/** Dropout masks of one discriminator pass: values 0 or 1/(1-rate), one row per example. */
export interface DropoutMasks {
  conv1: tf.Tensor4D;
  conv2: tf.Tensor4D;
  dense1: tf.Tensor2D;
}

/** Dropout masks of n rows as arrays, row-major (what {@link makeDropoutMasks} puts in tensors). */
export interface MaskArrays {
  conv1: Float32Array;
  conv2: Float32Array;
  dense1: Float32Array;
}

/** Values per row of each dropout mask. */
export function maskWidths(arch: GanArchitecture): { conv1: number; conv2: number; dense1: number } {
  const s = discriminatorShapes(arch);
  return { conv1: s.conv1[0] * s.conv1[1] * s.conv1[2], conv2: s.conv2[0] * s.conv2[1] * s.conv2[2], dense1: arch.dDense[0] };
}

/** Draws the masks for `n` examples from `rng` as arrays (inverted dropout, keep prob 1-rate). */
export function dropoutMaskArrays(arch: GanArchitecture, n: number, rng: Random): MaskArrays {
  const w = maskWidths(arch);
  const keep = 1 - arch.dropout;
  const scale = 1 / keep;
  const draw = (size: number) => {
    const out = new Float32Array(size);
    // P(keep) = keep; one 32-bit word per unit (drawn in bulk: the same words as nextUint32 one by one).
    const threshold = keep * 4294967296;
    const words = rng.fillUint32(new Uint32Array(size));
    for (let i = 0; i < size; i++) out[i] = words[i] < threshold ? scale : 0;
    return out;
  };
  return { conv1: draw(n * w.conv1), conv2: draw(n * w.conv2), dense1: draw(n * w.dense1) };
}

/** Mask arrays of n rows as tensors. */
export function maskTensors(arch: GanArchitecture, m: MaskArrays, n: number): DropoutMasks {
  const s = discriminatorShapes(arch);
  return {
    conv1: tf.tensor4d(m.conv1, [n, ...s.conv1]),
    conv2: tf.tensor4d(m.conv2, [n, ...s.conv2]),
    dense1: tf.tensor2d(m.dense1, [n, arch.dDense[0]]),
  };
}

/** Draws the masks for `n` examples from `rng` (inverted dropout, keep prob 1-rate). */
export function makeDropoutMasks(arch: GanArchitecture, n: number, rng: Random): DropoutMasks {
  return maskTensors(arch, dropoutMaskArrays(arch, n, rng), n);
}

export function disposeMasks(m: DropoutMasks | undefined | null): void {
  if (!m) return;
  m.conv1.dispose();
  m.conv2.dispose();
  m.dense1.dispose();
}

export function sliceMasks(m: DropoutMasks, begin: number, size: number): DropoutMasks {
  return {
    conv1: tf.slice(m.conv1, [begin, 0, 0, 0], [size, -1, -1, -1]),
    conv2: tf.slice(m.conv2, [begin, 0, 0, 0], [size, -1, -1, -1]),
    dense1: tf.slice(m.dense1, [begin, 0], [size, -1]),
  };
}

/** The trainable layers of the discriminator, in forward order (for per-example gradients). */
export type DLayerName = 'd_conv1' | 'd_conv2' | 'd_dense1' | 'd_dense2' | 'd_real' | 'd_arm';
export const D_LAYERS: readonly DLayerName[] = ['d_conv1', 'd_conv2', 'd_dense1', 'd_dense2', 'd_real', 'd_arm'];

/**
 * What a discriminator pass records for per-example gradients: each layer's
 * input activation (`inputs`) and, through `probes` (zero tensors added to the
 * layer's pre-activation output), a handle for d loss / d output.
 */
export interface DTrace {
  probes?: Partial<Record<DLayerName, tf.Tensor>>;
  inputs?: Partial<Record<DLayerName, tf.Tensor>>;
}

export interface DOutput {
  /** Real/fake logit [B] (sigmoid of it = probability real). */
  logit: tf.Tensor1D;
  /** Arm logits [B, numClasses]. */
  armLogits: tf.Tensor2D;
}

/**
 * The discriminator's input: the patients x [n, measures, visits, 1] as
 * they are, or with {@link GanArchitecture.dDeviation} a second channel
 * x - (the patient's mean of that measure over the visits): [n, measures, visits, 2].
 */
export function discriminatorInput(x: tf.Tensor4D, arch: GanArchitecture): tf.Tensor4D {
  if (!arch.dDeviation) return x;
  return tf.tidy(() => tf.concat([x, tf.sub(x, tf.mean(x, 2, true))], 3) as tf.Tensor4D);
}

/**
 * Discriminator forward pass on patients [B, 3, 12, 1]. `masks` null = no
 * dropout (evaluation). With `trace`, adds `trace.probes[layer]` to each
 * layer's pre-activation and stores each layer's input in `trace.inputs`
 * (kept with tf.keep: the caller disposes them).
 */
export function discriminate(
  d: Params,
  arch: GanArchitecture,
  x: tf.Tensor4D,
  masks: DropoutMasks | null,
  trace?: DTrace,
): DOutput {
  const b = x.shape[0];
  const record = (layer: DLayerName, input: tf.Tensor) => {
    if (trace?.inputs) trace.inputs[layer] = tf.keep(input);
  };
  const probe = (layer: DLayerName, z: tf.Tensor) => {
    const p = trace?.probes?.[layer];
    return p ? tf.add(z, p) : z;
  };
  const denseLayer = (layer: DLayerName, a: tf.Tensor2D) => {
    record(layer, a);
    return probe(layer, tf.add(tf.matMul(a, w(d, `${layer}/kernel`) as tf.Tensor2D), w(d, `${layer}/bias`))) as tf.Tensor2D;
  };
  const convLayer = (layer: DLayerName, a: tf.Tensor4D, stride: number) => {
    record(layer, a);
    return probe(
      layer,
      tf.add(tf.conv2d(a, w(d, `${layer}/kernel`) as tf.Tensor4D, stride, 'same'), w(d, `${layer}/bias`)),
    ) as tf.Tensor4D;
  };
  return tf.tidy(() => {
    let h: tf.Tensor4D = convLayer('d_conv1', discriminatorInput(x, arch), arch.dConvStrides[0]);
    h = tf.leakyRelu(h, arch.leakyAlpha);
    if (masks) h = tf.mul(h, masks.conv1);
    h = convLayer('d_conv2', h, arch.dConvStrides[1]);
    h = tf.leakyRelu(h, arch.leakyAlpha);
    if (masks) h = tf.mul(h, masks.conv2);
    let f: tf.Tensor2D = tf.reshape(h, [b, -1]);
    f = tf.relu(denseLayer('d_dense1', f));
    if (masks) f = tf.mul(f, masks.dense1);
    f = tf.relu(denseLayer('d_dense2', f));
    const logit = tf.reshape(denseLayer('d_real', f), [b]) as tf.Tensor1D;
    const armLogits = denseLayer('d_arm', f);
    return { logit, armLogits };
  });
}

/**
 * Rows i and P + i of `x` [2P, ...] (generated from `z` [2P, L]) form pair i;
 * pair i's term (lib/generators/acgan/step.ts's diversity term) is min(cap, mean |x_i - x_P+i| / mean |z_i - z_P+i|). Returns the P terms.
 */
export function diversityPairTerms(x: tf.Tensor4D, z: tf.Tensor2D, cap: number): tf.Tensor1D {
  return tf.tidy(() => {
    const p = x.shape[0] / 2;
    if (!Number.isInteger(p) || z.shape[0] !== 2 * p) throw new Error(`diversityTerm: needs an even number of rows, the same in x and z (${x.shape[0]}, ${z.shape[0]})`);
    const dx = tf.mean(tf.abs(tf.sub(tf.slice(x, [0, 0, 0, 0], [p, -1, -1, -1]), tf.slice(x, [p, 0, 0, 0], [p, -1, -1, -1]))), [1, 2, 3]);
    const dz = tf.mean(tf.abs(tf.sub(tf.slice(z, [0, 0], [p, -1]), tf.slice(z, [p, 0], [p, -1]))), 1);
    return tf.minimum(cap, tf.div(dx, dz)) as tf.Tensor1D;
  });
}

/**
 * Per-example losses of a discriminator output, as Keras computes them
 * (binary cross-entropy on the real/fake head, sparse categorical
 * cross-entropy on the arm head), from logits for numerical stability.
 * `targets` [B] 1 = real, 0 = fake; `arms` int32 [B].
 */
export function perExampleLosses(
  out: DOutput,
  targets: tf.Tensor1D,
  arms: tf.Tensor1D,
  numClasses: number,
): { gen: tf.Tensor1D; aux: tf.Tensor1D } {
  return tf.tidy(() => {
    // BCE with logits: softplus(-l) for target 1, softplus(l) for target 0.
    const sign = tf.sub(1, tf.mul(2, targets));
    const gen = tf.softplus(tf.mul(out.logit, sign)) as tf.Tensor1D;
    // Sparse softmax cross-entropy: logsumexp(a) - a[y].
    const lse = tf.logSumExp(out.armLogits, 1);
    const picked = tf.sum(tf.mul(out.armLogits, tf.oneHot(arms, numClasses).toFloat()), 1);
    const aux = tf.sub(lse, picked) as tf.Tensor1D;
    return { gen, aux };
  });
}
