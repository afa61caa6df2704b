/**
 * DP-SGD's Gaussian noise, drawn on a second core.
 *
 * Every private discriminator update adds one N(0, sigma^2 C^2) draw per weight
 * (1.86M for the paper's discriminator): ~15 ms on one core, about half of a
 * batch-1 step. The draws depend only on the step's 'noise' stream, not on the
 * data, so a worker thread draws them while this thread runs the step's
 * forward and backward passes; Adam then reads them from shared memory.
 *
 * The draws for step s+1 start as soon as step s's update has used its own
 * ({@link NoiseWorker.prefetch}), so the worker has a whole step for them.
 * Started at the beginning of their own step, they had only the passes
 * before the update (about half a step), and the update waited for them.
 *
 * The numbers are exactly those of fillGaussian on this thread (same
 * generator, same algorithm; tested), so a run gives the same weights with or
 * without the worker. If the worker cannot start or fails, draws happen here
 * and a message says so once.
 */
import { Random } from '../random';
import { libFile } from '../host';
import { stderr } from '../display';
import { fillGaussian } from './noise';
import { JobWorker, useSecondCore } from './workers/channel';

export interface NoiseJob {
  /** Seed word of a fresh generator (Random.seedWord of a derived stream nothing was drawn from). */
  seedWord: number;
  n: number;
}

/** Noise for one step at a time: `request` at the start of the step, `take` in the update. */
export class NoiseWorker {
  private worker: JobWorker<NoiseJob> | null;
  private readonly values: Float32Array;
  /** The job in flight; `early`: started by prefetch, not yet claimed by request. */
  private pending: { seedWord: number; wait: () => void; early: boolean } | null = null;
  private failed = false;

  /** `size`: draws per step (the number of discriminator weights). */
  constructor(readonly size: number) {
    const buffer = new SharedArrayBuffer(size * 4);
    this.values = new Float32Array(buffer);
    this.worker = new JobWorker<NoiseJob>(libFile('compute', 'workers', 'noise.ts'), { values: buffer });
  }

  /**
   * Starts drawing `size` standard normals from the fresh generator `rng`
   * (nothing drawn from it yet, e.g. `sr.derive('noise')`).
   */
  request(rng: Random): void {
    if (this.pending?.early && this.pending.seedWord === rng.seedWord) {
      this.pending.early = false; // prefetched: already drawing
      return;
    }
    // A step that failed before its update, or a prefetch that is not used: let that job finish.
    if (this.pending) this.take();
    let wait: () => void = () => {
      throw new Error('no worker');
    };
    if (this.worker) {
      try {
        // Generous: the first request waits for the worker to start.
        wait = this.worker.start({ seedWord: rng.seedWord, n: this.size }, 120_000);
      } catch (err) {
        this.fail(err);
      }
    }
    this.pending = { seedWord: rng.seedWord, wait, early: false };
  }

  /**
   * Starts the draws that a later `request(rng)` will ask for. They go to the
   * memory that {@link take} returned: call this once the current draws have
   * been used (in a step: right after the discriminator's update).
   */
  prefetch(rng: Random): void {
    this.request(rng);
    if (this.pending) this.pending.early = true;
  }

  /** The requested draws (a view of shared memory, valid until the next request or prefetch). */
  take(): Float32Array {
    const p = this.pending;
    if (!p) throw new Error('NoiseWorker: take() without request()');
    this.pending = null;
    if (this.worker) {
      try {
        p.wait();
        return this.values;
      } catch (err) {
        this.fail(err);
      }
    }
    return fillGaussian(this.values, new Random(p.seedWord));
  }

  private fail(err: unknown): void {
    if (!this.failed) {
      const why = err instanceof Error ? err.message : String(err);
      stderr.write(`sprint-gan: drawing DP noise on the main thread (the noise worker failed: ${why.split('\n')[0]})\n`);
    }
    this.failed = true;
    void this.worker?.terminate();
    this.worker = null;
  }

  /** Stops the worker. */
  async dispose(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}

/** Whether to draw noise on a worker: two or more cores and SPRINT_THREADS is not 1. */
export function noiseWorkerWanted(): boolean {
  return useSecondCore();
}
