/**
 * Training on more than one core, and how close a step comes to the machine's
 * arithmetic limit (issue 27's training rows).
 *
 *   npx tsx bench/threads.ts [--json] [--patients 6000] [--chunks 4] [--repeat 2]
 *   (also `npm run bench -- threads`, and in `npm run bench -- --json`;
 *   SPRINT_THREADS_BENCH_ARGS adds arguments there; --patients trains on the
 *   first N training patients, a shorter epoch)
 *
 * One epoch of the AC-GAN's private batched recipe (bench/utility's
 * ACGAN_RECIPE at ε 1.6 with the notebooks' data-parallel steps, --chunks 4 by
 * default: compact model, expected batch 64, DP; 94 steps on the embedded
 * cohort's 6000 training patients, no scoring) is trained in fresh child
 * processes, with SPRINT_THREADS=1 and with every core, alternately, --repeat
 * times each; each side's best time counts (on a shared machine a single
 * epoch moves by 15-30% with the neighbours' load). Rows:
 *
 * - `training epoch ... N threads vs 1 thread`: ratio = time(N threads) /
 *   time(1 thread) (below 1: the extra cores help). Each thread computes a
 *   block of the batch's chunks (lib/generators/acgan/parallel.ts); at most
 *   `chunks` threads help.
 * - `machine: N one-thread epochs at once ...`: the same 1-thread epoch in N
 *   separate processes at the same time (N = the threads of the row above),
 *   their mean time / one alone: what the cores give fully independent work
 *   (1.0: N real cores; 1.03-1.45 seen on a shared 2-vCPU machine). N threads
 *   cannot beat N / ratio; the row's name says it.
 * - `training step ... GFLOP/s`: the matrix products and convolutions the
 *   1-thread epoch executed (counted at the kernels, with their shapes; our
 *   fused upsampling convolution counts what it computes, not the unfused
 *   FLOPs it replaces), divided by its time, next to the single-core peak of
 *   our own WebAssembly SIMD gemm (lib/compute/simd, 256 x 256 x 256,
 *   measured in the same child). ours_ms: the mean step; baseline_ms: the
 *   same FLOPs at that peak; ratio: how many times the peak's time a step
 *   takes.
 *
 * The numbers of the two epochs are the same (SPRINT_THREADS never changes
 * them); only the time differs.
 */
import * as tf from '@tensorflow/tfjs';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchRow } from './notebook-runner';

/** bench/index.ts runs this script in its `--json` mode too (one JSON row per line). */
export const JSON_ROWS = true;

/** The command line plus SPRINT_THREADS_BENCH_ARGS (split at spaces). */
const ARGV = [...process.argv.slice(2), ...(process.env.SPRINT_THREADS_BENCH_ARGS ?? '').split(/\s+/).filter(Boolean)];
const PATIENTS = ARGV.includes('--patients') ? Number(ARGV[ARGV.indexOf('--patients') + 1]) : 6000;
const CHUNKS = ARGV.includes('--chunks') ? Number(ARGV[ARGV.indexOf('--chunks') + 1]) : 4;
const REPEAT = ARGV.includes('--repeat') ? Number(ARGV[ARGV.indexOf('--repeat') + 1]) : 2;

interface EpochResult {
  threads: number;
  chunks: number;
  backend: string;
  epochMs: number;
  steps: number;
  flops: number;
  peakGflops: number | null;
}

/** Multiply-add FLOPs of one kernel call (0 for kernels that are neither products nor convolutions). */
export function kernelFlops(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, out: tf.TensorInfo): number {
  const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const [kh, kw, ci] = inputs.filter.shape;
      return 2 * prod(out.shape) * kh * kw * ci; // every output value: kh kw ci multiply-adds
    }
    case 'Conv2DBackpropInput': {
      const [kh, kw, ci] = inputs.filter.shape;
      return 2 * prod(inputs.dy.shape) * kh * kw * ci; // the forward convolution's count, transposed
    }
    case 'Conv2DBackpropFilter': {
      const [kh, kw, ci] = attrs.filterShape as number[];
      return 2 * prod(inputs.dy.shape) * kh * kw * ci;
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const a = inputs.a.shape;
      const k = attrs.transposeA ? a[a.length - 2] : a[a.length - 1];
      return 2 * prod(out.shape) * k;
    }
    default:
      return 0;
  }
}

