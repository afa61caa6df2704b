/**
 * The DP AC-GAN training loop (dp_gan.py's schedule) with per-epoch
 * checkpoints, privacy accounting, a budget stop, and exact resume.
 *
 * One step (global step s = 0, 1, ...):
 * 1. Discriminator: Poisson-sample the real patients (rate q); generate B
 *    patients from uniform z and random arms; one DP-SGD update on the
 *    real rows (clipped, noised) plus the generated rows (not private), see
 *    lib/generators/acgan/dpsgd.ts; Adam.
 * 2. Generator: 2B fresh noise vectors through G and the frozen D (dropout
 *    active, as Keras trains the combined model), targets all "real" plus the
 *    sampled arms for the arm head; Adam on G only. The generator never sees
 *    real data except through D, so its update is post-processing.
 *
 * Modes:
 * - `paper`: the original's schedule, batch 1 and (by default) N steps an
 *   epoch, but each real patient is included independently with q = 1/N
 *   (so a step has 0, 1, 2, ... real patients; 1 on average). The original
 *   drew one patient per step with replacement and clipped the gradient of
 *   the whole batch (one real + one generated example) together. Neither
 *   matches the assumption of the moments/RDP accountant, which analyzes the
 *   Poisson-subsampled Gaussian mechanism with each real example's
 *   contribution bounded by C: here that is exactly what runs (Poisson
 *   sampling, per-example clipping of real examples only, noise sigma*C on
 *   their sum, generated examples carrying no private data), so the epsilon we
 *   report is an honest bound for the computation we perform.
 * - `batched`: expected batch B (q = B/N), N/B steps an epoch by default.
 *
 * Determinism and resume: every random draw of step s comes from
 * `new Random(seed).derive('step:' + s)` (sub-streams 'sample', 'zD', 'armsD',
 * 'maskD', 'noise', 'zG', 'armsG', 'maskG'), and the holdout evaluation of
 * epoch e from `derive('eval:' + e)`. The state after epoch e is therefore the
 * weights and Adam state alone; resuming from it replays exactly what an
 * uninterrupted run computes (same backend).
 *
 * {@link trainGan} is a short loop over named steps, each exported and tested
 * on its own: set up ({@link openRunFolder}), resume ({@link resumePoint}),
 * then per epoch: account ({@link budgetStop}), one epoch ({@link runEpoch}),
 * evaluate ({@link evaluateLosses}), account ({@link epochPrivacy}),
 * checkpoint ({@link commitEpoch}).
 */
import { deltaFor, epsilonFor } from '../../privacy/index';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../random';
import { type Cohort, cohortFingerprint } from '../../data/cohort';
import { Adam } from './adam';
import {
  type GanArchitecture,
  type Params,
  PAPER_ARCHITECTURE,
  countParams,
  createDiscriminator,
  createGenerator,
  discriminate,
  disposeParams,
  generate,
  perExampleLosses,
  resolveArchitecture,
} from './models';
import type { PerExampleMethod } from './dpsgd';
import { STEP_STATS, type StepContext, armsTensor, ganStep, uniformTensor } from './step';
import { NoiseWorker, noiseWorkerWanted } from '../../compute/noise-pool';
import { type DataScaling, toGanSpace, validateScaling } from '../../data/scaling';
import type { DataKind } from '../../data/training';
import {
  epochDirName,
  readTensorState,
  removeStaleTemps,
  saveGenerator,
  writeTensorState,
} from './checkpoint';
import { writeJsonAtomic } from '../../fs';
import { checkChunks } from './parallel';
import { stdout } from '../../display';
import { type ClaimedFolder, RunExistsError, claimRunFolder } from '../folder';

export type TrainMode = 'paper' | 'batched';

/** The epsilons at which the original reported delta. */
export const TARGET_EPSILONS = [0.125, 0.25, 0.5, 1, 2, 4, 8] as const;

