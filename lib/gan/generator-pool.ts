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
 * The worker is started on first use, kept for later calls (loading TF.js and
 * compiling wasm costs about a second), and does not keep the process alive.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GanArchitecture } from './models';

/** One job for lib/gan/workers/generate.ts. */
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

/** State word values. */
const IDLE = 0;
const DONE = 1;
const FAILED = 2;

class GeneratorWorker {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private readonly error = new Uint8Array(new SharedArrayBuffer(8192));
  jobs = 0;

  constructor() {
    this.worker = new Worker(path.join(__dirname, 'workers', 'bootstrap.js'), {
      workerData: { entry: path.join(__dirname, 'workers', 'generate.ts'), control: this.control.buffer, error: this.error.buffer },
    });
    this.worker.unref();
    // An uncaught error ends the worker; reported through the control word when we wait.
    this.worker.on('error', () => undefined);
  }

  /** Starts a job; the returned function blocks until it is done and throws if it failed. */
  start(job: GenerateJob): () => void {
    if (Atomics.load(this.control, 0) === FAILED) throw new Error(this.message());
    Atomics.store(this.control, 0, IDLE);
    this.worker.postMessage(job);
    this.jobs++;
    // Generous: a second or two to start, then a few ms a patient on a slow machine.
    const deadline = Date.now() + 120_000 + 20 * job.n;
    return () => {
      while (Atomics.load(this.control, 0) === IDLE) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no answer within ${Math.round((120_000 + 20 * job.n) / 1000)} s`);
        Atomics.wait(this.control, 0, IDLE, Math.min(left, 1000));
      }
      if (Atomics.load(this.control, 0) === FAILED) throw new Error(this.message());
    };
  }

  private message(): string {
    const len = Atomics.load(this.control, 1);
    return Buffer.from(this.error.slice(0, len)).toString('utf8') || 'worker failed';
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let worker: GeneratorWorker | null = null;
let broken: string | null = null;

/**
 * Threads to generate with: 2 on the wasm backend on a machine with at least
 * two cores (SPRINT_THREADS=1 turns it off), else 1 (native TensorFlow and
 * WebGPU parallelize themselves; cpu is the slow reference backend).
 */
export function generationThreads(backend: string): 1 | 2 {
  if (backend !== 'wasm' || broken) return 1;
  if (process.env.SPRINT_THREADS === '1') return 1;
  return os.availableParallelism() >= 2 ? 2 : 1;
}

/**
 * Runs `job` on the worker while `mine()` runs here; falls back to `fallback()`
 * (this thread computes the worker's rows) if the worker fails.
 */
export function generateInParallel(job: GenerateJob, mine: () => void, fallback: () => void): void {
  let wait: (() => void) | null = null;
  try {
    worker ??= new GeneratorWorker();
    wait = worker.start(job);
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
