/**
 * Worker side of lib/generators/acgan/generator-pool.ts: generates the patients of one job
 * (latent vectors and arms given) with the generator weights given, on the
 * same backend as the parent, into the shared output buffer.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../compute/backend';
import { type Params, generate } from '../models';
import type { GenerateJob } from '../generator-pool';
import { serveJobs } from '../../../compute/workers/channel';

let backend = '';

serveJobs<GenerateJob>(async (job) => {
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
});
