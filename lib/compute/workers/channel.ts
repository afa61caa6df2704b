/**
 * A worker thread that takes one job at a time while this thread keeps
 * computing, and that this thread can wait for synchronously.
 *
 * Training and sampling are synchronous code, so results come back through
 * shared memory: the worker writes them into a SharedArrayBuffer and sets a
 * state word that this thread waits on with Atomics.wait (no event loop needed
 * on either side). Job parameters go by postMessage.
 *
 * The worker runs lib/compute/workers/bootstrap.js, which loads tsx and then the
 * TypeScript entry (a worker starts without its parent's loader, whether that
 * is tsx, vitest or tslab); under Deno, which runs TypeScript itself,
 * bootstrap.mjs imports the entry. Either reports a failure to load through
 * the control words. It does not keep the process alive.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, Worker, parentPort, receiveMessageOnPort, workerData, type MessagePort, type Transferable } from 'node:worker_threads';
import { libFile, runtime } from '../../host';
import { stderr } from '../../display';

/** Whether to put work on a second core: at least two cores, and SPRINT_THREADS is not 1. */
export function useSecondCore(): boolean {
  return process.env.SPRINT_THREADS !== '1' && os.availableParallelism() >= 2;
}

/**
 * Threads to use for work that splits across cores: SPRINT_THREADS when set
 * (a positive integer), else the cores available to this process. Results
 * never depend on it.
 */
export function threadCount(): number {
  const set = process.env.SPRINT_THREADS;
  if (set === undefined || set.trim() === '') return os.availableParallelism();
  const n = Number(set);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`SPRINT_THREADS must be a positive integer (threads to use), got '${set}'`);
  return n;
}

// Control words: [0] the job's state, [1] the error message's length, [2] 1 once the worker thread has exited,
// [3] 1 once the worker listens for jobs.
const IDLE = 0;
const DONE = 1;
const FAILED = 2;

