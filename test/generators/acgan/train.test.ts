import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/compute/backend';
import { RunExistsError, progressBar, progressLine, trainGan, type EpochRecord, type TrainOptions } from '../../../lib/generators/acgan/train';
import { TINY_ARCHITECTURE, createDiscriminator, createGenerator, disposeParams, type Params } from '../../../lib/generators/acgan/models';
import { readTensorState } from '../../../lib/generators/acgan/checkpoint';
import { fakeAccountant, fakeCohort, tinyRun } from './fixtures';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-train-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop() as string, { recursive: true, force: true });
});

beforeAll(async () => {
  await selectBackend({ backend: 'wasm', log: null });
});

const base = (out: string): TrainOptions => tinyRun(out);

const strip = (h: EpochRecord[]) => h.map(({ seconds, ...rest }) => rest);
const bytes = (f: string) => fs.readFileSync(f).toString('hex');
/** Rewrites a run's run.json as written before the named config keys existed (`architecture.NAME` for the architecture's). */
function forgetSettings(out: string, keys: string[]): void {
  const runFile = path.join(out, 'run.json');
  const run = JSON.parse(fs.readFileSync(runFile, 'utf8'));
  for (const k of keys) {
    if (k.startsWith('architecture.')) delete run.config.architecture[k.slice('architecture.'.length)];
    else delete run.config[k];
  }
  fs.writeFileSync(runFile, JSON.stringify(run));
}

