/**
 * Worker side of lib/compute/noise-pool.ts: standard normal draws of a fresh
 * generator `new Random(seedWord)` into the shared buffer, exactly what
 * fillGaussian would draw on the main thread.
 */
import { workerData } from 'node:worker_threads';
import { Random } from '../../random';
import { fillGaussian } from '../noise';
import { serveJobs } from './channel';
import type { NoiseJob } from '../noise-pool';

const values = new Float32Array(workerData.values as SharedArrayBuffer);

serveJobs<NoiseJob>((job) => {
  fillGaussian(values.subarray(0, job.n), new Random(job.seedWord));
});
