// A worker entry for test/compute/channel.test.ts: it listens for jobs only 400 ms after it
// started (as one that Deno still compiles), so a job posted at once arrives before it listens.
import { serveJobs } from '../../../lib/compute/workers/channel';

setTimeout(() => {
  serveJobs<{ out: SharedArrayBuffer }>((job) => {
    new Int32Array(job.out)[0] = 42;
  });
}, 400);
