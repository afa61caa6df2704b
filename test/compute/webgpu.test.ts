/**
 * The webgpu backend trains the same model as the cpu backend.
 *
 * CI runs this on Mesa's lavapipe, a software Vulkan driver (Mesa >= 25:
 * `mesa-vulkan-drivers` from Debian bookworm-backports, installed by
 * .ci/run), through Dawn (`webgpu` npm package). It needs no GPU; on a machine
 * with one, Dawn may pick the GPU instead and the same checks apply.
 *
 * Without a Vulkan adapter: required under CI=true (it fails, saying what to
 * install); elsewhere (a machine with Node.js alone) the suite is skipped and
 * says why and what to install, so `npm test` passes there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../lib/random';
import { loadWebGpu, readSync, selectBackend, type WebGpuAdapter } from '../../lib/compute/backend';
import { PAPER_ARCHITECTURE, TINY_ARCHITECTURE, type GanArchitecture } from '../../lib/generators/acgan/models';
import { STEP_STATS, ganStep } from '../../lib/generators/acgan/step';
import { trainGan, type EpochRecord } from '../../lib/generators/acgan/train';
import { stepContext, tinyRun } from '../generators/acgan/fixtures';

const INSTALL = 'install a Vulkan driver: on Debian 12, as root, `apt-get install -t bookworm-backports mesa-vulkan-drivers` (Mesa >= 25; .ci/run does this; see README "System packages")';
const found = await loadWebGpu().then(
  (a) => ({ adapter: a, reason: null }),
  (e: Error) => ({ adapter: null, reason: e.message.split('\n')[0] }),
);
if (!found.adapter && process.env.CI) throw new Error(`${found.reason}\nCI must run the WebGPU test: ${INSTALL}.`);
if (!found.adapter) console.warn(`test/compute/webgpu.test.ts skipped: ${found.reason}. To run it, ${INSTALL}.`);
const adapter = found.adapter as WebGpuAdapter;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-webgpu-'));

afterAll(async () => {
  if (found.adapter) await selectBackend({ backend: 'wasm', log: null });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.runIf(!found.adapter)('webgpu backend (Dawn)', () => {
  it.skip(`skipped: ${found.reason}; to run it, ${INSTALL}`, () => undefined);
});

/** Weights and statistics after `steps` DP steps from a fixed start, on `backend`. */
async function stepOn(backend: string, arch: GanArchitecture, B: number, steps: number) {
  await selectBackend({ backend, log: null });
  const { ctx, dispose } = stepContext(arch, B, {
    // A clip norm some rows exceed and some do not, and noise: every branch of DP-SGD.
    dp: { clipNorm: 0.05, noiseMultiplier: 0.8, expectedBatchSize: B },
    plain: false,
  });
  const stats: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const r = ganStep(ctx, new Random(9).derive(`step:${s}`));
    stats.push(Array.from(await r.stats.data()));
    r.stats.dispose();
  }
  const weights = new Map<string, Float32Array>();
  for (const [name, v] of [...ctx.d, ...ctx.g]) weights.set(name, (await v.data()) as Float32Array);
  dispose();
  return { weights, stats };
}

