/**
 * The contract every generator family keeps (lib/generators/family.ts), run
 * over every family in the registry: train into a run folder (private and
 * not), describe it, sample from it (deterministic, the training cohort's
 * layout, balanced arms on request), refuse to overwrite it, return it on
 * resume (a save/load round trip: sampling reads the folder back), retrain
 * it with force to the same numbers, refuse a folder another process holds
 * (its lock) and leave none behind, never touch a folder that is not a run. In the spirit of synthcity's plugin tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../lib/compute/backend';
import type { Cohort } from '../../lib/data/cohort';
import {
  GENERATORS,
  GENERATOR_NAMES,
  LOCK_FILE,
  RunExistsError,
  RunLockedError,
  describeRun,
  generatorFamily,
  latestRunEpoch,
  lockRunFolder,
  runFamily,
  runLedger,
  releaseRecord,
  runMemberScorer,
  sampleFromRun,
  type GeneratorFamily,
  type GeneratorName,
  type TrainedRun,
} from '../../lib/generators/index';
import { TINY_ARCHITECTURE } from '../../lib/generators/acgan/models';
import { MASKID_PATTERN, SYNTHETIC_MASKID_PATTERN } from '../../lib/data/format';
import { PUBLIC_MAXIMA, renormalize } from '../../lib/data/scaling';
import { realFeatures } from '../../lib/eval/units';
import { fakeCohort } from './acgan/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-contract-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

const cohort: Cohort = fakeCohort(60, 3);
const delta = 1e-5;

/**
 * Each family's smallest private and non-private settings, and whether its
 * run folder is a shareable release (`publicFolder`: nothing in it may be
 * an exact function of the patients).
 */
const SETTINGS: Record<GeneratorName, { private: Record<string, unknown>; nonPrivate: Record<string, unknown>; publicFolder: boolean }> = {
  acgan: {
    private: { mode: 'batched', batchSize: 6, stepsPerEpoch: 2, epochs: 2, noiseMultiplier: 1.1, clipNorm: 1, learningRate: 1e-3, architecture: TINY_ARCHITECTURE },
    nonPrivate: { mode: 'batched', batchSize: 6, stepsPerEpoch: 2, epochs: 1, noiseMultiplier: 0, clipNorm: Infinity, learningRate: 1e-3, architecture: TINY_ARCHITECTURE },
    publicFolder: false, // discriminator and optimizer state, exact losses on held-out patients, the maxima of --scaling max
  },
  gaussian: { private: { targetEpsilon: 2 }, nonPrivate: { nonPrivate: true }, publicFolder: true },
  markov: { private: { targetEpsilon: 2 }, nonPrivate: { nonPrivate: true }, publicFolder: true },
};

/**
 * Two parsed JSON values agree up to float32 rounding: same keys, same
 * strings, numbers within a relative 1e-4. Returns the first disagreement's
 * path, or null.
 */
