/**
 * Files of a training run, all written atomically (temp file or folder, then
 * rename), so a run killed at any instant (kill -9) leaves either the old or
 * the new version of each file, never a torn one.
 *
 * ```
 * <run>/run.json                 config, data description, backend (written once)
 * <run>/history.json             one record per complete epoch
 * <run>/checkpoint.json          commit point: last complete epoch, finished flag
 * <run>/state/epoch-NNNN/        training state of that epoch (latest only):
 *        state.json, state.bin   weights of G and D, Adam moments and step counts
 * <run>/generator/epoch-NNNN/    generator of every epoch in TF.js layers format:
 *        model.json, weights.bin (tf.loadLayersModel-compatible)
 * ```
 * Random state needs no file: every step's randomness is derived from
 * (seed, step number), see lib/generators/acgan/train.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type GanArchitecture, type Params, generatorSpecs, resolveArchitecture } from './models';
import { isTmpName, tmpName, writeFileAtomic } from '../../fs';
import type { DataScaling } from '../../data/scaling';

/**
 * Writes a folder atomically: `fill` writes into a temp folder, which then
 * replaces `dir` (a stale `dir` from an interrupted attempt is removed first).
 */
export function writeDirAtomic(dir: string, fill: (tmpDir: string) => void): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = tmpName(dir);
  fs.mkdirSync(tmp);
  try {
    fill(tmp);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

/** Removes temp files/folders left by an interrupted write under `dir` (not recursive into runs). */
export function removeStaleTemps(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (isTmpName(name)) fs.rmSync(full, { recursive: true, force: true });
    else if (fs.statSync(full).isDirectory() && (name === 'state' || name === 'generator')) removeStaleTemps(full);
  }
}

export function epochDirName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

// ---------------------------------------------------------------------------
// Training state: named float32 arrays in one binary file.

export interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface StateFile<M> {
  meta: M;
  tensors: TensorEntry[];
}

/** Writes the tensors (read asynchronously: works on every backend, webgpu included) into `dir`, atomically. */
export async function writeTensorState<M>(dir: string, meta: M, tensors: [string, tf.Tensor][]): Promise<void> {
  const entries: TensorEntry[] = [];
  let total = 0;
  for (const [name, t] of tensors) {
    entries.push({ name, shape: t.shape, offset: total, length: t.size });
    total += t.size;
  }
  const buf = new Float32Array(total);
  const values = await Promise.all(tensors.map(([, t]) => t.data()));
  values.forEach((v, i) => buf.set(v as Float32Array, entries[i].offset));
  writeDirAtomic(dir, (tmp) => {
    const bin = new Uint8Array(buf.buffer);
    const fd = fs.openSync(path.join(tmp, 'state.bin'), 'w');
    fs.writeSync(fd, bin);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const state: StateFile<M> = { meta, tensors: entries };
    writeFileAtomic(path.join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  });
}

export function readTensorState<M>(dir: string): { meta: M; values: Map<string, { shape: number[]; data: Float32Array }> } {
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as StateFile<M>;
  const raw = fs.readFileSync(path.join(dir, 'state.bin'));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of state.tensors) {
    if (e.offset + e.length > all.length) throw new Error(`checkpoint ${dir}: state.bin is truncated (${e.name})`);
    values.set(e.name, { shape: e.shape, data: all.slice(e.offset, e.offset + e.length) });
  }
  return { meta: state.meta, values };
}

// ---------------------------------------------------------------------------
// Generator in TF.js layers format.

/** What sample needs besides the weights, stored in model.json's userDefinedMetadata. */
export interface GeneratorMetadata {
  architecture: GanArchitecture;
  epoch: number;
  /** Per-measure maxima to map generated values back to raw units (SBP, DBP, N_BPCLASSES). */
  maxima: [number, number, number];
  /**
   * The space the generator's output is in (lib/data/scaling.ts): null or
   * absent = the cohort's [0, 1] values (raw = output x maxima); else raw =
   * output x scale + center per measure.
   */
  scaling?: DataScaling | null;
  seed: number;
  [key: string]: unknown;
}

/**
 * The generator as a tf.layers model (same weight names and shapes as the
 * functional one): inputs [z (latent), arm (1, int)], output [3, 12, 1].
 */
