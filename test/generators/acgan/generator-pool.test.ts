import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../lib/compute/backend';
import { PAPER_ARCHITECTURE, TINY_ARCHITECTURE, createGenerator, disposeParams } from '../../../lib/generators/acgan/models';
import { sampleCohort } from '../../../lib/generators/acgan/sample';
import { type GenerateJob, generateInParallel, generationThreads, generationWorkerJobs, stopGenerationWorker } from '../../../lib/generators/acgan/generator-pool';
import { runNotebook } from '../../../tools/notebook-runner/run';
import { readNotebook } from '../../../tools/notebook-runner/notebook';
import { parseConfig } from '../../../tools/notebook-runner/config';

const REPO = path.resolve(__dirname, '..', '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-pool-'));

beforeAll(async () => {
  await selectBackend({ backend: 'wasm', log: null });
});
afterAll(async () => {
  await stopGenerationWorker();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('generation on every core', () => {
  it('gives exactly the single-threaded patients on 2 or 3 threads, using the workers', () => {
    const g = createGenerator(PAPER_ARCHITECTURE, 21);
    const opts = { seed: 4, maxima: [200, 120, 6] as [number, number, number], chunk: 300 };
    const one = sampleCohort(g, PAPER_ARCHITECTURE, 1501, { ...opts, threads: 1 });
    for (const threads of [2, 3]) {
      const jobs = generationWorkerJobs();
      const many = sampleCohort(g, PAPER_ARCHITECTURE, 1501, { ...opts, threads });
      expect(generationWorkerJobs(), `${threads} threads`).toBe(jobs + threads - 1);
      expect(many.x.buffer).toBeInstanceOf(ArrayBuffer); // not shared memory
      expect(Array.from(many.y)).toEqual(Array.from(one.y));
      expect(many.x.length).toBe(one.x.length);
      let differing = 0;
      for (let i = 0; i < one.x.length; i++) if (one.x[i] !== many.x[i]) differing++;
      expect(differing, `${threads} threads`).toBe(0);
    }
    // Parts have at least 500 rows: 900 stay on one thread, 1100 on two of the three asked for.
    let jobs = generationWorkerJobs();
    sampleCohort(g, PAPER_ARCHITECTURE, 900, { ...opts, threads: 3 });
    expect(generationWorkerJobs()).toBe(jobs);
    jobs = generationWorkerJobs();
    sampleCohort(g, PAPER_ARCHITECTURE, 1100, { ...opts, threads: 3 });
    expect(generationWorkerJobs()).toBe(jobs + 1);
    disposeParams(g);
  }, 180_000);

  it('uses SPRINT_THREADS or every core on wasm, one thread on the other backends', () => {
    expect(generationThreads('cpu')).toBe(1);
    expect(generationThreads('tensorflow')).toBe(1);
    expect(generationThreads('webgpu')).toBe(1);
    expect(generationThreads('wasm')).toBe(os.availableParallelism());
    try {
      process.env.SPRINT_THREADS = '1';
      expect(generationThreads('wasm')).toBe(1);
      process.env.SPRINT_THREADS = '6';
      expect(generationThreads('wasm')).toBe(6);
    } finally {
      delete process.env.SPRINT_THREADS;
    }
  });

  it('falls back to this thread, with a message, when the worker fails', async () => {
    const job: GenerateJob = {
      backend: 'no-such-backend',
      arch: TINY_ARCHITECTURE,
      weights: [],
      z: new Float32Array(8),
      arms: new Int32Array(1),
      n: 1,
      chunk: 1,
      valuesPerPatient: 36,
      out: new SharedArrayBuffer(36 * 4),
      outOffset: 0,
    };
    const calls: string[] = [];
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      generateInParallel([job], () => calls.push('mine'), (i) => calls.push(`fallback ${i}`));
    } finally {
      process.stderr.write = write;
    }
    expect(calls).toEqual(['mine', 'fallback 0']);
    expect(err.join('')).toMatch(/generating on one thread \(a generation worker failed: .*Unknown backend 'no-such-backend'/);
    // Later calls stay on one thread until the worker is reset.
    expect(generationThreads('wasm')).toBe(1);
    await stopGenerationWorker();
    expect(generationThreads('wasm')).toBe(os.availableParallelism());
  }, 120_000);

  it.each(['tslab', 'deno'] as const)('works in a %s notebook kernel (worker threads load TypeScript themselves)', async (kernelName) => {
    const dir = path.join(tmp, `nb-${kernelName}`);
    fs.mkdirSync(dir);
    for (const name of ['lib', 'node_modules', 'deno.json']) fs.symlinkSync(path.join(REPO, name), path.join(dir, name));
    const cells = [
      "import * as compute from './lib/compute/index';\nimport * as gan from './lib/generators/acgan/index';",
      "import * as pool from './lib/generators/acgan/generator-pool';",
      [
        "await compute.selectBackend({ backend: 'wasm', log: null });",
        'const g = gan.createGenerator(gan.PAPER_ARCHITECTURE, 3);',
        'const o = { seed: 1, maxima: [1, 1, 1] as [number, number, number] };',
        'const a = gan.sampleCohort(g, gan.PAPER_ARCHITECTURE, 1100, { ...o, threads: 1 });',
        'const b = gan.sampleCohort(g, gan.PAPER_ARCHITECTURE, 1100, { ...o, threads: 2 });',
        'console.log(`jobs ${pool.generationWorkerJobs()}, same ${a.x.every((v, i) => v === b.x[i])}`);',
      ].join('\n'),
    ];
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    };
    const file = path.join(dir, 'pool.ipynb');
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = await runNotebook(file, readNotebook(file), { timeout: 120, config: parseConfig('{}'), update: true, kernelName });
    const out = (r.executed.cells[2] as unknown as { outputs: Array<{ text?: string | string[] }> }).outputs;
    const text = out.map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? ''))).join('');
    expect(r.error).toBeUndefined();
    expect(r.cells.map((c) => c.problems.join('; ')).join('\n')).toBe('\n\n');
    expect(text).toContain('jobs 1, same true');
    expect(text).not.toMatch(/generating on one thread/);
  }, 180_000);
});