const COUNTED = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul'];

/**
 * Wraps the active backend's product and convolution kernels to add up their
 * FLOPs; calls made from inside a counted kernel (ours compose others) are
 * not counted twice. Returns the running total.
 */
export function countFlops(): () => number {
  const backendName = tf.getBackend();
  let total = 0;
  let depth = 0;
  for (const name of COUNTED) {
    const config = tf.getKernel(name, backendName);
    if (!config) continue;
    const inner = config.kernelFunc;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: ((args: { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, unknown> }) => {
        depth++;
        try {
          const out = (inner as unknown as (a: typeof args) => tf.TensorInfo | tf.TensorInfo[])(args);
          if (depth === 1) total += kernelFlops(name, args.inputs, args.attrs ?? {}, Array.isArray(out) ? out[0] : out);
          return out;
        } finally {
          depth--;
        }
      }) as unknown as tf.KernelFunc,
    });
  }
  return () => total;
}

/** GFLOP/s of our wasm SIMD gemm on one core (null off the wasm backend). */
function gemmPeak(): number | null {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { simdKernels, heapOffset } = require('../lib/compute/simd/index') as typeof import('../lib/compute/simd/index');
  const k = simdKernels();
  if (!k) return null;
  const n = 256;
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  const c = tf.zeros([n, n]);
  const [pa, pb, pc] = [a, b, c].map((t) => heapOffset(t));
  for (let i = 0; i < 3; i++) k.gemm(pa, pb, pc, n, n, n);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) k.gemm(pa, pb, pc, n, n, n);
    best = Math.min(best, (performance.now() - t0) / 10);
  }
  tf.dispose([a, b, c]);
  return (2 * n * n * n) / (best * 1e6);
}

/** Child: one epoch of the recipe on this process's threads; prints an EpochResult. */
async function child(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { trainAndHoldout } = require('./utility') as typeof import('./utility');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { acganOptions, loadAcgan } = require('./utility/generators') as typeof import('./utility/generators');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { threadCount } = require('../lib/compute/workers/channel') as typeof import('../lib/compute/workers/channel');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { selectPatients } = require('../lib/data/preprocess') as typeof import('../lib/data/preprocess');
  const all = trainAndHoldout().train;
  if (!(Number.isInteger(PATIENTS) && PATIENTS >= 64 && PATIENTS <= all.n)) throw new RangeError(`--patients must be an integer in [64, ${all.n}], got ${PATIENTS}`);
  const train = PATIENTS === all.n ? all : selectPatients(all, Int32Array.from({ length: PATIENTS }, (_, i) => i));
  const family = await loadAcgan();
  const flops = countFlops();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-threads-'));
  try {
    const options = { ...acganOptions(1.6, 1e-5, train.n), epochs: 1, chunks: CHUNKS };
    const t0 = performance.now();
    await family.train({ out, train, delta: 1e-5, seed: 0, log: () => {}, ...options } as Parameters<typeof family.train>[0]);
    const epochMs = performance.now() - t0;
    const result: EpochResult = {
      threads: threadCount(),
      chunks: CHUNKS,
      backend: tf.getBackend(),
      epochMs,
      steps: Math.ceil(train.n / 64),
      flops: flops(),
      peakGflops: gemmPeak(),
    };
    console.log(JSON.stringify(result));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function childArgs(threads: number | null): { args: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...process.env };
  if (threads === null) delete env.SPRINT_THREADS;
  else env.SPRINT_THREADS = String(threads);
  return { args: [require.resolve('tsx/cli'), __filename, '--child', '--patients', String(PATIENTS), '--chunks', String(CHUNKS)], env };
}

function lastLine(out: string): EpochResult {
  return JSON.parse(out.trim().split('\n').pop() ?? '') as EpochResult;
}

function runChild(threads: number | null): EpochResult {
  const { args, env } = childArgs(threads);
  return lastLine(execFileSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 }));
}

