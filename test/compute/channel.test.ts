/**
 * lib/compute/workers/channel.ts: a worker thread that dies while the parent is
 * blocked on its job fails the wait at once, with the reason, and every later
 * job fails at once too (the pools then fall back to the main thread); a job
 * given before the worker listens is run, under Node and under Deno.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { JobWorker } from '../../lib/compute/workers/channel';
import { denoExecutable } from '../../tools/notebook-runner/deno';

const entry = path.join(__dirname, 'workers', 'dying.ts');
const workers: { terminate(): Promise<number> }[] = [];
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

  it('runs a job given before the worker listens, under Node', () => {
    const w = new JobWorker<{ out: SharedArrayBuffer }>(path.join(__dirname, 'workers', 'slow-start.ts'));
    workers.push(w);
    const out = new SharedArrayBuffer(4);
    w.start({ out }, 60_000)();
    expect(new Int32Array(out)[0]).toBe(42);
  }, 90_000);

  it('runs a job given before the worker listens, under Deno', () => {
    // Without the wait for the worker's listener, Deno's worker never saw the job: 'no answer within 20 s'.
    const script = [
      "import { JobWorker } from './lib/compute/workers/channel.ts';",
      `const w = new JobWorker(${JSON.stringify(path.join(__dirname, 'workers', 'slow-start.ts'))});`,
      'const out = new SharedArrayBuffer(4);',
      'w.start({ out }, 20_000)();',
      'console.log(new Int32Array(out)[0]);',
      'await w.terminate();',
    ].join('\n');
    const out = execFileSync(denoExecutable(), ['eval', '--ext=ts', '--unstable-sloppy-imports', script], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      timeout: 60_000,
    });
    expect(out.trim()).toBe('42');
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
