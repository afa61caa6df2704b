/**
 * The AC-GAN of the paper (dp_gan.py), written as plain functions over explicit
 * weights (tf.Variable), channels-last. Plain functions make per-example
 * gradients (lib/gan/dpsgd.ts), seeded initialization and checkpointing
 * simple and exact; the generator is also exported as a TF.js layers model
 * (lib/gan/checkpoint.ts).
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
import { Random } from '../random';
import { gaussian } from './noise';

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

export function resolveArchitecture(a?: Partial<GanArchitecture>): GanArchitecture {
  const arch = { ...PAPER_ARCHITECTURE, ...(a ?? {}) };
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

type Init = 'glorotUniform' | 'glorotNormal' | 'zeros';

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
      init: 'glorotNormal',
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
    ...conv('d_conv1', arch.dConvKernel, 1, arch.dConvFilters[0]),
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
  return createParams(generatorSpecs(arch), seed, '');
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

/**
 * Generator forward pass: z [B, latent], arms int32 [B] -> patients [B, 3, 12, 1].
 */
export function generate(g: Params, arch: GanArchitecture, z: tf.Tensor2D, arms: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const b = z.shape[0];
    const emb = tf.gather(w(g, 'g_embedding/embeddings'), arms);
    let h: tf.Tensor = tf.mul(z, emb);
    h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, w(g, 'g_dense1/kernel') as tf.Tensor2D), w(g, 'g_dense1/bias')));
    h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, w(g, 'g_dense2/kernel') as tf.Tensor2D), w(g, 'g_dense2/bias')));
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

/** Draws the masks for `n` examples from `rng` (inverted dropout, keep prob 1-rate). */
export function makeDropoutMasks(arch: GanArchitecture, n: number, rng: Random): DropoutMasks {
  const s = discriminatorShapes(arch);
  const keep = 1 - arch.dropout;
  const scale = 1 / keep;
  const draw = (size: number) => {
    const out = new Float32Array(size);
    // P(keep) = keep; one 32-bit word per unit.
    const threshold = keep * 4294967296;
    for (let i = 0; i < size; i++) out[i] = rng.nextUint32() < threshold ? scale : 0;
    return out;
  };
  const n1 = s.conv1[0] * s.conv1[1] * s.conv1[2];
  const n2 = s.conv2[0] * s.conv2[1] * s.conv2[2];
  return {
    conv1: tf.tensor4d(draw(n * n1), [n, ...s.conv1]),
    conv2: tf.tensor4d(draw(n * n2), [n, ...s.conv2]),
    dense1: tf.tensor2d(draw(n * arch.dDense[0]), [n, arch.dDense[0]]),
  };
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
    let h: tf.Tensor4D = convLayer('d_conv1', x, arch.dConvStrides[0]);
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