/** `count` one-thread epochs at once, in separate processes (what the machine's cores give independent work). */
async function runTogether(count: number): Promise<EpochResult[]> {
  const { args, env } = childArgs(1);
  return Promise.all(
    Array.from({ length: count }, async () => lastLine((await promisify(execFile)(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 16 << 20 })).stdout)),
  );
}

export function threadRows(one: EpochResult, all: EpochResult, together: EpochResult[]): BenchRow[] {
  const stepMs = one.epochMs / one.steps;
  const gflops = one.flops / one.steps / (stepMs * 1e6);
  const rows: BenchRow[] = [
    {
      name: `training epoch, AC-GAN batched recipe (compact, batch 64, DP, ${one.steps} steps, ${one.chunks} chunks): ${all.threads} threads vs 1 thread`,
      ours_ms: all.epochMs,
      baseline_ms: one.epochMs,
      ratio: all.epochMs / one.epochMs,
      backend: `${all.backend}, SPRINT_THREADS=${all.threads} / SPRINT_THREADS=1`,
    },
  ];
  if (together.length > 1) {
    const mean = together.reduce((sum, r) => sum + r.epochMs, 0) / together.length;
    rows.push({
      name: `machine: ${together.length} one-thread epochs at once in separate processes vs one alone (the cores' own scaling: ${all.threads} threads can be at most ${((together.length * one.epochMs) / mean).toFixed(2)}x faster than 1 here)`,
      ours_ms: mean,
      baseline_ms: one.epochMs,
      ratio: mean / one.epochMs,
      backend: `${one.backend}, SPRINT_THREADS=1 each`,
    });
  }
  if (one.peakGflops !== null) {
    const peakMs = one.flops / one.steps / (one.peakGflops * 1e6);
    rows.push({
      name: `training step, batch 64 (1 thread): ${gflops.toFixed(2)} GFLOP/s in products and convolutions (${(one.flops / one.steps / 1e9).toFixed(2)} GFLOP a step) vs our wasm SIMD gemm's ${one.peakGflops.toFixed(1)} GFLOP/s on one core`,
      ours_ms: stepMs,
      baseline_ms: peakMs,
      ratio: stepMs / peakMs,
      backend: `${one.backend} / our gemm kernel, 256x256x256`,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  if (ARGV.includes('--child')) return child();
  const json = ARGV.includes('--json');
  if (!(Number.isInteger(REPEAT) && REPEAT >= 1)) throw new RangeError(`--repeat must be a positive integer, got ${REPEAT}`);
  let one: EpochResult | null = null;
  let all: EpochResult | null = null;
  let together: EpochResult[] = [];
  const mean = (rs: EpochResult[]) => rs.reduce((sum, r) => sum + r.epochMs, 0) / rs.length;
  for (let r = 0; r < REPEAT; r++) {
    const a = runChild(1);
    const b = runChild(null);
    if (!one || a.epochMs < one.epochMs) one = a;
    if (!all || b.epochMs < all.epochMs) all = b;
    if (b.threads > 1) {
      const c = await runTogether(b.threads);
      if (together.length === 0 || mean(c) < mean(together)) together = c;
    }
  }
  if (!one || !all) throw new Error('no epoch was timed');
  const rows = threadRows(one, all, together);
  if (json) for (const r of rows) console.log(JSON.stringify(r));
  else for (const r of rows) console.log(`${r.name}: ${r.ours_ms.toFixed(0)} ms vs ${r.baseline_ms?.toFixed(0)} ms, ratio ${r.ratio?.toFixed(2)} (${r.backend})`);
}

// Only when run as a script: bench/index.ts requires every file to look for bench* exports.
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
