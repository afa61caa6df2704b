// A worker entry for test/compute/channel.test.ts: its jobs never finish; it dies the way the job says.
import { serveJobs } from '../../../lib/compute/workers/channel';

serveJobs<{ mode: 'throw' | 'exit' | 'ok' }>((job) => {
  if (job.mode === 'ok') return;
  setTimeout(() => {
    if (job.mode === 'throw') throw new Error('boom outside the job');
    process.exit(3);
  }, 20);
  return new Promise<void>(() => undefined);
});
