/**
 * The DP AC-GAN training loop (dp_gan.py's schedule) with per-epoch
 * checkpoints, privacy accounting, a budget stop, and exact resume.
 *
 * One step (global step s = 0, 1, ...):
 * 1. Discriminator: Poisson-sample the real patients (rate q); generate B
 *    patients from uniform z and random arms; one DP-SGD update on the
 *    real rows (clipped, noised) plus the generated rows (not private), see
 *    lib/gan/dpsgd.ts; Adam.
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
 */
import { deltaFor, epsilonFor } from '../privacy/index';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../random';
import { type Cohort, cohortFingerprint } from '../data/cohort';
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
import { NoiseWorker, noiseWorkerWanted } from './noise-pool';
import { type DataScaling, toGanSpace, validateScaling } from './scaling';
import {
  epochDirName,
  readTensorState,
  removeStaleTemps,
  saveGenerator,
  writeTensorState,
} from './checkpoint';
import { writeJsonAtomic } from '../fs';

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
  /** Clip each generated row's gradient at clipNorm too (lib/gan/dpsgd.ts; no privacy role). */
  clipGenerated: boolean;
  delta: number;
  /** Stop before an epoch would push epsilon (at delta) above this; null: no limit. */
  targetEpsilon: number | null;
  seed: number;
  architecture: GanArchitecture;
  perExample: PerExampleMethod;
  /**
   * The space the GAN trains in (lib/gan/scaling.ts): null = the cohort's
   * [0, 1] values (the paper's); else (raw - center) / scale per measure with
   * fixed, data-independent constants such as SPRINT_SCALING.
   */
  scaling: DataScaling | null;
  /**
   * Weight of the generator's diversity term (lib/gan/step.ts's
   * DiversityOptions; 0 = the paper's loss). No privacy cost: only the
   * generator's loss changes.
   */
  diversityWeight: number;
  /** The term's cap, in the GAN space's units per unit of latent distance (real same-arm pairs: 1.63 with SPRINT_SCALING, 0.18 unscaled). */
  diversityCap: number;
  /**
   * Whether the discriminator's arm head also learns from generated rows
   * (true: the paper's AC-GAN; false: real rows only, lib/gan/dpsgd.ts).
   */
  auxOnGenerated: boolean;
  /**
   * Weight of the arm loss in the generator's loss (1: the paper's). With
   * auxOnGenerated it counters AC-GAN's pull toward arms further apart
   * than real ones. Neither setting changes the privacy accounting.
   */
  generatorAuxWeight: number;
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
}

export interface RunInfo {
  version: 1;
  config: TrainConfig;
  data: { nTrain: number; nHoldout: number; maxima: [number, number, number]; fingerprint: string; source: string | null };
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
  evalSize: 1000,
};

export class RunExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunExistsError';
  }
}

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

/**
 * Trains (or resumes) a DP AC-GAN into the run folder `opts.out`; resolves
 * when the run is finished or stopped by the privacy budget.
 */