/** Everything that determines the numbers of a run (stored in run.json, checked on resume). */
export interface TrainConfig {
  epochs: number;
  mode: TrainMode;
  /** Expected real examples per step (batched), also the number of generated ones; paper mode: 1. */
  batchSize: number;
  /** Steps per epoch; default N (paper) or ceil(N / batchSize) (batched). */
  stepsPerEpoch: number;
  learningRate: number;
  /**
   * The generator's Adam learning rate; null: `learningRate` (the paper's
   * single rate). Adam moves every generator weight by about the rate each
   * step, so at equal rates the generator's outputs jump faster than a DP
   * discriminator (which needs ~100 noisy steps to learn a fixed generator's
   * patients apart from real ones) can follow; a slower generator (two
   * time-scale updates) lets D keep up. Not private: only G's steps change.
   */
  generatorLearningRate: number | null;
  beta1: number;
  noiseMultiplier: number;
  clipNorm: number;
  /** Clip each generated row's gradient at clipNorm too (lib/generators/acgan/dpsgd.ts; no privacy role). */
  clipGenerated: boolean;
  delta: number;
  /** Stop before an epoch would push epsilon (at delta) above this; null: no limit. */
  targetEpsilon: number | null;
  seed: number;
  architecture: GanArchitecture;
  perExample: PerExampleMethod;
  /**
   * The space the GAN trains in (lib/data/scaling.ts): null = the cohort's
   * [0, 1] values (the paper's); else (raw - center) / scale per measure with
   * fixed, data-independent constants such as SPRINT_SCALING.
   */
  scaling: DataScaling | null;
  /**
   * Weight of the generator's diversity term (lib/generators/acgan/step.ts's
   * DiversityOptions; 0 = the paper's loss). No privacy cost: only the
   * generator's loss changes.
   */
  diversityWeight: number;
  /** The term's cap, in the GAN space's units per unit of latent distance (real same-arm pairs: 1.63 with SPRINT_SCALING, 0.18 unscaled). */
  diversityCap: number;
  /**
   * Whether the discriminator's arm head also learns from generated rows
   * (true: the paper's AC-GAN; false: real rows only, lib/generators/acgan/dpsgd.ts).
   */
  auxOnGenerated: boolean;
  /**
   * Weight of the arm loss in the generator's loss (1: the paper's). With
   * auxOnGenerated it counters AC-GAN's pull toward arms further apart
   * than real ones. Neither setting changes the privacy accounting.
   */
  generatorAuxWeight: number;
  /**
   * Chunks of each batch whose gradient sums are computed apart and added in
   * a fixed order (lib/generators/acgan/parallel.ts): a power of two; the
   * chunks run on every core (SPRINT_THREADS), and the numbers depend on the
   * chunks, never on the threads. 1: one program for the whole batch, on one
   * thread (the paper's step; no privacy difference either way).
   */
  chunks: number;
  /** At most this many holdout patients in the per-epoch evaluation. */
  evalSize: number;
}

/** The privacy accountant used (lib/privacy by default). */
export interface Accountant {
  epsilonFor(args: { q: number; noiseMultiplier: number; steps: number; delta: number }): number;
  deltaFor(args: { q: number; noiseMultiplier: number; steps: number; epsilon: number }): number;
}

export interface LossPair {
  gen: number;
  aux: number;
}

export interface EpochRecord {
  epoch: number;
  /** Steps done so far (all epochs). */
  steps: number;
  /** Real patients used in this epoch's steps (Poisson: random). */
  realExamples: number;
  /** Fraction of those whose gradient norm exceeded the clip norm. */
  clippedFraction: number | null;
  train: { d: LossPair; g: LossPair };
  holdout: { d: LossPair; g: LossPair } | null;
  /** Epsilon at `delta` after this epoch; null for a non-private run. */
  epsilon: number | null;
  delta: number;
  /** Delta at each of {@link TARGET_EPSILONS}; null for non-private. */
  deltaAtEpsilon: { epsilon: number; delta: number }[] | null;
  /** Wall time of the epoch (not part of the deterministic record). */
  seconds: number;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  dLoss: number;
  gLoss: number;
  elapsedMs: number;
  /** Estimated time left in this epoch. */
  etaMs: number;
}

export interface TrainOptions extends Partial<Omit<TrainConfig, 'architecture'>> {
  /** Run folder. */
  out: string;
  /** Training cohort (normalized, from lib/data). */
  train: Cohort;
  /** Holdout cohort for the per-epoch losses. */
  holdout?: Cohort | null;
  architecture?: Partial<GanArchitecture>;
  /** Continue an unfinished run in `out` from its last complete epoch. */
  resume?: boolean;
  /** Delete an existing run in `out` and start over. */
  force?: boolean;
  /** Called every ~1% of an epoch. */
  onProgress?: (p: TrainProgress) => void;
  /** Called after each epoch's checkpoint is committed (throwing aborts the run there). */
  onEpoch?: (r: EpochRecord) => void;
  /** Messages (start, resume, budget stop); default console.log. */
  log?: (line: string) => void;
  accountant?: Accountant;
  /** Free-form description of the data (stored in run.json). */
  dataSource?: string;
  /** The kind of data (stored in run.json). */
  dataKind?: DataKind;
}

export interface RunInfo {
  version: 1;
  /** The family that wrote the run (absent in runs written before families existed: an AC-GAN run). */
  generator?: 'acgan';
  config: TrainConfig;
  /**
   * The training cohort: its maxima (with the paper's `--scaling max` part of
   * the model) and fingerprint are exact functions of the patients, so this
   * run folder is the data owner's, never a release (`sprint-gan sample`
   * writes the shareable one); `kind` is absent in runs written before it.
   */
  data: { nTrain: number; nHoldout: number; maxima: [number, number, number]; fingerprint: string; source: string | null; kind?: DataKind | null };
  backend: string;
  /** Sampling rate of real patients per step. */
  q: number;
  discriminatorParams: number;
  generatorParams: number;
  created: string;
}

export interface CheckpointInfo {
  epoch: number;
  steps: number;
  finished: boolean;
  stopReason: 'completed' | 'privacy-budget' | null;
  message: string | null;
}

export interface TrainResult {
  out: string;
  history: EpochRecord[];
  checkpoint: CheckpointInfo;
  run: RunInfo;
}

/** Settings of dp_gan.py / the paper (DESIGN.md `paper` profile). */
export const PAPER_DEFAULTS: Omit<TrainConfig, 'stepsPerEpoch' | 'architecture'> = {
  epochs: 500,
  mode: 'paper',
  batchSize: 1,
  learningRate: 2e-5,
  generatorLearningRate: null,
  beta1: 0.5,
  noiseMultiplier: 1.0,
  clipNorm: 1e-4,
  clipGenerated: false,
  delta: 1e-5,
  targetEpsilon: null,
  seed: 0,
  perExample: 'ghost',
  scaling: null,
  diversityWeight: 0,
  diversityCap: 1.5,
  auxOnGenerated: true,
  generatorAuxWeight: 1,
  chunks: 1,
  evalSize: 1000,
};

