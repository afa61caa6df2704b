/**
 * Worker side of lib/gan/generator-pool.ts: generates the patients of one job
 * (latent vectors and arms given) with the generator weights given, on the
 * same backend as the parent, into the shared output buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend';
import { type Params, generate } from '../models';
import type { GenerateJob } from '../generator-pool';

const control = new Int32Array(workerData.control as SharedArrayBuffer);
const errorBytes = new Uint8Array(workerData.error as SharedArrayBuffer);

function finish(state: 1 | 2, message = ''): void {
  const msg = Buffer.from(message).subarray(0, errorBytes.length);
  errorBytes.set(msg);
  Atomics.store(control, 1, msg.length);
  Atomics.store(control, 0, state);
  Atomics.notify(control, 0);
}

let backend = '';
async function run(job: GenerateJob): Promise<void> {
  if (backend !== job.backend) {
    await selectBackend({ backend: job.backend, log: null });
    backend = job.backend;
  }
  const g = new Map(job.weights.map(([name, shape, values]) => [name, tf.tensor(values, shape)])) as unknown as Params;
  try {
    const out = new Float32Array(job.out, job.outOffset * 4, job.n * job.valuesPerPatient);
    const L = job.arch.latentSize;
    for (let start = 0; start < job.n; start += job.chunk) {
      const m = Math.min(job.chunk, job.n - start);
      const vals = tf.tidy(() => {
        const z = tf.tensor2d(job.z.subarray(start * L, (start + m) * L), [m, L]);
        const arms = tf.tensor1d(job.arms.subarray(start, start + m), 'int32');
        return generate(g, job.arch, z, arms).dataSync() as Float32Array;
      });
      out.set(vals, start * job.valuesPerPatient);
    }
  } finally {
    for (const t of g.values()) t.dispose();
  }
}

parentPort?.on('message', (job: GenerateJob) => {
  run(job).then(
    () => finish(1),
    (err: unknown) => finish(2, err instanceof Error ? (err.stack ?? err.message) : String(err)),
  );
});
