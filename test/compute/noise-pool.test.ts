import { afterAll, describe, expect, it } from 'vitest';
import * as os from 'node:os';
import { Random } from '../../lib/random';
import { fillGaussian } from '../../lib/compute/noise';
import { NoiseWorker, noiseWorkerWanted } from '../../lib/compute/noise-pool';

const workers: NoiseWorker[] = [];
afterAll(async () => {
  for (const w of workers) await w.dispose();
});

describe('NoiseWorker', () => {
  it('draws exactly what fillGaussian draws on this thread, request after request', () => {
    const w = new NoiseWorker(50_001);
    workers.push(w);
    for (const name of ['step:0', 'step:1', 'step:2']) {
      const rng = new Random(12).derive(name).derive('noise');
      const expected = fillGaussian(new Float32Array(50_001), new Random(12).derive(name).derive('noise'));
      w.request(rng);
      const got = w.take();
      expect(got.length).toBe(expected.length);
      let differing = 0;
      for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) differing++;
      expect(differing).toBe(0);
    }
  }, 60_000);

  it('refuses take() without a request, and finishes an abandoned request before the next', () => {
    const w = new NoiseWorker(10);
    workers.push(w);
    expect(() => w.take()).toThrow(/take\(\) without request\(\)/);
    w.request(new Random(1).derive('a'));
    w.request(new Random(1).derive('b')); // the step that requested 'a' failed before its update
    expect(Array.from(w.take())).toEqual(Array.from(fillGaussian(new Float32Array(10), new Random(1).derive('b'))));
  }, 60_000);

  it('prefetch: a request for the prefetched stream uses the draws started early (one job); any other request gets its own', () => {
    const w = new NoiseWorker(20_000);
    workers.push(w);
    const want = (name: string) => Array.from(fillGaussian(new Float32Array(20_000), new Random(5).derive(name)));
    w.request(new Random(5).derive('s0'));
    expect(Array.from(w.take())).toEqual(want('s0'));
    w.prefetch(new Random(5).derive('s1'));
    const jobs = (w as unknown as { worker: { jobs: number } }).worker.jobs;
    w.request(new Random(5).derive('s1'));
    expect((w as unknown as { worker: { jobs: number } }).worker.jobs).toBe(jobs); // claimed, not drawn again
    expect(Array.from(w.take())).toEqual(want('s1'));
    // A prefetch that the next request does not match (a plain step, a stop) is finished and replaced.
    w.prefetch(new Random(5).derive('s2'));
    w.request(new Random(5).derive('other'));
    expect(Array.from(w.take())).toEqual(want('other'));
    // A stream prefetched then requested twice: the second request draws again (it is no longer early).
    w.prefetch(new Random(5).derive('s3'));
    w.request(new Random(5).derive('s3'));
    w.request(new Random(5).derive('s3'));
    expect(Array.from(w.take())).toEqual(want('s3'));
  }, 60_000);

  it('falls back to drawing on this thread, with one message, when the worker is gone', async () => {
    const w = new NoiseWorker(1000);
    await w.dispose(); // the worker thread is terminated: nothing will answer
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      for (const seed of [3, 4]) {
        w.request(new Random(seed));
        expect(Array.from(w.take())).toEqual(Array.from(fillGaussian(new Float32Array(1000), new Random(seed))));
      }
    } finally {
      process.stderr.write = write;
    }
    expect(err.join('')).toBe('');
  }, 60_000);

  it('is wanted with two cores unless SPRINT_THREADS=1', () => {
    expect(noiseWorkerWanted()).toBe(os.availableParallelism() >= 2);
    process.env.SPRINT_THREADS = '1';
    try {
      expect(noiseWorkerWanted()).toBe(false);
    } finally {
      delete process.env.SPRINT_THREADS;
    }
  });
});
