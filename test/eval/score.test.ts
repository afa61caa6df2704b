import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cohort } from '../../lib/data/cohort';
import {
  realFeatures,
  readScoreFile,
  scoreEpochs,
  scoreProgressBar,
  ScoreSettingsError,
  syntheticFeatures,
  type ScoreProgress,
} from '../../lib/eval';
import { flipLabels, simulatedSplit, tempDir } from './cohorts';

const tmp = tempDir();
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('units: raw values, truncated and clipped like the original', () => {
  const maxima: [number, number, number] = [200, 120, 6];
  const cohort = (raw: number[]): Cohort => {
    const x = new Float32Array(36);
    raw.forEach((v, i) => (x[i] = v / maxima[Math.floor(i / 12)]));
    return { n: 1, x, y: new Uint8Array(1), maskIds: ['S00001'], maxima };
  };

  it('astype(int) then clip(min=0): truncation toward 0, negatives and non-finite values -> 0', () => {
    const raw = new Array(36).fill(100);
    raw[0] = 139.9; // -> 139, not 140
    raw[1] = 140; // float32 140/200*200 = 139.99999..., must stay 140
    raw[2] = -3.7; // trunc -> -3, clip -> 0
    raw[3] = 0.4; // -> 0
    raw[12] = 79.5; // DBP -> 79
    raw[24] = 2.9; // N_BPCLASSES -> 2
    raw[25] = NaN; // numpy: INT_MIN -> 0
    const s = syntheticFeatures(cohort(raw));
    expect(Array.from(s.subarray(0, 4))).toEqual([139, 140, 0, 0]);
    expect(s[12]).toBe(79);
    expect(s[24]).toBe(2);
    expect(s[25]).toBe(0);
    expect(syntheticFeatures(cohort(raw), 'round')[0]).toBe(140);
    expect(syntheticFeatures(cohort(raw), 'none')[0]).toBeCloseTo(139.9, 4);
  });

  it('real patients are mapped back exactly (4 decimals), never truncated', () => {
    const raw = new Array(36).fill(121);
    raw[0] = 139.5;
    raw[1] = 140;
    const r = realFeatures(cohort(raw));
    expect(r[0]).toBe(139.5);
    expect(r[1]).toBe(140);
    expect(r[30]).toBe(121);
  });
});