describe('trainGan', () => {
  it('resumes after a crash to exactly the uninterrupted run', async () => {
    const before = tf.memory().numTensors;
    const a = tempDir();
    const full = await trainGan(base(a));
    expect(full.checkpoint).toMatchObject({ epoch: 3, finished: true, stopReason: 'completed' });
    expect(tf.memory().numTensors).toBe(before);

    const b = tempDir();
    // Crash after epoch 1's checkpoint is committed...
    await expect(
      trainGan({
        ...base(b),
        onEpoch: (r) => {
          if (r.epoch === 1) throw new Error('simulated kill -9');
        },
      }),
    ).rejects.toThrow('simulated kill -9');
    // ...leaving what a kill in the middle of epoch 2's writes would leave.
    fs.mkdirSync(path.join(b, 'generator', 'epoch-0002'), { recursive: true });
    fs.writeFileSync(path.join(b, 'generator', 'epoch-0002', 'model.json'), '{"torn');
    fs.writeFileSync(path.join(b, `history.json.tmp-999-abc123`), '[');
    fs.mkdirSync(path.join(b, 'state', 'epoch-0002.tmp-999-abc123'), { recursive: true });
    expect(JSON.parse(fs.readFileSync(path.join(b, 'checkpoint.json'), 'utf8')).epoch).toBe(1);

    const resumed = await trainGan({ ...base(b), resume: true });
    expect(resumed.checkpoint.epoch).toBe(3);
    expect(strip(resumed.history)).toEqual(strip(full.history));
    for (let e = 1; e <= 3; e++) {
      const f = (dir: string) => path.join(dir, 'generator', `epoch-000${e}`, 'weights.bin');
      expect(bytes(f(b))).toBe(bytes(f(a)));
    }
    expect(bytes(path.join(b, 'state', 'epoch-0003', 'state.bin'))).toBe(bytes(path.join(a, 'state', 'epoch-0003', 'state.bin')));
    expect(fs.readdirSync(b).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(fs.readdirSync(path.join(b, 'state'))).toEqual(['epoch-0003']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('chunks: the same run with 1, 2 and 4 threads, bit for bit; no tensor left behind; resumes exactly; stored, validated, checked on resume', async () => {
    const before = tf.memory().numTensors;
    const chunked = (out: string, threads: string, more: Partial<TrainOptions> = {}) => {
      process.env.SPRINT_THREADS = threads;
      return trainGan({ ...base(out), chunks: 4, ...more }).finally(() => delete process.env.SPRINT_THREADS);
    };
    const runs = [];
    for (const threads of ['1', '2', '4']) runs.push({ dir: tempDir(), threads });
    const results = [];
    for (const r of runs) results.push(await chunked(r.dir, r.threads));
    expect(tf.memory().numTensors).toBe(before);
    expect(results[0].run.config.chunks).toBe(4);
    const state = (dir: string) => bytes(path.join(dir, 'state', 'epoch-0003', 'state.bin'));
    for (const r of results.slice(1)) expect(strip(r.history)).toEqual(strip(results[0].history));
    for (const r of runs.slice(1)) expect(state(r.dir)).toBe(state(runs[0].dir));
    // A different recipe from the one-program step (the sums' rounding), but the same training.
    const one = await trainGan(base(tempDir()));
    expect(one.run.config.chunks).toBe(1);
    expect(strip(one.history)).not.toEqual(strip(results[0].history));
    // Interrupted after epoch 1 on one thread, resumed on two: the uninterrupted run.
    const c = tempDir();
    await chunked(c, '1', { epochs: 1 });
    const resumed = await chunked(c, '2', { resume: true });
    expect(strip(resumed.history)).toEqual(strip(results[0].history));
    expect(state(c)).toBe(state(runs[0].dir));
    // Validated, and part of what a resume must match; runs from before it resume as 1.
    for (const [bad, msg] of [
      [{ chunks: 3 }, /chunks must be a power of two from 1 to 64/],
      [{ chunks: 128 }, /chunks must be a power of two/],
      [{ chunks: 2, mode: 'paper', batchSize: 1 }, /chunks 2 needs mode 'batched'/],
      [{ chunks: 2, perExample: 'loop' }, /chunks 2 needs the ghost per-example method/],
    ] as const) {
      await expect(trainGan({ ...base(tempDir()), ...bad } as TrainOptions)).rejects.toThrow(msg);
    }
    await expect(trainGan({ ...base(runs[0].dir), epochs: 4, resume: true })).rejects.toThrow(/chunks was 4, now 1/);
    const old = tempDir();
    await trainGan({ ...base(old), epochs: 1 });
    forgetSettings(old, ['chunks']);
    await expect(trainGan({ ...base(old), epochs: 2, chunks: 2, resume: true })).rejects.toThrow(/chunks was 1, now 2/);
    expect((await trainGan({ ...base(old), epochs: 2, resume: true })).checkpoint).toMatchObject({ epoch: 2, finished: true });
  }, 120_000);

  it('gives the same run with the DP noise drawn on a worker thread or on this one', async () => {
    const a = tempDir();
    const b = tempDir();
    const withWorker = await trainGan(base(a));
    process.env.SPRINT_THREADS = '1';
    try {
      const without = await trainGan(base(b));
      expect(strip(without.history)).toEqual(strip(withWorker.history));
    } finally {
      delete process.env.SPRINT_THREADS;
    }
    expect(bytes(path.join(b, 'state', 'epoch-0003', 'state.bin'))).toBe(bytes(path.join(a, 'state', 'epoch-0003', 'state.bin')));
  });

  it('records losses, privacy and checkpoints per epoch', async () => {
    const out = tempDir();
    const progress: string[] = [];
    const r = await trainGan({ ...base(out), epochs: 2, onProgress: (p) => progress.push(progressLine(p)) });
    expect(r.history).toHaveLength(2);
    const h = r.history[1];
    expect(h.steps).toBe(6);
    for (const v of [h.train.d.gen, h.train.d.aux, h.train.g.gen, h.train.g.aux, h.holdout?.d.gen, h.holdout?.g.aux]) {
      expect(Number.isFinite(v)).toBe(true);
    }
    expect(h.epsilon).toBeCloseTo(fakeAccountant.epsilonFor({ q: 0.1, noiseMultiplier: 0.9, steps: 6, delta: 1e-5 }), 10);
    expect(h.deltaAtEpsilon?.map((x) => x.epsilon)).toEqual([0.125, 0.25, 0.5, 1, 2, 4, 8]);
    expect(h.clippedFraction).not.toBeNull();
    const hist = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8'));
    expect(hist).toHaveLength(2);
    expect(fs.existsSync(path.join(out, 'generator', 'epoch-0002', 'model.json'))).toBe(true);
    expect(progress.at(-1)).toMatch(/^epoch 2\/2 \[#+\] 3\/3 D /);
  });

  it('never overwrites a run without force, and resuming a finished run is a no-op', async () => {
    const out = tempDir();
    await trainGan({ ...base(out), epochs: 1 });
    await expect(trainGan({ ...base(out), epochs: 1 })).rejects.toBeInstanceOf(RunExistsError);
    const again = await trainGan({ ...base(out), epochs: 1, resume: true });
    expect(again.history).toHaveLength(1);
    const forced = await trainGan({ ...base(out), epochs: 1, seed: 99, force: true });
    expect(forced.run.config.seed).toBe(99);
    // A folder with unrelated files is refused even with force.
    const other = tempDir();
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine');
    await expect(trainGan({ ...base(other), force: true })).rejects.toThrow(/not a sprint-gan run folder/);
    // Resume with different settings is refused.
    await expect(trainGan({ ...base(out), epochs: 2, seed: 5, resume: true })).rejects.toThrow(/seed was 99/);
  });

  it('stops before the privacy budget would be exceeded', async () => {
    const out = tempDir();
    const lines: string[] = [];
    // fakeAccountant: epsilon = 4 q sqrt(steps) / sigma = 0.444 sqrt(steps): 0.77 after 1 epoch, 1.09 after 2.
    const r = await trainGan({ ...base(out), epochs: 5, targetEpsilon: 1.0, log: (l) => lines.push(l) });
    expect(r.history).toHaveLength(1);
    expect(r.checkpoint).toMatchObject({ epoch: 1, finished: true, stopReason: 'privacy-budget' });
    expect(lines.join('\n')).toMatch(/Stopped before epoch 2: it would bring epsilon to 1\.0887 > target 1/);
  });

  it('trains non-privately without an accountant (epsilon null)', async () => {
    const out = tempDir();
    const r = await trainGan({ ...base(out), epochs: 1, noiseMultiplier: 0, clipNorm: Infinity, accountant: undefined });
    expect(r.history[0].epsilon).toBeNull();
    expect(r.history[0].clippedFraction).toBeNull();
  });

  it('takes Adam beta1 (stored in run.json, changes the training) and rejects one outside [0, 1)', async () => {
    const a = await trainGan({ ...base(tempDir()), epochs: 1, beta1: 0.9 });
    const b = await trainGan({ ...base(tempDir()), epochs: 1 });
    expect(a.run.config.beta1).toBe(0.9);
    expect(b.run.config.beta1).toBe(0.5);
    expect(a.history[0].train.g.gen).not.toBe(b.history[0].train.g.gen);
    for (const bad of [1, -0.1, Number.NaN]) {
      await expect(trainGan({ ...base(tempDir()), beta1: bad })).rejects.toThrow(/beta1 must be in \[0, 1\)/);
    }
  });

  it('clipGenerated: stored, changes training, checked on resume; runs from before it resume as false', async () => {
    const a = await trainGan({ ...base(tempDir()), epochs: 1, clipGenerated: true, clipNorm: 0.01 });
    const b = await trainGan({ ...base(tempDir()), epochs: 1, clipNorm: 0.01 });
    expect(a.run.config.clipGenerated).toBe(true);
    expect(b.run.config.clipGenerated).toBe(false);
    expect(a.history[0].train.g.gen).not.toBe(b.history[0].train.g.gen);
    await expect(trainGan({ ...base(a.out), epochs: 2, clipNorm: 0.01, resume: true })).rejects.toThrow(/clipGenerated was true, now false/);
    // A run.json written before the setting existed.
    forgetSettings(b.out, ['clipGenerated']);
    await expect(trainGan({ ...base(b.out), epochs: 2, clipNorm: 0.01, clipGenerated: true, resume: true })).rejects.toThrow(/clipGenerated was false, now true/);
    const resumed = await trainGan({ ...base(b.out), epochs: 2, clipNorm: 0.01, resume: true });
    expect(resumed.checkpoint).toMatchObject({ epoch: 2, finished: true });
  });

  it("generatorLearningRate: the generator's own Adam rate, stored, validated, checked on resume; older runs resume as null", async () => {
    const state = (dir: string, name: string) => Array.from(readTensorState<unknown>(path.join(dir, 'state', 'epoch-0001')).values.get(name)?.data ?? []);
    const initial = (p: Params, name: string) => {
      const v = Array.from((p.get(name) as tf.Variable).dataSync());
      disposeParams(p);
      return v;
    };
    const g0 = initial(createGenerator(TINY_ARCHITECTURE, 17 + 1), 'g_dense1/kernel');
    const d0 = initial(createDiscriminator(TINY_ARCHITECTURE, 17), 'd_dense1/kernel');
    const maxMove = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    // A vanishing generator rate: after an epoch G is where it started, while D learned as usual.
    const frozen = await trainGan({ ...base(tempDir()), epochs: 1, generatorLearningRate: 1e-12 });
    expect(maxMove(state(frozen.out, 'G:g_dense1/kernel'), g0)).toBeLessThan(1e-8);
    expect(maxMove(state(frozen.out, 'D:d_dense1/kernel'), d0)).toBeGreaterThan(1e-4);
    const same = await trainGan({ ...base(tempDir()), epochs: 1 });
    expect(maxMove(state(same.out, 'G:g_dense1/kernel'), g0)).toBeGreaterThan(1e-4);
    // null (the default) is exactly the shared rate.
    const explicit = await trainGan({ ...base(tempDir()), epochs: 1, generatorLearningRate: 1e-3 });
    expect(state(explicit.out, 'G:g_dense1/kernel')).toEqual(state(same.out, 'G:g_dense1/kernel'));
    expect(frozen.run.config.generatorLearningRate).toBe(1e-12);
    expect(same.run.config.generatorLearningRate).toBeNull();
    for (const bad of [0, -1e-3, Number.NaN, Infinity]) {
      await expect(trainGan({ ...base(tempDir()), generatorLearningRate: bad })).rejects.toThrow(/generator learning rate must be > 0/);
    }
    await expect(trainGan({ ...base(frozen.out), epochs: 2, resume: true })).rejects.toThrow(/generatorLearningRate was 1e-12, now null/);
    forgetSettings(same.out, ['generatorLearningRate']);
    expect((await trainGan({ ...base(same.out), epochs: 2, resume: true })).checkpoint).toMatchObject({ epoch: 2, finished: true });
  });

  it('diversityWeight and diversityCap: stored, change training, validated, checked on resume; older runs resume as 0 and 1.5', async () => {
    const a = await trainGan({ ...base(tempDir()), epochs: 1, diversityWeight: 2, diversityCap: 1 });
    const b = await trainGan({ ...base(tempDir()), epochs: 1 });
    expect(a.run.config).toMatchObject({ diversityWeight: 2, diversityCap: 1 });
    expect(b.run.config).toMatchObject({ diversityWeight: 0, diversityCap: 1.5 });
    expect(a.history[0].train.g.gen).not.toBe(b.history[0].train.g.gen);
    for (const [bad, msg] of [
      [{ diversityWeight: -1 }, /diversity weight must be >= 0/],
      [{ diversityWeight: Number.NaN }, /diversity weight must be >= 0/],
      [{ diversityCap: 0 }, /diversity cap must be > 0/],
      [{ diversityCap: Infinity }, /diversity cap must be > 0/],
    ] as const) {
      await expect(trainGan({ ...base(tempDir()), ...bad })).rejects.toThrow(msg);
    }
    await expect(trainGan({ ...base(a.out), epochs: 2, diversityCap: 1, resume: true })).rejects.toThrow(/diversityWeight was 2, now 0/);
    forgetSettings(b.out, ['diversityWeight', 'diversityCap']);
    await expect(trainGan({ ...base(b.out), epochs: 2, diversityWeight: 1, resume: true })).rejects.toThrow(/diversityWeight was 0, now 1/);
    expect((await trainGan({ ...base(b.out), epochs: 2, resume: true })).checkpoint).toMatchObject({ epoch: 2, finished: true });
  });

  it('auxOnGenerated and generatorAuxWeight: stored, change training, validated, checked on resume; older runs resume as true and 1', async () => {
    const a = await trainGan({ ...base(tempDir()), epochs: 1, auxOnGenerated: false, generatorAuxWeight: 0.3 });
    const b = await trainGan({ ...base(tempDir()), epochs: 1 });
    expect(a.run.config).toMatchObject({ auxOnGenerated: false, generatorAuxWeight: 0.3 });
    expect(b.run.config).toMatchObject({ auxOnGenerated: true, generatorAuxWeight: 1 });
    expect(a.history[0].train.g.gen).not.toBe(b.history[0].train.g.gen);
    for (const [bad, msg] of [
      [{ generatorAuxWeight: -0.1 }, /arm-loss weight must be >= 0/],
      [{ generatorAuxWeight: Infinity }, /arm-loss weight must be >= 0/],
      [{ auxOnGenerated: 'no' as unknown as boolean }, /auxOnGenerated must be true or false/],
    ] as const) {
      await expect(trainGan({ ...base(tempDir()), ...bad })).rejects.toThrow(msg);
    }
    await expect(trainGan({ ...base(a.out), epochs: 2, generatorAuxWeight: 0.3, resume: true })).rejects.toThrow(/auxOnGenerated was false, now true/);
    forgetSettings(b.out, ['auxOnGenerated', 'generatorAuxWeight']);
    await expect(trainGan({ ...base(b.out), epochs: 2, generatorAuxWeight: 0.5, resume: true })).rejects.toThrow(/generatorAuxWeight was 1, now 0.5/);
    expect((await trainGan({ ...base(b.out), epochs: 2, resume: true })).checkpoint).toMatchObject({ epoch: 2, finished: true });
  });

  it('an architecture stored before gEmbeddingInit and dDeviation existed resumes as Glorot without the channel; a different init is refused', async () => {
    const a = await trainGan({ ...base(tempDir()), epochs: 1 });
    expect(a.run.config.architecture.gEmbeddingInit).toBe('glorotNormal');
    expect(a.run.config.architecture.dDeviation).toBe(false);
    forgetSettings(a.out, ['architecture.gEmbeddingInit', 'architecture.dDeviation']);
    await expect(trainGan({ ...base(a.out), epochs: 2, architecture: { ...TINY_ARCHITECTURE, gEmbeddingInit: 'ones' }, resume: true })).rejects.toThrow(
      /Cannot resume .*: architecture was/,
    );
    await expect(trainGan({ ...base(a.out), epochs: 2, architecture: { ...TINY_ARCHITECTURE, dDeviation: true }, resume: true })).rejects.toThrow(
      /Cannot resume .*: architecture was/,
    );
    const resumed = await trainGan({ ...base(a.out), epochs: 2, resume: true });
    expect(resumed.checkpoint).toMatchObject({ epoch: 2, finished: true });
  });

  it('paper mode: batch 1, q = 1/N, N steps an epoch by default', async () => {
    const out = tempDir();
    const r = await trainGan({ ...base(out), mode: 'paper', batchSize: undefined, stepsPerEpoch: undefined, epochs: 1, train: fakeCohort(10, 3) });
    expect(r.run.q).toBeCloseTo(0.1, 12);
    expect(r.run.config.batchSize).toBe(1);
    expect(r.history[0].steps).toBe(10);
    await expect(trainGan({ ...base(tempDir()), mode: 'paper', batchSize: 4 })).rejects.toThrow(/batch 1/);
  });
});

describe('progressBar', () => {
  const draw = (stepsPerEpoch: number, updatesPerEpoch?: number) => {
    const writes: string[] = [];
    const bar = progressBar({ write: (s: string) => writes.push(s) }, updatesPerEpoch);
    for (let step = 1; step <= stepsPerEpoch; step++) bar({ epoch: 1, epochs: 2, step, stepsPerEpoch, dLoss: 1.25, gLoss: 0.5, elapsedMs: 1000 * step, etaMs: 0 });
    return writes;
  };

  it('draws every step of a short epoch, the last with its newline, one write each (a kernel sends a message per write)', () => {
    const w = draw(8);
    expect(w.length).toBe(8);
    expect(w[0]).toMatch(/^\repoch 1\/2 \[.*\] 1\/8 D 1\.2500 G 0\.5000 1\.0s eta 0\.0s$/);
    expect(w[7]).toMatch(/ 8\/8 .*\n$/);
    expect(w.slice(0, 7).every((s) => !s.includes('\n'))).toBe(true);
  });

  it('draws a long epoch at most updatesPerEpoch times plus its last step', () => {
    const steps = draw(94).map((s) => Number(/ (\d+)\/94 /.exec(s)![1]));
    expect(steps).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 94]);
    expect(draw(6000, 4).map((s) => Number(/ (\d+)\/6000 /.exec(s)![1]))).toEqual([1500, 3000, 4500, 6000]);
  });
});
