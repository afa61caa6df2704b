/**
 * trainGan's named steps, each on its own: the budget stop and the epoch's
 * accounting against a hand-computable accountant, the run folder's set-up
 * rules, the checkpoint's commit and restore (a round trip of every weight
 * and Adam moment), and the resume point trimming an interrupted attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/compute/backend';
import { cohortFingerprint } from '../../../lib/data/cohort';
import {
  TARGET_EPSILONS,
  budgetStop,
  commitEpoch,
  createNetworks,
  disposeNetworks,
  epochPrivacy,
  openRunFolder,
  resolveConfig,
  restoreNetworks,
  resumePoint,
  trainGan,
  type Accountant,
  type EpochRecord,
  type Networks,
} from '../../../lib/generators/acgan/train';
import { RunExistsError } from '../../../lib/generators/folder';
import { tinyRun } from './fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sprint-steps-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await selectBackend({ backend: 'cpu', log: null });
});

/** epsilon = steps / 1000 (whatever q and sigma), delta(epsilon) = epsilon / 100: easy to check by hand. */
const linear: Accountant = { epsilonFor: ({ steps }) => steps / 1000, deltaFor: ({ epsilon }) => epsilon / 100 };
const cfg = (over: Record<string, unknown> = {}) => resolveConfig({ ...tinyRun(path.join(tmp, 'unused')), stepsPerEpoch: 100, ...over });

describe('budgetStop', () => {
  it('lets an epoch run while it keeps epsilon at or under the target, and stops the first that would not', () => {
    const c = cfg({ targetEpsilon: 1 });
    expect(budgetStop(c, 0.1, 10, linear)).toBeNull(); // 1000 steps: epsilon 1.0 = target
    const stop = budgetStop(c, 0.1, 11, linear);
    expect(stop).toBe(`Stopped before epoch 11: it would bring epsilon to 1.1000 > target 1 (delta ${c.delta}). 10 complete epoch(s) kept.`);
  });

  it('never stops without a target or without an accountant (a non-private run)', () => {
    expect(budgetStop(cfg({ targetEpsilon: null }), 0.1, 1e6, linear)).toBeNull();
    expect(budgetStop(cfg({ targetEpsilon: 0.001 }), 0.1, 1e6, null)).toBeNull();
  });
});

describe('epochPrivacy', () => {
  it("is the accountant's epsilon at the run's delta and delta at each reported epsilon", () => {
    const p = epochPrivacy(linear, { noiseMultiplier: 1, delta: 1e-5 }, 0.1, 2500);
    expect(p.epsilon).toBe(2.5);
    expect(p.deltaAtEpsilon).toEqual(TARGET_EPSILONS.map((e) => ({ epsilon: e, delta: e / 100 })));
    expect(epochPrivacy(null, { noiseMultiplier: 0, delta: 1e-5 }, 0.1, 2500)).toEqual({ epsilon: null, deltaAtEpsilon: null });
  });
});

describe('openRunFolder', () => {
  it('refuses a resume whose settings or data differ, naming the setting', async () => {
    const out = path.join(tmp, 'resume-check');
    const opts = tinyRun(out, { epochs: 1 });
    await trainGan(opts);
    const c = resolveConfig(opts);
    const fp = cohortFingerprint(opts.train);
    expect(() => openRunFolder({ out, resume: true }, { ...c, learningRate: 2e-3 }, fp, () => {})).toThrow(/Cannot resume .*: learningRate was 0\.001, now 0\.002/);
    expect(() => openRunFolder({ out, resume: true }, c, 'other', () => {})).toThrow(/the training data differ/);
    expect(() => openRunFolder({ out }, c, fp, () => {})).toThrow(RunExistsError);
    expect(openRunFolder({ out, resume: true }, c, fp, () => {}).resuming).toBe(true);
  });
});

describe('commitEpoch, restoreNetworks, resumePoint', () => {
  const values = (n: Networks) => {
    const all: number[][] = [];
    for (const p of [n.d, n.g]) for (const v of p.values()) all.push(Array.from(v.dataSync()));
    for (const a of [n.adamD, n.adamG]) for (const m of [a.m, a.v]) for (const t of m.values()) all.push(Array.from(t.dataSync()));
    return all;
  };

  it('restores exactly what was committed, and a resume drops what an interrupted attempt wrote after it', async () => {
    const out = path.join(tmp, 'commit');
    const opts = tinyRun(out, { epochs: 3 });
    const c = resolveConfig(opts);
    const folder = openRunFolder(opts, c, cohortFingerprint(opts.train), () => {});
    fs.writeFileSync(folder.runFile, JSON.stringify({ version: 1, generator: 'acgan', config: c, data: { fingerprint: cohortFingerprint(opts.train) } }));
    const nets = createNetworks(c);
    // Move every weight and moment away from its initial value.
    for (const p of [nets.d, nets.g]) for (const v of p.values()) v.assign(tf.add(v, 0.25));
    nets.adamD.setState(7, new Map([...nets.d.keys()].map((k) => [k, new Float32Array(nets.d.get(k)!.size).fill(0.5)])), new Map([...nets.d.keys()].map((k) => [k, new Float32Array(nets.d.get(k)!.size).fill(2)])));
    const record = { epoch: 1, steps: c.stepsPerEpoch, epsilon: null } as unknown as EpochRecord;
    const ckpt = await commitEpoch(folder, c, nets, opts.train.maxima, [record]);
    expect(ckpt).toEqual({ epoch: 1, steps: c.stepsPerEpoch, finished: false, stopReason: null, message: null });
    expect(JSON.parse(fs.readFileSync(folder.ckptFile, 'utf8'))).toEqual(ckpt);

    const fresh = createNetworks(c);
    expect(values(fresh)).not.toEqual(values(nets));
    restoreNetworks(out, 1, fresh);
    expect(values(fresh)).toEqual(values(nets));
    expect(fresh.adamD.step).toBe(7);

    // An attempt killed during epoch 2 left its generator folder; resuming removes it and starts after epoch 1.
    // (Its lock goes with it: a killed process's lock is taken over; this process is alive, so release it.)
    folder.release();
    fs.mkdirSync(path.join(out, 'generator', 'epoch-0002'), { recursive: true });
    const again = openRunFolder({ ...opts, resume: true }, c, cohortFingerprint(opts.train), () => {});
    const lines: string[] = [];
    const third = createNetworks(c);
    const start = resumePoint(again, c, third, (l) => lines.push(l));
    disposeNetworks(third);
    expect(start.ckpt.epoch).toBe(1);
    expect(start.finished).toBe(false);
    expect(start.history).toEqual([record]);
    expect(fs.readdirSync(path.join(out, 'generator'))).toEqual(['epoch-0001']);
    expect(lines).toEqual([`Resuming ${out} after epoch 1 (step ${c.stepsPerEpoch}).`]);
    again.release();
    disposeNetworks(nets);
    disposeNetworks(fresh);
  });
});