function firstDifference(a: unknown, b: unknown, at = '$'): string | null {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b)) ? null : `${at}: ${a} vs ${b}`;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? null : `${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  const ka = Object.keys(a as object).sort();
  const kb = Object.keys(b as object).sort();
  if (ka.join() !== kb.join()) return `${at}: keys ${ka.join(',')} vs ${kb.join(',')}`;
  for (const k of ka) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d) return d;
  }
  return null;
}

function train(name: GeneratorName, out: string, kind: 'private' | 'nonPrivate', extra: Record<string, unknown> = {}): Promise<TrainedRun> {
  const family = generatorFamily(name) as GeneratorFamily<Record<string, unknown>, TrainedRun>;
  return family.train({ out, train: cohort, delta, seed: 4, dataKind: 'simulated', log: () => {}, ...SETTINGS[name][kind], ...extra });
}

it('the registry names every family once, the AC-GAN first (the default)', () => {
  expect(GENERATOR_NAMES[0]).toBe('acgan');
  expect(new Set(GENERATOR_NAMES).size).toBe(GENERATOR_NAMES.length);
  for (const name of GENERATOR_NAMES) expect(GENERATORS[name].name).toBe(name);
  expect(Object.keys(SETTINGS).sort()).toEqual([...GENERATOR_NAMES].sort());
  expect(() => generatorFamily('vae')).toThrow(/unknown generator 'vae': use one of acgan, gaussian, markov/);
});

describe.each(GENERATOR_NAMES)('generator family %s', (name) => {
  const out = path.join(tmp, `${name}-private`);
  let first: TrainedRun;

  beforeAll(async () => {
    first = await train(name, out, 'private');
  }, 60_000);

  it('trains a private run and describes it: family, size, epochs, cost', () => {
    const s = first.summary;
    expect(s).toMatchObject({ generator: name, nTrain: cohort.n, finished: true, private: true, delta, dataKind: 'simulated' });
    expect(s.epoch).toBeGreaterThanOrEqual(1);
    expect(latestRunEpoch(out)).toBe(s.epoch);
    expect(describeRun(out)).toEqual(s);
    expect(runFamily(out).name).toBe(name);
    expect(s.cost.length).toBeGreaterThan(0);
    // The recorded epsilon is what the recorded cost composes to.
    expect(s.epsilon).toBeGreaterThan(0);
    expect(runLedger(out).epsilon(delta)).toBeCloseTo(s.epsilon as number, 9);
  });

  it('samples n patients in the training cohort layout, the same for the same seed', () => {
    const a = sampleFromRun(out, 50, { seed: 1 });
    const b = sampleFromRun(out, 50, { seed: 1 });
    const c = sampleFromRun(out, 50, { seed: 2 });
    expect(a.n).toBe(50);
    expect(a.x).toHaveLength(50 * 36);
    expect(a.maskIds).toHaveLength(50);
    expect(a.maskIds.every((id) => SYNTHETIC_MASKID_PATTERN.test(id) && !MASKID_PATTERN.test(id))).toBe(true);
    expect(new Set(a.maskIds).size).toBe(50);
    // Normalized on the training maxima where the run keeps them, else on the public ones.
    expect(a.maxima).toEqual(SETTINGS[name].publicFolder ? [...PUBLIC_MAXIMA] : cohort.maxima);
    expect(Array.from(a.x).every(Number.isFinite)).toBe(true);
    expect(Array.from(a.y).every((v) => v === 0 || v === 1)).toBe(true);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
    // On the maxima asked for: the same patients in raw units.
    const onCohort = sampleFromRun(out, 50, { seed: 1, maxima: cohort.maxima });
    const onOther = sampleFromRun(out, 50, { seed: 1, maxima: [250, 150, 10] });
    expect(onCohort.maxima).toEqual(cohort.maxima);
    expect(onOther.maxima).toEqual([250, 150, 10]);
    const rawA = realFeatures(a);
    const rawOther = realFeatures(onOther);
    const rawCohort = realFeatures(onCohort);
    for (let i = 0; i < rawA.length; i++) {
      expect(Math.abs(rawOther[i] - rawA[i])).toBeLessThan(1e-3);
      expect(Math.abs(rawCohort[i] - rawA[i])).toBeLessThan(1e-3);
    }
    expect(Array.from(onOther.y)).toEqual(Array.from(a.y));
    const balanced = sampleFromRun(out, 50, { seed: 1, arms: 'balanced' });
    expect(Array.from(balanced.y)).toEqual(Array.from({ length: 50 }, (_, i) => i % 2));
    expect(sampleFromRun(out, 10, { seed: 1, epoch: first.summary.epoch }).n).toBe(10);
  });

  it("describes a release of its patients: the run's whole ledger, the data's kind, what epsilon does not cover", () => {
    const r = releaseRecord(out, { epochs: [first.summary.epoch], n: 50, seed: 1 });
    expect(r).toMatchObject({ kind: 'sprint-gan synthetic release', generator: name, run: out, epochs: [first.summary.epoch], n: 50, seed: 1, arms: 'random', data: { kind: 'simulated' }, private: true, delta });
    expect(r.ledger!.entries).toEqual(first.summary.cost);
    expect(r.epsilon).toBeCloseTo(first.summary.epsilon as number, 9);
    expect(r.ledger!.report!.epsilon).toBe(r.epsilon);
    // The AC-GAN in the paper's space (--scaling max) scales every value by the data's maxima: said, not hidden.
    expect(r.notCovered).toEqual(first.summary.notCovered);
    if (name === 'acgan') expect(r.notCovered.join(' ')).toMatch(/maxima/);
    else expect(r.notCovered).toEqual([]);
  });

  it('refuses to train over the run, leaving it as it was', async () => {
    const ckpt = fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8');
    await expect(train(name, out, 'private')).rejects.toThrow(RunExistsError);
    await expect(train(name, out, 'private')).rejects.toThrow(/holds a finished run\. Use resume to continue it, or force/);
    expect(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8')).toBe(ckpt);
  });

  it('returns the finished run on resume, and retrains it with force to the same patients', async () => {
    const before = sampleFromRun(out, 20, { seed: 9 });
    const resumed = await train(name, out, 'private', { resume: true });
    expect(resumed.summary).toEqual(first.summary);
    expect(Array.from(sampleFromRun(out, 20, { seed: 9 }).x)).toEqual(Array.from(before.x));
    const again = await train(name, out, 'private', { force: true });
    expect(again.summary.epsilon).toBe(first.summary.epsilon);
    expect(Array.from(sampleFromRun(out, 20, { seed: 9 }).x)).toEqual(Array.from(before.x));
  }, 60_000);

  it('trains without privacy: no cost, no epsilon', async () => {
    const dir = path.join(tmp, `${name}-nonprivate`);
    const r = await train(name, dir, 'nonPrivate');
    expect(r.summary).toMatchObject({ generator: name, private: false, cost: [], epsilon: null });
    expect(releaseRecord(dir, { epochs: [r.summary.epoch], n: 5, seed: 0 })).toMatchObject({ private: false, epsilon: null, ledger: null });
    expect(runLedger(dir).entries).toEqual([]);
    expect(sampleFromRun(dir, 5, { seed: 1 }).n).toBe(5);
  }, 60_000);

  it('leaves no lock after training, and refuses a folder another live process holds, changing nothing', async () => {
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
    const before = fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8');
    const lock = lockRunFolder(out, { command: 'another writer' });
    try {
      await expect(train(name, out, 'private', { resume: true })).rejects.toThrow(RunLockedError);
      await expect(train(name, out, 'private', { force: true })).rejects.toThrow(/is in use: pid \d+ on host .* \(another writer\)/);
    } finally {
      lock.release();
    }
    expect(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8')).toBe(before);
  });

  it("never trains into a folder that is not a run, and leaves the user's files alone", async () => {
    const dir = path.join(tmp, `${name}-user`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await expect(train(name, dir, 'private', { force: true })).rejects.toThrow(/is not a sprint-gan run folder/);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });

  it.runIf(SETTINGS[name].publicFolder)('writes nothing computed exactly from the patients: the folder is the same for the same patients on other maxima', async () => {
    // The same raw values normalized on other maxima: a folder holding the maxima, a fingerprint of the
    // normalized values, or anything else exact about the stored cohort would differ.
    const dir = path.join(tmp, `${name}-renormalized`);
    await train(name, dir, 'private', { train: renormalize(cohort, [250, 150, 10]) });
    expect(fs.readdirSync(dir).sort()).toEqual(fs.readdirSync(out).sort());
    for (const f of fs.readdirSync(out)) {
      const read = (d: string) => {
        const doc = JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')) as Record<string, unknown>;
        delete doc.created;
        return doc;
      };
      expect(firstDifference(read(out), read(dir)), f).toBeNull();
    }
    const runFile = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(Object.keys(runFile.data).sort()).toEqual(['kind', 'nTrain', 'source']);
  });

  it('offers a membership scorer exactly when the family has a model to score with', () => {
    const scorer = runMemberScorer(out);
    if (name === 'acgan') {
      expect(scorer).not.toBeNull();
      const s = scorer!.scoreFn(cohort);
      expect(s).toHaveLength(cohort.n);
      scorer!.dispose();
    } else {
      expect(scorer).toBeNull();
    }
  });
});

it('a run folder of one family is not resumed by another', async () => {
  const out = path.join(tmp, 'gaussian-private');
  await expect(train('acgan', out, 'private', { resume: true })).rejects.toThrow(/holds a run of generator 'gaussian', not 'acgan'/);
  expect(() => GENERATORS.acgan.describe(out)).toThrow(/holds a run of generator 'gaussian', not 'acgan'/);
  expect(() => GENERATORS.gaussian.describe(path.join(tmp, 'acgan-private'))).toThrow(/holds a run of generator 'acgan', not 'gaussian'/);
});
