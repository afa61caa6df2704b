/**
 * Worker side of lib/generators/acgan/parallel.ts: computes one block of a
 * training step's chunks with the weights given, on the same backend as the
 * parent, and posts the block's sums on its port.
 */
import * as tf from '@tensorflow/tfjs';
import { workerData, type MessagePort } from 'node:worker_threads';
import { selectBackend } from '../../../compute/backend';
import { serveJobs } from '../../../compute/workers/channel';
import type { Params } from '../models';
import { type ChunkJob, blockSums, jobGenerator, readSums } from '../parallel';

const port = workerData.port as MessagePort;
let backend = '';
/** The networks' variables, kept between jobs and given each job's values. */
const variables = new Map<string, tf.Variable>();
/** The generator last given, and the step its weights are from. */
let generator: { params: Params; step: number } | null = null;

function params(prefix: string, weights: ChunkJob['d']): Params {
  const p: Params = new Map();
  for (const [name, shape, values] of weights) {
    const key = `${prefix}/${name}`;
    const t = tf.tensor(values, shape);
    let v = variables.get(key);
    if (v && v.shape.join() === shape.join()) {
      v.assign(t);
    } else {
      v?.dispose();
      v = tf.variable(t, true, `worker-${key}`);
      variables.set(key, v);
    }
    t.dispose();
    p.set(name, v);
  }
  return p;
}

serveJobs<ChunkJob>(async (job) => {
  if (backend !== job.backend) {
    await selectBackend({ backend: job.backend, log: null });
    backend = job.backend;
    for (const v of variables.values()) v.dispose();
    variables.clear();
    generator = null;
  }
  generator = jobGenerator(job, generator, (g) => params('g', g));
  const result = readSums(blockSums(job, params('d', job.d), generator.params));
  const buffers = 'empty' in result ? [] : [...result.sums.map((a) => a.buffer), result.norms.buffer];
  port.postMessage(result, buffers as ArrayBuffer[]);
});