export { RunExistsError };

export function resolveConfig(opts: TrainOptions): TrainConfig {
  const base = { ...PAPER_DEFAULTS };
  const pick = <K extends keyof typeof base>(k: K) => (opts[k] ?? base[k]) as (typeof base)[K];
  const mode = pick('mode');
  if (mode !== 'paper' && mode !== 'batched') throw new Error(`mode must be 'paper' or 'batched', got '${mode}'`);
  const batchSize = mode === 'paper' ? 1 : pick('batchSize');
  if (mode === 'paper' && opts.batchSize !== undefined && opts.batchSize !== 1) {
    throw new Error(`mode 'paper' trains with batch 1 (got batch size ${opts.batchSize}); use mode 'batched'.`);
  }
  const n = opts.train.n;
  const cfg: TrainConfig = {
    epochs: pick('epochs'),
    mode,
    batchSize,
    stepsPerEpoch: opts.stepsPerEpoch ?? Math.ceil(n / batchSize),
    learningRate: pick('learningRate'),
    generatorLearningRate: pick('generatorLearningRate'),
    beta1: pick('beta1'),
    noiseMultiplier: pick('noiseMultiplier'),
    clipNorm: pick('clipNorm'),
    clipGenerated: pick('clipGenerated'),
    delta: pick('delta'),
    targetEpsilon: opts.targetEpsilon ?? null,
    seed: pick('seed'),
    architecture: resolveArchitecture(opts.architecture),
    perExample: pick('perExample'),
    scaling: pick('scaling'),
    diversityWeight: pick('diversityWeight'),
    diversityCap: pick('diversityCap'),
    auxOnGenerated: pick('auxOnGenerated'),
    generatorAuxWeight: pick('generatorAuxWeight'),
    chunks: pick('chunks'),
    evalSize: pick('evalSize'),
  };
  const positiveInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt(cfg.epochs, 'epochs');
  positiveInt(cfg.batchSize, 'batch size');
  positiveInt(cfg.stepsPerEpoch, 'steps per epoch');
  if (cfg.batchSize > n) throw new Error(`batch size ${cfg.batchSize} exceeds the ${n} training patients`);
  if (!(cfg.learningRate > 0)) throw new Error(`learning rate must be > 0, got ${cfg.learningRate}`);
  if (cfg.generatorLearningRate !== null && !(cfg.generatorLearningRate > 0 && Number.isFinite(cfg.generatorLearningRate))) {
    throw new Error(`generator learning rate must be > 0, got ${cfg.generatorLearningRate}`);
  }
  if (!(cfg.beta1 >= 0 && cfg.beta1 < 1)) throw new Error(`Adam beta1 must be in [0, 1), got ${cfg.beta1}`);
  if (!(cfg.noiseMultiplier >= 0)) throw new Error(`noise multiplier must be >= 0, got ${cfg.noiseMultiplier}`);
  if (!(cfg.clipNorm > 0)) throw new Error(`clip norm must be > 0 (Infinity: no clipping), got ${cfg.clipNorm}`);
  if (cfg.noiseMultiplier > 0 && !Number.isFinite(cfg.clipNorm)) throw new Error('noise needs a finite clip norm');
  if (!(cfg.delta > 0 && cfg.delta < 1)) throw new Error(`delta must be in (0, 1), got ${cfg.delta}`);
  if (!Number.isInteger(cfg.seed)) throw new Error(`seed must be an integer, got ${cfg.seed}`);
  validateScaling(cfg.scaling);
  if (!(cfg.diversityWeight >= 0 && Number.isFinite(cfg.diversityWeight))) throw new Error(`diversity weight must be >= 0, got ${cfg.diversityWeight}`);
  if (!(cfg.diversityCap > 0 && Number.isFinite(cfg.diversityCap))) throw new Error(`diversity cap must be > 0, got ${cfg.diversityCap}`);
  if (typeof cfg.auxOnGenerated !== 'boolean') throw new Error(`auxOnGenerated must be true or false, got ${cfg.auxOnGenerated}`);
  if (!(cfg.generatorAuxWeight >= 0 && Number.isFinite(cfg.generatorAuxWeight))) throw new Error(`generator arm-loss weight must be >= 0, got ${cfg.generatorAuxWeight}`);
  checkChunks(cfg.chunks);
  if (cfg.chunks > 1 && cfg.mode !== 'batched') throw new Error(`chunks ${cfg.chunks} needs mode 'batched' (the paper's mode trains on one row a step)`);
  if (cfg.chunks > 1 && cfg.perExample !== 'ghost') throw new Error(`chunks ${cfg.chunks} needs the ghost per-example method, not '${cfg.perExample}'`);
  return cfg;
}

/** Whether a config is private (noise added to clipped gradients). */
export function isPrivate(cfg: Pick<TrainConfig, 'noiseMultiplier' | 'clipNorm'>): boolean {
  return cfg.noiseMultiplier > 0 && Number.isFinite(cfg.clipNorm);
}

