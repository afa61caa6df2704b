/**
 * Synthetic patients from a trained generator or from an epoch of a run
 * folder (lib/data/write.ts writes them as a SPRINT-format folder).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../random';
import type { Cohort } from '../../data/cohort';
import { syntheticMaskIds } from '../../data/format';
import { type GanArchitecture, type Params, generate, paramArrays } from './models';
import { fillUniform } from '../../compute/noise';
import { type DataScaling, fromGanSpace } from '../../data/scaling';
import { epochDirName, loadGenerator } from './checkpoint';
import { readSync } from '../../compute/backend';
import { type GenerateJob, generateInParallel, generationThreads } from './generator-pool';

export interface SampleOptions {
  /** Seed of the latent vectors and arms (default 0). */
  seed?: number;
  /** Per-measure maxima (SBP, DBP, N_BPCLASSES) of the training data, stored in the cohort. */
  maxima: [number, number, number];
  /** The space the generator was trained in (its metadata's `scaling`; default null, the cohort's own). */
  scaling?: DataScaling | null;
  /** Arms: drawn uniformly (default, as the original) or an exact 50/50 split. */
  arms?: 'random' | 'balanced';
  /** Patients per generator call (default 1000). */
  chunk?: number;
  /** First MASKID number (default 1: SYN-A000001, SYN-A000002, ...; lib/data syntheticMaskIds). */
  firstId?: number;
  /** Threads (default: lib/generators/acgan/generator-pool.ts's generationThreads). Same numbers for any count. */
  threads?: number;
}

/** Below this many rows a part is not worth a worker round trip. */
const PARALLEL_MIN_ROWS = 500;

/**
 * Generates `n` patients: z ~ U[-1, 1]^latent, arm ~ U{0, 1}; the result is a
 * normalized {@link Cohort} (values on the training data's [0, 1] scale).
 */
export function sampleCohort(g: Params, arch: GanArchitecture, n: number, opts: SampleOptions): Cohort {
  if (!Number.isInteger(n) || n < 1) throw new Error(`number of patients must be a positive integer, got ${n}`);
  const rng = new Random(opts.seed ?? 0).derive('sample');
  const zRng = rng.derive('z');
  const armRng = rng.derive('arms');
  const chunk = opts.chunk ?? 1000;
  const [h, w] = arch.patientShape;
  const per = h * w;
  const L = arch.latentSize;
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = opts.arms === 'balanced' ? i % 2 : armRng.int(0, arch.numClasses);
  const z = fillUniform(new Float32Array(n * L), zRng, -1, 1);
  const arms = Int32Array.from(y);
  /** Generates rows [from, to) into `out` (float offset from * per). */
  const rows = (out: Float32Array, from: number, to: number) => {
    for (let start = from; start < to; start += chunk) {
      const m = Math.min(chunk, to - start);
      const vals = tf.tidy(() =>
        readSync(generate(g, arch, tf.tensor2d(z.subarray(start * L, (start + m) * L), [m, L]), tf.tensor1d(arms.subarray(start, start + m), 'int32')), 'sampling patients'),
      );
      out.set(vals, start * per);
    }
  };
  const threads = opts.threads ?? generationThreads(tf.getBackend());
  // Contiguous parts of at least PARALLEL_MIN_ROWS rows: the first here, the others on worker threads.
  const parts = Math.max(1, Math.min(threads, Math.floor(n / PARALLEL_MIN_ROWS)));
  let x: Float32Array;
  if (parts > 1) {
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * n) / parts));
    x = new Float32Array(new SharedArrayBuffer(n * per * 4));
    const weights = paramArrays(g, 'sampling patients');
    const jobs: GenerateJob[] = bounds.slice(1, -1).map((from, i) => ({
      backend: tf.getBackend(),
      arch,
      weights,
      z: z.subarray(from * L, bounds[i + 2] * L),
      arms: arms.subarray(from, bounds[i + 2]),
      n: bounds[i + 2] - from,
      chunk,
      valuesPerPatient: per,
      out: x.buffer as SharedArrayBuffer,
      outOffset: from * per,
    }));
    generateInParallel(jobs, () => rows(x, 0, bounds[1]), (i) => rows(x, bounds[i + 1], bounds[i + 2]));
    x = x.slice(); // an ordinary (not shared) buffer for the caller
  } else {
    x = new Float32Array(n * per);
    rows(x, 0, n);
  }
  fromGanSpace(x, opts.maxima, opts.scaling ?? null, per);
  const maskIds = syntheticMaskIds('A', n, opts.firstId ?? 1);
  return { n, x, y, maskIds, maxima: [...opts.maxima] as [number, number, number] };
}

/** Generates from the checkpoint of `epoch` (default: the last complete one) of a run folder. */
export function sampleFromRun(runDir: string, n: number, opts: { epoch?: number; seed?: number; arms?: 'random' | 'balanced' } = {}): Cohort {
  const epoch = opts.epoch ?? latestEpoch(runDir);
  const { params, meta } = loadGenerator(path.join(runDir, 'generator', epochDirName(epoch)));
  try {
    return sampleCohort(params, meta.architecture, n, { seed: opts.seed, maxima: meta.maxima, scaling: meta.scaling, arms: opts.arms });
  } finally {
    for (const v of params.values()) v.dispose();
  }
}

/** The last epoch with a generator checkpoint in a run folder. */
export function latestEpoch(runDir: string): number {
  const ckptFile = path.join(runDir, 'checkpoint.json');
  if (fs.existsSync(ckptFile)) {
    const ckpt = JSON.parse(fs.readFileSync(ckptFile, 'utf8')) as { epoch: number };
    if (ckpt.epoch > 0) return ckpt.epoch;
  }
  throw new Error(`${runDir}: no complete epoch (checkpoint.json missing or at epoch 0). Train first.`);
}
