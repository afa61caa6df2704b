/**
 * Generating patients on two cores.
 *
 * TF.js's wasm backend runs on one thread in Node, and generating a cohort is
 * compute-bound (the generator's 5x5 convolution), so a worker thread with its
 * own wasm backend generates the second half of the rows while this thread
 * generates the first. The API stays synchronous (sampling is called from
 * synchronous scoring code): the worker writes into a SharedArrayBuffer and
 * sets a completion word that this thread waits on with Atomics.wait, which
 * needs no event loop on either side.
 *
 * The numbers are exactly the single-threaded ones: the same backend and
 * kernels, the same latent vectors and arms (drawn here), and rows computed
 * independently of each other (tested). If the worker cannot start or fails,
 * this thread generates its rows itself and says so once on stderr.
 *
 * The worker (lib/compute/workers/channel.ts) is started on first use and kept
 * for later calls: loading TF.js and compiling wasm costs about a second.
 */
import * as path from 'node:path';
import type { GanArchitecture } from './models';
import { JobWorker, useSecondCore } from '../../compute/workers/channel';

/** One job for lib/generators/acgan/workers/generate.ts. */
export interface GenerateJob {
  backend: string;
  arch: GanArchitecture;
  /** Generator weights: name, shape, values. */
  weights: [string, number[], Float32Array][];
  /** Latent vectors [n, latentSize] and arms [n] of the job's rows. */
  z: Float32Array;
  arms: Int32Array;
  n: number;
  chunk: number;
  valuesPerPatient: number;
  /** Output: float32 values, written from float index `outOffset`. */
  out: SharedArrayBuffer;
  outOffset: number;
}

let worker: JobWorker<GenerateJob> | null = null;
let broken: string | null = null;

/**
 * Threads to generate with: 2 on the wasm backend on a machine with at least
 * two cores (SPRINT_THREADS=1 turns it off), else 1 (native TensorFlow and
 * WebGPU parallelize themselves; cpu is the slow reference backend).
 */
export function generationThreads(backend: string): 1 | 2 {
  return backend === 'wasm' && !broken && useSecondCore() ? 2 : 1;
}

/**
 * Runs `job` on the worker while `mine()` runs here; falls back to `fallback()`
 * (this thread computes the worker's rows) if the worker fails.
 */
export function generateInParallel(job: GenerateJob, mine: () => void, fallback: () => void): void {
  let wait: (() => void) | null = null;
  try {
    worker ??= new JobWorker<GenerateJob>(path.join(__dirname, 'workers', 'generate.ts'));
    // Generous: a second or two to start, then a few ms a patient on a slow machine.
    wait = worker.start(job, 120_000 + 20 * job.n);
  } catch (err) {
    disable(err);
  }
  mine();
  if (!wait) {
    fallback();
    return;
  }
  try {
    wait();
  } catch (err) {
    disable(err);
    fallback();
  }
}

function disable(err: unknown): void {
  broken = err instanceof Error ? err.message : String(err);
  process.stderr.write(`sprint-gan: generating on one thread (the generation worker failed: ${broken.split('\n')[0]})\n`);
  void worker?.terminate();
  worker = null;
}

/** Jobs the worker has been given (tests). */
export function generationWorkerJobs(): number {
  return worker?.jobs ?? 0;
}

/** Stops the worker (tests; it never keeps a process alive anyway). */
export async function stopGenerationWorker(): Promise<void> {
  await worker?.terminate();
  worker = null;
  broken = null;
}
