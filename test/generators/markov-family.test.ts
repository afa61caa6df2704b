/**
 * The Markov-Gaussian as a generator family: the noise is calibrated to the
 * target (default 1.6) or refused when given noise would exceed it, the run
 * folder holds exactly the public release, its cost is the model's two
 * mechanisms, and sampling the folder is sampling the release in memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PUBLIC_MAXIMA } from '../../lib/data/scaling';
import { markov, markovReleaseOptions } from '../../lib/generators/markov/family';
import { MARKOV_DEFAULTS, addToLedger, calibrateMarkovNoise, fit, sample } from '../../lib/generators/markov';
import { runLedger } from '../../lib/generators/run';
import { PrivacyLedger } from '../../lib/privacy/ledger';
import { fakeCohort } from './acgan/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-markov-family-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cohort = fakeCohort(120, 2);
const ENCODING = { tableShare: 0.5, clipNorm: 6, winsor: 1.5, floorScale: 1, maxClasses: 7, changeMin: -2, changeMax: 3 };

describe('markov family', () => {
  it('calibrates both noise multipliers to the target epsilon (default 1.6) with the tuned defaults', () => {
    expect(markovReleaseOptions({ targetEpsilon: 1, delta: 1e-6, seed: 3 })).toEqual({ ...ENCODING, noise: calibrateMarkovNoise(1, 1e-6), delta: 1e-6, seed: 3 });
    expect(markovReleaseOptions({})).toEqual({ ...ENCODING, noise: calibrateMarkovNoise(1.6, 1e-5), delta: 1e-5, seed: 0 });
    expect(ENCODING).toEqual(Object.fromEntries(Object.entries(MARKOV_DEFAULTS).filter(([k]) => k !== 'delta')));
    const o = markovReleaseOptions({ targetEpsilon: 1.6 });
    const eps = addToLedger(new PrivacyLedger(), { privacy: { tablesNoise: o.noise!.tables, momentsNoise: o.noise!.moments } }).epsilon(1e-5);
    expect(eps).toBeLessThanOrEqual(1.6 + 1e-9);
    expect(eps).toBeGreaterThan(1.59);
    // the table share moves noise between the two releases at the same total
    const shifted = markovReleaseOptions({ targetEpsilon: 1.6, tableShare: 0.25 });
    expect(shifted.noise).toEqual(calibrateMarkovNoise(1.6, 1e-5, 0.25));
    expect(shifted.tableShare).toBe(0.25);
  });

  it('refuses given noise beyond the target, bad targets, and non-private settings mixed with private ones', () => {
    expect(() => markovReleaseOptions({ noise: { tables: 1, moments: 1 }, targetEpsilon: 1.6 })).toThrow(
      /noise multipliers 1 \(tables\) \/ 1 \(moments\) give epsilon \d+\.\d+ > target 1\.6 \(delta 0\.00001\); nothing released/,
    );
    expect(() => markovReleaseOptions({ noise: { tables: 0, moments: 3 } })).toThrow(/positive and finite/);
    expect(() => markovReleaseOptions({ targetEpsilon: 0 })).toThrow(/positive number/);
    expect(() => markovReleaseOptions({ targetEpsilon: Infinity })).toThrow(/nonPrivate for the exact model/);
    expect(() => markovReleaseOptions({ nonPrivate: true, targetEpsilon: 1.6 })).toThrow(/takes no noise, clip norm or epsilon/);
    expect(() => markovReleaseOptions({ nonPrivate: true, clipNorm: 6 })).toThrow(/takes no noise, clip norm or epsilon/);
    // Given noise within the target is used as given; the exact model is the unclipped one.
    const big = { tables: 20, moments: 10 };
    expect(markovReleaseOptions({ noise: big, targetEpsilon: 1.6, seed: 1 })).toEqual({ ...ENCODING, noise: big, delta: 1e-5, seed: 1 });
    expect(markovReleaseOptions({ nonPrivate: true })).toEqual({ ...ENCODING, clipNorm: Infinity, targetEpsilon: Infinity, delta: 1e-5, seed: 0 });
  });

  it('nothing is written when the given noise would exceed the target', async () => {
    const out = path.join(tmp, 'over');
    await expect(markov.train({ out, train: cohort, noise: { tables: 1, moments: 1 }, targetEpsilon: 1.6, log: () => {} })).rejects.toThrow(/nothing released/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('writes run.json, model.json and checkpoint.json: the public release, whose cost is its two mechanisms', async () => {
    const out = path.join(tmp, 'run');
    const lines: string[] = [];
    const r = await markov.train({ out, train: cohort, targetEpsilon: 1.6, seed: 5, dataSource: 'fixture', dataKind: 'simulated', log: (l) => lines.push(l) });
    expect(fs.readdirSync(out).sort()).toEqual(['checkpoint.json', 'model.json', 'run.json']);
    const model = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    const inMemory = fit(cohort, markovReleaseOptions({ targetEpsilon: 1.6, seed: 5 }));
    expect(model).toEqual(JSON.parse(JSON.stringify(inMemory)));
    expect(r.model).toEqual(inMemory);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ generator: 'markov', config: { ...ENCODING, noise: inMemory.privacy && { tables: inMemory.privacy.tablesNoise, moments: inMemory.privacy.momentsNoise }, targetEpsilon: 1.6, delta: 1e-5, seed: 5 } });
    expect(run.data).toEqual({ nTrain: 120, source: 'fixture', kind: 'simulated' });
    expect(r.summary.cost.map((e) => e.name)).toEqual(['Markov-Gaussian model: medication tables', 'Markov-Gaussian model: blood-pressure moments']);
    expect(r.summary.epsilon).toBeCloseTo(inMemory.privacy!.epsilon, 12);
    expect(runLedger(out).epsilon(1e-5)).toBeCloseTo(1.6, 2);
    expect(r.summary).toMatchObject({ generator: 'markov', epoch: 1, steps: 1, finished: true, private: true, nTrain: 120, dataKind: 'simulated' });
    expect(lines.join('\n')).toMatch(/Released a Markov-Gaussian model of 120 patients .*epsilon 1\.(59|60)\d* at delta 0\.00001\./);
    // Sampling the folder is sampling the release, on the maxima asked for (public ones by default).
    const fromRun = markov.sample(out, 40, { seed: 8, maxima: cohort.maxima });
    const direct = sample(inMemory, 40, 8, { maxima: cohort.maxima });
    expect(Array.from(fromRun.x)).toEqual(Array.from(direct.x));
    expect(Array.from(fromRun.y)).toEqual(Array.from(direct.y));
    expect(fromRun.maskIds).toEqual(direct.maskIds);
    expect(markov.sample(out, 40, { seed: 8 }).maxima).toEqual(PUBLIC_MAXIMA);
    expect(Array.from(markov.sample(out, 6, { seed: 8, arms: 'balanced' }).y)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(() => markov.sample(out, 5, { epoch: 2 })).toThrow(/one release \(epoch 1\), not epoch 2/);
  });

  it('the exact model: no noise, no cost, no clipping', async () => {
    const out = path.join(tmp, 'exact');
    const r = await markov.train({ out, train: cohort, nonPrivate: true, log: () => {} });
    expect(r.model.privacy).toBeNull();
    expect(r.summary).toMatchObject({ private: false, cost: [], epsilon: null });
    expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).config).toMatchObject({ noise: null, clipNorm: null, targetEpsilon: null });
    expect(r.model).toEqual(fit(cohort, { targetEpsilon: Infinity, seed: 0 }));
  });

  it('does not resume a release made with other settings, another number of patients or another source', async () => {
    const out = path.join(tmp, 'other');
    await markov.train({ out, train: cohort, targetEpsilon: 1.6, dataSource: 'here', log: () => {} });
    const again = (over: Record<string, unknown>) => markov.train({ out, train: cohort, targetEpsilon: 1.6, dataSource: 'here', resume: true, log: () => {}, ...over });
    await expect(again({ targetEpsilon: 1 })).rejects.toThrow(/other settings or data; use force/);
    await expect(again({ tableShare: 0.3 })).rejects.toThrow(/other settings or data/);
    await expect(again({ train: fakeCohort(121, 9) })).rejects.toThrow(/other settings or data/);
    await expect(again({ dataSource: 'there' })).rejects.toThrow(/other settings or data/);
    const lines: string[] = [];
    const resumed = await again({ log: (l: string) => lines.push(l) });
    expect(lines).toEqual([`${out}: the Markov-Gaussian release is already made.`]);
    expect(resumed.summary.epsilon).toBeGreaterThan(1.59);
    expect(() => markov.describe(path.join(tmp, 'nowhere'))).toThrow(/run\.json not found: the run settings\. Is .* a Markov-Gaussian run folder \(sprint-gan train --model markov\)\?/);
  });
});