/** Sampling rate of real patients per step. */
export function samplingRate(cfg: Pick<TrainConfig, 'batchSize'>, nTrain: number): number {
  return Math.min(1, cfg.batchSize / nTrain);
}

/** The default accountant: lib/privacy's RDP (improved conversion). */
const DEFAULT_ACCOUNTANT: Accountant = { epsilonFor: epsilonFor, deltaFor: deltaFor };

function readJson<T>(file: string): T | null {
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Fields that must match to resume a run. */
const RESUME_KEYS: (keyof TrainConfig)[] = [
  'mode',
  'batchSize',
  'stepsPerEpoch',
  'learningRate',
  'generatorLearningRate',
  'beta1',
  'noiseMultiplier',
  'clipNorm',
  'clipGenerated',
  'seed',
  'architecture',
  'scaling',
  'diversityWeight',
  'diversityCap',
  'auxOnGenerated',
  'generatorAuxWeight',
  'chunks',
  'perExample',
  'evalSize',
];

/** Settings added after run.json's first format, with the value that runs written before them trained with. */
const ADDED_SETTINGS: Partial<TrainConfig> = {
  clipGenerated: false,
  generatorLearningRate: null,
  scaling: null,
  diversityWeight: 0,
  diversityCap: 1.5,
  auxOnGenerated: true,
  generatorAuxWeight: 1,
  chunks: 1,
};

function cohortTensor(c: Cohort, arch: GanArchitecture): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [h, w] = arch.patientShape;
  if (c.x.length !== c.n * h * w) throw new Error(`cohort has ${c.x.length} values, expected ${c.n} x ${h} x ${w}`);
  return { x: tf.tensor4d(c.x, [c.n, h, w, 1]), y: tf.tensor1d(Int32Array.from(c.y), 'int32') };
}

/**
 * Mean losses on held-out patients (no dropout), chunked: D on the held-out
 * real patients plus as many generated ones; G on those generated ones
 * labelled real (one generator and one discriminator pass per chunk).
 */
export async function evaluateLosses(
  g: Params,
  d: Params,
  arch: GanArchitecture,
  cohort: Cohort,
  limit: number,
  rng: Random,
  chunk = 256,
): Promise<{ d: LossPair; g: LossPair }> {
  const n = Math.min(cohort.n, limit);
  const [h, w] = arch.patientShape;
  // [D gen, D aux, G gen, G aux] summed over chunks on the backend, read once.
  let sums = tf.zeros([4]) as tf.Tensor1D;
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const next = tf.tidy(() => {
      const real = tf.tensor4d(cohort.x.subarray(start * h * w, (start + m) * h * w), [m, h, w, 1]);
      const realArms = tf.tensor1d(Int32Array.from(cohort.y.subarray(start, start + m)), 'int32');
      const z = uniformTensor(m, arch.latentSize, rng);
      const fakeArms = armsTensor(m, rng, arch.numClasses);
      const fake = generate(g, arch, z, fakeArms);
      const x = tf.concat([real, fake]) as tf.Tensor4D;
      const arms = tf.concat([realArms, fakeArms]) as tf.Tensor1D;
      const targets = tf.concat([tf.ones([m]), tf.zeros([m])]) as tf.Tensor1D;
      const out = discriminate(d, arch, x, null);
      const dl = perExampleLosses(out, targets, arms, arch.numClasses);
      // Generator loss on the same generated rows, labelled real (what G minimizes).
      const fakeOut = { logit: tf.slice(out.logit, [m], [m]), armLogits: tf.slice(out.armLogits, [m, 0], [m, -1]) };
      const gl = perExampleLosses(fakeOut, tf.ones([m]) as tf.Tensor1D, fakeArms, arch.numClasses);
      return tf.add(sums, tf.stack([tf.sum(dl.gen), tf.sum(dl.aux), tf.sum(gl.gen), tf.sum(gl.aux)])) as tf.Tensor1D;
    });
    sums.dispose();
    sums = next;
  }
  const [dGen, dAux, gGen, gAux] = await sums.data();
  sums.dispose();
  return { d: { gen: dGen / (2 * n), aux: dAux / (2 * n) }, g: { gen: gGen / n, aux: gAux / n } };
}

/** A run folder claimed for training (lib/generators/folder.ts), and its history file. */
export interface RunFolder extends ClaimedFolder<RunInfo, CheckpointInfo> {
  historyFile: string;
}

/**
 * Step "set up": the run folder, new, resumed, or refused. Refuses a
 * non-empty folder that is not a run, a run that exists without resume or
 * force, and a resume whose settings or data differ from the run's; with
 * force, empties the folder. Leaves the folder created, locked (release
 * it with `release()`) and without stale temporary files.
 */
export function openRunFolder(opts: Pick<TrainOptions, 'out' | 'resume' | 'force'>, cfg: TrainConfig, fingerprint: string, log: (line: string) => void): RunFolder {
  const claimed = claimRunFolder<RunInfo, CheckpointInfo>(opts.out, opts, log);
  try {
    if (claimed.resuming && claimed.existingRun) checkResumable(claimed.out, claimed.existingRun, cfg, fingerprint);
    removeStaleTemps(claimed.out);
  } catch (err) {
    claimed.release();
    throw err;
  }
  return { ...claimed, historyFile: path.join(claimed.out, 'history.json') };
}

