/**
 * GAN training benchmarks (issues 5 and 8).
 *
 * `benchGan()` (collected by `npm run bench`): ours on the best available
 * backend vs PyTorch-CPU (2 threads) measured in the same run, back to back
 * per measure:
 *   - one DP training step at batch 1 (the paper's schedule) and at batch 64,
 *   - generating 6000 patients (on wasm: two threads, lib/generators/acgan/generator-pool.ts;
 *     the worker is started by the warm-up, as it stays up in real use).
 * One "step" = lib/generators/acgan/step.ts's ganStep, exactly what training runs: B real
 * rows (a fixed B here instead of Poisson's random count), B generated rows,
 * the D DP-SGD update (ghost clipping, noise drawn on the second core, Adam),
 * then the G update on 2B noise vectors; paper architecture, clip 1e-4, noise 1. PyTorch's side is
 * bench/torch/acgan_step.py (same models and step; per-example gradients by
 * ExpandedWeights or a loop, whichever is faster), run with Debian's
 * /usr/bin/python3 and python3-torch; without it the baseline is null and the
 * row says why. Times are medians of a few repetitions after a warm-up; the
 * machine is shared, so compare ratios, not absolute times.
 *
 *   npx tsx bench/gan.ts [--json] [--reps N]     the comparison above
 *   npx tsx bench/gan.ts --detail [--backends wasm,cpu]
 *       per-backend detail: steps, noise generation, ghost vs loop clipping
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../lib/compute/backend';
import { Adam } from '../lib/generators/acgan/adam';
import { dpGradientsGhost, dpGradientsLoop, type DBatch } from '../lib/generators/acgan/dpsgd';
import {
  PAPER_ARCHITECTURE,
  countParams,
  createDiscriminator,
  createGenerator,
  disposeMasks,
  disposeParams,
  makeDropoutMasks,
} from '../lib/generators/acgan/models';
import { fillGaussian } from '../lib/compute/noise';
import { NoiseWorker, noiseWorkerWanted } from '../lib/compute/noise-pool';
import { sampleCohort } from '../lib/generators/acgan/sample';
import { type StepContext, ganStep } from '../lib/generators/acgan/step';
import { Random } from '../lib/random';
import type { BenchRow } from './notebook-runner';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = path.join(__dirname, 'torch', 'acgan_step.py');
const arch = PAPER_ARCHITECTURE;
const N_GENERATE = 6000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median ms of `reps` calls after `warm` warm-up calls. */
function timeMedian(fn: () => void, reps: number, warm = 1): number {
  for (let i = 0; i < warm; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** Models, optimizers and a 6000-patient cohort on the active backend; `step(B)` runs ganStep with B fixed real rows. */
function makeTrainer(seed = 1) {
  const d = createDiscriminator(arch, seed);
  const g = createGenerator(arch, seed + 1);
  const adamD = new Adam(d, { learningRate: 2e-5 });
  const adamG = new Adam(g, { learningRate: 2e-5 });
  const [h, w] = arch.patientShape;
  const n = 6000;
  const rng = new Random(seed).derive('cohort');
  const data = {
    x: tf.tensor4d(Float32Array.from({ length: n * h * w }, () => rng.uniform()), [n, h, w, 1]),
    y: tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(0, 2)), 'int32'),
  };
  let s = 0;
  // As trainGan does: DP noise drawn on the second core while the step runs.
  const noiseWorker = noiseWorkerWanted() ? new NoiseWorker(countParams(d)) : undefined;
  const step = (B: number) => {
    const ctx: StepContext = {
      d,
      g,
      arch,
      adamD,
      adamG,
      data,
      nTrain: n,
      q: B / n,
      batchSize: B,
      dp: { clipNorm: 1e-4, noiseMultiplier: 1, expectedBatchSize: B },
      plain: false,
      perExample: 'ghost',
      // B real rows every step (Poisson would give a random count).
      realIndices: (sr) => {
        const start = sr.derive('sample').int(0, n - B + 1);
        return Int32Array.from({ length: B }, (_, i) => start + i);
      },
      noiseWorker,
    };
    // As trainGan does: the next step's noise is drawn from this step's D update on.
    ganStep({ ...ctx, nextStep: new Random(seed).derive(`step:${s + 1}`) }, new Random(seed).derive(`step:${s}`)).stats.dispose();
    s++;
  };
  const dispose = () => {
    void noiseWorker?.dispose();
    adamD.dispose();
    adamG.dispose();
    disposeParams(d);
    disposeParams(g);
    data.x.dispose();
    data.y.dispose();
  };
  return { d, g, step, dispose };
}

