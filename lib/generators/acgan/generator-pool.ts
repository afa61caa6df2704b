/**
 * Generating patients on every core.
 *
 * TF.js's wasm backend runs on one thread in Node, and generating a cohort is
 * compute-bound (the generator's 5x5 convolution), so worker threads, each
 * with its own wasm backend, generate contiguous parts of the rows while this
 * thread generates the first part. The API stays synchronous (sampling is
 * called from synchronous scoring code): the workers write into a
 * SharedArrayBuffer and set a completion word that this thread waits on with
 * Atomics.wait, which needs no event loop on either side.
 *
 * The numbers are exactly the single-threaded ones: the same backend and
 * kernels, the same latent vectors and arms (drawn here), and rows computed
 * independently of each other (tested). If a worker cannot start or fails,
 * this thread generates its rows itself and says so once on stderr.
 *
 * The workers (lib/compute/workers/channel.ts) are started on first use and
 * kept for later calls: loading TF.js and compiling wasm costs about a second.
 */
import { libFile } from '../../host';
import type { GanArchitecture, ParamArrays } from './models';
import { WorkerPool, threadCount } from '../../compute/workers/channel';

/** One job for lib/generators/acgan/workers/generate.ts. */
export interface GenerateJob {
  backend: string;
  arch: GanArchitecture;
  /** Generator weights: name, shape, values. */
  weights: ParamArrays;
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

const pool = new WorkerPool<GenerateJob>(libFile('generators', 'acgan', 'workers', 'generate.ts'), 'generating on one thread', 'a generation worker');

/**
 * Threads to generate with: on the wasm backend, SPRINT_THREADS or the cores
 * available (lib/compute/workers/channel.ts's threadCount); else 1 (native
 * TensorFlow and WebGPU parallelize themselves; cpu is the slow reference
 * backend), and 1 after a worker failed.
 */
export function generationThreads(backend: string): number {
  return backend === 'wasm' && !pool.failed ? threadCount() : 1;
}

/**
 * Runs `jobs[i]` on worker i while `mine()` runs here; for a job whose worker
 * fails, `fallback(i)` computes its rows here.
 */
export function generateInParallel(jobs: GenerateJob[], mine: () => void, fallback: (i: number) => void): void {
  // Generous: a second or two to start, then a few ms a patient on a slow machine.
  pool.run(jobs, (job) => 120_000 + 20 * job.n, mine, fallback);
}

/** Jobs the workers have been given (tests). */
export function generationWorkerJobs(): number {
  return pool.jobs;
}

/** Stops the workers and forgets a failure (tests; they never keep a process alive anyway). */
export async function stopGenerationWorker(): Promise<void> {
  await pool.stop();
}