export class JobWorker<J> {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(16));
  private readonly error = new Uint8Array(new SharedArrayBuffer(8192));
  /** Jobs given so far. */
  jobs = 0;

  /**
   * `entry`: a module that calls {@link serveJobs} (absolute, or relative to
   * this folder); `data`: more workerData for it; `transferList`: what in
   * `data` is moved rather than copied (e.g. a MessagePort for results).
   */
  constructor(entry: string, data: Record<string, unknown> = {}, transferList: Transferable[] = []) {
    const here = libFile('compute', 'workers');
    this.worker = new Worker(path.join(here, runtime() === 'deno' ? 'bootstrap.mjs' : 'bootstrap.js'), {
      workerData: { ...data, entry: path.resolve(here, entry), control: this.control.buffer, error: this.error.buffer },
      transferList,
    });
    this.worker.unref();
    // An uncaught error ends the worker; serveJobs reports it through the control words.
    this.worker.on('error', () => undefined);
  }

  /**
   * Posts a job; the returned function blocks until it is done and throws
   * with the worker's error if it failed, or after `timeoutMs`.
   */
  start(job: J, timeoutMs: number, transfer: ArrayBuffer[] = []): () => void {
    const deadline = Date.now() + timeoutMs;
    this.waitUntilListening(deadline, timeoutMs);
    if (Atomics.load(this.control, 0) === FAILED || this.exited()) throw new Error(this.message());
    Atomics.store(this.control, 0, IDLE);
    this.worker.postMessage(job, transfer);
    this.jobs++;
    return () => {
      while (Atomics.load(this.control, 0) === IDLE) {
        // Exited between the check above and the job: nothing will answer.
        if (this.exited()) throw new Error(this.message());
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`);
        Atomics.wait(this.control, 0, IDLE, Math.min(left, 1000));
      }
      if (Atomics.load(this.control, 0) === FAILED) throw new Error(this.message());
    };
  }

  /**
   * Blocks until the worker listens for jobs (at once after its first job).
   * Deno hands a worker the messages posted to it while its entry module
   * still loads, and its parentPort drops those that arrive before a
   * listener: a job posted then was never run (seen when Deno had not
   * cached lib/'s compiled modules yet). Node queues them; waiting costs it
   * only the first job's overlap with the worker's start.
   */
  private waitUntilListening(deadline: number, timeoutMs: number): void {
    while (Atomics.load(this.control, 3) === 0) {
      if (Atomics.load(this.control, 0) === FAILED || this.exited()) throw new Error(this.message());
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`did not start within ${Math.round(timeoutMs / 1000)} s`);
      Atomics.wait(this.control, 3, 0, Math.min(left, 1000));
    }
  }

  private exited(): boolean {
    return Atomics.load(this.control, 2) === 1;
  }

  private message(): string {
    const len = Atomics.load(this.control, 1);
    return Buffer.from(this.error.slice(0, len)).toString('utf8') || 'worker failed';
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * Worker threads kept for one kind of job, started on first use and reused
 * (they never hold the process open), with this thread as the fallback.
 * Worker i gets `workerData.port` to post a job's result on, if the job has
 * one. After a worker fails, one line says so and the pool hands out no more
 * work until {@link stop}: callers then do everything on this thread, with
 * the same numbers.
 */
export class WorkerPool<J> {
  private readonly workers: { worker: JobWorker<J>; port: MessagePort }[] = [];
  private broken: string | null = null;

  /**
   * `entry`: as for {@link JobWorker}; `fallback` and `workerName` make the
   * failure line, e.g. 'generating on one thread' and 'a generation worker'.
   */
  constructor(
    private readonly entry: string,
    private readonly fallback: string,
    private readonly workerName: string,
  ) {}

  /** Whether a worker failed (no more workers until stop()). */
  get failed(): boolean {
    return this.broken !== null;
  }

  /** Jobs the workers have been given. */
  get jobs(): number {
    return this.workers.reduce((sum, w) => sum + w.worker.jobs, 0);
  }

  /**
   * Runs `jobs[i]` on worker i while `mine()` runs here, then waits for
   * them. Returns, per job, what its worker posted on its port (undefined if
   * nothing), or for a job whose worker could not start or failed, what
   * `instead(i)` returned after computing it here.
   */
  run<R>(jobs: J[], timeoutMs: (job: J) => number, mine: () => void, instead: (i: number) => R): (R | unknown)[] {
    // All workers first: each starts loading while the ones before it are given their jobs.
    try {
      while (!this.broken && this.workers.length < jobs.length) {
        const { port1, port2 } = new MessageChannel();
        port1.unref();
        this.workers.push({ worker: new JobWorker<J>(this.entry, { port: port2 }, [port2]), port: port1 });
      }
    } catch (err) {
      this.disable(err);
    }
    const started = jobs.map((job, i) => {
      if (this.broken) return null;
      try {
        return { wait: this.workers[i].worker.start(job, timeoutMs(job)), port: this.workers[i].port };
      } catch (err) {
        this.disable(err);
        return null;
      }
    });
    mine();
    return started.map((s, i) => {
      if (s) {
        try {
          s.wait();
          return receiveMessageOnPort(s.port)?.message;
        } catch (err) {
          this.disable(err);
        }
      }
      return instead(i);
    });
  }

  private disable(err: unknown): void {
    if (!this.broken) {
      this.broken = err instanceof Error ? err.message : String(err);
      stderr.write(`sprint-gan: ${this.fallback} (${this.workerName} failed: ${this.broken.split('\n')[0]})\n`);
    }
    for (const w of this.workers.splice(0)) void w.worker.terminate();
  }

  /** Stops the workers and forgets a failure. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
    this.broken = null;
  }
}

/**
 * Worker side: runs `handle` for each job and reports completion or the
 * error. A worker that dies (an error thrown outside a job's promise,
 * process.exit) says so on its way out, with the error, so a parent blocked
 * on the job fails at once instead of at its timeout.
 */
export function serveJobs<J>(handle: (job: J) => void | Promise<void>): void {
  const control = new Int32Array(workerData.control as SharedArrayBuffer);
  const errorBytes = new Uint8Array(workerData.error as SharedArrayBuffer);
  const errorText = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));
  /** Puts `message` (cut to the buffer) where the parent's message() reads it. */
  const writeMessage = (message: string) => {
    const msg = Buffer.from(message).subarray(0, errorBytes.length);
    errorBytes.set(msg);
    Atomics.store(control, 1, msg.length);
  };
  const finish = (state: typeof DONE | typeof FAILED, message = '') => {
    writeMessage(message);
    Atomics.store(control, 0, state);
    Atomics.notify(control, 0);
  };
  let fatal = '';
  process.on('uncaughtExceptionMonitor', (err) => {
    fatal = errorText(err);
  });
  process.on('exit', (code) => {
    // The reason first (unless a job's own error is waiting to be read), then the flag the parent checks.
    if (Atomics.load(control, 0) !== FAILED) writeMessage(`the worker thread exited (code ${code})${fatal ? `: ${fatal}` : ''}`);
    Atomics.store(control, 2, 1);
    Atomics.compareExchange(control, 0, IDLE, FAILED);
    Atomics.notify(control, 0);
  });
  parentPort?.on('message', (job: J) => {
    Promise.resolve()
      .then(() => handle(job))
      .then(
        () => finish(DONE),
        (err: unknown) => finish(FAILED, errorText(err)),
      );
  });
  // The parent posts jobs only from now on (JobWorker.waitUntilListening).
  Atomics.store(control, 3, 1);
  Atomics.notify(control, 3);
}