interface TorchResult {
  ms: number | null;
  note: string;
}

let torchProblem: string | null | undefined;
/** Why PyTorch cannot run (null: it can). */
function torchUnavailable(): string | null {
  if (torchProblem === undefined) {
    try {
      execFileSync(PYTHON, ['-c', 'import torch, functorch'], { stdio: 'ignore', timeout: 60_000 });
      torchProblem = null;
    } catch {
      torchProblem = `no PyTorch: ${PYTHON} cannot import torch (apt-get install python3-torch)`;
    }
  }
  return torchProblem;
}

/** Runs bench/torch/acgan_step.py with `args`; returns the field `key` of its JSON. */
function torch(args: string[], key: string): TorchResult {
  const why = torchUnavailable();
  if (why) return { ms: null, note: why };
  try {
    const out = execFileSync(PYTHON, [TORCH_SCRIPT, '--threads', '2', ...args], { encoding: 'utf8', timeout: 600_000 });
    const json = JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>;
    const method = Object.keys(json).find((k) => k.endsWith('_method'));
    return {
      ms: json[key] as number,
      // Debian's python3-torch links a generic BLAS: a pip install of PyTorch is faster than this baseline.
      note: `torch ${json.torch} ${json.threads} threads${method && key.startsWith('step') ? `, ${json[key.replace(/_ms$/, '_method')] ?? json[method]} per-sample grads` : ''}${json.debian_build ? ' (Debian build, generic BLAS: slower than pip\'s)' : ''}`,
    };
  } catch (e) {
    return { ms: null, note: `PyTorch run failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` };
  }
}

function row(name: string, ours: number, base: TorchResult, backend: string): BenchRow {
  return {
    name,
    ours_ms: ours,
    baseline_ms: base.ms,
    ratio: base.ms ? ours / base.ms : null,
    backend: `${backend} / ${base.note}`,
  };
}