describe('scoreEpochs on a fake generator with known separability', () => {
  // 1500 simulated participants -> ~1060 complete patients: 700 to "train the GAN", the rest real test patients.
  const { train, test } = simulatedSplit(1500, 700);
  // Epoch e returns the real training patients with a fraction of labels flipped:
  // 0 -> as good as real data; 0.5 -> no information (accuracy ~0.5); 1 -> every label wrong.
  const flips: Record<number, number> = { 1: 0, 2: 0.35, 3: 0.5, 4: 0.65, 5: 1 };
  const calls: number[] = [];
  const sampleEpoch = (epoch: number, n: number): Cohort => {
    calls.push(epoch);
    expect(n).toBe(train.n);
    return flipLabels(train, flips[epoch], epoch);
  };

  it('orders the epochs by how much label information their patients carry', async () => {
    const scores = await scoreEpochs({ sampleEpoch, epochs: [1, 2, 3, 4, 5], test, nGenerate: train.n, seed: 1 });
    expect(scores.map((s) => s.epoch)).toEqual([1, 2, 3, 4, 5]);
    for (const s of scores) {
      expect(s.nTest).toBe(test.n);
      expect(s.forest).toBe(s.forestCorrect / s.nTest);
      expect(s.logistic).toBe(s.logisticCorrect / s.nTest);
    }
    const lr = scores.map((s) => s.logistic);
    const rf = scores.map((s) => s.forest);
    expect(lr[0]).toBeGreaterThan(0.8);
    expect(rf[0]).toBeGreaterThan(0.75);
    for (const acc of [lr, rf]) {
      expect(acc[0]).toBeGreaterThanOrEqual(acc[1]);
      expect(acc[1]).toBeGreaterThan(0.55);
      expect(Math.abs(acc[2] - 0.5)).toBeLessThan(0.15);
      expect(acc[3]).toBeLessThan(0.45);
      expect(acc[3]).toBeGreaterThanOrEqual(acc[4]);
      expect(acc[4]).toBeLessThan(0.25);
    }
    // Flipping every label mirrors the logistic model exactly: accuracy 1 - acc(no flips).
    expect(lr[4]).toBeCloseTo(1 - lr[0], 10);
  });

  it('is seeded, resumable (skips scored epochs, same table), and refuses changed settings', async () => {
    const file = path.join(tmp, 'run', 'scores.json');
    const progress: ScoreProgress[] = [];
    calls.length = 0;
    const first = await scoreEpochs({ sampleEpoch, epochs: [1, 3], test, nGenerate: train.n, seed: 7, file, onProgress: (p) => progress.push(p) });
    expect(calls).toEqual([1, 3]);
    expect(progress.map((p) => [p.done, p.total, p.epoch])).toEqual([
      [1, 2, 1],
      [2, 2, 3],
    ]);
    expect(readScoreFile(file)?.scores.map((s) => s.epoch)).toEqual([1, 3]);

    calls.length = 0;
    progress.length = 0;
    const all = await scoreEpochs({ sampleEpoch, epochs: [1, 2, 3, 4], test, nGenerate: train.n, seed: 7, file, onProgress: (p) => progress.push(p) });
    expect(calls).toEqual([2, 4]);
    expect(progress[0]).toMatchObject({ done: 2, total: 4, epoch: null, resumed: 2 });
    expect(all.slice(0, 1)).toEqual(first.slice(0, 1));
    expect(all[2]).toEqual(first[1]);

    // An uninterrupted run gives the same table (an epoch's seeds depend on the epoch only).
    const fresh = await scoreEpochs({ sampleEpoch, epochs: [4, 3, 2, 1], test, nGenerate: train.n, seed: 7 });
    expect(fresh).toEqual(all);
    expect(readScoreFile(file)?.scores).toEqual(all);

    await expect(scoreEpochs({ sampleEpoch, epochs: [1], test, nGenerate: train.n, seed: 8, file })).rejects.toThrow(ScoreSettingsError);
    expect(readScoreFile(file)?.scores).toHaveLength(4); // nothing lost
    calls.length = 0;
    const restarted = await scoreEpochs({ sampleEpoch, epochs: [1], test, nGenerate: train.n, seed: 8, file, restart: true });
    expect(calls).toEqual([1]);
    expect(readScoreFile(file)?.scores).toEqual(restarted);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['scores.json']); // no temp files left
  });

  it('does not recreate a folder removed while scoring', async () => {
    const dir = path.join(tmp, 'vanishing');
    const file = path.join(dir, 'scores.json');
    const vanish = (epoch: number): Cohort => {
      fs.rmSync(dir, { recursive: true, force: true });
      return sampleEpoch(epoch, train.n);
    };
    await expect(scoreEpochs({ sampleEpoch: vanish, epochs: [1], test, nGenerate: train.n, file })).rejects.toThrow(/was removed while scoring/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('checks what the generator returns', async () => {
    await expect(scoreEpochs({ sampleEpoch: () => train, epochs: [1], test, nGenerate: train.n + 1 })).rejects.toThrow(/returned 700 patients, expected 701/);
    await expect(scoreEpochs({ sampleEpoch, epochs: [1.5], test, nGenerate: train.n })).rejects.toThrow(/epochs must be/);
  });

  it('draws a carriage-return progress bar', () => {
    let out = '';
    const bar = scoreProgressBar({ write: (s: string) => (out += s) });
    const score = { epoch: 3, forest: 0.7, logistic: 0.65, forestCorrect: 7, logisticCorrect: 6.5, nTest: 10 };
    bar({ done: 1, total: 2, epoch: 3, score, resumed: 0, elapsedMs: 1000, etaMs: 1000 });
    bar({ done: 2, total: 2, epoch: 4, score: { ...score, epoch: 4 }, resumed: 0, elapsedMs: 2000, etaMs: 0 });
    expect(out).toMatch(/^\rscoring \[#{12}-{12}\] 1\/2 epoch 3 forest 0\.700 logistic 0\.650 eta 1\.0 s\r/);
    expect(out.endsWith('\n')).toBe(true);
  });
});