/** Throws when a run cannot be resumed with these settings and data. */
function checkResumable(out: string, existing: RunInfo, cfg: TrainConfig, fingerprint: string): void {
  if ((existing.generator ?? 'acgan') !== 'acgan') {
    throw new Error(`Cannot resume ${out}: it holds a run of generator '${existing.generator}', not 'acgan'.`);
  }
  for (const k of RESUME_KEYS) {
    // Architectures stored before a field existed take that field's default.
    const stored = existing.config[k] ?? ADDED_SETTINGS[k];
    const before = k === 'architecture' ? resolveArchitecture(stored as GanArchitecture) : stored;
    if (JSON.stringify(before) !== JSON.stringify(cfg[k])) {
      throw new Error(
        `Cannot resume ${out}: ${k} was ${JSON.stringify(before)}, now ${JSON.stringify(cfg[k])}. ` +
          'Resume with the same settings (or use force to start over).',
      );
    }
  }
  if (existing.data.fingerprint !== fingerprint) {
    throw new Error(`Cannot resume ${out}: the training data differ from the run's (${existing.data.fingerprint} vs ${fingerprint}).`);
  }
}

/** The two networks and their optimizers: everything a checkpoint stores. */
export interface Networks {
  d: Params;
  g: Params;
  adamD: Adam;
  adamG: Adam;
}

/** Freshly initialized networks of a config (D from the seed, G from seed + 1). */
export function createNetworks(cfg: TrainConfig): Networks {
  const d = createDiscriminator(cfg.architecture, cfg.seed);
  const g = createGenerator(cfg.architecture, cfg.seed + 1);
  return {
    d,
    g,
    adamD: new Adam(d, { learningRate: cfg.learningRate, beta1: cfg.beta1 }),
    adamG: new Adam(g, { learningRate: cfg.generatorLearningRate ?? cfg.learningRate, beta1: cfg.beta1 }),
  };
}

export function disposeNetworks(n: Networks): void {
  disposeParams(n.d);
  disposeParams(n.g);
  n.adamD.dispose();
  n.adamG.dispose();
}

/** Meta data of a training state file. */
interface StateMeta {
  epoch: number;
  steps: number;
  adamDStep: number;
  adamGStep: number;
}

/** Loads the weights and Adam state committed after `epoch` into `nets`. */
export function restoreNetworks(out: string, epoch: number, nets: Networks): void {
  const stateDir = path.join(out, 'state', epochDirName(epoch));
  const state = readTensorState<StateMeta>(stateDir);
  const restore = (p: Params, prefix: string) => {
    for (const [name, v] of p) {
      const e = state.values.get(`${prefix}${name}`);
      if (!e) throw new Error(`checkpoint ${stateDir} lacks ${prefix}${name}`);
      const t = tf.tensor(e.data, v.shape);
      v.assign(t);
      t.dispose();
    }
  };
  restore(nets.d, 'D:');
  restore(nets.g, 'G:');
  const moments = (prefix: string, p: Params) => {
    const m = new Map<string, Float32Array>();
    for (const name of p.keys()) m.set(name, (state.values.get(`${prefix}${name}`) as { data: Float32Array }).data);
    return m;
  };
  nets.adamD.setState(state.meta.adamDStep, moments('mD:', nets.d), moments('vD:', nets.d));
  nets.adamG.setState(state.meta.adamGStep, moments('mG:', nets.g), moments('vG:', nets.g));
}

/** Where a training starts: from scratch, or after a committed epoch. */
interface StartPoint {
  history: EpochRecord[];
  ckpt: CheckpointInfo;
  /** The run was already finished: nothing to train. */
  finished: boolean;
}

/**
 * Step "resume": restores the networks from the last committed epoch and
 * drops what an interrupted attempt wrote after it (history records,
 * generator folders). A fresh run starts at epoch 0.
 */
export function resumePoint(folder: RunFolder, cfg: TrainConfig, nets: Networks, log: (line: string) => void): StartPoint {
  const fresh: CheckpointInfo = { epoch: 0, steps: 0, finished: false, stopReason: null, message: null };
  const existing = folder.existingCkpt;
  if (!folder.resuming) return { history: [], ckpt: fresh, finished: false };
  if (!existing) {
    log(`Resuming ${folder.out}: no complete epoch yet, starting from the beginning.`);
    return { history: [], ckpt: fresh, finished: false };
  }
  const stored = readJson<EpochRecord[]>(folder.historyFile) ?? [];
  if (existing.finished && existing.epoch >= cfg.epochs) {
    log(`${folder.out}: run already finished (${existing.epoch} epochs${existing.message ? `; ${existing.message}` : ''}).`);
    return { history: stored.slice(0, existing.epoch), ckpt: existing, finished: true };
  }
  if (existing.epoch > 0) restoreNetworks(folder.out, existing.epoch, nets);
  const genRoot = path.join(folder.out, 'generator');
  if (fs.existsSync(genRoot)) {
    for (const name of fs.readdirSync(genRoot)) {
      const m = /^epoch-(\d+)$/.exec(name);
      if (m && Number(m[1]) > existing.epoch) fs.rmSync(path.join(genRoot, name), { recursive: true, force: true });
    }
  }
  log(`Resuming ${folder.out} after epoch ${existing.epoch} (step ${existing.steps}).`);
  return { history: stored.slice(0, existing.epoch), ckpt: { ...existing, finished: false, stopReason: null, message: null }, finished: false };
}