export interface BenchGanOptions {
  /** Repetitions: the batch-1 step runs 3x this, the others a third. Default 9 (env SPRINT_BENCH_REPS). */
  reps?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** Ours vs PyTorch: DP step at batch 1 and 64, generating 6000 patients. */
export async function benchGan(opts: BenchGanOptions = {}): Promise<BenchRow[]> {
  const reps = opts.reps ?? Number(process.env.SPRINT_BENCH_REPS ?? 9);
  const log = opts.log ?? ((l: string) => console.error(l));
  const info = await selectBackend({ log: null });
  const backend = info.name;
  const rows: BenchRow[] = [];
  const t = makeTrainer();
  try {
    const repsFew = Math.max(2, Math.round(reps / 3));
    for (const B of [1, 64]) {
      // Batch 1: a step takes ~30 ms and varies with garbage collection and
      // the other core's noise draws, so 3x the repetitions after 5 warm-ups,
      // the same on both sides.
      const r = B === 1 ? 3 * reps : repsFew;
      const warm = B === 1 ? 5 : 1;
      const ours = timeMedian(() => t.step(B), r, warm);
      const base = torch(['--batches', String(B), '--n-generate', '0', '--reps', String(r), '--warmup', String(warm)], `step_b${B}_ms`);
      rows.push(row(`DP AC-GAN training step, batch ${B}`, ours, base, backend));
      log(`  gan: step batch ${B}: ours ${ours.toFixed(1)} ms, PyTorch ${base.ms?.toFixed(1) ?? '—'} ms`);
    }
    const gen = () => sampleCohort(t.g, arch, N_GENERATE, { seed: 1, maxima: [1, 1, 1] });
    sampleCohort(t.g, arch, 2000, { seed: 1, maxima: [1, 1, 1] }); // warm-up (starts the generation worker on wasm)
    const ours = timeMedian(gen, repsFew, 0);
    const base = torch(['--batches', '', '--n-generate', String(N_GENERATE), '--reps', String(repsFew * 2)], `generate_${N_GENERATE}_ms`);
    rows.push(row(`generate ${N_GENERATE} patients`, ours, base, backend));
    log(`  gan: generate ${N_GENERATE}: ours ${ours.toFixed(1)} ms, PyTorch ${base.ms?.toFixed(1) ?? '—'} ms`);
  } finally {
    t.dispose();
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Standalone detail mode (issue 5's table): per backend, noise, ghost vs loop.

function batchOf(B: number, rng: Random): DBatch {
  const [h, w] = arch.patientShape;
  const n = 2 * B;
  return {
    x: tf.tensor4d(Float32Array.from({ length: n * h * w }, () => rng.uniform()), [n, h, w, 1]),
    arms: tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(0, 2)), 'int32'),
    nReal: B,
    masks: makeDropoutMasks(arch, n, rng),
  };
}

async function detail(backends: string[], reps: number, json: boolean): Promise<void> {
  const rows: { name: string; backend: string; ms: number; note?: string }[] = [];
  const report = (r: { name: string; backend: string; ms: number; note?: string }) => {
    rows.push(r);
    console.error(`  ${r.backend}: ${r.name}: ${r.ms.toFixed(1)} ms${r.note ? ` (${r.note})` : ''}`);
  };
  const nD = 1_858_947;
  const rng = new Random(1);
  const buf = new Float32Array(nD);
  report({ name: 'noise 1.86M normals: ziggurat (Float32Array)', backend: 'js', ms: timeMedian(() => fillGaussian(buf, rng), reps) });
  await selectBackend({ backend: 'cpu', log: null });
  report({ name: 'noise 1.86M normals: tf.randomNormal', backend: 'cpu', ms: timeMedian(() => tf.randomNormal([nD], 0, 1, 'float32', 7).dispose(), reps) });
  for (const backend of backends) {
    await selectBackend({ backend, log: (l) => console.error(l) });
    const slow = backend === 'cpu';
    const t = makeTrainer();
    for (const B of slow ? [1] : [1, 64]) {
      report({ name: `DP training step, batch ${B} (D ghost + noise + Adam, then G on ${2 * B})`, backend, ms: timeMedian(() => t.step(B), slow ? 1 : reps) });
    }
    const B = slow ? 4 : 64;
    const batch = batchOf(B, new Random(3));
    const dp = { clipNorm: 1e-4, noiseMultiplier: 1, expectedBatchSize: B };
    for (const [label, fn] of [
      ['ghost', dpGradientsGhost],
      ['loop', dpGradientsLoop],
    ] as const) {
      const ms = timeMedian(() => {
        const res = fn(t.d, arch, batch, dp, new Random(4));
        for (const x of res.grads.values()) x.dispose();
        for (const x of [res.genLoss, res.auxLoss, res.realNorms]) x?.dispose();
      }, 1, slow ? 0 : 1);
      report({ name: `per-example clipped D gradient, ${B} real + ${B} generated: ${label}`, backend, ms });
    }
    batch.x.dispose();
    batch.arms.dispose();
    disposeMasks(batch.masks);
    const nGen = slow ? 300 : N_GENERATE;
    const genMs = timeMedian(() => sampleCohort(t.g, arch, nGen, { seed: 1, maxima: [1, 1, 1] }), 1, slow ? 0 : 1);
    report({ name: `generate ${N_GENERATE} patients`, backend, ms: (genMs * N_GENERATE) / nGen, note: nGen === N_GENERATE ? undefined : `extrapolated from ${nGen}` });
    console.error(`D ${countParams(t.d)} params, G ${countParams(t.g)} params`);
    t.dispose();
  }
  if (json) console.log(JSON.stringify(rows));
  else {
    console.log(`| measure | backend | ms |\n|---|---|---|`);
    for (const r of rows) console.log(`| ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.backend} | ${r.ms.toFixed(1)} |`);
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, detail: { type: 'boolean' }, backends: { type: 'string' }, reps: { type: 'string' } },
  });
  const reps = values.reps ? Number(values.reps) : undefined;
  const run = values.detail
    ? detail((values.backends ?? 'wasm,cpu').split(','), reps ?? 3, !!values.json)
    : benchGan({ reps }).then((rows) => {
        const f = (x: number | null, dg = 1) => (x === null ? '—' : x.toFixed(dg));
        if (values.json) console.log(JSON.stringify(rows, null, 1));
        else for (const r of rows) console.log(`${r.name}: ours ${f(r.ours_ms)} ms, baseline ${f(r.baseline_ms)} ms, ratio ${f(r.ratio, 2)}x (${r.backend})`);
      });
  run.catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