describe.runIf(found.adapter)('webgpu backend (Dawn)', () => {
  it('has an adapter whose storage-buffer limit the device was created with', () => {
    expect(adapter.description).not.toBe('');
    // Dawn's default is 8; the adapter's own limit (lavapipe: 16) must be requested.
    expect(adapter.maxStorageBuffersPerShaderStage).toBeGreaterThan(8);
  });

  it('adds 12 tensors correctly (more inputs than the default 8 storage buffers)', async () => {
    await selectBackend({ backend: 'webgpu', log: null });
    expect(tf.getBackend()).toBe('webgpu');
    const xs = Array.from({ length: 12 }, (_, i) => tf.fill([7], i + 1));
    const sum = tf.addN(xs);
    expect(Array.from(await sum.data())).toEqual(new Array(7).fill(78));
    tf.dispose([...xs, sum]);
  });

  it('refuses synchronous reads with a message that says what to do', async () => {
    await selectBackend({ backend: 'webgpu', log: null });
    const t = tf.ones([2]);
    expect(() => readSync(t, 'sampling patients')).toThrow(/sampling patients reads results synchronously.*selectBackend/);
    t.dispose();
  });

  it('is not chosen automatically for a software adapter, nor outside training', async () => {
    const info = await selectBackend({ training: true, log: null });
    if (adapter.software) {
      expect(info.name).toBe('wasm');
      expect(info.skipped.find((s) => s.name === 'webgpu')?.reason).toMatch(/software adapter|no GPU device node/);
    } else {
      expect(info.name).toBe('webgpu');
    }
    expect((await selectBackend({ log: null })).name).toBe('wasm');
  });

  // Three steps, so Adam's second-moment and bias correction are exercised.
  // The reference is plain cpu for the tiny model, and wasm (itself checked
  // against cpu in backend.test.ts) for the paper's, where cpu takes minutes.
  for (const [label, arch, B, reference] of [
    ['tiny', TINY_ARCHITECTURE, 6, 'cpu'],
    ['paper', PAPER_ARCHITECTURE, 4, 'wasm'],
  ] as const) {
    it(`runs the DP training steps of the ${reference} backend (${label} architecture)`, async () => {
      const cpu = await stepOn(reference, arch, B, 3);
      const gpu = await stepOn('webgpu', arch, B, 3);
      // Losses and the clipped count agree.
      for (let s = 0; s < 3; s++) {
        STEP_STATS.forEach((name, i) => {
          const a = cpu.stats[s][i];
          const b = gpu.stats[s][i];
          expect(Math.abs(a - b), `step ${s} ${name}: cpu ${a}, webgpu ${b}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a)));
        });
      }
      expect(cpu.stats.some((s) => s[4] > 0)).toBe(true); // some rows were clipped
      // Weights agree to float32 rounding. Adam divides by sqrt(v): a gradient
      // within rounding of zero may move its weight by up to ~lr either way, so
      // a handful of elements may differ by more; none by more than 3 lr.
      let total = 0;
      let loose = 0;
      for (const [name, a] of cpu.weights) {
        const b = gpu.weights.get(name) as Float32Array;
        expect(b.length, name).toBe(a.length);
        for (let i = 0; i < a.length; i++) {
          const diff = Math.abs(a[i] - b[i]);
          expect(diff, `${name}[${i}]: cpu ${a[i]}, webgpu ${b[i]}`).toBeLessThan(3e-3);
          if (diff > 2e-5) loose++;
        }
        total += a.length;
      }
      expect(loose, `${loose} of ${total} weights differ by more than 2e-5`).toBeLessThanOrEqual(Math.max(2, total * 1e-4));
    }, 240_000);
  }

  for (const chunks of [1, 4]) {
    it(`trains and checkpoints a run with trainGan, as on cpu (chunks ${chunks})`, async () => {
      const opts = (out: string) => tinyRun(out, { epochs: 2, chunks });
      await selectBackend({ backend: 'cpu', log: null });
      const a = await trainGan(opts(path.join(tmp, `cpu-${chunks}`)));
      await selectBackend({ backend: 'webgpu', log: null });
      const b = await trainGan(opts(path.join(tmp, `webgpu-${chunks}`)));
      expect(b.checkpoint.finished).toBe(true);
      const nums = (h: EpochRecord[]) => h.flatMap((r) => [r.realExamples, r.clippedFraction ?? -1, r.train.d.gen, r.train.d.aux, r.train.g.gen, r.train.g.aux, r.holdout?.d.gen ?? -1, r.holdout?.g.gen ?? -1]);
      const x = nums(a.history);
      const y = nums(b.history);
      expect(y.length).toBe(x.length);
      x.forEach((v, i) => expect(Math.abs(v - y[i]), `value ${i}: cpu ${v}, webgpu ${y[i]}`).toBeLessThan(1e-3));
      expect(fs.existsSync(path.join(tmp, `webgpu-${chunks}`, 'generator', 'epoch-0002', 'model.json'))).toBe(true);
    }, 240_000);
  }
});