/**
 * Step "account" before an epoch: the message that stops training when the
 * epoch would bring epsilon (at delta) above the target; null to go on
 * (always null without a target or an accountant).
 */
export function budgetStop(cfg: TrainConfig, q: number, epoch: number, accountant: Accountant | null): string | null {
  if (!accountant || cfg.targetEpsilon === null) return null;
  const eps = accountant.epsilonFor({ q, noiseMultiplier: cfg.noiseMultiplier, steps: epoch * cfg.stepsPerEpoch, delta: cfg.delta });
  if (eps <= cfg.targetEpsilon) return null;
  return (
    `Stopped before epoch ${epoch}: it would bring epsilon to ${eps.toFixed(4)} > target ${cfg.targetEpsilon} ` +
    `(delta ${cfg.delta}). ${epoch - 1} complete epoch(s) kept.`
  );
}

/** Step "account" after an epoch: epsilon at delta, and delta at each of {@link TARGET_EPSILONS}; nulls when not private. */
export function epochPrivacy(accountant: Accountant | null, cfg: Pick<TrainConfig, 'noiseMultiplier' | 'delta'>, q: number, steps: number): Pick<EpochRecord, 'epsilon' | 'deltaAtEpsilon'> {
  if (!accountant) return { epsilon: null, deltaAtEpsilon: null };
  return {
    epsilon: accountant.epsilonFor({ q, noiseMultiplier: cfg.noiseMultiplier, steps, delta: cfg.delta }),
    deltaAtEpsilon: TARGET_EPSILONS.map((e) => ({
      epsilon: e,
      delta: accountant.deltaFor({ q, noiseMultiplier: cfg.noiseMultiplier, steps, epsilon: e }),
    })),
  };
}

/** What the steps of one epoch summed. */
export interface EpochSums {
  /** STEP_STATS, summed over the epoch's steps. */
  stats: number[];
  realExamples: number;
}

/**
 * Step "one epoch": the epoch's steps, each from its own stream
 * `root.derive('step:' + s)`, reporting progress every ~1% of the epoch.
 */
