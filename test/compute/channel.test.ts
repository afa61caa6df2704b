/**
 * lib/compute/workers/channel.ts: a worker thread that dies while the parent is
 * blocked on its job fails the wait at once, with the reason, and every later
 * job fails at once too (the pools then fall back to the main thread).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { JobWorker } from '../../lib/compute/workers/channel';

const entry = path.join(__dirname, 'workers', 'dying.ts');
const workers: JobWorker<{ mode: string }>[] = [];
afterAll(async () => {
  for (const w of workers) await w.terminate();
});

describe('JobWorker', () => {
  it('answers a job that finishes', () => {
    const w = new JobWorker<{ mode: string }>(entry);
    workers.push(w);
    w.start({ mode: 'ok' }, 60_000)();
    w.start({ mode: 'ok' }, 60_000)();
    expect(w.jobs).toBe(2);
  }, 90_000);

  for (const [mode, reason] of [
    ['throw', /the worker thread exited \(code 1\): Error: boom outside the job/],
    ['exit', /the worker thread exited \(code 3\)$/],
  ] as const) {
    it(`reports a worker that dies mid-job (${mode}) instead of waiting out the timeout`, () => {
      const w = new JobWorker<{ mode: string }>(entry);
      workers.push(w);
      const wait = w.start({ mode: 'ok' }, 60_000);
      wait(); // started and serving
      // The timeout is 60 s; the message, not 'no answer within 60 s', shows the death was seen.
      expect(w.start({ mode }, 60_000)).toThrow(reason);
      expect(() => w.start({ mode: 'ok' }, 60_000)).toThrow(reason);
    }, 90_000);
  }
});
