/**
 * Worker side of the random forest's threads (lib/eval/classifiers/forest.ts):
 * grows the trees of a job with the same code as the main thread, reading the
 * features from shared memory, and sends them back on its port.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { serveJobs } from '../../compute/workers/channel';
import { growTreeRange, type ForestJob } from './forest';

const port = workerData.port as MessagePort;

serveJobs<ForestJob>((job) => {
  const grown = growTreeRange(job.input, job.first, job.end);
  const buffers = grown.flatMap(({ tree, importances }) => [tree.feature.buffer, tree.threshold.buffer, tree.left.buffer, tree.value.buffer, importances.buffer]);
  port.postMessage(grown, buffers as ArrayBuffer[]);
});