export async function runEpoch(ctx: StepContext, root: Random, cfg: TrainConfig, epoch: number, onProgress?: (p: TrainProgress) => void): Promise<EpochSums> {
  const spe = cfg.stepsPerEpoch;
  const t0 = Date.now();
  let realExamples = 0;
  // Step statistics (STEP_STATS) summed on the backend; read only for progress and at the end.
  let sums = tf.zeros([STEP_STATS.length]) as tf.Tensor1D;
  const every = Math.max(1, Math.floor(spe / 100));
  for (let k = 0; k < spe; k++) {
    const s = (epoch - 1) * spe + k;
    ctx.nextStep = k + 1 < spe || epoch < cfg.epochs ? root.derive(`step:${s + 1}`) : undefined;
    const r = ganStep(ctx, root.derive(`step:${s}`));
    realExamples += r.nReal;
    const next = tf.add(sums, r.stats) as tf.Tensor1D;
    sums.dispose();
    r.stats.dispose();
    sums = next;
    if (onProgress && ((k + 1) % every === 0 || k + 1 === spe)) {
      const [dG, dA, gG, gA] = await sums.data();
      const elapsedMs = Date.now() - t0;
      onProgress({
        epoch,
        epochs: cfg.epochs,
        step: k + 1,
        stepsPerEpoch: spe,
        dLoss: (dG + dA) / (k + 1),
        gLoss: (gG + gA) / (k + 1),
        elapsedMs,
        etaMs: (elapsedMs / (k + 1)) * (spe - k - 1),
      });
      // Let the event loop run: a notebook kernel sends each write over ZeroMQ, and a second send
      // before the first completed fails (EBUSY, seen in tslab) when only computation came between.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const stats = Array.from(await sums.data());
  sums.dispose();
  return { stats, realExamples };
}

/**
 * Step "checkpoint": the epoch's generator, the training state, the history
 * and, last, checkpoint.json (the commit point; a run killed before it
 * resumes from the previous epoch). Keeps only the latest training state.
 */
export async function commitEpoch(folder: RunFolder, cfg: TrainConfig, nets: Networks, maxima: [number, number, number], history: EpochRecord[]): Promise<CheckpointInfo> {
  const record = history[history.length - 1];
  const { epoch, steps } = record;
  await saveGenerator(path.join(folder.out, 'generator', epochDirName(epoch)), nets.g, {
    architecture: cfg.architecture,
    epoch,
    maxima,
    scaling: cfg.scaling,
    seed: cfg.seed,
    epsilon: record.epsilon,
    delta: cfg.delta,
  });
  const stateTensors: [string, tf.Tensor][] = [];
  for (const [name, v] of nets.d) stateTensors.push([`D:${name}`, v]);
  for (const [name, v] of nets.g) stateTensors.push([`G:${name}`, v]);
  for (const [name, t] of nets.adamD.m) stateTensors.push([`mD:${name}`, t]);
  for (const [name, t] of nets.adamD.v) stateTensors.push([`vD:${name}`, t]);
  for (const [name, t] of nets.adamG.m) stateTensors.push([`mG:${name}`, t]);
  for (const [name, t] of nets.adamG.v) stateTensors.push([`vG:${name}`, t]);
  const meta: StateMeta = { epoch, steps, adamDStep: nets.adamD.step, adamGStep: nets.adamG.step };
  await writeTensorState(path.join(folder.out, 'state', epochDirName(epoch)), meta, stateTensors);
  writeJsonAtomic(folder.historyFile, history);
  const finished = epoch === cfg.epochs;
  const ckpt: CheckpointInfo = { epoch, steps, finished, stopReason: finished ? 'completed' : null, message: null };
  writeJsonAtomic(folder.ckptFile, ckpt); // commit point
  for (const name of fs.readdirSync(path.join(folder.out, 'state'))) {
    if (name !== epochDirName(epoch)) fs.rmSync(path.join(folder.out, 'state', name), { recursive: true, force: true });
  }
  return ckpt;
}

/** The line that says what a training is about to do. */
function startLine(cfg: TrainConfig, nTrain: number, q: number, startEpoch: number, backend: string): string {
  const arch = cfg.architecture;
  return (
    `Training ${cfg.mode} mode: ${nTrain} patients, q=${q.toPrecision(4)}, ${cfg.stepsPerEpoch} steps/epoch, epochs ${startEpoch + 1}..${cfg.epochs}, ` +
    `lr ${cfg.learningRate}${cfg.generatorLearningRate !== null ? ` (generator ${cfg.generatorLearningRate})` : ''}, ` +
    (arch.dropout !== PAPER_ARCHITECTURE.dropout ? `D dropout ${arch.dropout}, ` : '') +
    (arch.dDeviation ? 'D sees deviations from each patient\'s mean, ' : '') +
    (cfg.scaling ? `data scaled (raw - ${cfg.scaling.center.join('/')}) / ${cfg.scaling.scale.join('/')}, ` : '') +
    (cfg.diversityWeight > 0 ? `generator diversity ${cfg.diversityWeight} (cap ${cfg.diversityCap}), ` : '') +
    (cfg.auxOnGenerated ? '' : 'D arm head on real rows only, ') +
    (cfg.generatorAuxWeight !== 1 ? `G arm-loss weight ${cfg.generatorAuxWeight}, ` : '') +
    // Not the threads: they never change a number, and the line is part of the notebooks' stored outputs.
    (cfg.chunks > 1 ? `batches in ${cfg.chunks} chunks, ` : '') +
    (isPrivate(cfg) ? `noise ${cfg.noiseMultiplier}, clip ${cfg.clipNorm}${cfg.clipGenerated ? ' (generated rows too)' : ''}, delta ${cfg.delta}` : 'non-private') +
    `, backend ${backend}.`
  );
}

/** The step context of a training: the networks, the data on the backend, the DP settings. */
function stepContext(cfg: TrainConfig, nets: Networks, train: Cohort, q: number): StepContext {
  const usePlain = !Number.isFinite(cfg.clipNorm) && cfg.noiseMultiplier === 0;
  // The GAN sees its own space; run.json and the generators keep the cohort's maxima and the scaling.
  const ganSpace = toGanSpace(train, cfg.scaling);
  return {
    ...nets,
    arch: cfg.architecture,
    data: cohortTensor(ganSpace, cfg.architecture),
    dataValues: { x: ganSpace.x, y: Int32Array.from(ganSpace.y) },
    nTrain: train.n,
    q,
    batchSize: cfg.batchSize,
    dp: { clipNorm: cfg.clipNorm, noiseMultiplier: cfg.noiseMultiplier, expectedBatchSize: cfg.batchSize, clipGenerated: cfg.clipGenerated, auxOnGenerated: cfg.auxOnGenerated },
    plain: usePlain,
    perExample: cfg.perExample,
    diversity: { weight: cfg.diversityWeight, cap: cfg.diversityCap },
    generatorAuxWeight: cfg.generatorAuxWeight,
    chunks: cfg.chunks,
    // DP noise drawn on the second core while each step runs (same numbers).
    noiseWorker: isPrivate(cfg) && noiseWorkerWanted() ? new NoiseWorker(countParams(nets.d)) : undefined,
  };
}

/**
 * Trains (or resumes) a DP AC-GAN into the run folder `opts.out`; resolves
 * when the run is finished or stopped by the privacy budget. The loop over
 * named steps: set up or resume, then per epoch: account (budget stop), one
 * epoch, evaluate, account, checkpoint.
 */
export async function trainGan(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const cfg = resolveConfig(opts);
  const nTrain = opts.train.n;
  const q = cfg.mode === 'paper' ? 1 / nTrain : samplingRate(cfg, nTrain);
  const accountant = isPrivate(cfg) ? (opts.accountant ?? DEFAULT_ACCOUNTANT) : null;
  const fingerprint = cohortFingerprint(opts.train);
  const folder = openRunFolder(opts, cfg, fingerprint, log);
  try {
    return await trainInFolder(opts, cfg, folder, q, accountant, fingerprint, log);
  } finally {
    folder.release();
  }
}

/** trainGan's work in a claimed (locked) run folder. */
async function trainInFolder(
  opts: TrainOptions,
  cfg: TrainConfig,
  folder: RunFolder,
  q: number,
  accountant: Accountant | null,
  fingerprint: string,
  log: (line: string) => void,
): Promise<TrainResult> {
  const nTrain = opts.train.n;
  const nets = createNetworks(cfg);
  const run: RunInfo = {
    version: 1,
    generator: 'acgan',
    config: cfg,
    data: { nTrain, nHoldout: opts.holdout?.n ?? 0, maxima: opts.train.maxima, fingerprint, source: opts.dataSource ?? null, kind: opts.dataKind ?? null },
    backend: tf.getBackend(),
    q,
    discriminatorParams: countParams(nets.d),
    generatorParams: countParams(nets.g),
    created: folder.resuming && folder.existingRun ? folder.existingRun.created : new Date().toISOString(),
  };
  if (folder.resuming && folder.existingRun && folder.existingRun.backend !== run.backend) {
    log(`Note: run started on backend ${folder.existingRun.backend}, resuming on ${run.backend}: numbers can differ in the last bits.`);
  }
  writeJsonAtomic(folder.runFile, run);

  let ctx: StepContext | null = null;
  try {
    const start = resumePoint(folder, cfg, nets, log);
    let { history, ckpt } = start;
    if (start.finished) return { out: folder.out, history, checkpoint: ckpt, run };
    ctx = stepContext(cfg, nets, opts.train, q);
    const holdoutSet = opts.holdout && opts.holdout.n > 0 ? toGanSpace(opts.holdout, cfg.scaling) : null;
    const root = new Random(cfg.seed);
    log(startLine(cfg, nTrain, q, ckpt.epoch, run.backend));
    for (let epoch = ckpt.epoch + 1; epoch <= cfg.epochs; epoch++) {
      const stop = budgetStop(cfg, q, epoch, accountant);
      if (stop) {
        log(stop);
        ckpt = { ...ckpt, finished: true, stopReason: 'privacy-budget', message: stop };
        writeJsonAtomic(folder.ckptFile, ckpt);
        return { out: folder.out, history, checkpoint: ckpt, run };
      }
      const t0 = Date.now();
      const sums = await runEpoch(ctx, root, cfg, epoch, opts.onProgress);
      const [dGen, dAux, gGen, gAux, clipped] = sums.stats;
      const spe = cfg.stepsPerEpoch;
      const holdout = holdoutSet ? await evaluateLosses(nets.g, nets.d, cfg.architecture, holdoutSet, cfg.evalSize, root.derive(`eval:${epoch}`)) : null;
      const steps = epoch * spe;
      const privacy = epochPrivacy(accountant, cfg, q, steps);
      const record: EpochRecord = {
        epoch,
        steps,
        realExamples: sums.realExamples,
        clippedFraction: ctx.plain || sums.realExamples === 0 ? null : clipped / sums.realExamples,
        train: { d: { gen: dGen / spe, aux: dAux / spe }, g: { gen: gGen / spe, aux: gAux / spe } },
        holdout,
        epsilon: privacy.epsilon,
        delta: cfg.delta,
        deltaAtEpsilon: privacy.deltaAtEpsilon,
        seconds: (Date.now() - t0) / 1000,
      };
      history = [...history, record];
      ckpt = await commitEpoch(folder, cfg, nets, opts.train.maxima, history);
      opts.onEpoch?.(record);
    }
    return { out: folder.out, history, checkpoint: ckpt, run };
  } finally {
    await ctx?.noiseWorker?.dispose();
    ctx?.data.x.dispose();
    ctx?.data.y.dispose();
    disposeNetworks(nets);
  }
}

/** A one-line progress bar, e.g. for `process.stdout.write('\r' + progressLine(p))`. */
export function progressLine(p: TrainProgress, width = 24): string {
  const frac = p.step / p.stepsPerEpoch;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const secs = (ms: number) => (ms >= 60000 ? `${(ms / 60000).toFixed(1)}m` : `${(ms / 1000).toFixed(1)}s`);
  return (
    `epoch ${p.epoch}/${p.epochs} [${bar}] ${p.step}/${p.stepsPerEpoch} ` +
    `D ${p.dLoss.toFixed(4)} G ${p.gLoss.toFixed(4)} ${secs(p.elapsedMs)} eta ${secs(p.etaMs)}`
  );
}

/**
 * Progress callback drawing a carriage-return bar on a stream (by default the
 * notebook's stdout under tslab or Deno, see lib/display.ts; stderr on the
 * CLI), at most `updatesPerEpoch` times an epoch plus the epoch's last step. In a notebook every write is one Jupyter
 * message; tslab's kernel has been seen to die (ZeroMQ EBUSY) during a
 * training cell that wrote ~100 a second epoch after epoch.
 */
export function progressBar(stream: { write(s: string): unknown } = stdout, updatesPerEpoch = 20): (p: TrainProgress) => void {
  return (p) => {
    // Every k-th step (k fixed by the epoch's length, so the output does not depend on timing) and the last.
    const every = Math.max(1, Math.ceil(p.stepsPerEpoch / updatesPerEpoch));
    if (p.step % every !== 0 && p.step !== p.stepsPerEpoch) return;
    // One write per update: a kernel sends each write as one message (see runEpoch).
    stream.write(`\r${progressLine(p)}${p.step === p.stepsPerEpoch ? '\n' : ''}`);
  };
}