export function generatorLayersModel(arch: GanArchitecture): tf.LayersModel {
  const z = tf.input({ shape: [arch.latentSize], name: 'latent' });
  const arm = tf.input({ shape: [1], dtype: 'int32', name: 'arm' });
  const emb = tf.layers
    .embedding({ inputDim: arch.numClasses, outputDim: arch.latentSize, name: 'g_embedding', embeddingsInitializer: 'zeros' })
    .apply(arm) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'g_flatten' }).apply(emb) as tf.SymbolicTensor;
  let h = tf.layers.multiply({ name: 'g_multiply' }).apply([z, flat]) as tf.SymbolicTensor;
  const zeros = { kernelInitializer: 'zeros' as const, biasInitializer: 'zeros' as const };
  h = tf.layers.dense({ units: arch.gDense[0], activation: 'relu', name: 'g_dense1', ...zeros }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: arch.gDense[1], activation: 'relu', name: 'g_dense2', ...zeros }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reshape({ targetShape: arch.gReshape, name: 'g_reshape' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.upSampling2d({ size: arch.gUpsample, name: 'g_upsample' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: arch.gConvFilters, kernelSize: arch.gConvKernel, padding: 'same', activation: 'relu', name: 'g_conv1', ...zeros })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: 1, kernelSize: arch.gOutKernel, strides: arch.gOutStride, padding: 'same', name: 'g_conv2', ...zeros })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [z, arm], outputs: h, name: 'sprint_gan_generator' });
}

/** Saves the generator as `dir/model.json` + `dir/weights.bin` (atomic folder write). */
export async function saveGenerator(dir: string, g: Params, meta: GeneratorMetadata): Promise<void> {
  const model = generatorLayersModel(meta.architecture);
  try {
    await saveLayers(dir, model, g, meta);
  } finally {
    model.dispose();
  }
}

async function saveLayers(dir: string, model: tf.LayersModel, g: Params, meta: GeneratorMetadata): Promise<void> {
  const byName = new Map(model.weights.map((w, i) => [w.originalName, i]));
  const values: tf.Tensor[] = new Array(model.weights.length);
  for (const [name, v] of g) {
    const i = byName.get(name);
    if (i === undefined) throw new Error(`saveGenerator: layers model has no weight ${name}`);
    values[i] = v;
  }
  model.setWeights(values);
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const art = artifacts as unknown as tf.io.ModelArtifacts;
  const weightData = art.weightData as ArrayBuffer;
  const modelJson = {
    modelTopology: art.modelTopology,
    format: 'layers-model',
    generatedBy: art.generatedBy,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
    userDefinedMetadata: { sprintGan: meta },
  };
  writeDirAtomic(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, 'weights.bin'), new Uint8Array(weightData));
    fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
  });
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: { sprintGan?: GeneratorMetadata };
}

/** Reads model.json + weights.bin into functional generator weights and metadata. */
export function loadGenerator(dir: string): { params: Params; meta: GeneratorMetadata } {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file)) throw new Error(`No generator checkpoint at ${dir} (model.json missing).`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  const meta = json.userDefinedMetadata?.sprintGan;
  if (!meta) throw new Error(`${file}: not a sprint-gan generator (no userDefinedMetadata.sprintGan).`);
  const arch = resolveArchitecture(meta.architecture);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) {
    all.set(b, off);
    off += b.byteLength;
  }
  const named = tf.io.decodeWeights(all.buffer, specs);
  const params: Params = new Map();
  for (const spec of generatorSpecs(arch)) {
    const t = named[spec.name];
    if (!t) throw new Error(`${file}: weight ${spec.name} missing`);
    if (t.shape.join() !== spec.shape.join()) throw new Error(`${file}: weight ${spec.name} has shape ${t.shape}, expected ${spec.shape}`);
    params.set(spec.name, tf.variable(t, false, `loaded_${spec.name}_${loadUid++}`));
    t.dispose();
  }
  for (const [name, t] of Object.entries(named)) if (!params.has(name)) t.dispose();
  return { params, meta: { ...meta, architecture: arch, scaling: meta.scaling ?? null } };
}
let loadUid = 0;