export async function trainGan(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const cfg = resolveConfig(opts);
  const arch = cfg.architecture;
  const out = path.resolve(opts.out);
  const nTrain = opts.train.n;
  const q = cfg.mode === 'paper' ? 1 / nTrain : samplingRate(cfg, nTrain);
  const priv = isPrivate(cfg);
  const accountant = priv ? (opts.accountant ?? DEFAULT_ACCOUNTANT) : null;

  // --- The run folder: new, resumed, or refused.
  const runFile = path.join(out, 'run.json');
  const ckptFile = path.join(out, 'checkpoint.json');
  const historyFile = path.join(out, 'history.json');
  const existingRun = readJson<RunInfo>(runFile);
  const existingCkpt = readJson<CheckpointInfo>(ckptFile);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    if (!existingRun && !existingCkpt) {
      throw new RunExistsError(`${out} exists and is not a sprint-gan run folder; choose an empty or new folder.`);
    }
    if (opts.force) {
      log(`Removing the existing run in ${out} (force).`);
      for (const name of fs.readdirSync(out)) fs.rmSync(path.join(out, name), { recursive: true, force: true });
    } else if (!opts.resume) {
      const what = existingCkpt?.finished ? 'a finished run' : `an unfinished run (last complete epoch ${existingCkpt?.epoch ?? 0})`;
      throw new RunExistsError(`${out} holds ${what}. Use resume to continue it, or force to delete it and start over.`);
    }
  }
  const resuming = !!opts.resume && !opts.force && !!existingRun;
  const dataInfo = {
    nTrain,
    nHoldout: opts.holdout?.n ?? 0,
    maxima: opts.train.maxima,
    fingerprint: cohortFingerprint(opts.train),
    source: opts.dataSource ?? null,
  };
  if (resuming && existingRun) {
    for (const k of RESUME_KEYS) {
      // Architectures stored before a field existed take that field's default.
      const stored = existingRun.config[k] ?? ADDED_SETTINGS[k];
      const before = k === 'architecture' ? resolveArchitecture(stored as GanArchitecture) : stored;
      if (JSON.stringify(before) !== JSON.stringify(cfg[k])) {
        throw new Error(
          `Cannot resume ${out}: ${k} was ${JSON.stringify(before)}, now ${JSON.stringify(cfg[k])}. ` +
            'Resume with the same settings (or use force to start over).',
        );
      }
    }
    if (existingRun.data.fingerprint !== dataInfo.fingerprint) {
      throw new Error(`Cannot resume ${out}: the training data differ from the run's (${existingRun.data.fingerprint} vs ${dataInfo.fingerprint}).`);
    }
  }
  fs.mkdirSync(out, { recursive: true });
  removeStaleTemps(out);

  const d = createDiscriminator(arch, cfg.seed);
  const g = createGenerator(arch, cfg.seed + 1);
  const adamD = new Adam(d, { learningRate: cfg.learningRate, beta1: cfg.beta1 });
  const adamG = new Adam(g, { learningRate: cfg.generatorLearningRate ?? cfg.learningRate, beta1: cfg.beta1 });
  const run: RunInfo = {
    version: 1,
    config: cfg,
    data: dataInfo,
    backend: tf.getBackend(),
    q,
    discriminatorParams: countParams(d),
    generatorParams: countParams(g),
    created: existingRun && resuming ? existingRun.created : new Date().toISOString(),
  };
  if (resuming && existingRun && existingRun.backend !== run.backend) {
    log(`Note: run started on backend ${existingRun.backend}, resuming on ${run.backend}: numbers can differ in the last bits.`);
  }
  writeJsonAtomic(runFile, run);

  let history: EpochRecord[] = [];
  let startEpoch = 0;
  let ckpt: CheckpointInfo = { epoch: 0, steps: 0, finished: false, stopReason: null, message: null };
  const disposeAll = () => {
    disposeParams(d);
    disposeParams(g);
    adamD.dispose();
    adamG.dispose();
  };

  if (resuming && existingCkpt) {
    if (existingCkpt.finished && existingCkpt.epoch >= cfg.epochs) {
      history = (readJson<EpochRecord[]>(historyFile) ?? []).slice(0, existingCkpt.epoch);
      log(`${out}: run already finished (${existingCkpt.epoch} epochs${existingCkpt.message ? `; ${existingCkpt.message}` : ''}).`);
      disposeAll();
      return { out, history, checkpoint: existingCkpt, run };
    }
    if (existingCkpt.epoch > 0) {
      const stateDir = path.join(out, 'state', epochDirName(existingCkpt.epoch));
      const state = readTensorState<{ epoch: number; steps: number; adamDStep: number; adamGStep: number }>(stateDir);
      const restore = (p: Params, prefix: string) => {
        for (const [name, v] of p) {
          const e = state.values.get(`${prefix}${name}`);
          if (!e) throw new Error(`checkpoint ${stateDir} lacks ${prefix}${name}`);
          const t = tf.tensor(e.data, v.shape);
          v.assign(t);
          t.dispose();
        }
      };
      restore(d, 'D:');
      restore(g, 'G:');
      const moments = (prefix: string, p: Params) => {
        const m = new Map<string, Float32Array>();
        for (const name of p.keys()) m.set(name, (state.values.get(`${prefix}${name}`) as { data: Float32Array }).data);
        return m;
      };
      adamD.setState(state.meta.adamDStep, moments('mD:', d), moments('vD:', d));
      adamG.setState(state.meta.adamGStep, moments('mG:', g), moments('vG:', g));
    }
    startEpoch = existingCkpt.epoch;
    ckpt = { ...existingCkpt, finished: false, stopReason: null, message: null };
    history = (readJson<EpochRecord[]>(historyFile) ?? []).slice(0, startEpoch);
    // Generator folders of epochs after the checkpoint are from the interrupted attempt.
    const genRoot = path.join(out, 'generator');
    if (fs.existsSync(genRoot)) {
      for (const name of fs.readdirSync(genRoot)) {
        const m = /^epoch-(\d+)$/.exec(name);
        if (m && Number(m[1]) > startEpoch) fs.rmSync(path.join(genRoot, name), { recursive: true, force: true });
      }
    }
    log(`Resuming ${out} after epoch ${startEpoch} (step ${ckpt.steps}).`);
  } else if (resuming) {
    log(`Resuming ${out}: no complete epoch yet, starting from the beginning.`);
  }

  // The GAN sees its own space; run.json and the generators keep the cohort's maxima and the scaling.
  const data = cohortTensor(toGanSpace(opts.train, cfg.scaling), arch);
  const holdoutSet = opts.holdout && opts.holdout.n > 0 ? toGanSpace(opts.holdout, cfg.scaling) : null;
  const root = new Random(cfg.seed);
  const B = cfg.batchSize;
  const spe = cfg.stepsPerEpoch;
  const dpOpts = { clipNorm: cfg.clipNorm, noiseMultiplier: cfg.noiseMultiplier, expectedBatchSize: B, clipGenerated: cfg.clipGenerated, auxOnGenerated: cfg.auxOnGenerated };
  const usePlain = !Number.isFinite(cfg.clipNorm) && cfg.noiseMultiplier === 0;
  const stepCtx: StepContext = {
    d,
    g,
    arch,
    adamD,
    adamG,
    data,
    nTrain,
    q,
    batchSize: B,
    dp: dpOpts,
    plain: usePlain,
    perExample: cfg.perExample,
    diversity: { weight: cfg.diversityWeight, cap: cfg.diversityCap },
    generatorAuxWeight: cfg.generatorAuxWeight,
    // DP noise drawn on the second core while each step runs (same numbers).
    noiseWorker: priv && noiseWorkerWanted() ? new NoiseWorker(countParams(d)) : undefined,
  };

  log(
    `Training ${cfg.mode} mode: ${nTrain} patients, q=${q.toPrecision(4)}, ${spe} steps/epoch, epochs ${startEpoch + 1}..${cfg.epochs}, ` +
      `lr ${cfg.learningRate}${cfg.generatorLearningRate !== null ? ` (generator ${cfg.generatorLearningRate})` : ''}, ` +
      (arch.dropout !== PAPER_ARCHITECTURE.dropout ? `D dropout ${arch.dropout}, ` : '') +
      (arch.dDeviation ? 'D sees deviations from each patient\'s mean, ' : '') +
      (cfg.scaling ? `data scaled (raw - ${cfg.scaling.center.join('/')}) / ${cfg.scaling.scale.join('/')}, ` : '') +
      (cfg.diversityWeight > 0 ? `generator diversity ${cfg.diversityWeight} (cap ${cfg.diversityCap}), ` : '') +
      (cfg.auxOnGenerated ? '' : 'D arm head on real rows only, ') +
      (cfg.generatorAuxWeight !== 1 ? `G arm-loss weight ${cfg.generatorAuxWeight}, ` : '') +
      (priv ? `noise ${cfg.noiseMultiplier}, clip ${cfg.clipNorm}${cfg.clipGenerated ? ' (generated rows too)' : ''}, delta ${cfg.delta}` : 'non-private') +
      `, backend ${run.backend}.`,
  );

  try {
    for (let epoch = startEpoch + 1; epoch <= cfg.epochs; epoch++) {
      // Privacy budget: refuse to start an epoch that would exceed it.
      if (priv && accountant && cfg.targetEpsilon !== null) {
        const eps = accountant.epsilonFor({ q, noiseMultiplier: cfg.noiseMultiplier, steps: epoch * spe, delta: cfg.delta });
        if (eps > cfg.targetEpsilon) {
          const message =
            `Stopped before epoch ${epoch}: it would bring epsilon to ${eps.toFixed(4)} > target ${cfg.targetEpsilon} ` +
            `(delta ${cfg.delta}). ${epoch - 1} complete epoch(s) kept.`;
          log(message);
          ckpt = { ...ckpt, finished: true, stopReason: 'privacy-budget', message };
          writeJsonAtomic(ckptFile, ckpt);
          return { out, history, checkpoint: ckpt, run };
        }
      }
      const t0 = Date.now();
      let realExamples = 0;
      // Step statistics (STEP_STATS) summed on the backend; read only for progress and at the end.
      let sums = tf.zeros([STEP_STATS.length]) as tf.Tensor1D;
      const every = Math.max(1, Math.floor(spe / 100));
      for (let k = 0; k < spe; k++) {
        const s = (epoch - 1) * spe + k;
        stepCtx.nextStep = k + 1 < spe || epoch < cfg.epochs ? root.derive(`step:${s + 1}`) : undefined;
        const r = ganStep(stepCtx, root.derive(`step:${s}`));
        realExamples += r.nReal;
        const next = tf.add(sums, r.stats) as tf.Tensor1D;
        sums.dispose();
        r.stats.dispose();
        sums = next;
        if (opts.onProgress && ((k + 1) % every === 0 || k + 1 === spe)) {
          const [dG, dA, gG, gA] = await sums.data();
          const elapsedMs = Date.now() - t0;
          opts.onProgress({
            epoch,
            epochs: cfg.epochs,
            step: k + 1,
            stepsPerEpoch: spe,
            dLoss: (dG + dA) / (k + 1),
            gLoss: (gG + gA) / (k + 1),
            elapsedMs,
            etaMs: (elapsedMs / (k + 1)) * (spe - k - 1),
          });
        }
      }
      const [dGen, dAux, gGen, gAux, clipped] = await sums.data();
      sums.dispose();
      // ---- End of epoch: evaluate, account, checkpoint.
      const holdout = holdoutSet ? await evaluateLosses(g, d, arch, holdoutSet, cfg.evalSize, root.derive(`eval:${epoch}`)) : null;
      const steps = epoch * spe;
      let epsilon: number | null = null;
      let deltaAtEpsilon: { epsilon: number; delta: number }[] | null = null;
      if (priv && accountant) {
        epsilon = accountant.epsilonFor({ q, noiseMultiplier: cfg.noiseMultiplier, steps, delta: cfg.delta });
        deltaAtEpsilon = TARGET_EPSILONS.map((e) => ({
          epsilon: e,
          delta: accountant.deltaFor({ q, noiseMultiplier: cfg.noiseMultiplier, steps, epsilon: e }),
        }));
      }
      const record: EpochRecord = {
        epoch,
        steps,
        realExamples,
        clippedFraction: usePlain || realExamples === 0 ? null : clipped / realExamples,
        train: { d: { gen: dGen / spe, aux: dAux / spe }, g: { gen: gGen / spe, aux: gAux / spe } },
        holdout,
        epsilon,
        delta: cfg.delta,
        deltaAtEpsilon,
        seconds: (Date.now() - t0) / 1000,
      };
      await saveGenerator(path.join(out, 'generator', epochDirName(epoch)), g, {
        architecture: arch,
        epoch,
        maxima: opts.train.maxima,
        scaling: cfg.scaling,
        seed: cfg.seed,
        epsilon,
        delta: cfg.delta,
      });
      const stateTensors: [string, tf.Tensor][] = [];
      for (const [name, v] of d) stateTensors.push([`D:${name}`, v]);
      for (const [name, v] of g) stateTensors.push([`G:${name}`, v]);
      for (const [name, t] of adamD.m) stateTensors.push([`mD:${name}`, t]);
      for (const [name, t] of adamD.v) stateTensors.push([`vD:${name}`, t]);
      for (const [name, t] of adamG.m) stateTensors.push([`mG:${name}`, t]);
      for (const [name, t] of adamG.v) stateTensors.push([`vG:${name}`, t]);
      await writeTensorState(path.join(out, 'state', epochDirName(epoch)), { epoch, steps, adamDStep: adamD.step, adamGStep: adamG.step }, stateTensors);
      history = [...history, record];
      writeJsonAtomic(historyFile, history);
      const finished = epoch === cfg.epochs;
      ckpt = { epoch, steps, finished, stopReason: finished ? 'completed' : null, message: null };
      writeJsonAtomic(ckptFile, ckpt); // commit point
      // Only the latest training state is kept.
      for (const name of fs.readdirSync(path.join(out, 'state'))) {
        if (name !== epochDirName(epoch)) fs.rmSync(path.join(out, 'state', name), { recursive: true, force: true });
      }
      opts.onEpoch?.(record);
    }
    return { out, history, checkpoint: ckpt, run };
  } finally {
    await stepCtx.noiseWorker?.dispose();
    data.x.dispose();
    data.y.dispose();
    disposeAll();
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
 * Progress callback drawing a carriage-return bar on a stream (stdout in
 * notebooks, stderr on the CLI), at most `updatesPerEpoch` times an epoch
 * plus the epoch's last step. In a notebook every write is one Jupyter
 * message; tslab's kernel has been seen to die (ZeroMQ EBUSY) during a
 * training cell that wrote ~100 a second epoch after epoch.
 */
export function progressBar(stream: { write(s: string): unknown } = process.stdout, updatesPerEpoch = 20): (p: TrainProgress) => void {
  return (p) => {
    // Every k-th step (k fixed by the epoch's length, so the output does not depend on timing) and the last.
    const every = Math.max(1, Math.ceil(p.stepsPerEpoch / updatesPerEpoch));
    if (p.step % every !== 0 && p.step !== p.stepsPerEpoch) return;
    stream.write(`\r${progressLine(p)}`);
    if (p.step === p.stepsPerEpoch) stream.write('\n');
  };
}
